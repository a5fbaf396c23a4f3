"""The annual report as one self-contained web page: the tables and inline SVG charts.

No script, no web font, no CDN: the page opens offline. The charts are an S-curve of
cumulative realisation per program against its ceiling, absorption per program and
capaian per IKU with its predikat. Each kegiatan figure of Tabel 3.6 and each capaian of
Tabel 3.1 opens on a click (<details>) the sources of what made it (asal_angka). The page
carries its own print stylesheet: A4, landscape pages for the wide tables, header rows on
every page, the office and page numbers in the footer, and a signature block.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from flows.report_layout import (
    ROMAWI,
    TEXT_KINDS,
    ReportColumn,
    ReportTable,
    angka,
    column_cells,
    header_rows,
    instansi,
    nama_pendek,
    potong,
    replace_atomically,
    rp_singkat,
    shown,
    table_specs,
)
from transforms.lineage import ANGGARAN, KINERJA, PERAN
from transforms.report_data import AnnualReport, incomplete_note

# --- charts (inline SVG) -------------------------------------------------------------------------
PREDIKAT_WARNA = {
    "Sangat Tinggi": "#1a7f37",
    "Tinggi": "#57a64a",
    "Sedang": "#d4a200",
    "Rendah": "#e07b00",
    "Sangat Rendah": "#c62828",
}
WARNA_REALISASI = "#1f5fa8"
WARNA_PAGU = "#c0392b"


def _e(text: object) -> str:
    """Value -> text escaped for HTML and SVG."""
    return html.escape(str(text), quote=True)


def nice_step(value: float) -> float:
    """Rough step -> a round axis step (1, 2, 2.5 or 5 × 10^n) at least as large."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(s * power for s in (1, 2, 2.5, 5, 10) if s * power >= value)


def axis(largest: float, ticks: int = 4) -> list[float]:
    """Largest value -> round tick values from 0 to just above it."""
    step = nice_step(largest / ticks)
    return [step * i for i in range(math.ceil(largest / step) + 1)] if largest > 0 else [0.0, 1.0]


def _svg(width: int, height: int, label: str, body: Iterable[str]) -> str:
    """Size + accessible label + elements -> an inline SVG that scales to its container."""
    return (
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{_e(label)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{_e(label)}</title>{"".join(body)}</svg>'
    )


def _text(x: float, y: float, text: str, **attrs: object) -> str:
    """Position + text + attributes -> an SVG text element."""
    extra = " ".join(f'{k.rstrip("_").replace("_", "-")}="{_e(v)}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" {extra}>{_e(text)}</text>'


def _lines(text: str, width: int, count: int = 2) -> list[str]:
    """Text -> at most count lines of about width characters (the last cut with an ellipsis)."""
    lines = textwrap.wrap(text, width) or [""]
    if len(lines) > count:
        lines = [*lines[: count - 1], potong(" ".join(lines[count - 1 :]), width)]
    return lines


def _title(x: float, y: float, text: str, width: int, css: str) -> str:
    """Position + long text -> an SVG text of up to two lines."""
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 15}">{_e(line)}</tspan>'
        for i, line in enumerate(_lines(text, width))
    )
    return f'<text x="{x:.1f}" y="{y:.1f}" class="{css}">{spans}</text>'


def svg_kurva_panel(kode: str, uraian: str, rows: list[dict]) -> str:
    """One program's quarters (pagu, realisasi_kumulatif, %) -> its S-curve against the pagu."""
    w, h, left, right, top, bottom = 360, 262, 54, 296, 56, 222
    pagu = [float(r["pagu"]) for r in rows]
    real = [float(r["realisasi_kumulatif"]) for r in rows]
    ticks = axis(max([*pagu, *real]) * 1.06)
    ymax = ticks[-1]

    def x(q: int) -> float:
        return left + q * (right - left) / 4

    def y(v: float) -> float:
        return bottom - v / ymax * (bottom - top)

    body = [_title(4, 16, f"{kode} {nama_pendek(uraian)}", 50, "judul-panel")]
    for value in ticks:
        gy = y(value)
        body.append(f'<line x1="{left}" x2="{right}" y1="{gy:.1f}" y2="{gy:.1f}" class="grid"/>')
        body.append(_text(left - 6, gy + 4, rp_singkat(value), class_="sumbu", text_anchor="end"))
    for q, label in enumerate(["Awal", "TW I", "TW II", "TW III", "TW IV"]):
        body.append(_text(x(q), bottom + 17, label, class_="sumbu", text_anchor="middle"))
    steps = []
    for q, value in enumerate(pagu, start=1):
        steps += [f"{x(q - 1):.1f},{y(value):.1f}", f"{x(q):.1f},{y(value):.1f}"]
    body.append(f'<polyline points="{" ".join(steps)}" class="pagu"/>')
    body.append(_text(x(0) + 4, y(pagu[0]) - 6, f"pagu {rp_singkat(pagu[0])}", class_="label-pagu"))
    if pagu[-1] != pagu[0]:
        body.append(
            _text(
                right, y(pagu[-1]) - 6, rp_singkat(pagu[-1]), class_="label-pagu", text_anchor="end"
            )
        )
    points = [(x(0), y(0))] + [(x(q), y(v)) for q, v in enumerate(real, start=1)]
    line = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    base = f"{x(len(real)):.1f},{y(0):.1f}"
    body.append(f'<polygon points="{line} {base}" class="area"/>')
    body.append(f'<polyline points="{line}" class="realisasi"/>')
    for (px, py), r in zip(points[1:], rows, strict=True):
        body.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" class="titik"/>')
        label = f"{angka(r['persen_realisasi'], 2)}%"
        if r is rows[-1]:
            body.append(_text(px + 7, py + 4, label, class_="label-akhir"))
        else:
            body.append(_text(px - 5, py - 7, label, class_="label-titik", text_anchor="end"))
    return _svg(w, h, f"Kurva S realisasi {kode} {uraian}", body)


