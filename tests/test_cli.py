"""The command line as a steward runs it (DATA-CONTRACT.md section 4), in subprocesses.

One `lkjip run` on a broken copy of the demo raw folder is shared by the module (each run
takes several seconds); `lkjip failures` and the usage errors are run against it. The
subprocesses use the session's Prefect server (the `subprocess_env` fixture).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from cli_runner import run_lkjip

ROOT = Path(__file__).resolve().parents[1]
LKJIP = ROOT / ".venv" / "bin" / "lkjip"
RAW = ROOT / "raw"

BROKEN_CSV = "2023/TW2/usaha-kecil/Realisasi TW2 revisi.csv"
UNREADABLE_AMOUNT_CSV = "2023/TW3/kelembagaan-pengawasan/koreksi_tw3.csv"
PLANTED_R004_FILE = "2023/TW4/pemberdayaan-koperasi/Realisasi TW 4 Pemberdayaan Koperasi.csv"


def lkjip(
    args: list[str], env: dict[str, str], cwd: Path, columns: int = 200
) -> subprocess.CompletedProcess:
    """Run the installed `lkjip` with a terminal of `columns` characters."""
    return run_lkjip(args, env, cwd, columns=columns)


def flat(text: str) -> str:
    """Text with every run of whitespace turned into one space (rich wraps long lines)."""
    return " ".join(text.split())


def summary_line(stdout: str) -> str:
    """-> the "N temuan: x error, y peringatan" line that closes `lkjip failures`."""
    lines = [line for line in stdout.splitlines() if " temuan: " in line]
    assert len(lines) == 1, stdout
    return lines[0].strip()


def table(stdout: str) -> list[dict[str, str]]:
    """A rich table as printed -> one dict per row: header -> cell text, wrapped lines joined."""
    lines = stdout.splitlines()
    head = [line for line in lines if line.startswith("\u2503")]  # ┃ header lines
    names = [
        " ".join(parts).strip() for parts in zip(*(_cells(h, "\u2503") for h in head), strict=True)
    ]
    rows, current = [], None
    for line in lines:
        if line.startswith("\u2502"):  # │ a line of a body row
            cells = _cells(line, "\u2502")
            current = (
                cells
                if current is None
                else [f"{a} {b}" for a, b in zip(current, cells, strict=True)]
            )
        elif current is not None and line[:1] in ("\u251c", "\u2514"):  # ├ └ row ends
            rows.append({n: " ".join(c.split()) for n, c in zip(names, current, strict=True)})
            current = None
    return rows


def _cells(line: str, bar: str) -> list[str]:
    """One printed table line -> its cell texts."""
    return [c.strip() for c in line.strip()[1:-1].split(bar)]


@pytest.fixture(scope="module")
def faulty(subprocess_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The demo raw folder with two broken files, consolidated to TW4 once by `lkjip run`."""
    base = tmp_path_factory.mktemp("cli")
    raw = base / "raw"
    shutil.copytree(RAW / "2023", raw / "2023")
    # Excel's "Unicode Text" export (UTF-16) saved with a .csv name: unreadable as a whole.
    (raw / BROKEN_CSV).write_bytes(
        (
            "Kode Sub Kegiatan;Nama Sub Kegiatan;Jenis Belanja;Pagu;Realisasi TW;"
            "Realisasi s/d TW\r\n"
            "2.17.07.1.01.02;Peningkatan Pemahaman dan Pengetahuan;Operasi;"
            "2.000.000.000,00;150.000.000,00;450.000.000,00\r\n"
        ).encode("utf-16")
    )
    # A correction line whose amount is written in words (V003 on row 2).
    (raw / UNREADABLE_AMOUNT_CSV).write_bytes(
        "Kode;Uraian;Akun;Anggaran;Realisasi TW;Realisasi s/d TW;Fisik (%)\r\n"
        "2.17.03.1.01.01;Belanja Makanan dan Minuman Rapat;5.1.02.01.01.0052;"
        "829.737.000,00;lima juta;-;21,49\r\n".encode("cp1252")
    )
    curated = base / "curated"
    args = ["run", "--tahun", "2023", "--triwulan", "4"]
    run = lkjip([*args, "--raw", str(raw), "--curated", str(curated)], subprocess_env, base)
    return {"base": base, "raw": raw, "curated": curated, "run": run, "env": subprocess_env}


def failures(faulty: dict, *extra: str, columns: int = 200) -> subprocess.CompletedProcess:
    """`lkjip failures --tahun 2023 --curated <the faulty run's folder>` + options."""
    args = ["failures", "--tahun", "2023", "--curated", str(faulty["curated"]), *extra]
    return lkjip(args, faulty["env"], faulty["base"], columns)


