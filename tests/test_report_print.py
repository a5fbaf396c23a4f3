"""The report as an office prints it: `lkjip report --pdf` through headless Chromium.

The demo (consolidated to TW4 once per session) is printed to PDF; pdftoppm (Debian's
poppler-utils) turns the pages into images and pdftotext gives every word's box. The
table widths are also measured in Chromium's own layout, in print media, at the width of
the page each table is printed on. A picture of the Tabel 2.3 page is kept in
tests/artifacts/ (a folder git ignores: the test writes its .gitignore).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from flows import annual_report, report_html
from flows.report_pdf import BROWSER_FLAGS, write_pdf

TAHUN = 2023
ROOT = Path(__file__).resolve().parents[1]
# The demo office, as its referensi/opd.csv names it (name and government).
INSTANSI = "Dinas Koperasi, Usaha Kecil dan Menengah Provinsi Banten"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MIN_PAGES, MAX_PAGES = 8, 18  # the demo prints 14 pages; before the print stylesheet, 41
PX_PER_MM = 96 / 25.4
PT_PER_MM = 72 / 25.4
MARGIN_MM = 12  # left and right margin of every page (flows/report_html.py @page)
CONTENT_MM = {"portrait": 210 - 2 * MARGIN_MM, "landscape": 297 - 2 * MARGIN_MM}
PAGE_HEIGHT_MM = {"portrait": 297 - 14 - 16}  # top and bottom margin of a portrait page
FOOTER_MM = 16
MIN_INK = 0.002  # share of non-white pixels above the footer that makes a page not blank
CHROMIUM_ARGS = list(BROWSER_FLAGS)


# --- fixtures ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def printed(demo_run: dict, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """-> the demo report written (html) and printed to PDF once for this module."""
    out = tmp_path_factory.mktemp("laporan-cetak")
    _, html = annual_report.make_report(TAHUN, demo_run["curated"], out)
    return {"html": html, "pdf": write_pdf(html)}


@pytest.fixture(scope="module")
def pages(printed: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """-> every page of the PDF as a grey image (pdftoppm, 50 dpi), in order."""
    folder = tmp_path_factory.mktemp("halaman")
    subprocess.run(
        ["pdftoppm", "-gray", "-r", "50", str(printed["pdf"]), str(folder / "h")], check=True
    )
    return sorted(folder.glob("h-*.pgm"))


@pytest.fixture(scope="module")
def words(printed: dict[str, Path]) -> list[dict]:
    """-> per page of the PDF: its width and height (pt), its text and every word's box."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox", str(printed["pdf"]), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    out = []
    for width, height, body in re.findall(
        r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xhtml, re.S
    ):
        boxes = re.findall(r'<word xMin="([\d.]+)" [^>]*xMax="([\d.]+)"[^>]*>([^<]*)</word>', body)
        out.append(
            {
                "width": float(width),
                "height": float(height),
                "words": [(float(a), float(b), w) for a, b, w in boxes],
                "text": " ".join(w for _, _, w in boxes),
            }
        )
    return out


def read_pgm(path: Path) -> tuple[int, int, bytes]:
    """Binary PGM file (pdftoppm -gray) -> (width, height, one byte per pixel)."""
    magic, width, height, _, pixels = path.read_bytes().split(maxsplit=4)
    assert magic == b"P5"
    return int(width), int(height), pixels[: int(width) * int(height)]


def ink(path: Path) -> float:
    """Page image -> the share of non-white pixels above the footer margin."""
    width, height, pixels = read_pgm(path)
    body = pixels[: width * (height - round(FOOTER_MM / 25.4 * 50))]
    return sum(1 for b in body if b < 200) / len(body)


# --- pages ---------------------------------------------------------------------------------------
def test_pdf_is_a4_with_a_bounded_page_count_and_no_blank_page(
    pages: list[Path], words: list[dict]
) -> None:
    assert MIN_PAGES <= len(pages) <= MAX_PAGES, len(pages)
    assert len(words) == len(pages)
    for number, path in enumerate(pages, start=1):
        assert ink(path) >= MIN_INK, (number, ink(path))
    sizes = {(round(p["width"]), round(p["height"])) for p in words}
    assert sizes == {(595, 842), (842, 595)}, sizes  # A4 portrait and A4 landscape


def test_every_page_has_the_office_and_its_number_in_the_footer(words: list[dict]) -> None:
    total = len(words)
    for number, page in enumerate(words, start=1):
        assert INSTANSI in page["text"], number
        assert f"Halaman {number} dari {total}" in page["text"], number