def svg_kurva_s(kurva: pl.DataFrame) -> str:
    """Per program and quarter realisation -> a grid of S-curve panels (HTML)."""
    panels = []
    for (kode,), group in kurva.group_by("kode", maintain_order=True):
        rows = group.sort("triwulan").to_dicts()
        svg = svg_kurva_panel(kode, rows[0]["uraian"] or "", rows)
        panels.append(f'<figure class="panel">{svg}</figure>')
    return f'<div class="kisi">{"".join(panels)}</div>'


BAR_WIDTH = 640


def _bar_rows(items: list[dict], scale_max: float, label: str) -> tuple[list[str], int]:
    """Bar items (nama, nilai, warna, teks, penanda) -> SVG rows and the chart's height."""
    left, right, row_h, first = 8, BAR_WIDTH - 190, 46, 30

    def sx(v: float) -> float:
        return left + v / scale_max * (right - left)

    body = [_text(sx(100), 14, label, class_="sumbu", text_anchor="middle")]
    for i, item in enumerate(items):
        top = first + i * row_h
        value = item["nilai"] or 0.0
        body.append(_text(left, top + 10, item["nama"], class_="nama-batang"))
        body.append(
            f'<rect x="{left}" y="{top + 16}" width="{sx(100) - left:.1f}" height="16" '
            'class="jalur"/>'
        )
        body.append(
            f'<rect x="{left}" y="{top + 16}" width="{max(sx(value) - left, 0):.1f}" '
            f'height="16" fill="{item["warna"]}"/>'
        )
        body.append(
            f'<line x1="{sx(100):.1f}" x2="{sx(100):.1f}" y1="{top + 12}" y2="{top + 36}" '
            'class="acuan"/>'
        )
        marker = item.get("penanda")
        if marker is not None:
            body.append(
                f'<path d="M{sx(marker):.1f},{top + 13} l6,11 l-6,11 l-6,-11 z" class="penanda"/>'
            )
        end = max(value, 100.0, marker or 0.0)
        body.append(_text(sx(end) + 12, top + 29, item["teks"], class_="nilai-batang"))
    return body, first + len(items) * row_h + 4


def svg_serapan(efisiensi: pl.DataFrame) -> str:
    """Efficiency table -> bars of absorption per program, capaian as a marker, 100% line."""
    items = []
    for r in efisiensi.iter_rows(named=True):
        total = r["jenis_baris"] == "total"
        name = "Seluruh program" if total else f"{r['kode']} {nama_pendek(r['uraian'])}"
        serapan = None if r["serapan"] is None else float(r["serapan"])
        capaian = None if r["capaian_persen"] is None else float(r["capaian_persen"])
        items.append(
            {
                "nama": potong(name, 80),
                "nilai": serapan,
                "warna": "#0b3d75" if total else WARNA_REALISASI,
                "teks": "tanpa pagu" if serapan is None else f"{angka(r['serapan'], 2)}%",
                "penanda": capaian,
            }
        )
    values = [v for i in items for v in (i["nilai"], i["penanda"]) if v is not None]
    body, height = _bar_rows(items, max([100.0, *values]) * 1.04, "100%")
    return _svg(BAR_WIDTH, height, "Serapan anggaran per program", body)


def svg_capaian(tabel_3_1: pl.DataFrame) -> str:
    """IKU table -> bars of capaian per IKU, coloured by predikat, 100% line."""
    items = []
    for r in tabel_3_1.iter_rows(named=True):
        capaian = None if r["capaian_persen"] is None else float(r["capaian_persen"])
        predikat = r["predikat"] or "belum ada capaian"
        items.append(
            {
                "nama": potong(f"{r['kode']} {r['indikator']}", 80),
                "nilai": capaian,
                "warna": PREDIKAT_WARNA.get(r["predikat"], "#9e9e9e"),
                "teks": f"{angka(r['capaian_persen'], 2)}% · {predikat}",
            }
        )
    values = [i["nilai"] for i in items if i["nilai"] is not None]
    body, height = _bar_rows(items, max([110.0, *values]) * 1.04, "target 100%")
    return _svg(BAR_WIDTH, height, "Capaian IKU dan predikatnya", body)


