"""Hostile and unlucky inputs (issue 9, items 1, 2, 3 and 8), each planted in a copy of raw/.

Entries that are no regular file inside raw/ (links out of it, FIFOs, devices, loops,
empty folders named like files) are each one V001 naming the entry, never read or hashed;
inputs that would exhaust memory are refused by a reader limit or checked in linear
memory; a file name that is not UTF-8 is read and published under its faithful text.
The runs that matter go through `lkjip run`, measured by a small wrapper process whose
only children are the run's (see `peak_rss_run`): the test process's own size, which a
forked child reports as its own, never enters the figure.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest
from cli_runner import LKJIP
from conftest import RAW
from fault_ledger import CASES, input_rows_lost
from fixtures_faults import consolidated
from hostile_inputs import (
    MARKER,
    NON_UTF8_TEXT,
    REFUSED_ENTRIES,
    USAHA_KECIL,
    far_cell_xlsx,
    header_only_dpa,
    non_utf8_file_name,
    outside,
    reference_symlink_out_of_raw,
    repeated_key_xlsx,
    wide_csv_line,
)

from flows import raw_folder, readers
from flows.raw_folder import LkjipError, discover, load_references, read_submission
from flows.readers import read_file
from transforms.findings import finalize
from transforms.ingest import ingest

GIB = 1024**3
# Runs `lkjip ...` and prints the peak RSS (KiB) of its process tree as the last stderr line.
_PEAK_WRAPPER = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:])\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(f'\\nPEAK_RSS_KIB {peak}', file=sys.stderr)\n"
    "sys.exit(done.returncode)\n"
)


def peak_rss_run(
    args: list[str], env: dict[str, str], cwd: Path
) -> tuple[subprocess.CompletedProcess, int]:
    """`lkjip <args>` run under a fresh small python -> (its completed process, the peak
    RSS in bytes of any process of its tree)."""
    done = subprocess.run(
        [sys.executable, "-I", "-c", _PEAK_WRAPPER, str(LKJIP), *args],
        env={**env, "COLUMNS": "200"},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    last = done.stderr.rstrip().splitlines()[-1]
    assert last.startswith("PEAK_RSS_KIB "), done.stderr[-3000:]
    return done, int(last.split()[1]) * 1024


def run_year(raw: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess, int, Path]:
    """`lkjip run` for 2023 TW4 on `raw` -> (the run, its peak RSS, the curated folder)."""
    curated = raw.parent / "curated"
    args = ["run", "--tahun", "2023", "--triwulan", "4", "--raw", str(raw)]
    done, peak = peak_rss_run([*args, "--curated", str(curated)], env, raw.parent)
    assert done.returncode == 0, done.stderr[-4000:]
    print(f"lkjip run on {raw}: peak RSS {peak / 2**20:.0f} MiB")  # shown with pytest -s
    return done, peak, curated


def manifest(curated: Path) -> dict:
    """-> the published manifest of 2023."""
    return json.loads((curated / "manifest" / "tahun=2023.json").read_text(encoding="utf-8"))


def published(curated: Path, name: str) -> pl.DataFrame:
    """-> one published table of 2023 as an analyst reads it."""
    return pl.scan_parquet(curated / name, hive_partitioning=True).collect()


def published_text(curated: Path) -> str:
    """-> every published table's cells as text, and every other published file's bytes."""
    parts = []
    release = (curated / ".rilis" / "2023" / "aktif").resolve()
    for path in sorted(release.rglob("*")):
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path)
            parts.append(frame.select(pl.all().cast(pl.String)).write_csv())
        elif path.is_file():
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def v001_by_file(curated: Path) -> dict[str, str]:
    """-> {berkas: pesan} of the published V001 findings."""
    rows = published(curated, "temuan").filter(pl.col("aturan") == "V001")
    return dict(rows.select("berkas", "pesan").iter_rows())


# --------------------------------------------------------------------------- items 1, 3, 8


@pytest.fixture(scope="module")
def refused_run(subprocess_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One `lkjip run` on a copy of raw/ holding every refused entry and the non-UTF-8 name."""
    base = tmp_path_factory.mktemp("tolak")
    raw = base / "raw"
    shutil.copytree(RAW / "2023", raw / "2023")
    planted = {builder.__name__: builder(raw) for builder in REFUSED_ENTRIES}
    non_utf8_file_name(raw)
    done, peak, curated = run_year(raw, subprocess_env)
    return {"raw": raw, "curated": curated, "run": done, "planted": planted, "peak": peak}