def test_no_word_of_the_pdf_passes_the_right_margin(words: list[dict]) -> None:
    for number, page in enumerate(words, start=1):
        limit = page["width"] - MARGIN_MM * PT_PER_MM + 1
        beyond = [w for _, right, w in page["words"] if right > limit]
        assert beyond == [], (number, beyond[:5])


def _pages_with(words: list[dict], text: str) -> list[int]:
    """-> the 0-based numbers of the pages whose text holds `text`."""
    return [i for i, page in enumerate(words) if text in page["text"]]


def test_tabel_2_3_keeps_its_last_columns_and_its_header_on_every_page(
    words: list[dict], printed: dict[str, Path]
) -> None:
    first = _pages_with(words, "Tabel 2.3")[0]
    last = _pages_with(words, "27.394.781.000")[-1]  # the JUMLAH row, murni
    assert last > first  # the table runs over several pages
    for index in range(first, last + 1):
        text = words[index]["text"]
        assert "Bertambah" in text and "Sesudah Perubahan" in text, index  # thead repeated
        assert words[index]["width"] > words[index]["height"], index  # landscape
    assert "(510.786.600)" in words[last]["text"]  # Bertambah/(Berkurang), the last column
    assert "26.883.994.400" in words[last]["text"]  # Jumlah (Rp) after the revision
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n", encoding="utf-8")
    picture = ARTIFACTS / "tabel_2_3_halaman_pertama.png"
    number = str(first + 1)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-singlefile", "-f", number, "-l", number]
        + [str(printed["pdf"]), str(picture.with_suffix(""))],
        check=True,
    )
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.stat().st_size > 20_000


# --- Chromium's own layout in print media ---------------------------------------------------------
TABLE_BOXES = """() => [...document.querySelectorAll('section')]
  .filter(s => s.querySelector('table'))
  .map(s => ({id: s.id, page: getComputedStyle(s).page,
              right: s.querySelector('table').getBoundingClientRect().right}))"""
CHART_BOXES = """() => [...document.querySelectorAll('#grafik .kisi, #serapan svg, #capaian svg')]
  .map(e => e.getBoundingClientRect().height)"""