# --- the web page ------------------------------------------------------------------------------
CSS = """
:root { --biru: #1f5fa8; --tua: #0b3d75; --abu: #595959; --garis: #c8c8c8; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: #1b1b1b;
  margin: 0; background: #f4f6f9; line-height: 1.4; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
header .instansi { margin: 0; color: var(--abu); font-size: 15px; }
h1 { margin: 4px 0 6px; font-size: 26px; color: var(--tua); }
h2 { margin: 36px 0 8px; font-size: 19px; color: var(--tua); border-bottom: 2px solid #dbe5f1;
  padding-bottom: 4px; }
h3 { margin: 0 0 6px; font-size: 15px; }
.meta { margin: 0; color: var(--abu); font-size: 13px; }
.awas { margin: 16px 0; padding: 14px 18px; border: 2px solid #c62828; background: #fdecea;
  color: #7f1010; border-radius: 6px; font-size: 15px; }
.awas strong { display: block; font-size: 17px; margin-bottom: 4px; }
.info { margin: 12px 0; padding: 8px 14px; background: #eef5ea; border-left: 4px solid #1a7f37;
  font-size: 13px; }
code { background: #f1f1f1; padding: 1px 5px; border-radius: 3px; font-size: 13px; }
nav { margin: 14px 0 4px; font-size: 13px; }
nav a { margin-right: 14px; color: var(--biru); text-decoration: none; }
.kartu { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px;
  margin: 18px 0 6px; }
.kartu div { border: 1px solid var(--garis); border-radius: 6px; padding: 10px 14px; }
.kartu span { display: block; color: var(--abu); font-size: 12px; }
.kartu b { font-size: 22px; color: var(--tua); white-space: nowrap; }
.kartu .baik b { color: #1a7f37; } .kartu .buruk b { color: #c62828; }
.kisi { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px 16px; }
figure { margin: 0; }
.panel { border: 1px solid #e3e3e3; border-radius: 6px; padding: 4px; }
.legenda { font-size: 13px; color: var(--abu); margin: 4px 0 10px; }
.legenda i { display: inline-block; width: 22px; height: 0; vertical-align: middle;
  margin: 0 6px 0 12px; border-top: 3px solid var(--biru); }
.legenda i.putus { border-top: 2px dashed #c0392b; }
.legenda i.kotak { width: 12px; height: 12px; border: 0; }
.legenda i.wajik { width: 10px; height: 10px; border: 0; background: #111;
  transform: rotate(45deg); }
svg { width: 100%; height: auto; display: block; }
svg text { font-family: inherit; }
.judul-panel { font-size: 12.5px; font-weight: 600; fill: #1b1b1b; }
.sumbu { font-size: 10.5px; fill: #666; }
.grid { stroke: #e6e6e6; stroke-width: 1; }
.pagu { fill: none; stroke: #c0392b; stroke-width: 2; stroke-dasharray: 6 4; }
.label-pagu { font-size: 10.5px; fill: #c0392b; font-weight: 600; }
.realisasi { fill: none; stroke: #1f5fa8; stroke-width: 2.5; }
.area { fill: #1f5fa8; fill-opacity: 0.10; stroke: none; }
.titik { fill: #1f5fa8; stroke: #fff; stroke-width: 1.5; }
.label-titik { font-size: 10px; fill: #444; }
.label-akhir { font-size: 12px; font-weight: 700; fill: #0b3d75; }
.nama-batang { font-size: 12.5px; fill: #1b1b1b; }
.nilai-batang { font-size: 12.5px; font-weight: 700; fill: #1b1b1b; }
.jalur { fill: #eceff3; }
.acuan { stroke: #333; stroke-width: 1; stroke-dasharray: 4 3; }
.penanda { fill: #111; }
.grafik2 { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
.gulir { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; margin-top: 6px; }
th, td { border: 1px solid var(--garis); padding: 4px 6px; vertical-align: top; }
th { background: #dbe5f1; color: #12324f; text-align: center; vertical-align: middle; }
td.angka { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.tengah { text-align: center; }
tr.program td, tr.kegiatan td, tr.jenis_belanja td, tr.sasaran td, tr.total td { font-weight: 700; }
tr.program td { background: #eef4fb; }
tr.jenis_belanja td { background: #fcefe6; }
tr.sasaran td { background: #eef5ea; }
tr.total td { background: #e7e7e7; border-top: 2px solid #333; }
tr.kegiatan td.nama { padding-left: 16px; }
tr.sub_kegiatan td.nama { padding-left: 30px; }
.lencana { color: #fff; border-radius: 10px; padding: 1px 8px; font-size: 11.5px;
  white-space: nowrap; font-weight: 600; }
.catatan { font-size: 12px; color: var(--abu); margin: 6px 0 0; }
@media (max-width: 900px) { .kisi, .grafik2 { grid-template-columns: 1fr; } }
/* where a figure comes from: a click opens its sources (no script) */
td.ada-asal { position: relative; }
.gulir:has(details[open]) { overflow: visible; }  /* an open panel is not cut by the scroll box */
details.asal > summary { cursor: pointer; list-style: none; color: var(--biru);
  text-decoration: underline dotted; text-underline-offset: 3px; }
details.asal > summary::-webkit-details-marker { display: none; }
details.asal[open] > summary { background: #fff3c4; }
.panel-asal { position: absolute; right: 0; top: 100%; z-index: 20; width: 64em;
  max-width: 92vw; max-height: 70vh; overflow: auto; background: #fff; color: #1b1b1b;
  border: 1px solid #8aa4c8; border-radius: 6px; box-shadow: 0 8px 22px rgba(0,0,0,.2);
  padding: 10px 14px; text-align: left; white-space: normal; font-weight: 400;
  font-size: 12px; }
.panel-asal h4 { margin: 0 0 6px; font-size: 13px; color: var(--tua); }
.panel-asal .garis-asal { border-top: 1px solid #e3e3e3; padding-top: 6px; margin-top: 6px; }
.panel-asal ul { margin: 4px 0; padding-left: 18px; }
.panel-asal li { margin: 2px 0; }
.panel-asal .sha { color: var(--abu); font-family: monospace; font-size: 11px; }
.panel-asal .temuan-asal { color: #7f1010; }
.panel-asal .triwulan-asal { color: var(--abu); margin: 2px 0; }
/* signature block */
.ttd { display: flex; justify-content: flex-end; margin-top: 28px; }
.ttd div { min-width: 24em; text-align: center; font-size: 14px; }
.ttd p { margin: 2px 0; }
.ttd .ruang { height: 64px; }
.ttd .nama { font-weight: 700; text-decoration: underline; }
/* print: A4, landscape pages for wide tables, header rows on every page */
@page { size: A4 portrait; margin: 14mm 12mm 16mm 12mm; }
@page mendatar { size: A4 landscape; margin: 12mm 12mm 15mm 12mm; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  html, body { background: #fff; font-size: 9pt; }
  main { max-width: none; padding: 0; }
  nav, .layar { display: none; }
  section.mendatar { page: mendatar; }
  h1 { font-size: 16pt; } h2 { font-size: 11.5pt; margin: 10pt 0 4pt; break-after: avoid; }
  .awas, .info { font-size: 8.5pt; padding: 6pt 10pt; margin: 8pt 0; }
  .kartu { margin: 8pt 0; gap: 6pt; } .kartu div { padding: 5pt 8pt; }
  .kartu b { font-size: 13pt; }
  .kisi { grid-template-columns: repeat(3, 1fr); gap: 4pt 8pt; }
  .grafik2 { grid-template-columns: 1fr 1fr; gap: 10pt; }
  .grafik2 h2 { font-size: 10.5pt; }
  figure, svg, .kartu, .ttd, tr { break-inside: avoid; }
  .gulir { overflow: visible; }
  table { font-size: 7.5pt; margin-top: 2pt; }
  th, td { padding: 2pt 3pt; }
  th[style] { min-width: 0 !important; }
  thead { display: table-header-group; }
  tr.total td { border-top: 1.5pt solid #333; }
  tr.kegiatan td.nama { padding-left: 8pt; } tr.sub_kegiatan td.nama { padding-left: 14pt; }
  .lencana { padding: 0 4pt; font-size: 7pt; }
  .catatan { font-size: 7.5pt; }
  details.asal > summary { color: inherit; text-decoration: none; }
  .panel-asal { display: none !important; }
  .ttd { break-before: avoid; margin-top: 16pt; }
  .ttd div { font-size: 10pt; }
}
"""


