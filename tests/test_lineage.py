"""Every figure traceable to its source: the `asal_angka` table and the report's panels.

The demo and faulty copies of it are consolidated without Prefect (fixtures_faults) to
check the table itself; the published demo (`demo_run`) is used for the sha256 and run id
and for the page: a Tabel 3.6 figure is clicked in headless Chromium and what opens must
name the file and row that made it, the same rows `asal_angka` holds.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import re
from decimal import Decimal
from pathlib import Path

import fixtures_faults as faults
import polars as pl
import pytest

from flows import annual_report, report_html
from flows.report_pdf import BROWSER_FLAGS
from transforms.report_data import build
from transforms.year_tables import YearTables

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "raw"
TAHUN = 2023
PEMBERDAYAAN_TW4 = "2023/TW4/pemberdayaan-koperasi/Realisasi TW 4 Pemberdayaan Koperasi.csv"
CHROMIUM_ARGS = list(BROWSER_FLAGS)
ANGGARAN = pl.col("tabel") == "realisasi_anggaran"


@pytest.fixture(scope="module")
def demo() -> YearTables:
    """-> the bundled demo consolidated to TW4 (pure, as the flow builds it)."""
    return faults.consolidated(RAW)


def csv_line(berkas: str, first_cell: str) -> int:
    """Raw CSV + the text of a row's first cell -> its row number as a spreadsheet shows it."""
    path = RAW / berkas
    text = path.read_bytes().decode("utf-8-sig")
    sep = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    for number, row in enumerate(csv.reader(text.splitlines(), delimiter=sep), start=1):
        if row and row[0] == first_cell:
            return number
    raise AssertionError(f"{first_cell} not in {berkas}")


# --- the table ---------------------------------------------------------------------------------
def test_every_accepted_export_row_is_a_source_and_the_sums_add_up(demo: YearTables) -> None:
    asal, ra = demo.asal_angka, demo.realisasi_anggaran
    spending = asal.filter(ANGGARAN & (pl.col("peran") == "realisasi"))
    sums = spending.group_by("triwulan", "kode", "jenis_belanja").agg(pl.col("nilai").sum())
    joined = ra.join(
        sums.rename({"kode": "kode_sub_kegiatan"}),
        on=["triwulan", "kode_sub_kegiatan", "jenis_belanja"],
        how="left",
    ).with_columns(pl.col("nilai").fill_null(0))
    assert (joined.get_column("kelengkapan") == "lengkap").all()
    assert (joined.get_column("nilai") == joined.get_column("realisasi_kumulatif")).all()
    # every accepted row of an export is the source of a figure: its line at TW4, or a capaian
    traced = pl.concat(
        [
            spending.filter(pl.col("triwulan") == 4),
            asal.filter(~ANGGARAN & (pl.col("peran") == "realisasi")),
        ]
    ).select("berkas", "lembar", "baris")
    accepted = demo.hitungan.filter(
        (pl.col("status") == "diterima") & ~pl.col("berkas").str.contains("/referensi/")
    )
    assert traced.unique().height == traced.height == accepted.get_column("baris").sum()


def test_each_figure_names_the_dpa_line_of_its_pagu(demo: YearTables) -> None:
    pagu = demo.asal_angka.filter(ANGGARAN & (pl.col("peran") == "pagu"))
    facts = demo.realisasi_anggaran.filter(pl.col("pagu") > 0)
    joined = facts.join(
        pagu.select(
            "triwulan", pl.col("kode").alias("kode_sub_kegiatan"), "jenis_belanja", "nilai",
            "versi_dpa", "berkas", "baris",
        ),
        on=["triwulan", "kode_sub_kegiatan", "jenis_belanja"],
        how="left",
        suffix="_asal",
    )  # fmt: skip
    assert joined.height == facts.height  # one DPA line each
    assert (joined.get_column("nilai") == joined.get_column("pagu")).all()
    assert (joined.get_column("versi_dpa") == joined.get_column("versi_dpa_asal")).all()
    dpa = list(csv.DictReader((RAW / "2023/referensi/dpa.csv").open(encoding="utf-8")))
    for row in joined.sample(20, seed=1).iter_rows(named=True):
        line = dpa[row["baris"] - 2]  # row 1 is the header
        assert row["berkas"] == "2023/referensi/dpa.csv"
        assert (line["kode_sub_kegiatan"], line["versi"]) == (
            row["kode_sub_kegiatan"],
            row["versi_dpa"],
        )
        assert Decimal(line["pagu"]) == row["pagu"]