# --------------------------------------------------------------------------- lkjip run


def test_run_on_a_faulty_raw_folder_publishes_and_prints_a_summary(faulty: dict) -> None:
    run = faulty["run"]
    assert run.returncode == 0, run.stderr[-3000:]
    out = flat(run.stdout)
    assert out.startswith("Terbit 2023-tw4-"), out
    assert str(faulty["curated"]) in out
    # One V001 (the broken CSV), one V003 (the amount in words), the planted R004.
    assert "Temuan: R004 (peringatan) 1, V001 (error) 1, V003 (error) 1" in out, out
    assert "karantina 1" in out  # the row with the amount in words, held back
    assert f"lkjip failures --tahun 2023 --curated {faulty['curated']}" in out
    assert (faulty["curated"] / "temuan" / "tahun=2023").exists()


# --------------------------------------------------------------------------- lkjip failures


EVERY_FINDING = {
    BROKEN_CSV: ("V001", "error", "2", "usaha-kecil"),
    UNREADABLE_AMOUNT_CSV: ("V003", "error", "3", "kelembagaan-pengawasan"),
    PLANTED_R004_FILE: ("R004", "peringatan", "4", "pemberdayaan-koperasi"),
}


def shown_files(rows: list[dict[str, str]]) -> dict[str, tuple[str, str, str, str]]:
    """Table rows -> {file named by the message: (rule, level, quarter, bidang)}."""
    out = {}
    for row in rows:
        named = [b for b in EVERY_FINDING if row["Pesan"].startswith(f"Berkas {b}")]
        assert len(named) == 1, row
        out[named[0]] = (row["Aturan"], row["Tingkat"], row["TW"], row["Bidang"])
    return out


def test_failures_shows_every_finding_in_a_table_naming_the_files(faulty: dict) -> None:
    shown = failures(faulty)
    assert shown.returncode == 0, shown.stderr
    assert shown.stderr == ""
    rows = table(shown.stdout)
    columns = ["Aturan", "Tingkat", "TW", "Bidang", "Berkas / lembar / baris", "Pesan"]
    assert list(rows[0]) == columns
    assert shown_files(rows) == EVERY_FINDING
    [v003] = [r for r in rows if r["Aturan"] == "V003"]
    assert v003["Pesan"].startswith(f"Berkas {UNREADABLE_AMOUNT_CSV}, baris 2, ")
    assert "'lima juta'" in v003["Pesan"]
    assert v003["Berkas / lembar / baris"].endswith("/ 2")
    assert summary_line(shown.stdout) == "3 temuan: 2 error, 1 peringatan"


def test_failures_names_the_broken_file_on_an_80_column_terminal(faulty: dict) -> None:
    """Piped to a file or read in a classic terminal, the path must not be cut off."""
    shown = failures(faulty, "--aturan", "V001", columns=80)
    assert shown.returncode == 0, shown.stderr
    [row] = table(shown.stdout)
    assert any(BROKEN_CSV in cell for cell in row.values()), row


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--triwulan", "2"], [BROKEN_CSV]),
        (["--triwulan", "4"], [PLANTED_R004_FILE]),
        (["--bidang", "kelembagaan-pengawasan"], [UNREADABLE_AMOUNT_CSV]),
        (["--aturan", "V001"], [BROKEN_CSV]),
        (["--aturan", "r004"], [PLANTED_R004_FILE]),
        (["--triwulan", "2", "--bidang", "usaha-kecil", "--aturan", "V001"], [BROKEN_CSV]),
    ],
)
def test_failures_filters_by_quarter_bidang_and_rule(
    faulty: dict, options: list[str], expected: list[str]
) -> None:
    result = failures(faulty, *options)
    assert result.returncode == 0, result.stderr
    assert shown_files(table(result.stdout)) == {b: EVERY_FINDING[b] for b in expected}
    errors = sum(EVERY_FINDING[b][1] == "error" for b in expected)
    assert summary_line(result.stdout) == (
        f"{len(expected)} temuan: {errors} error, {len(expected) - errors} peringatan"
    )


def test_failures_with_a_filter_matching_nothing_says_so(faulty: dict) -> None:
    result = failures(faulty, "--triwulan", "1", "--bidang", "sekretariat")
    assert result.returncode == 0, result.stderr
    assert flat(result.stdout) == "Tidak ada temuan untuk pilihan ini."