def _min_width(column: ReportColumn) -> str:
    """Column spec -> a style attribute keeping a text column readable (none for numbers)."""
    if column.kind not in TEXT_KINDS:
        return ""
    return f' style="min-width:{column.max_width / 3:.0f}em"'


def _html_header_cells(table: ReportTable) -> str:
    """Table spec -> its <thead> rows (group headers spanning their columns)."""
    rows = header_rows(table.columns)
    top, bottom, col = [], [], 0
    while col < len(table.columns):
        column = table.columns[col]
        if column.group is None:
            top.append(f'<th rowspan="{rows}"{_min_width(column)}>{_e(column.title)}</th>')
            col += 1
            continue
        span = 1
        while col + span < len(table.columns) and table.columns[col + span].group == column.group:
            span += 1
        top.append(f'<th colspan="{span}">{_e(column.group)}</th>')
        bottom += [
            f"<th{_min_width(k)}>{_e(k.title)}</th>" for k in table.columns[col : col + span]
        ]
        col += span
    head = f"<tr>{''.join(top)}</tr>"
    return (
        f"<thead>{head}<tr>{''.join(bottom)}</tr></thead>"
        if rows == 2
        else f"<thead>{head}</thead>"
    )


def _td(value: object, column: ReportColumn, panel: str | None = None) -> str:
    """Cell value + column spec (+ the panel of its sources) -> a <td> with the Indonesian
    text and its alignment; with a panel, the text opens it on a click.
    """
    text = shown(value, column.kind)
    if column.kind == "predikat" and value:
        color = PREDIKAT_WARNA.get(value, "#9e9e9e")
        return f'<td><span class="lencana" style="background:{color}">{_e(text)}</span></td>'
    if column.kind in TEXT_KINDS:
        css = "nama" if column.kind == "nama" else ""
    else:
        css = "tengah" if text == "-" or column.kind == "nomor" else "angka"
    if panel:
        summary = f'<summary title="Klik untuk melihat asal angka ini">{_e(text)}</summary>'
        return f'<td class="{css} ada-asal"><details class="asal">{summary}{panel}</details></td>'
    return f'<td class="{css}">{_e(text)}</td>' if css else f"<td>{_e(text)}</td>"