def test_each_capaian_names_its_report_row_and_its_agreed_target(demo: YearTables) -> None:
    asal = demo.asal_angka.filter(~ANGGARAN & (pl.col("triwulan") == 4))
    capaian = demo.capaian_kinerja.filter(
        (pl.col("triwulan") == 4) & pl.col("realisasi").is_not_null()
    )
    roles = asal.group_by("kode", "indikator").agg(pl.col("peran").sort())
    joined = capaian.join(roles, on=["kode", "indikator"], how="left")
    assert joined.get_column("peran").to_list() == [["realisasi", "target"]] * capaian.height
    target = asal.filter(pl.col("peran") == "target")
    assert set(target.get_column("berkas")) == {"2023/referensi/indikator.csv"}
    reported = asal.filter(pl.col("peran") == "realisasi")
    assert reported.get_column("berkas").str.contains("/TW4/").all()


def test_a_missing_quarter_names_the_stated_cumulative_it_came_from(raw_copy: Path) -> None:
    faults.missing_quarter(raw_copy, "usaha-kecil", 2)
    result = faults.consolidated(raw_copy)
    derived = result.realisasi_anggaran.filter(pl.col("kelengkapan") == "dari_kumulatif")
    assert derived.height and set(derived.get_column("triwulan")) == {2}
    line = derived.row(0, named=True)
    key = (pl.col("kode") == line["kode_sub_kegiatan"]) & (
        pl.col("jenis_belanja") == line["jenis_belanja"]
    )
    at_tw2 = result.asal_angka.filter(key & (pl.col("triwulan") == 2))
    stated = at_tw2.filter(pl.col("peran") == "kumulatif")
    assert stated.height >= 1
    assert stated.get_column("berkas").str.contains("/TW3/usaha-kecil/").all()
    assert set(stated.get_column("triwulan_sumber")) == {3}
    own_tw3 = result.asal_angka.filter(
        key & (pl.col("triwulan") == 3) & (pl.col("peran") == "realisasi")
    ).join(
        stated.select("berkas", "lembar", "baris"),
        on=["berkas", "lembar", "baris"],
        nulls_equal=True,
    )
    # the TW2 figure is TW3's stated realisasi s/d TW less TW3's own spending
    tw2 = stated.get_column("nilai").sum() - own_tw3.get_column("nilai").sum()
    assert tw2 == line["realisasi_kumulatif"]
    at_tw4 = result.asal_angka.filter(key & (pl.col("triwulan") == 4))
    assert set(at_tw4.get_column("peran")) == {"realisasi", "kumulatif", "pagu"}
    page = report_html.render_html(build(result.tables(), TAHUN), "x")
    page = html.unescape(re.sub(r"<[^>]+>", "", page))  # the text a reader sees
    assert "TW II dari realisasi s.d. TW III yang dinyatakan di berkas 2023/TW3/usaha-kecil" in page
    assert "TW II dari realisasi s.d. triwulan yang dinyatakan triwulan berikutnya" in page


def test_a_held_row_is_listed_with_its_finding(raw_copy: Path) -> None:
    planted = faults.minus_sign(raw_copy)
    result = faults.consolidated(raw_copy)
    held = result.asal_angka.filter(
        (pl.col("berkas") == planted["berkas"]) & (pl.col("baris") == planted["baris"])
    )
    assert held.height and set(held.get_column("peran")) == {"ditahan"}
    assert set(held.get_column("status")) == {"karantina"}
    assert all("V004" in a for a in held.get_column("aturan"))


def test_published_sources_carry_the_files_sha256_and_the_run(demo_run: dict) -> None:
    curated = demo_run["curated"]
    asal = pl.scan_parquet(curated / "asal_angka", hive_partitioning=True).collect()
    manifest = json.loads((curated / "manifest" / "tahun=2023.json").read_text())
    digests = {m["berkas"]: m["sha256"] for m in manifest["masukan"]}
    assert set(asal.get_column("run_id")) == {demo_run["run_id"]} == {manifest["run_id"]}
    for berkas, sha in asal.select("berkas", "sha256").unique().iter_rows():
        assert sha == hashlib.sha256((RAW / berkas).read_bytes()).hexdigest() == digests[berkas]


# --- the page ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def page_and_sources(demo_run: dict, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """-> (the demo report page, the published asal_angka at TW4)."""
    _, page = annual_report.make_report(TAHUN, demo_run["curated"], tmp_path_factory.mktemp("lap"))
    asal = pl.scan_parquet(demo_run["curated"] / "asal_angka", hive_partitioning=True).collect()
    return page, asal.filter(pl.col("triwulan") == 4)


def rows_named(text: str) -> set[tuple[str, int]]:
    """Panel text -> every (berkas, baris) it names ("berkas X, lembar 'Y', baris 12–15, 18")."""
    named = set()
    for berkas, rows in re.findall(r"berkas (\S.*?)(?:, lembar '[^']*')?, baris ([\d–, ]+)", text):
        for part in rows.strip(" ,").split(", "):
            low, _, high = part.partition("–")
            named |= {(berkas, n) for n in range(int(low), int(high or low) + 1)}
    return named


UNCUT = """p => { const r = p.getBoundingClientRect();
  for (let a = p.parentElement; a && a !== document.body; a = a.parentElement) {
    const box = a.getBoundingClientRect(), style = getComputedStyle(a);
    const clips = style.overflowX !== 'visible' || style.overflowY !== 'visible';
    if (clips && (box.bottom < r.bottom - 1 || box.top > r.top + 1)) return false;
  }
  return true; }"""
