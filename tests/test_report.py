"""Tests of the annual report (transforms/report_data.py, flows/report*.py, `lkjip report`).

Golden figures come from the printed LKjIP 2023 in ../shared/reference/2023, read here
with the csv module; the demo consolidated to TW4 (the `demo_run` fixture) is the input.
Hand-computed cases use small inline frames. The page is opened in a real headless
Chromium (Debian's, driven by playwright) with no network.
"""

from __future__ import annotations

import csv
import re
import struct
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from flows import annual_report, report_html, report_layout, report_xlsx
from flows.raw_folder import LkjipError
from flows.report_pdf import BROWSER_FLAGS
from schemas.types import MEASURE, MONEY, PERCENT
from transforms import report_data
from transforms.achievement import capaian, predikat

ROOT = Path(__file__).resolve().parents[1]
REFERENSI = ROOT.parent / "shared" / "reference" / "2023"
TAHUN = 2023
TOTAL_REALISASI = 25_035_654_473
KEGIATAN_DUA_BLOK = "2.17.01.1.07"  # the demo put part of it on an operasi line
SHEETS = ["Tabel 2.3", "Tabel 3.1", "Tabel 3.2", "Tabel 3.3", "Tabel 3.4", "Tabel 3.6", "Efisiensi"]
CHROMIUM_ARGS = list(BROWSER_FLAGS)


# --- fixtures ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def curated(demo_run: dict) -> Path:
    """-> the curated folder of the demo consolidated to 2023 TW4."""
    return demo_run["curated"]


@pytest.fixture(scope="module")
def frames(curated: Path) -> dict[str, pl.DataFrame]:
    """-> the demo's curated frames of 2023, as the report reads them."""
    return annual_report.read_curated(curated, TAHUN)


@pytest.fixture(scope="module")
def report(frames: dict[str, pl.DataFrame]) -> report_data.AnnualReport:
    """-> every report table of the demo year."""
    return report_data.build(frames, TAHUN)