def html_table(
    table: ReportTable, frame: pl.DataFrame, panels: list[str | None] | None = None
) -> str:
    """Table spec + frame (+ per row the panel of its traced figure) -> a <section> with the
    title, the table and its notes.
    """
    columns = [column_cells(frame, k) for k in table.columns]
    body = []
    for i, row_kind in enumerate(map(table.style, frame.get_column("jenis_baris").to_list())):
        cells = "".join(
            _td(columns[c][i], k, panels[i] if panels and k.key == table.source else None)
            for c, k in enumerate(table.columns)
        )
        body.append(f'<tr class="{_e(row_kind)}">{cells}</tr>')
    notes = "".join(f'<p class="catatan">{_e(n)}</p>' for n in table.notes)
    page = ' class="mendatar"' if table.landscape else ""
    return (
        f'<section id="{table.anchor}"{page}><h2>{_e(table.title)}</h2><div class="gulir"><table>'
        f"{_html_header_cells(table)}<tbody>{''.join(body)}</tbody></table></div>{notes}</section>"
    )


# --- where a figure comes from (asal angka) -----------------------------------------------------
KELENGKAPAN = {
    "lengkap": "lengkap",
    "dari_kumulatif": "dari realisasi s.d. triwulan yang dinyatakan triwulan berikutnya",
    "tidak_ada": "tidak ada angka yang dapat dipakai",
}


def rentang(numbers: Iterable[int]) -> str:
    """Row numbers -> "12–15, 18": consecutive ones as a range."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def _where(group: list[dict]) -> str:
    """Source rows of one file and sheet -> "berkas X, lembar 'Y', baris 12–15" (escaped)."""
    first = group[0]
    sheet = f", lembar '{_e(first['lembar'])}'" if first["lembar"] else ""
    rows = rentang(r["baris"] for r in group)
    return f"berkas <code>{_e(first['berkas'])}</code>{sheet}, baris {rows}"


def _digest(group: list[dict]) -> str:
    """Source rows of one file -> " · sha256 1a2b3c4d5e6f…" (the file as the run read it)."""
    sha = group[0]["sha256"]
    return f' <span class="sha">· sha256 {_e(sha[:12])}…</span>' if sha else ""


def _grouped(rows: list[dict], *keys: str) -> dict[tuple, list[dict]]:
    """Rows -> lists of rows by the values of keys, in first-seen order."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    return groups


def _money_of(group: list[dict]) -> str:
    """Source rows -> " — Rp <sum of nilai>" when they carry amounts."""
    values = [r["nilai"] for r in group if r["nilai"] is not None]
    return f" — Rp {angka(sum(values))}" if values else ""


def _rules_of(group: list[dict]) -> str:
    """Source rows -> " [R004, V003]" naming the rules of their findings (empty when none)."""
    codes = sorted({c for r in group if r["aturan"] for c in r["aturan"].split(",")})
    return f" [{', '.join(codes)}]" if codes else ""


def _source_line(peran: str, triwulan: int | None, group: list[dict], status: dict) -> str:
    """One role, quarter, file and sheet of a figure's sources -> an <li> in Indonesian."""
    where = _where(group) + _money_of(group) + _rules_of(group) + _digest(group)
    if peran == "pagu":
        return f"<li>Pagu: DPA {_e(group[0]['versi_dpa'])}, {where}</li>"
    if peran == "target":
        return f"<li>Target: Perjanjian Kinerja, {where}</li>"
    tw = f"TW {ROMAWI[triwulan]}"
    if peran == "kumulatif":
        before = f"TW {ROMAWI[triwulan - 1]}"
        return f"<li>{before} dari realisasi s.d. {tw} yang dinyatakan di {where}</li>"
    if peran == "realisasi":
        state = status.get(triwulan)
        label = f"{tw} ({_e(KELENGKAPAN.get(state, state))})" if state else tw
        return f"<li>{label}: {where}</li>"
    return f"<li>{tw}, {_e(PERAN[peran])}: {where}</li>"


def _in_order(key: tuple) -> tuple:
    """(peran, triwulan_sumber, berkas, lembar) -> its place: references first, then by the
    quarter a row stands for (a stated cumulative stands for the quarter before its own).
    """
    peran, quarter = key[0], key[1]
    stands_for = -1 if quarter is None else quarter - (peran == "kumulatif")
    return (stands_for, list(PERAN).index(peran), key[2], key[3] or "")


