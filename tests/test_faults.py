"""Faulty files as offices send them: one mistake gives one finding, totals stay true.

Each test plants one fault (tests/fixtures_faults.py) in a copy of the bundled raw folder,
the CSV and xlsx exports with their title rows, roll-ups and kode rekening detail, and
consolidates it the way the flow does (the pure path: read, validate, consolidate). The
year's complete realisation is the printed Tabel 3.6 total, 25.035.654.473.
"""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import fixtures_faults as faults
import polars as pl

from flows.quality_gate import run_gate
from transforms.numbers import parse_text
from transforms.year_tables import YearTables

ROOT = Path(__file__).resolve().parents[1]
TAHUN = 2023
SETAHUN = Decimal("25035654473")  # the printed Tabel 3.6 total of 2023
DEMO_R004 = ("R004", 4, "pemberdayaan-koperasi")  # the real 400 Rp ceiling warning


def planted(tmp_path: Path, *faults_to_plant) -> tuple[Path, YearTables, list]:
    """Faults -> (the broken raw copy, its consolidation, what each fault returned)."""
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "raw" / str(TAHUN), raw / str(TAHUN))
    info = [fault(raw) for fault in faults_to_plant]
    return raw, faults.consolidated(raw), info


def others(result: YearTables) -> pl.DataFrame:
    """-> the findings besides the demo's own R004."""
    demo = (
        (pl.col("aturan") == DEMO_R004[0])
        & (pl.col("triwulan") == DEMO_R004[1])
        & (pl.col("kode_bidang") == DEMO_R004[2])
    )
    return result.temuan.filter(~demo)


def year_total(result: YearTables, triwulan: int = 4) -> Decimal:
    """-> the published realisasi_kumulatif of all lines at a quarter."""
    ra = result.realisasi_anggaran
    return ra.filter(pl.col("triwulan") == triwulan).get_column("realisasi_kumulatif").sum()


def assert_quotes_its_cells(raw: Path, temuan: pl.DataFrame) -> int:
    """Every finding that names one cell quotes what that cell holds; -> how many were read."""
    named = temuan.filter(pl.col("sel").is_not_null() & ~pl.col("sel").str.contains(":"))
    for f in named.iter_rows(named=True):
        text = faults.cell_text(raw, f["berkas"], f["lembar"], f["sel"])
        assert text, f"{f['sel']} of {f['berkas']} is empty, yet {f['aturan']} names it"
        amount = parse_text(text, max_decimals=None)
        quoted = {text}
        if amount is not None:
            quoted.add(_rupiah(amount))
        assert any(q in f["pesan"] for q in quoted), (f["sel"], text, f["pesan"])
    return named.height


def _rupiah(amount: Decimal) -> str:
    """Decimal -> "1.234.567" or "1.234.567,5" as the messages write money."""
    sign = "-" if amount < 0 else ""
    whole, _, cents = f"{abs(amount):f}".partition(".")
    grouped = re.sub(r"(?<=\d)(?=(\d{3})+$)", ".", whole)
    cents = cents.rstrip("0")
    return sign + grouped + (f",{cents}" if cents else "")


# --------------------------------------------------------------------------- the demo itself
def test_the_demo_publishes_the_printed_year_with_its_single_r004(tmp_path):
    raw, result, _ = planted(tmp_path)
    assert year_total(result) == SETAHUN
    assert result.temuan.select("aturan", "triwulan", "kode_bidang").rows() == [DEMO_R004]
    assert set(result.realisasi_anggaran.get_column("kelengkapan")) == {"lengkap"}
    assert assert_quotes_its_cells(raw, result.temuan) == 1