REFUSED = {
    "2023/TW4/usaha-kecil/x.csv": "menunjuk ke luar folder raw",
    "2023/TW4/pemberdayaan-koperasi-arsip": "menunjuk ke luar folder raw",
    "2023/TW4/usaha-kecil/nol.csv": "menunjuk ke luar folder raw",
    "2023/TW4/usaha-kecil/antrian.csv": "bukan berkas biasa",
    "2023/TW4/usaha-kecil/putar.xlsx": "rusak atau berputar",
    "2023/TW4/usaha-kecil/realisasi_tw4.xlsx": "folder kosong",
}


def test_each_entry_that_is_no_regular_file_inside_raw_is_one_v001_naming_it(refused_run):
    found = v001_by_file(refused_run["curated"])
    assert set(found) == set(REFUSED), found
    for berkas, why in REFUSED.items():
        assert found[berkas].startswith(f"Berkas {berkas}: "), found[berkas]
        assert why in found[berkas] and "tidak dibaca" in found[berkas], found[berkas]
    assert len(refused_run["planted"]) == len(REFUSED)


def test_no_byte_from_outside_raw_is_published_or_hashed(refused_run):
    curated = refused_run["curated"]
    text = published_text(curated)
    assert MARKER not in text
    secret = (outside(refused_run["raw"]) / "rahasia.csv").read_bytes()
    assert hashlib.sha256(secret).hexdigest() not in text
    assert "di-luar-raw" not in text  # not even where the links point
    inputs = {m["berkas"] for m in manifest(curated)["masukan"]}
    assert not inputs & set(REFUSED)
    assert not any(b.startswith("2023/TW4/pemberdayaan-koperasi-arsip/") for b in inputs)


def test_every_entry_of_a_bidang_folder_is_read_or_refused(
    refused_run, demo_manifest, record_fault
):
    raw, curated = refused_run["raw"], refused_run["curated"]
    lost = input_rows_lost(demo_manifest, curated)
    assert lost == 0
    record_fault(CASES[0], len(refused_run["planted"]), lost)
    record_fault(CASES[1], 1, lost)  # the same run holds the non-UTF-8 name
    folder = raw / USAHA_KECIL
    entries = {f"{USAHA_KECIL.as_posix()}/{p.name}" for p in folder.iterdir()}
    read = {m["berkas"] for m in manifest(curated)["masukan"]}
    refused = set(v001_by_file(curated))
    assert entries == (entries & read) | (entries & refused)
    assert entries & read == {f"{USAHA_KECIL.as_posix()}/usaha_kecil_tw4_2023.xlsx"}


def test_a_file_name_that_is_not_utf8_is_read_and_published_under_its_faithful_text(
    refused_run,
):
    curated = refused_run["curated"]
    berkas = f"2023/TW4/kelembagaan-pengawasan/{NON_UTF8_TEXT}"
    (entry,) = [m for m in manifest(curated)["masukan"] if m["berkas"] == berkas]
    assert entry["baris_per_status"].get("diterima", 0) > 0
    assert "karantina" not in entry["baris_per_status"]
    realisasi = published(curated, "realisasi_anggaran").filter(
        (pl.col("triwulan") == 4) & (pl.col("kode_bidang") == "kelembagaan-pengawasan")
    )
    assert realisasi.height > 0
    assert set(realisasi.get_column("kelengkapan").to_list()) == {"lengkap"}


def test_entries_refused_on_the_pure_path_carry_their_quarter_and_bidang(raw_copy: Path):
    for builder in REFUSED_ENTRIES:
        builder(raw_copy)
    found = discover(raw_copy, 2023, 4)
    by_name = {raw_folder.relative(r.path, raw_copy): r for r in found.refused}
    assert set(by_name) == set(REFUSED)
    assert {r.triwulan for r in found.refused} == {4}
    assert by_name["2023/TW4/usaha-kecil/antrian.csv"].kode_bidang == "usaha-kecil"
    every_path = [p for s in found.submissions for p in s.files] + [p for _, p in found.misplaced]
    assert not {raw_folder.relative(p, raw_copy) for p in every_path} & set(REFUSED)
    assert raw_folder.refused_inputs(found, raw_copy)[0].keys() == {"berkas", "triwulan", "sebab"}


def test_a_reference_file_linked_out_of_raw_stops_the_run_in_one_line(raw_copy: Path):
    reference_symlink_out_of_raw(raw_copy)
    with pytest.raises(LkjipError) as raised:
        load_references(raw_copy, 2023)
    message = str(raised.value)
    assert message.startswith("2023/referensi/hierarki.csv: tautan (symlink)")
    assert "luar folder raw" in message and "\n" not in message and MARKER not in message
    assert raw_folder.reference_path(raw_copy, 2023, "hierarki") is None  # never hashed