def _sources_list(rows: list[dict], status: dict) -> str:
    """A figure's source rows -> a <ul> grouped by role, quarter, file and sheet."""
    groups = _grouped(rows, "peran", "triwulan_sumber", "berkas", "lembar")
    ordered = sorted(groups.items(), key=lambda item: _in_order(item[0]))
    items = [_source_line(p, q, g, status) for (p, q, _, _), g in ordered]
    return f"<ul>{''.join(items)}</ul>" if items else "<p>Tidak ada baris sumber.</p>"


def _findings_list(rows: list[dict]) -> str:
    """Findings on a figure -> a paragraph per finding (escaped), or nothing."""
    return "".join(
        f'<p class="temuan-asal">Temuan {_e(t["aturan"])} ({_e(t["tingkat"])}): '
        f"{_e(t['pesan'])}</p>"
        for t in rows
    )


@dataclass(frozen=True)
class _Source:
    """The report's sources as plain rows, by figure key."""

    rows: dict[tuple, list[dict]]
    temuan: dict[tuple, list[dict]]
    kelengkapan: dict[tuple, dict[int, str]]
    lines: dict[str, list[dict]]  # kode_kegiatan|jenis -> its lines at the quarter


def _source_rows(report: AnnualReport) -> _Source | None:
    """Report -> its sources keyed for lookup (None when the release has no asal_angka)."""
    if report.sources is None:
        return None
    key = ("tabel", "kode", "jenis_belanja", "indikator")
    states: dict[tuple, dict[int, str]] = {}
    for r in report.sources.kelengkapan.iter_rows(named=True):
        states.setdefault((r["kode_sub_kegiatan"], r["jenis_belanja"]), {})[r["triwulan"]] = r[
            "kelengkapan"
        ]
    lines: dict[str, list[dict]] = {}
    for r in report.sources.lines.iter_rows(named=True):
        lines.setdefault(f"{r['kode_kegiatan']}|{r['jenis_belanja']}", []).append(r)
    return _Source(
        rows=_grouped(report.sources.rows.to_dicts(), *key),
        temuan=_grouped(report.sources.temuan.to_dicts(), *key),
        kelengkapan=states,
        lines=lines,
    )


def _states_line(states: dict[int, str]) -> str:
    """Quarter -> kelengkapan of a line -> one line naming where each quarter came from."""
    parts = [f"TW {ROMAWI[q]} {KELENGKAPAN.get(k, k)}" for q, k in sorted(states.items())]
    return f'<p class="triwulan-asal">Asal per triwulan: {_e("; ".join(parts))}</p>'


def _line_panel(line: dict, sources: _Source, triwulan: int) -> str:
    """One sub kegiatan line of a kegiatan -> its figures, quarters, sources and findings."""
    figure = (ANGGARAN, line["kode_sub_kegiatan"], line["jenis_belanja"], None)
    persen = f" ({angka(line['persen_realisasi'], 2)}%)" if line["persen_realisasi"] else ""
    title = (
        f"<b>{_e(line['kode_sub_kegiatan'])} {_e(line['uraian'] or '')}</b>: realisasi s.d. "
        f"TW {ROMAWI[triwulan]} Rp {angka(line['realisasi_kumulatif'])} dari pagu "
        f"Rp {angka(line['pagu'])}{persen}"
    )
    states = sources.kelengkapan.get((line["kode_sub_kegiatan"], line["jenis_belanja"]), {})
    return (
        f'<div class="garis-asal" data-kode="{_e(line["kode_sub_kegiatan"])}"><p>{title}</p>'
        f"{_states_line(states)}{_sources_list(sources.rows.get(figure, []), states)}"
        f"{_findings_list(sources.temuan.get(figure, []))}</div>"
    )


def panels_3_6(report: AnnualReport, sources: _Source) -> list[str | None]:
    """Report -> per Tabel 3.6 row the panel of its sub kegiatan lines (kegiatan rows only)."""
    panels: list[str | None] = []
    for row in report.tabel_3_6.iter_rows(named=True):
        lines = sources.lines.get(f"{row['kode']}|{row['jenis_belanja']}")
        if row["jenis_baris"] != "kegiatan" or not lines:
            panels.append(None)
            continue
        head = (
            f"<h4>Asal angka kegiatan {_e(row['kode'])}, belanja {_e(row['jenis_belanja'])}: "
            f"{len(lines)} sub kegiatan</h4>"
        )
        body = "".join(_line_panel(line, sources, report.triwulan) for line in lines)
        panels.append(f'<div class="panel-asal" role="region">{head}{body}</div>')
    return panels


def panels_3_1(report: AnnualReport, sources: _Source) -> list[str | None]:
    """Report -> per Tabel 3.1 row the panel of its capaian's sources and findings."""
    panels: list[str | None] = []
    for row in report.tabel_3_1.iter_rows(named=True):
        figure = (KINERJA, row["kode"], None, row["indikator"])
        rows = sources.rows.get(figure, [])
        head = (
            f"<h4>Asal capaian {_e(row['kode'])} {_e(row['indikator'])} s.d. "
            f"TW {ROMAWI[report.triwulan]}</h4>"
        )
        body = _sources_list(rows, {}) + _findings_list(sources.temuan.get(figure, []))
        panels.append(f'<div class="panel-asal" role="region">{head}{body}</div>')
    return panels