def test_failures_xlsx_writes_a_workbook_with_the_findings(faulty: dict) -> None:
    target = faulty["base"] / "laporan" / "temuan.xlsx"
    result = failures(faulty, "--xlsx", str(target))
    assert result.returncode == 0, result.stderr
    assert target.is_file()
    book = openpyxl.load_workbook(target)
    assert (
        book.sheetnames[0] == "Ringkasan"
    )  # then one sheet per bidang (flows/annotated_return.py)
    found = workbook_findings(target)
    for column in ("Aturan", "Tingkat", "Triwulan", "Bidang", "Berkas", "Baris"):
        assert all(column in f for f in found)
    assert sorted((f["Aturan"], f["Tingkat"], f["Berkas"]) for f in found) == [
        ("R004", "peringatan", PLANTED_R004_FILE),
        ("V001", "error", BROKEN_CSV),
        ("V003", "error", UNREADABLE_AMOUNT_CSV),
    ]
    v003 = next(f for f in found if f["Aturan"] == "V003")
    assert (v003["Triwulan"], v003["Bidang"], v003["Baris"]) == (
        3,
        "kelembagaan-pengawasan",
        2,
    )
    assert "lima juta" in v003["Pesan dan cara memperbaiki"]


def workbook_findings(path: Path) -> list[dict]:
    """The findings workbook -> its findings, one dict per row of each bidang's sheet."""
    found = []
    for sheet in openpyxl.load_workbook(path).worksheets[1:]:
        rows = list(sheet.iter_rows(values_only=True))
        found += [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    return found


def test_failures_xlsx_honours_the_filters(faulty: dict) -> None:
    target = faulty["base"] / "v001.xlsx"
    result = failures(faulty, "--aturan", "V001", "--xlsx", str(target))
    assert result.returncode == 0, result.stderr
    assert [f["Berkas"] for f in workbook_findings(target)] == [BROKEN_CSV]


def test_failures_on_an_empty_curated_folder_exits_1_with_one_line(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    empty = tmp_path / "curated"
    empty.mkdir()
    args = ["failures", "--tahun", "2023", "--curated", str(empty)]
    result = lkjip(args, subprocess_env, tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("lkjip: ")
    assert "2023" in lines[0] and str(empty) in lines[0]


# --------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["run", "--tahun", "2023"], "--triwulan"),
        (["run", "--tahun", "2023", "--triwulan", "7"], "--triwulan"),
        (["run", "--tahun", "dua ribu", "--triwulan", "1"], "--tahun"),
        (["failures", "--tahun", "2023", "--triwulan", "0"], "--triwulan"),
        (["failures"], "--tahun"),
        (["laporkan", "--tahun", "2023"], "laporkan"),
    ],
)
def test_a_usage_error_is_one_line_on_stderr_and_exit_2(
    subprocess_env: dict[str, str], tmp_path: Path, args: list[str], names: str
) -> None:
    result = lkjip(args, subprocess_env, tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert names in lines[0]
    assert lines[0].startswith("lkjip")


def _no_year_folder(raw: Path) -> str:
    raw.mkdir()
    return str(raw / "2023")


def _unreadable_dpa(raw: Path) -> str:
    shutil.copytree(RAW / "2023" / "referensi", raw / "2023" / "referensi")
    (raw / "2023" / "referensi" / "dpa.csv").write_bytes(b"ini bukan tabel DPA\r\n")
    return "dpa.csv"


@pytest.mark.parametrize("breakage", [_no_year_folder, _unreadable_dpa])
def test_run_that_cannot_publish_gives_a_one_line_reason_not_a_traceback(
    subprocess_env: dict[str, str], tmp_path: Path, breakage
) -> None:
    """Nothing to publish: non-zero exit and one line saying why (contract section 4)."""
    raw = tmp_path / "raw"
    named = breakage(raw)
    args = ["run", "--tahun", "2023", "--triwulan", "1", "--raw", str(raw)]
    result = lkjip([*args, "--curated", str(tmp_path / "curated")], subprocess_env, tmp_path)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("lkjip: ") and named in lines[-1], result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert not (tmp_path / "curated" / "temuan").exists()


@pytest.mark.parametrize(
    ("option", "typo", "valid"),
    [("--bidang", "usaha_kecil", "usaha-kecil"), ("--aturan", "V099", "R004")],
)
def test_failures_with_an_unknown_bidang_or_rule_is_a_usage_error_listing_the_valid_ones(
    faulty: dict, option: str, typo: str, valid: str
) -> None:
    shown = failures(faulty, option, typo)
    assert shown.returncode == 2, shown.stdout
    (line,) = shown.stderr.strip().splitlines()
    assert f"{option} '{typo}' tidak dikenal" in line and valid in line, line