def test_a_header_only_dpa_says_it_has_no_row_instead_of_an_empty_column_list(raw_copy: Path):
    header_only_dpa(raw_copy)
    with pytest.raises(LkjipError) as raised:
        load_references(raw_copy, 2023)
    message = str(raised.value)
    assert "kolom wajib: )" not in message
    assert message == (
        "2023/referensi/dpa.csv: tidak ada baris data di bawah baris judul kolom (baris 1); "
        "isi berkas ini dengan baris dpa tahun ini"
    )


# --------------------------------------------------------------------------- item 2: memory


def test_20_000_rows_repeating_4_keys_publish_with_peak_rss_under_1_gib(
    raw_copy: Path, subprocess_env: dict[str, str], demo_manifest, record_fault
):
    repeated_key_xlsx(raw_copy, 20_000)
    _, peak, curated = run_year(raw_copy, subprocess_env)
    lost = input_rows_lost(demo_manifest, curated, planted_rows=20_000)
    assert lost == 0
    record_fault(CASES[2], 20_000, lost)
    assert peak < GIB, f"peak RSS {peak / 2**20:.0f} MiB"
    berkas = f"{USAHA_KECIL.as_posix()}/berulang.xlsx"
    (entry,) = [m for m in manifest(curated)["masukan"] if m["berkas"] == berkas]
    assert entry["baris_per_status"] == {"karantina": 20_000}
    v006 = published(curated, "temuan").filter(
        (pl.col("aturan") == "V006") & (pl.col("berkas") == berkas)
    )
    assert v006.height == 20_000
    # 5.001 rows of each key (the bidang's own export has one): a message names three of
    # the 5.000 others and how many more, never all of them, and two of the differing
    # figures and how many more values there are.
    longest = v006.get_column("pesan").str.len_chars().max()
    assert longest < 1_200, longest
    assert v006.get_column("pesan").str.contains(r"dan 4\.999 nilai lain").all()
    assert v006.get_column("pesan").str.contains(r", baris \d+ dan 4\.997 lainnya\)").all()


def test_a_25_million_field_line_and_a_far_cell_are_refused_with_peak_rss_under_1_gib(
    raw_copy: Path, subprocess_env: dict[str, str], demo_manifest, record_fault
):
    wide_csv_line(raw_copy)
    far_cell_xlsx(raw_copy)
    _, peak, curated = run_year(raw_copy, subprocess_env)
    lost = input_rows_lost(demo_manifest, curated)
    assert lost == 0
    record_fault(CASES[3], 2, lost)
    assert peak < GIB, f"peak RSS {peak / 2**20:.0f} MiB"
    found = v001_by_file(curated)
    wide = found[f"{USAHA_KECIL.as_posix()}/lebar.csv"]
    assert "baris 1 berisi 25.000.001 kolom" in wide and "batas 256 kolom" in wide, wide
    far = found[f"{USAHA_KECIL.as_posix()}/jauh.xlsx"]
    assert "XFD1048576" in far and "tidak dibaca" in far, far
    # The bidang's own export beside them is still read.
    inputs = {m["berkas"] for m in manifest(curated)["masukan"]}
    assert f"{USAHA_KECIL.as_posix()}/usaha_kecil_tw4_2023.xlsx" in inputs


# --------------------------------------------------------------------------- each limit


def findings_of(path: Path) -> pl.DataFrame:
    """One file as a bidang's whole submission -> its finalized findings."""
    kiriman = ingest([read_file(path, path.name)], tahun=2023, triwulan=4, kode_bidang="x")
    return finalize(kiriman.temuan, "uji")


def one_v001(path: Path) -> dict:
    """-> the one V001 finding of a file (asserting there is exactly one finding)."""
    (finding,) = findings_of(path).to_dicts()
    assert finding["aturan"] == "V001", finding
    return finding


@pytest.fixture
def workbook(raw_copy: Path) -> Path:
    """-> the bundled usaha-kecil TW4 workbook (sheets Keuangan and Kinerja, 7 columns)."""
    return raw_copy / USAHA_KECIL / "usaha_kecil_tw4_2023.xlsx"