PANELS = {"tabel_3_6": panels_3_6, "tabel_3_1": panels_3_1}
"""Laporan attribute -> the builder of its rows' source panels."""


def _status_html(report: AnnualReport, command: str) -> str:
    """Report -> the findings note near the top: a red alert for errors, else a quiet line."""
    command_html = f"<code>{_e(command)}</code>"
    partial = incomplete_note(report)
    partial_html = f'<p class="info" id="kelengkapan">{_e(partial)}</p>' if partial else ""
    return _errors_html(report, command_html) + partial_html


def _errors_html(report: AnnualReport, command_html: str) -> str:
    """Report -> the error findings alert, or a quiet line when there are none."""
    if report.error_count:
        per_rule = ", ".join(f"{a}: {n}" for a, n in report.temuan_error.iter_rows())
        held = (
            f" ({report.quarantined_count} baris dikarantina)" if report.quarantined_count else ""
        )
        return (
            '<div class="awas" role="alert"><strong>Perhatian: ada '
            f"{report.error_count} temuan tingkat error pada data tahun {report.tahun} "
            f"({_e(per_rule)})"
            f"</strong>Baris yang bermasalah{held} tidak masuk tabel-tabel di bawah, jadi angkanya "
            "bisa kurang dari yang sebenarnya. Selesaikan temuan itu sebelum laporan ini dicetak. "
            f"Lihat daftarnya: {command_html}</div>"
        )
    warning = ""
    if report.warning_count:
        warning = (
            f" {report.warning_count} temuan tingkat peringatan (datanya tetap masuk): "
            f"{command_html}."
        )
    return f'<p class="info">Tidak ada temuan tingkat error pada tahun {report.tahun}.{warning}</p>'


def _cards_html(report: AnnualReport) -> str:
    """Report -> the headline figures: pagu, realisasi, serapan, sisa, IKU reached, errors."""
    total = report.tabel_3_6.filter(pl.col("jenis_baris") == "total").row(0, named=True)
    iku = report.tabel_3_1
    reached = iku.filter(pl.col("capaian_persen") >= 100).height
    cards = [
        ("", "Pagu anggaran", f"Rp {angka(total['pagu'])}"),
        ("", f"Realisasi s.d. TW {ROMAWI[report.triwulan]}", f"Rp {angka(total['realisasi'])}"),
        ("", "Serapan anggaran", f"{angka(total['persen_realisasi'], 2)}%"),
        ("", "Sisa anggaran", f"Rp {angka(total['sisa'])}"),
        (
            "baik" if reached == iku.height else "buruk",
            "IKU tercapai (≥ 100%)",
            f"{reached} dari {iku.height}",
        ),
        ("buruk" if report.error_count else "baik", "Temuan error", str(report.error_count)),
    ]
    body = "".join(
        f'<div class="{c}"><span>{_e(k)}</span><b>{_e(v)}</b></div>' for c, k, v in cards
    )
    return f'<div class="kartu">{body}</div>'


def _charts_html(report: AnnualReport) -> str:
    """Report -> the charts section: S-curves, absorption, capaian per IKU."""
    predikat = "".join(
        f'<i class="kotak" style="background:{w}"></i>{_e(p)}' for p, w in PREDIKAT_WARNA.items()
    )
    return (
        '<section id="grafik"><h2>Kurva S: realisasi kumulatif per triwulan terhadap pagu</h2>'
        '<p class="legenda"><i></i>realisasi kumulatif (% dari pagu yang berlaku)'
        '<i class="putus"></i>pagu yang berlaku (DPA murni, lalu DPA perubahan)</p>'
        f"{svg_kurva_s(report.kurva_s)}</section>"
        '<div class="grafik2"><section id="serapan"><h2>Serapan anggaran per program</h2>'
        '<p class="legenda"><i class="kotak" style="background:#1f5fa8"></i>serapan (%)'
        '<i class="wajik"></i>capaian kinerja program (%)</p>'
        f"{svg_serapan(report.efisiensi)}</section>"
        '<section id="capaian"><h2>Capaian IKU dan predikatnya</h2>'
        f'<p class="legenda">{predikat}</p>{svg_capaian(report.tabel_3_1)}</section></div>'
    )


def _css_text(text: str) -> str:
    """Text -> the body of a CSS string: anything beyond plain letters and digits escaped."""
    return "".join(
        c if c.isascii() and (c.isalnum() or c in " ,.-") else f"\\{ord(c):x} " for c in text
    )


def _page_css(office: str) -> str:
    """Office name -> the printed pages' footer: the office on the left, page numbers right."""
    style = "font-size: 7.5pt; color: #555;"
    boxes = (
        f'@bottom-left {{ content: "{_css_text(office)}"; {style} }}'
        f'@bottom-right {{ content: "Halaman " counter(page) " dari " counter(pages); {style} }}'
    )
    return f"@page {{ {boxes} }} @page mendatar {{ {boxes} }}"


BLANK = "." * 36
"""A dotted line the signer fills in by hand where the reference data say nothing."""