# --------------------------------------------------------------------------- one mistake
def test_a_minus_sign_gives_one_v004_and_nothing_on_the_correct_cells_around_it(tmp_path):
    raw, result, [where] = planted(tmp_path, faults.minus_sign)
    found = others(result)
    assert found.select("aturan", "berkas", "baris", "sel").rows() == [
        ("V004", where["berkas"], where["baris"], where["sel"])
    ]
    assert "-12.691.614,00" in found.item(0, "pesan")
    assert assert_quotes_its_cells(raw, result.temuan) == 2
    # The held-back line's quarter is not complete; the rest of its sub kegiatan is in.
    line = result.realisasi_anggaran.filter(
        (pl.col("triwulan") == 4) & (pl.col("kode_sub_kegiatan") == "2.17.03.1.02.01")
    )
    assert line.get_column("kelengkapan").to_list() == ["tidak_ada"]
    assert year_total(result) == SETAHUN - Decimal("12691614")
    held = result.karantina.select("berkas", "baris", "aturan").rows()
    assert held == [(where["berkas"], where["baris"], "V004")]


def test_a_line_pasted_twice_with_another_amount_gives_its_v006_and_no_v008(tmp_path):
    raw, result, [where] = planted(tmp_path, faults.duplicated_line)
    found = others(result)
    assert found.get_column("aturan").to_list() == ["V006", "V006"]
    assert found.get_column("baris").to_list() == where["baris"]
    # The second copy is the same mistake: it points at the first copy's finding.
    first, second = found.get_column("temuan_id").to_list()
    assert found.get_column("akar").to_list() == [None, first]
    assert second != first
    assert assert_quotes_its_cells(raw, result.temuan) >= 1


# --------------------------------------------------------------------------- missing quarters
def test_a_missing_tw2_keeps_the_year_true_from_the_next_quarters_cumulative(tmp_path):
    raw, result, _ = planted(tmp_path, faults.missing_quarter)
    assert others(result).select("aturan", "triwulan", "kode_bidang").rows() == [
        ("R006", 2, "usaha-kecil")
    ]
    assert year_total(result) == SETAHUN
    ra = result.realisasi_anggaran
    tw2 = ra.filter((pl.col("triwulan") == 2) & (pl.col("kode_bidang") == "usaha-kecil"))
    assert tw2.height == 6
    assert set(tw2.get_column("kelengkapan")) == {"dari_kumulatif"}
    others_tw2 = ra.filter((pl.col("triwulan") == 2) & (pl.col("kode_bidang") != "usaha-kecil"))
    assert set(others_tw2.get_column("kelengkapan")) == {"lengkap"}
    # Every quarter still adds up to its cumulative.
    for (kode, jenis), line in ra.sort("triwulan").group_by(
        "kode_sub_kegiatan", "jenis_belanja", maintain_order=True
    ):
        sums = line.get_column("realisasi_triwulan").cum_sum().to_list()
        assert sums == line.get_column("realisasi_kumulatif").to_list(), (kode, jenis)


def test_an_overspend_is_caught_even_with_a_quarter_missing(tmp_path):
    raw, result, where = planted(tmp_path, faults.missing_quarter, faults.overspend_tw4)
    r003 = result.temuan.filter(pl.col("aturan") == "R003")
    assert r003.select("triwulan", "kode", "jenis_belanja", "berkas", "sel").rows() == [
        (4, "2.17.08.1.01.01", "operasi", where[1]["berkas"], where[1]["sel"])
    ]
    assert "377.707.884" in r003.item(0, "pesan") and "370.157.500" in r003.item(0, "pesan")
    assert assert_quotes_its_cells(raw, result.temuan) >= 2


def test_tw2_and_tw3_missing_put_the_gap_on_tw3_and_keep_tw4_true(tmp_path):
    def both(raw: Path) -> None:
        faults.missing_quarter(raw, "pemberdayaan-koperasi", 2)
        faults.missing_quarter(raw, "pemberdayaan-koperasi", 3)

    _, result, _ = planted(tmp_path, both)
    ra = result.realisasi_anggaran.filter(pl.col("kode_bidang") == "pemberdayaan-koperasi")
    by_quarter = dict(ra.group_by("triwulan").agg(pl.col("kelengkapan").unique()).iter_rows())
    assert by_quarter[2] == ["tidak_ada"] and by_quarter[3] == ["dari_kumulatif"]
    assert year_total(result) == SETAHUN
    assert not others(result).filter(pl.col("aturan") == "R005").height


# --------------------------------------------------------------------------- the year publishes
def _gate(result: YearTables, tmp_path: Path):
    return run_gate(result.tables(), tmp_path / "data_docs", TAHUN)