@pytest.mark.parametrize(
    ("limit", "value", "words"),
    [
        ("MAX_ROWS", 5, "sampai baris 10 (sel G10), melebihi batas 5 baris"),
        ("MAX_COLUMNS", 6, "sampai kolom G (7 kolom, sel G10), melebihi batas 6 kolom"),
        ("MAX_CELLS", 60, "mencakup 70 sel (dari A1 sampai G10), melebihi batas 60 sel"),
        ("MAX_CELL_CHARS", 100, "sel B4 berisi 194 karakter, melebihi batas 100 karakter per sel"),
    ],
)
def test_a_sheet_over_a_limit_is_one_v001_naming_the_sheet_and_the_limit(
    workbook: Path, monkeypatch, limit: str, value: int, words: str
):
    monkeypatch.setattr(readers, limit, value)
    found = findings_of(workbook).filter(pl.col("lembar") == "Keuangan").to_dicts()
    assert [f["aturan"] for f in found] == ["V001"], found
    pesan = found[0]["pesan"]
    assert pesan.startswith(f"Berkas {workbook.name}, lembar 'Keuangan': "), pesan
    assert words in pesan and "tidak dibaca" in pesan and "pecah data" in pesan, pesan


def test_a_workbook_with_too_many_sheets_is_refused(workbook: Path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_SHEETS", 1)
    finding = one_v001(workbook)
    assert "buku kerja berisi 2 lembar, melebihi batas 1 lembar" in finding["pesan"]


@pytest.mark.parametrize(
    ("limit", "value", "words"),
    [
        ("MAX_FILE_BYTES", 100, "berkas berukuran 147 byte, melebihi batas 100 byte"),
        ("MAX_ROWS", 2, "berkas CSV berisi 3 baris, melebihi batas 2 baris"),
        ("MAX_COLUMNS", 4, "baris 1 berisi 5 kolom (dipisah ';'), melebihi batas 4 kolom"),
        ("MAX_CELLS", 14, "berkas CSV berisi 15 sel, melebihi batas 14 sel"),
    ],
)
def test_a_csv_over_a_limit_is_one_v001_naming_the_limit(
    tmp_path: Path, monkeypatch, limit: str, value: int, words: str
):
    path = tmp_path / "realisasi.csv"
    path.write_text(
        "Kode;Uraian;Jenis Belanja;Anggaran;Realisasi TW\r\n"
        "2.17.07.1.01.01;Belanja;Operasi;1.000.000;1.000\r\n"
        "2.17.07.1.01.02;Belanja;Operasi;1.000.000;2.000\r\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(readers, limit, value)
    finding = one_v001(path)
    assert words in finding["pesan"] and "tidak dibaca" in finding["pesan"], finding["pesan"]


def test_quoted_line_breaks_cannot_smuggle_a_record_wider_than_the_limit(
    tmp_path: Path, monkeypatch
):
    monkeypatch.setattr(readers, "MAX_COLUMNS", 4)
    path = tmp_path / "realisasi.csv"
    # Every line has 3 separators, but the quoted breaks join them into one 7-field record.
    path.write_text('a;b;c;"x\r\ny";d;e;"z\r\nw"\r\n', encoding="utf-8")
    assert "baris 1 berisi 7 kolom" in one_v001(path)["pesan"]


def test_a_bidang_quarter_over_its_row_budget_refuses_the_file_that_passes_it(
    raw_copy: Path, monkeypatch
):
    monkeypatch.setattr(raw_folder, "MAX_ROWS_PER_SUBMISSION", 15)
    (sub,) = [
        s
        for s in discover(raw_copy, 2023, 4).submissions
        if (s.triwulan, s.kode_bidang) == (4, "pemberdayaan-koperasi")
    ]
    files = read_submission(sub, raw_copy)
    assert [f.problem is None for f in files] == [True, False]  # 8 kinerja rows, then 10
    assert files[1].check == "V001:batas"
    assert "melebihi batas 15 baris per bidang per triwulan" in files[1].problem


def test_xlsb_and_ods_are_refused_unopened(tmp_path: Path):
    for suffix in (".xlsb", ".ods"):
        path = tmp_path / f"realisasi{suffix}"
        path.write_bytes(b"PK\x03\x04 whatever")
        assert "simpan ulang sebagai .xlsx" in one_v001(path)["pesan"]


def test_an_ods_named_xlsx_is_refused_before_calamine_sees_it(tmp_path: Path):
    path = tmp_path / "realisasi.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    assert "bukan buku kerja Excel .xlsx" in one_v001(path)["pesan"]


def test_the_pure_path_publishes_the_non_utf8_name_without_a_crash(raw_copy: Path):
    non_utf8_file_name(raw_copy)
    result = consolidated(raw_copy)
    berkas = f"2023/TW4/kelembagaan-pengawasan/{NON_UTF8_TEXT}"
    rows = result.hitungan.filter(pl.col("berkas") == berkas)
    counts = dict(rows.select("status", "baris").rows())
    assert counts.get("diterima", 0) > 0 and "karantina" not in counts