def print_layout(page_path: Path, width_mm: float, script: str) -> list:
    """HTML file + page content width -> what `script` measures in Chromium's print layout."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": round(width_mm * PX_PER_MM), "height": 900})
            page.emulate_media(media="print")
            page.goto(page_path.resolve().as_uri(), wait_until="load")
            return page.evaluate(script)
        finally:
            browser.close()


def test_every_table_fits_the_width_of_the_page_it_is_printed_on(printed: dict) -> None:
    measured = {
        kind: print_layout(printed["html"], mm, TABLE_BOXES) for kind, mm in CONTENT_MM.items()
    }
    kinds = {
        t["id"]: "landscape" if t["page"] == "mendatar" else "portrait"
        for t in measured["portrait"]
    }
    assert kinds["tabel-2-3"] == "landscape" and kinds["tabel-3-1"] == "portrait"
    for kind, tables in measured.items():
        width = CONTENT_MM[kind] * PX_PER_MM
        for table in tables:
            if kinds[table["id"]] == kind:
                assert table["right"] <= width + 0.5, (kind, table)
    # the measurement can fail: Tabel 2.3 would not fit a portrait page
    too_wide = {t["id"]: t["right"] for t in measured["portrait"]}["tabel-2-3"]
    assert too_wide > CONTENT_MM["portrait"] * PX_PER_MM


def test_charts_take_at_most_half_a_portrait_page(printed: dict) -> None:
    heights = print_layout(printed["html"], CONTENT_MM["portrait"], CHART_BOXES)
    assert len(heights) == 3  # the S-curves, absorption, capaian
    half = PAGE_HEIGHT_MM["portrait"] * PX_PER_MM / 2
    assert all(0 < h <= half for h in heights), (heights, half)


# --- signature block and the office from the curated opd table -----------------------------------
def test_signature_block_is_left_to_fill_in_without_opd(printed: dict, words: list[dict]) -> None:
    html = printed["html"].read_text(encoding="utf-8")
    block = re.search(r'<section id="pengesahan".*?</section>', html).group(0)
    assert f"Kepala {INSTANSI}" in block
    assert "NIP. ...." in block and f"{TAHUN + 1}</p>" in block
    assert "NIP." in words[-1]["text"]  # the last printed page carries the signature


def with_opd(curated: Path, target: Path, row: dict) -> Path:
    """Demo curated folder -> a copy whose current release has `row` in its opd table."""
    shutil.copytree(curated, target, symlinks=True)
    release = (target / ".rilis" / str(TAHUN) / "aktif").resolve()
    part = release / "opd" / "part-0.parquet"
    schema = pl.read_parquet(part).schema
    pl.DataFrame([row], schema=schema).write_parquet(part)
    return target


def test_signature_and_footer_come_from_the_opd_table_escaped(
    demo_run: dict, tmp_path: Path
) -> None:
    hostile = 'Dinas "Uji" </style><script>alert(1)</script>'
    curated = with_opd(
        demo_run["curated"],
        tmp_path / "curated",
        {
            "kode_opd": "2.17",
            "nama_opd": hostile,
            "pemerintah_daerah": "Provinsi Banten",
            "kepala": "Dr. Siti <b>Aminah</b>, M.Si.",
            "nip_kepala": "19700101 199503 2 001",
            "kota": "Serang",
        },
    )
    _, page = annual_report.make_report(TAHUN, curated, tmp_path / "laporan")
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html
    assert html.count("</style>") == 1  # the office's name cannot close the stylesheet
    block = re.search(r'<section id="pengesahan".*?</section>', html).group(0)
    assert "Serang, " in block and "19700101 199503 2 001" in block
    assert "Dr. Siti &lt;b&gt;Aminah&lt;/b&gt;, M.Si." in block
    assert "Provinsi Banten" in block
    footer = re.search(r"@bottom-left \{ content: \"([^\"]*)\"", html).group(1)
    assert "<" not in footer and "\\22 " in footer  # quotes and tags escaped in the CSS string
    printed = write_pdf(page)
    text = subprocess.run(
        ["pdftotext", str(printed), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert 'Dinas "Uji" </style><script>alert(1)</script> Provinsi Banten' in text  # footer
    assert "Dr. Siti <b>Aminah</b>, M.Si." in text and "NIP. 19700101 199503 2 001" in text


# --- the command line ---------------------------------------------------------------------------
def test_cli_report_pdf_prints_the_three_paths(demo_run: dict, tmp_path: Path, capsys) -> None:
    from flows.cli import main

    out = tmp_path / "laporan"
    with pytest.raises(SystemExit) as done:
        main(
            [
                "report",
                "--tahun",
                "2023",
                "--curated",
                str(demo_run["curated"]),
                "--out",
                str(out),
                "--pdf",
            ]
        )
    assert done.value.code == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == [str(out / f"lkjip_{TAHUN}.{x}") for x in ("xlsx", "html", "pdf")]
    assert (out / "lkjip_2023.pdf").read_bytes()[:5] == b"%PDF-"
    assert not list(out.glob(".*sebagian"))


def test_print_stylesheet_is_in_the_page_itself() -> None:
    css = report_html.CSS
    assert "@page mendatar { size: A4 landscape" in css and "size: A4 portrait" in css
    assert "thead { display: table-header-group; }" in css


def test_the_signature_block_comes_from_opd_csv_and_stays_empty_without_it(tmp_path):
    import shutil

    import fixtures_faults

    from flows.report_html import render_html
    from transforms.report_data import build

    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "raw" / "2023", raw / "2023")
    (raw / "2023" / "referensi" / "opd.csv").unlink()
    without = render_html(build(fixtures_faults.consolidated(raw).tables(), TAHUN), "x")
    # Without opd.csv no office is named from code: the page says where to name it.
    assert "nama belum diisi di referensi/opd.csv" in without and INSTANSI not in without
    (raw / "2023" / "referensi" / "opd.csv").write_text(
        "kode_opd,nama_opd,pemerintah_daerah,kepala,nip_kepala,kota\n"
        '2.17.0.00.0.00.01.0000,"Dinas Koperasi, Usaha Kecil dan Menengah",Provinsi Banten,'
        "Nama Kepala Dinas,196501011990031001,Serang\n",
        encoding="utf-8",
    )
    result = fixtures_faults.consolidated(raw)
    assert result.opd.select("kepala", "nip_kepala", "kota").rows() == [
        ("Nama Kepala Dinas", "196501011990031001", "Serang")
    ]
    page = render_html(build(result.tables(), TAHUN), "x")
    for text in ("Nama Kepala Dinas", "196501011990031001", "Serang, "):
        assert text in page and text not in without, text