def test_spending_above_a_pagu_the_perubahan_cut_publishes_with_its_r003(tmp_path):
    raw, result, [cut] = planted(tmp_path, faults.perubahan_cut)
    r003 = result.temuan.filter(pl.col("aturan") == "R003")
    assert r003.select("triwulan", "kode").rows() == [(4, cut["kode"])]
    assert "DPA perubahan" in r003.item(0, "pesan")
    tw4 = result.realisasi_anggaran.filter(
        (pl.col("triwulan") == 4) & (pl.col("kode_sub_kegiatan") == cut["kode"])
    )
    assert tw4.get_column("realisasi_kumulatif").item() == cut["kumulatif"]
    assert tw4.get_column("pagu").item() == cut["pagu"]
    outcome = _gate(result, tmp_path)
    assert outcome.passed, outcome.summary()
    assert assert_quotes_its_cells(raw, result.temuan) >= 2


def test_the_dpa_as_the_pk_appendix_printed_it_publishes_with_its_findings(tmp_path):
    raw, result, [dpa] = planted(tmp_path, faults.pk_appendix_dpa)
    outcome = _gate(result, tmp_path)
    assert outcome.passed, outcome.summary()
    r007 = result.temuan.filter(pl.col("aturan") == "R007")
    # The real 3.000.000 error only: the roll-ups the misplaced line touches stand down.
    assert r007.select("kode", "selisih").rows() == [(dpa["kegiatan_selisih"], Decimal(3_000_000))]
    r008 = result.temuan.filter(pl.col("aturan") == "R008")
    roots = r008.filter(pl.col("akar").is_null())
    assert roots.height == 1 and roots.item(0, "kode") == dpa["kode_ganda"]
    # Every row held back names its rule, and each rule has its finding.
    assert result.karantina.filter(pl.col("aturan").is_null()).height == 0
    r001 = result.temuan.filter(
        (pl.col("aturan") == "R001") & (pl.col("kode") == dpa["kode_ganda"])
    )
    assert r001.height and r001.filter(pl.col("akar").is_null()).height == 0


def test_the_report_names_the_quarters_that_are_not_complete(tmp_path):
    from flows.report_html import render_html
    from flows.report_layout import error_note
    from transforms.report_data import build

    _, result, _ = planted(tmp_path, faults.missing_quarter)
    lap = build(result.tables(), TAHUN)
    expected = (
        "TW2 usaha-kecil: 6 baris DPA diturunkan dari realisasi s.d. triwulan yang dinyatakan "
        "pada triwulan berikutnya"
    )
    assert expected in render_html(lap, "lkjip failures --tahun 2023")
    assert expected in error_note(lap, "lkjip failures --tahun 2023")  # each workbook sheet
    # A complete year says nothing of the kind.
    _, complete, _ = planted(tmp_path / "lengkap")
    assert "kelengkapan" not in render_html(build(complete.tables(), TAHUN), "x")


def test_a_steward_reads_errors_first_with_each_consequence_under_its_root(
    tmp_path, subprocess_env
):
    from cli_runner import run_lkjip

    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "raw" / str(TAHUN), raw / str(TAHUN))
    faults.duplicated_line(raw)
    faults.minus_sign(raw)
    run = run_lkjip(
        ["run", "--tahun", "2023", "--triwulan", "4", "--raw", str(raw), "--curated", "c"],
        subprocess_env,
        tmp_path,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    shown = run_lkjip(["failures", "--tahun", "2023", "--curated", "c"], subprocess_env, tmp_path)
    assert shown.returncode == 0, shown.stderr
    rules = re.findall(r"^│ (↳ )?(V00\d|R00\d)\s", shown.stdout, flags=re.MULTILINE)
    # Errors first (V004 and V006 in file order), the second V006 folded under the first,
    # then the warning.
    assert rules == [("", "V004"), ("", "V006"), ("↳ ", "V006"), ("", "R004")]
    assert "akibat dari temuan" in shown.stdout
    assert "1 di antaranya akibat temuan lain" in shown.stdout