@pytest.fixture(scope="module")
def written(curated: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The Prefect flow `laporan-tahunan` run once on the demo: its result."""
    out = tmp_path_factory.mktemp("laporan")
    return annual_report.laporan_tahunan(tahun=TAHUN, curated=curated, out=out)


def printed_tabel_3_6() -> dict[str, Decimal]:
    """kode_kegiatan -> realisasi as the 2023 report printed it (lkjip_tabel_3_6.csv)."""
    with (REFERENSI / "lkjip_tabel_3_6.csv").open(encoding="utf-8", newline="") as f:
        return {r["kode_kegiatan"]: Decimal(r["realisasi"]) for r in csv.DictReader(f)}


def row_of(frame: pl.DataFrame, **where: object) -> dict:
    """Frame + column values -> the one row that has them."""
    rows = frame.filter(**where).to_dicts()
    assert len(rows) == 1, (where, rows)
    return rows[0]


# --- golden figures on the demo ------------------------------------------------------------------
def test_tabel_3_6_per_kegiatan_equals_the_printed_table(report: report_data.AnnualReport) -> None:
    kegiatan = report.tabel_3_6.filter(pl.col("jenis_baris") == "kegiatan")
    per_block: dict[tuple[str, str], Decimal] = {
        (r["kode"], r["jenis_belanja"]): r["realisasi"] for r in kegiatan.to_dicts()
    }
    both = defaultdict(Decimal)
    for (kode, _), value in per_block.items():
        both[kode] += value
    for kode, printed in printed_tabel_3_6().items():
        ours = both[kode] if kode == KEGIATAN_DUA_BLOK else per_block[(kode, "operasi")]
        assert ours == printed, kode


def test_tabel_3_6_total_is_the_reports_total_and_blocks_add_up(
    report: report_data.AnnualReport,
) -> None:
    t = report.tabel_3_6
    total = row_of(t, jenis_baris="total")
    assert total["realisasi"] == Decimal(TOTAL_REALISASI)
    assert total["pagu"] == Decimal("26883994400")
    assert total["persen_realisasi"] == Decimal("93.12")
    assert total["sisa"] == total["pagu"] - total["realisasi"]
    for jenis in ("operasi", "modal"):
        block = t.filter(pl.col("jenis_belanja") == jenis)
        header = row_of(block, jenis_baris="jenis_belanja")
        for kind in ("program", "kegiatan"):
            rows = block.filter(pl.col("jenis_baris") == kind)
            assert rows.get_column("realisasi").sum() == header["realisasi"], (jenis, kind)
            assert rows.get_column("pagu").sum() == header["pagu"], (jenis, kind)
    # the capital spending the printed table left out is in the modal block
    modal = t.filter((pl.col("jenis_belanja") == "modal") & (pl.col("jenis_baris") == "kegiatan"))
    left_out = modal.filter(pl.col("kode").is_in(["2.17.07.1.01", "2.17.08.1.01"]))
    assert left_out.get_column("realisasi").sum() == Decimal("266280000")
    assert set(t.get_column("rencana_fisik").to_list()) == {Decimal("100.00")}


def test_tabel_2_3_totals_murni_to_perubahan(report: report_data.AnnualReport) -> None:
    total = row_of(report.tabel_2_3, jenis_baris="total")
    assert total["murni_jumlah"] == Decimal("27394781000")
    assert total["perubahan_jumlah"] == Decimal("26883994400")
    assert total["selisih"] == Decimal("-510786600")
    assert total["perubahan_operasi"] == Decimal("26432083200")
    assert total["perubahan_modal"] == Decimal("451911200")


def test_tabel_2_3_programs_and_kegiatan_are_sums_of_their_lines(
    report: report_data.AnnualReport,
) -> None:
    t = report.tabel_2_3
    subs = t.filter(pl.col("jenis_baris") == "sub_kegiatan")
    for parent in t.filter(pl.col("jenis_baris").is_in(["program", "kegiatan"])).to_dicts():
        children = subs.filter(pl.col("kode").str.starts_with(parent["kode"] + "."))
        for column in ("murni_jumlah", "perubahan_jumlah", "selisih"):
            assert children.get_column(column).sum() == parent[column], (parent["kode"], column)
    names = t.filter(pl.col("jenis_baris") != "total").get_column("uraian")
    assert names.null_count() == 0


def test_tabel_3_1_capaian_sakip_in_range_is_100(report: report_data.AnnualReport) -> None:
    sakip = row_of(report.tabel_3_1, indikator="Capaian SAKIP Perangkat Daerah")
    assert (sakip["target_min"], sakip["target_max"]) == (Decimal(70), Decimal(80))
    assert sakip["realisasi"] == Decimal(80)
    assert sakip["capaian_persen"] == Decimal("100.00")
    assert sakip["predikat"] == "Sangat Tinggi"
    assert report.tabel_3_1.get_column("kode").to_list() == ["S1", "S2", "S3"]


def test_tabel_3_2_puts_every_program_under_a_sasaran(report: report_data.AnnualReport) -> None:
    t = report.tabel_3_2
    programs = t.filter(pl.col("jenis_baris") == "program")
    under = dict(zip(programs.get_column("kode"), programs.get_column("sasaran"), strict=True))
    assert under["2.17.01"].startswith("Meningkatnya Akuntabilitas")
    for kode in ("2.17.03", "2.17.05", "2.17.06"):
        assert under[kode] == "Meningkatnya Kualitas Koperasi", kode
    for kode in ("2.17.07", "2.17.08"):
        assert under[kode].startswith("Meningkatnya Usaha Kecil"), kode
    assert t.get_column("jenis_baris").to_list()[0] == "sasaran"


def test_efisiensi_beside_tabel_3_6_and_its_reading(report: report_data.AnnualReport) -> None:
    programs = report.tabel_3_6.filter(pl.col("jenis_baris") == "program")
    per_program = programs.group_by("kode").agg(pl.col("realisasi").sum(), pl.col("pagu").sum())
    eff = report.efisiensi.filter(pl.col("jenis_baris") == "program")
    joined = eff.join(per_program, on="kode", suffix="_36")
    assert joined.height == 6
    assert (joined.get_column("realisasi") == joined.get_column("realisasi_36")).all()
    umkm = row_of(eff, kode="2.17.08")
    assert umkm["serapan"] == Decimal("83.51")  # 513.449.665 / 614.845.400
    assert umkm["bacaan"] == report_data.BACAAN["hemat"]
    assert row_of(report.efisiensi, jenis_baris="total")["serapan"] == Decimal("93.12")


def test_demo_has_no_error_findings(report: report_data.AnnualReport) -> None:
    assert report.error_count == 0
    assert report.warning_count == 1  # the 400 Rp pagu difference (R004)
    assert report_layout.error_note(report, "lkjip failures --tahun 2023") is None


# --- hand-computed capaian: negatif polarity and outside a range ---------------------------------
def _capaian_kinerja(rows: list[tuple]) -> pl.DataFrame:
    """(kode, polaritas, target_min, target_max, realisasi) -> curated-like IKU rows at TW4."""
    frame = pl.DataFrame(
        [(TAHUN, 4, "sasaran", k, f"IKU {k}", "Nilai", lo, hi, p, r, "x", f"Sasaran {k}")
         for k, p, lo, hi, r in rows],
        schema={
            "tahun": pl.Int32, "triwulan": pl.Int8, "level": pl.String, "kode": pl.String,
            "indikator": pl.String, "satuan": pl.String, "target_min": MEASURE,
            "target_max": MEASURE, "polaritas": pl.String, "realisasi": MEASURE,
            "kode_bidang": pl.String, "sasaran": pl.String,
        },
        orient="row",
    )  # fmt: skip
    return frame.with_columns(
        capaian_persen=capaian(
            pl.col("realisasi"), pl.col("target_min"), pl.col("target_max"), pl.col("polaritas")
        )
    ).with_columns(predikat=predikat(pl.col("capaian_persen")))


def _target_kinerja(rows: list[tuple]) -> pl.DataFrame:
    """(sumber, tahun_target, kode, polaritas, min, max, realisasi) -> target_kinerja rows."""
    return pl.DataFrame(
        [(s, t, "sasaran", k, f"Sasaran {k}", f"IKU {k}", "Nilai", lo, hi, p, r)
         for s, t, k, p, lo, hi, r in rows],
        schema={
            "sumber": pl.String, "tahun_target": pl.Int32, "level": pl.String,
            "kode": pl.String, "sasaran": pl.String, "indikator": pl.String,
            "satuan": pl.String, "target_min": MEASURE, "target_max": MEASURE,
            "polaritas": pl.String, "realisasi_tahunan": MEASURE,
        },
        orient="row",
    )  # fmt: skip


D = Decimal
THIS_YEAR = _capaian_kinerja(
    [
        ("S1", "negatif", D("0.354"), D("0.354"), D("0.360")),  # (0,708 − 0,360) / 0,354
        ("S2", "rentang", D(70), D(80), D(85)),  # above the range: 85 / 80
        ("S3", "rentang", D(70), D(80), D(63)),  # below the range: 63 / 70
    ]
)
TARGETS = _target_kinerja(
    [
        ("perjanjian_kinerja", 2022, "S1", "negatif", D("0.360"), D("0.360"), D("0.380")),
        ("perjanjian_kinerja", 2022, "S2", "positif", D(6), D(6), D(3)),
        ("perjanjian_kinerja", 2022, "S3", "rentang", D(1), D(2), D("2.5")),
        ("renstra", 2023, "S1", "negatif", D("0.354"), D("0.354"), None),
        ("renstra", 2026, "S1", "negatif", D("0.339"), D("0.339"), None),
        ("renstra", 2023, "S2", "rentang", D(70), D(80), None),
        ("renstra", 2026, "S2", "rentang", D(75), D(85), None),
    ]
)


def test_tabel_3_1_negatif_and_out_of_range_by_hand() -> None:
    t = report_data.tabel_3_1(THIS_YEAR)
    got = dict(zip(t.get_column("kode"), t.get_column("capaian_persen"), strict=True))
    assert got == {"S1": D("98.31"), "S2": D("106.25"), "S3": D("90.00")}
    assert t.get_column("predikat").to_list() == ["Sangat Tinggi", "Sangat Tinggi", "Tinggi"]


def test_tabel_3_3_last_year_capaian_by_hand() -> None:
    t = report_data.tabel_3_3(THIS_YEAR, TARGETS, TAHUN)
    last = dict(zip(t.get_column("kode"), t.get_column("capaian_lalu"), strict=True))
    # S1 negatif: (0,720 − 0,380) / 0,360 = 94,44; S2 3 / 6 = 50; S3 above 1-2: 2,5 / 2 = 125
    assert last == {"S1": D("94.44"), "S2": D("50.00"), "S3": D("125.00")}
    s1 = row_of(t, kode="S1")
    assert s1["realisasi_lalu"] == D("0.38")
    assert s1["selisih_capaian"] == D("3.87")  # 98,31 − 94,44
    assert t.get_column("capaian_lalu").dtype == PERCENT


def test_tabel_3_4_renstra_and_progress_by_hand() -> None:
    t = report_data.tabel_3_4(THIS_YEAR, TARGETS, TAHUN)
    s1, s2, s3 = (row_of(t, kode=k) for k in ("S1", "S2", "S3"))
    assert s1["capaian_renstra"] == D("98.31")  # against 0,354
    assert s1["progres"] == D("93.81")  # (0,678 − 0,360) / 0,339
    assert s1["tahun_akhir"] == 2026
    assert s2["capaian_renstra"] == D("106.25")  # 85 above 70-80
    assert s2["progres"] == D("100.00")  # 85 inside 75-85
    assert s3["renstra_min"] is None and s3["progres"] is None  # no Renstra row: "-"
    assert report_layout.shown((s3["akhir_min"], s3["akhir_max"]), "target") == "-"


def test_no_capaian_where_nothing_was_reported() -> None:
    # A rentang indicator without a realisation has no capaian (not "100, Sangat Tinggi"),
    # in the curated table and in the annual_report.
    unreported = _capaian_kinerja([("S1", "rentang", D(70), D(80), None)])
    assert unreported.get_column("capaian_persen").item() is None
    t31 = report_data.tabel_3_1(unreported)
    assert t31.get_column("capaian_persen").item() is None
    assert t31.get_column("predikat").item() is None
    t34 = report_data.tabel_3_4(unreported, TARGETS, TAHUN)
    assert row_of(t34, kode="S1")["progres"] is None
    assert report_layout.shown(None, "persen") == "-"


@pytest.mark.parametrize(
    ("capaian_persen", "serapan", "kunci"),
    [
        ("100", "93.29", "hemat"),
        ("104", "100", "penuh"),
        ("80", "95", "boros"),
        ("80", "70", "kurang"),
        (None, "90", "tanpa_capaian"),
        ("100", None, "tanpa_pagu"),
    ],
)
def test_efficiency_reading(capaian_persen: str | None, serapan: str | None, kunci: str) -> None:
    frame = pl.DataFrame(
        {"c": [capaian_persen and D(capaian_persen)], "s": [serapan and D(serapan)]},
        schema={"c": PERCENT, "s": PERCENT},
    )
    text = frame.select(report_data.bacaan(pl.col("c"), pl.col("s"))).item()
    assert text == report_data.BACAAN[kunci]


@pytest.mark.parametrize(
    ("value", "args", "expected"),
    [
        (D("25035654473"), (), "25.035.654.473"),
        (D("93.12"), (2,), "93,12"),
        (D("-510786600"), (0, True), "(510.786.600)"),
        (D("0.125"), (2,), "0,13"),  # half away from zero, as printed
        (None, (), "-"),
    ],
)
def test_indonesian_numbers(value: object, args: tuple, expected: str) -> None:
    assert report_layout.angka(value, *args) == expected


def test_money_stays_decimal_to_the_last_cell(report: report_data.AnnualReport) -> None:
    for name in ("tabel_2_3", "tabel_3_6", "efisiensi"):
        frame = getattr(report, name)
        money = [c for c, t in frame.schema.items() if t == MONEY]
        assert money, name
    assert report_xlsx.excel_value(D("25035654473.00"), "uang") == 25035654473
    assert report_xlsx.excel_value(D("93.12"), "persen") == 93.12


# --- the flow, the workbook and the page --------------------------------------------------------
def test_flow_writes_both_files(written: dict) -> None:
    assert Path(written["xlsx"]).name == "lkjip_2023.xlsx"
    assert Path(written["html"]).name == "lkjip_2023.html"
    assert written["temuan_error"] == 0
    assert not list(Path(written["xlsx"]).parent.glob(".*sebagian"))


def _data_cells(ws) -> list:
    """Worksheet -> the cells below its header rows (frozen pane) and above its notes."""
    first = ws[ws.freeze_panes].row
    return [c for row in ws.iter_rows(min_row=first) for c in row if c.value is not None]


def test_workbook_sheets_layout_and_print_setup(written: dict) -> None:
    book = openpyxl.load_workbook(written["xlsx"])
    assert book.sheetnames == SHEETS
    for ws in book.worksheets:
        assert ws.freeze_panes is not None, ws.title
        assert ws.page_setup.orientation == "landscape", ws.title
        assert int(ws.page_setup.paperSize) == 9, ws.title  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToHeight == 0, ws.title  # as many pages down as needed
        assert ws.print_title_rows, ws.title
        assert ws["A1"].value.startswith(("Tabel", "Analisis")), ws.title
        assert ws["A1"].font.b


def test_workbook_numbers_are_numbers(written: dict) -> None:
    book = openpyxl.load_workbook(written["xlsx"])
    for ws in book.worksheets:
        first = ws[ws.freeze_panes].row
        header = [c for row in ws.iter_rows(min_row=5, max_row=first - 1) for c in row]
        kode_columns = {c.column for c in header if c.value == "Kode"}  # codes stay text
        numbers = 0
        for cell in _data_cells(ws):
            assert cell.data_type != "f", (ws.title, cell.coordinate)
            numbers += isinstance(cell.value, int | float)
            if isinstance(cell.value, str) and cell.column not in kode_columns:
                looks_numeric = re.fullmatch(r"\(?-?[\d.,]+\)?", cell.value)
                assert not looks_numeric, (ws.title, cell.coordinate, cell.value)
        assert numbers > 10, ws.title


def test_workbook_tabel_3_6_money_cells(written: dict) -> None:
    ws = openpyxl.load_workbook(written["xlsx"])["Tabel 3.6"]
    total = next(r for r in ws.iter_rows() if r[2].value == "JUMLAH")
    pagu, fisik, realisasi, persen = total[3], total[4], total[5], total[6]
    assert realisasi.value == TOTAL_REALISASI and isinstance(realisasi.value, int)
    assert pagu.value == 26_883_994_400
    assert persen.value == pytest.approx(93.12) and isinstance(persen.value, float)
    assert fisik.value == 100
    assert realisasi.number_format == "#,##0"
    assert persen.number_format == "#,##0.00"
    assert total[2].font.b
    program = next(r for r in ws.iter_rows() if r[1].value == "2.17.01")
    assert program[2].font.b and program[3].number_format == "#,##0"


def test_workbook_tabel_2_3_change_in_parentheses(written: dict) -> None:
    ws = openpyxl.load_workbook(written["xlsx"])["Tabel 2.3"]
    total = next(r for r in ws.iter_rows() if r[1].value == "JUMLAH")
    assert [c.value for c in total[2:]] == [
        26_379_399_700,
        1_015_381_300,
        27_394_781_000,
        26_432_083_200,
        451_911_200,
        26_883_994_400,
        -510_786_600,
    ]
    assert total[8].number_format == "#,##0;(#,##0)"
    assert ws["C5"].value.startswith("Sebelum") and ws["F5"].value.startswith("Sesudah")
    assert "C5:E5" in {str(r) for r in ws.merged_cells.ranges}


def _png_size(path: Path) -> tuple[int, int]:
    """PNG file -> (width, height) from its IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def open_in_chromium(page_path: Path, screenshot: Path) -> dict:
    """HTML file -> what headless Chromium saw: console errors, page errors, requests, text."""
    from playwright.sync_api import sync_playwright

    seen: dict[str, list] = {"errors": [], "requests": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            page.on(
                "console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None
            )
            page.on("pageerror", lambda e: seen["errors"].append(str(e)))
            page.on("request", lambda r: seen["requests"].append(r.url))
            page.goto(page_path.resolve().as_uri(), wait_until="load")
            page.screenshot(path=str(screenshot), full_page=True)
            seen["text"] = page.inner_text("body")
            seen["panels"] = page.locator("figure.panel svg").count()
            seen["alert"] = page.locator("[role=alert]").count()
        finally:
            browser.close()
    return seen


@pytest.mark.slow
def test_page_renders_offline_in_chromium(written: dict, tmp_path: Path) -> None:
    screenshot = tmp_path / "lkjip_2023.png"
    seen = open_in_chromium(Path(written["html"]), screenshot)
    assert seen["errors"] == []
    assert seen["requests"], "the page itself was not requested"
    assert all(u.startswith(("file://", "data:")) for u in seen["requests"]), seen["requests"]
    assert seen["panels"] == 6  # one S-curve per program
    assert seen["alert"] == 0
    for figure in ("Rp 25.035.654.473", "93,12%", "26.883.994.400", "(510.786.600)"):
        assert figure in seen["text"], figure
    width, height = _png_size(screenshot)
    assert width >= 1000 and height > 3000
    assert screenshot.stat().st_size > 100_000


def test_page_is_self_contained(written: dict) -> None:
    page = Path(written["html"]).read_text(encoding="utf-8")
    assert "<script" not in page
    external = re.findall(r"""(?:src|href)=["'](?!#)([^"']+)""", page)
    assert external == []
    assert "@import" not in page and "url(" not in page


# --- error findings are named at the top ---------------------------------------------------------
def test_error_findings_are_announced_in_page_and_every_sheet(
    frames: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    temuan = pl.DataFrame(
        {"aturan": ["R003", "V003", "V003", "R004"], "tingkat": ["error"] * 3 + ["peringatan"]}
    )
    report = report_data.build({**frames, "temuan": temuan}, TAHUN)
    assert report.error_count == 3
    command = "lkjip failures --tahun 2023"
    xlsx, page = (
        report_xlsx.write_xlsx(report, tmp_path, command),
        report_html.write_html(report, tmp_path, command),
    )

    html = page.read_text(encoding="utf-8")
    alert = re.search(r'<div class="awas" role="alert">(.*?)</div>', html).group(1)
    assert "3 temuan tingkat error" in alert and "R003: 1, V003: 2" in alert
    assert command in alert
    assert html.index('role="alert"') < html.index('id="grafik"')  # near the top

    book = openpyxl.load_workbook(xlsx)
    for ws in book.worksheets:
        note = ws["A3"].value
        assert "3 temuan tingkat error" in note and command in note, ws.title
        assert ws["A3"].font.b


def test_error_note_in_chromium(frames: dict[str, pl.DataFrame], tmp_path: Path) -> None:
    temuan = pl.DataFrame({"aturan": ["V004"], "tingkat": ["error"]})
    report = report_data.build({**frames, "temuan": temuan}, TAHUN)
    page = report_html.write_html(report, tmp_path, "lkjip failures --tahun 2023")
    seen = open_in_chromium(page, tmp_path / "dengan_error.png")
    assert seen["errors"] == []
    assert seen["alert"] == 1
    assert "Perhatian: ada 1 temuan tingkat error" in seen["text"]


# --- the command line ---------------------------------------------------------------------------
def test_cli_report_prints_the_two_paths(curated: Path, tmp_path: Path, capsys) -> None:
    from flows.cli import main

    out = tmp_path / "laporan"
    with pytest.raises(SystemExit) as done:
        main(["report", "--tahun", "2023", "--curated", str(curated), "--out", str(out)])
    assert done.value.code == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == [str(out / "lkjip_2023.xlsx"), str(out / "lkjip_2023.html")]
    assert all(Path(p).stat().st_size > 10_000 for p in printed)


def test_cli_report_without_curated_year_is_one_line_exit_1(tmp_path: Path, capsys) -> None:
    from flows.cli import main

    with pytest.raises(SystemExit) as done:
        main(["report", "--tahun", "2023", "--curated", str(tmp_path), "--out", str(tmp_path)])
    assert done.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "tidak ada" in err[0] and "lkjip run --tahun 2023" in err[0]
    assert not (tmp_path / "lkjip_2023.xlsx").exists()


def test_report_refuses_a_year_before_tw4(curated: Path, tmp_path: Path) -> None:
    partial = tmp_path / "curated"
    for name in annual_report.TABLES:
        (partial / name).mkdir(parents=True)
        (partial / name / "tahun=2023").symlink_to((curated / name / "tahun=2023").resolve())
    ra = partial / "realisasi_anggaran" / "tahun=2023"
    ra.unlink()
    ra.mkdir()
    (ra / "triwulan=1").symlink_to((curated / "realisasi_anggaran/tahun=2023/triwulan=1").resolve())
    with pytest.raises(LkjipError, match="belum sampai triwulan 4"):
        annual_report.make_report(TAHUN, partial, tmp_path / "out")


def test_text_that_looks_like_a_formula_stays_text(demo_run, tmp_path):
    """A name beginning with '=' (typed or hostile) must not become a live formula."""
    import shutil

    import openpyxl

    curated = tmp_path / "curated"
    shutil.copytree(demo_run["curated"], curated, symlinks=True)
    release = (curated / ".rilis" / "2023" / "aktif").resolve()
    kode = pl.read_parquet(release / "kode" / "part-0.parquet")
    hostile = '=HYPERLINK("http://contoh.invalid","klik")'
    kode = kode.with_columns(
        uraian=pl.when(pl.col("kode") == "2.17.05").then(pl.lit(hostile)).otherwise("uraian")
    )
    kode.write_parquet(release / "kode" / "part-0.parquet")
    xlsx, _ = annual_report.make_report(2023, curated, tmp_path / "laporan")
    book = openpyxl.load_workbook(xlsx)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    found = [c for c in cells if c.value == hostile]
    assert found and all(c.data_type == "s" for c in found)