"""-> whether no box around the panel cuts it (a scroll box would hide most of it)."""


def open_panel(page_path: Path, table: str, row_text: str, nth: int = 0) -> dict:
    """Report page + table anchor + text of a row -> the panel of that row's figure: visible
    before and after a click, not cut where drawn (on_top), its text, its lines by kode.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            page.goto(page_path.resolve().as_uri(), wait_until="load")
            row = page.locator(f"#{table} tbody tr").filter(has_text=row_text).nth(nth)
            panel = row.locator(".panel-asal")
            seen = {"before": panel.is_visible()}
            row.locator("details.asal > summary").click()
            seen["after"] = panel.is_visible()
            seen["on_top"] = panel.evaluate(UNCUT)
            seen["text"] = panel.inner_text()
            seen["lines"] = {
                div.get_attribute("data-kode"): div.inner_text()
                for div in panel.locator(".garis-asal").all()
            }
        finally:
            browser.close()
    return seen


@pytest.mark.parametrize(
    ("kegiatan", "jenis"),
    [("2.17.06.1.01", "operasi"), ("2.17.01.1.02", "operasi")],  # a CSV, a workbook of rekening
)
def test_clicking_a_tabel_3_6_figure_names_its_files_and_rows(
    page_and_sources: tuple, kegiatan: str, jenis: str
) -> None:
    page, asal = page_and_sources
    seen = open_panel(page, "tabel-3-6", kegiatan)
    assert seen["before"] is False and seen["after"] is True and seen["on_top"] is True
    sources = asal.filter(
        ANGGARAN
        & pl.col("kode").str.starts_with(kegiatan + ".")
        & (pl.col("jenis_belanja") == jenis)
        & (pl.col("peran") == "realisasi")
    )
    assert set(seen["lines"]) == set(sources.get_column("kode"))
    for kode, text in seen["lines"].items():
        expected = {
            (b, n)
            for b, n in sources.filter(pl.col("kode") == kode).select("berkas", "baris").iter_rows()
        }
        named = {(b, n) for b, n in rows_named(text) if "/referensi/" not in b}
        assert named == expected, kode
        assert (
            "Asal per triwulan: TW I lengkap; TW II lengkap; TW III lengkap; TW IV lengkap" in text
        )
        assert "Pagu: DPA perubahan, berkas 2023/referensi/dpa.csv, baris" in text


def test_the_clicked_figure_names_the_row_found_in_the_raw_file(page_and_sources: tuple) -> None:
    page, asal = page_and_sources
    baris = csv_line(PEMBERDAYAAN_TW4, "2.17.06.1.01.01")  # read independently: row 7
    seen = open_panel(page, "tabel-3-6", "2.17.06.1.01")
    text = seen["lines"]["2.17.06.1.01.01"]
    assert f"TW IV (lengkap): berkas {PEMBERDAYAAN_TW4}, baris {baris} — Rp 189.205.826" in text
    assert "Temuan R004 (peringatan)" in text and "anggaran tertulis 678.379.700" in text
    row = asal.filter(
        (pl.col("kode") == "2.17.06.1.01.01")
        & (pl.col("berkas") == PEMBERDAYAAN_TW4)
        & (pl.col("baris") == baris)
    ).row(0, named=True)
    assert (row["peran"], row["jenis_belanja"], row["aturan"]) == ("realisasi", "operasi", "R004")
    assert row["nilai"] == Decimal("189205826")


def test_clicking_a_tabel_3_1_capaian_names_its_report_row_and_target(
    page_and_sources: tuple,
) -> None:
    page, asal = page_and_sources
    seen = open_panel(page, "tabel-3-1", "Capaian SAKIP")
    assert seen["before"] is False and seen["after"] is True and seen["on_top"] is True
    expected = {
        (b, n)
        for b, n in asal.filter(~ANGGARAN & (pl.col("kode") == "S1"))
        .select("berkas", "baris")
        .iter_rows()
    }
    assert rows_named(seen["text"]) == expected
    assert "lembar 'Kinerja'" in seen["text"] and "Target: Perjanjian Kinerja" in seen["text"]


def test_the_panels_are_plain_html_and_escape_the_sources(page_and_sources: tuple) -> None:
    page, _ = page_and_sources
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text
    t36 = re.search(r'<section id="tabel-3-6".*?</section>', text).group(0)
    kegiatan = re.findall(r'<tr class="kegiatan">.*?</tr>', t36)
    assert kegiatan and all('<details class="asal">' in row for row in kegiatan)
    t31 = re.search(r'<section id="tabel-3-1".*?</section>', text).group(0)
    assert t31.count('<details class="asal">') == t31.count('<tr class="iku">') == 3
    assert "Realisasi TW 4 Pemberdayaan Koperasi.csv" in text