def signature_html(report: AnnualReport) -> str:
    """Report -> the signature block: place and date, the head of office, name and NIP."""
    sign = report.signature
    place = _e(sign.kota) if sign.kota else BLANK[:20]
    name = f'<b class="nama">{_e(sign.kepala)}</b>' if sign.kepala else f"({BLANK})"
    nip = _e(sign.nip_kepala) if sign.nip_kepala else BLANK
    return (
        '<section id="pengesahan" class="mendatar"><div class="ttd"><div>'
        f"<p>{place}, {BLANK[:24]} {report.tahun + 1}</p>"
        f"<p>Kepala {_e(instansi(report))}</p>"
        f'<p class="ruang"></p><p>{name}</p><p>NIP. {nip}</p>'
        "</div></div></section>"
    )


def _tables_html(report: AnnualReport) -> tuple[str, str]:
    """Report -> (the navigation links, every table with its traced figures' panels)."""
    specs = table_specs(report)
    sources = _source_rows(report)
    nav = "".join(f'<a href="#{t.anchor}">{_e(t.sheet)}</a>' for t in specs)
    tables = "".join(
        html_table(
            t,
            getattr(report, t.attribute),
            PANELS[t.attribute](report, sources) if sources and t.attribute in PANELS else None,
        )
        for t in specs
    )
    return nav, tables


def render_html(report: AnnualReport, command: str) -> str:
    """Report + findings command -> the whole self-contained page (inline CSS and SVG)."""
    nav, tables = _tables_html(report)
    office = instansi(report)
    title = f"Laporan Kinerja Instansi Pemerintah (LKjIP) Tahun {report.tahun}"
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)} — {_e(office)}</title><style>{CSS}{_page_css(office)}</style>"
        "</head><body><main>"
        f'<header><p class="instansi">{_e(office)}</p><h1>{_e(title)}</h1>'
        f'<p class="meta">Tabel dan grafik disusun otomatis dari tabel terkurasi lkjip, data s.d. '
        f"Triwulan {ROMAWI[report.triwulan]} {report.tahun}. Angka dalam Rupiah kecuali "
        "disebut lain."
        f"</p></header>{_status_html(report, command)}{_cards_html(report)}"
        f'<nav><a href="#grafik">Grafik</a>{nav}</nav>{_charts_html(report)}{tables}'
        f"{signature_html(report)}</main></body></html>"
    )


def write_html(report: AnnualReport, out: Path, command: str) -> Path:
    """Report + folder -> <out>/lkjip_<tahun>.html."""
    page = render_html(report, command)
    return replace_atomically(
        Path(out) / f"lkjip_{report.tahun}.html", lambda p: p.write_text(page, encoding="utf-8")
    )


def render_overview(overview: pl.DataFrame, tahun: int, links: dict[str, str]) -> str:
    """Offices' overview (transforms.report_data.office_overview) + each office's report
    link -> a self-contained page listing every office: absorption, capaian, open errors."""
    rows = []
    for r in overview.iter_rows(named=True):
        name = r["nama_opd"] or r["kode_opd"]
        if r["pemerintah_daerah"]:
            name = f"{name} ({r['pemerintah_daerah']})"
        link = links.get(r["kode_opd"])
        cell = f'<a href="{_e(link)}">{_e(name)}</a>' if link else _e(name)
        tw = f"TW{r['triwulan']}" if r["triwulan"] else "-"
        rows.append(
            f"<tr><td>{_e(r['kode_opd'])}</td><td class='nama'>{cell}</td>"
            f"<td class='tengah'>{tw}</td>"
            f"<td class='angka'>{angka(r['pagu'])}</td>"
            f"<td class='angka'>{angka(r['realisasi_kumulatif'])}</td>"
            f"<td class='angka'>{angka(r['persen_realisasi'], 2)}</td>"
            f"<td class='angka'>{r['indikator_tercapai']} dari {r['indikator']}</td>"
            f"<td class='angka'>{r['error_terbuka']}</td></tr>"
        )
    title = f"Ringkasan Kinerja Perangkat Daerah Tahun {tahun}"
    head = (
        "<tr><th>Kode OPD</th><th>Perangkat Daerah</th><th>Data s.d.</th><th>Pagu (Rp)</th>"
        "<th>Realisasi (Rp)</th><th>Serapan (%)</th><th>Indikator tercapai (≥ 100%)</th>"
        "<th>Error terbuka</th></tr>"
    )
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body><main>"
        f"<header><h1>{_e(title)}</h1><p class='meta'>{overview.height} perangkat daerah, "
        "disusun otomatis dari tabel terkurasi lkjip. Nama kantor dari referensi/opd.csv; "
        "tiap nama membuka laporan kantor itu.</p></header>"
        f"<section id='ringkasan-opd'><table><thead>{head}</thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section></main></body></html>"
    )


def write_overview(overview: pl.DataFrame, tahun: int, out: Path, links: dict[str, str]) -> Path:
    """Offices' overview -> <out>/lkjip_<tahun>_opd.html."""
    page = render_overview(overview, tahun, links)
    return replace_atomically(
        Path(out) / f"lkjip_{tahun}_opd.html", lambda p: p.write_text(page, encoding="utf-8")
    )
