"""The findings page: one run's findings grouped by bidang and rule, filterable in the page.

Self-contained HTML (inline style and script, no network): it opens from disk as well as
from `lkjip serve`. Every text taken from a file is HTML-escaped.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import polars as pl

from flows.release_store import read_table

PAGE = "temuan.html"  # the page's name beside a release's Data Docs
NO_BIDANG = "(referensi)"

# Columns shown for each finding, with their Indonesian titles (optional ones when present).
COLUMNS = (
    ("tingkat", "Tingkat"),
    ("triwulan", "TW"),
    ("berkas", "Berkas"),
    ("lembar", "Lembar"),
    ("baris", "Baris"),
    ("kolom", "Kolom"),
    ("status", "Status"),
    ("diterima", "Diterima"),
    ("pesan", "Pesan"),
    ("temuan_id", "ID temuan"),
)

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:1.5rem}h3{font-size:1rem}
label{margin-right:1rem}select{margin-left:.3rem}
table{border-collapse:collapse;width:100%;margin-bottom:1rem;font-size:.85rem}
th,td{border:1px solid #ccc;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}.error{color:#a00;font-weight:600}.peringatan{color:#8a5a00}
#jumlah{margin:.8rem 0;font-weight:600}[hidden]{display:none}
"""

SCRIPT = """
(function () {
  var pilihan = ["bidang", "aturan", "tingkat"];
  function saring() {
    var nilai = {};
    pilihan.forEach(function (p) { nilai[p] = document.getElementById("pilih-" + p).value; });
    var tampil = 0;
    document.querySelectorAll("tr.temuan").forEach(function (tr) {
      var cocok = pilihan.every(function (p) { return !nilai[p] || tr.dataset[p] === nilai[p]; });
      tr.hidden = !cocok;
      if (cocok) { tampil += 1; }
    });
    document.querySelectorAll("section.aturan, section.bidang").forEach(function (s) {
      s.hidden = s.querySelector("tr.temuan:not([hidden])") === null;
    });
    document.getElementById("jumlah").textContent = tampil + " temuan ditampilkan";
  }
  pilihan.forEach(function (p) {
    document.getElementById("pilih-" + p).addEventListener("change", saring);
  });
  saring();
})();
"""


def read_findings(curated: Path, tahun: int) -> pl.DataFrame | None:
    """-> the published findings of a year in `curated` (None when there are none yet)."""
    folder = curated / "temuan" / f"tahun={tahun}"
    return read_table(folder) if folder.exists() else None


def _cell(value: object) -> str:
    """A finding's value -> escaped cell text ('' for none, ya/tidak for booleans)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    return escape(str(value))


def _select(name: str, title: str, values: list[str]) -> str:
    """-> a labelled select box offering every value, plus 'semua'."""
    options = "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)
    return (
        f'<label>{title}<select id="pilih-{name}"><option value="">semua</option>'
        f"{options}</select></label>"
    )


def _row(finding: dict, bidang: str, columns: list[tuple[str, str]]) -> str:
    """One finding -> a table row carrying its bidang, rule and level for the filter."""
    level = finding.get("tingkat") or ""
    cells = "".join(
        f'<td class="{escape(level)}">{_cell(finding[c])}</td>'
        if c == "tingkat"
        else f"<td>{_cell(finding[c])}</td>"
        for c, _ in columns
    )
    return (
        f'<tr class="temuan" data-bidang="{escape(bidang)}" '
        f'data-aturan="{escape(finding["aturan"])}" data-tingkat="{escape(level)}">{cells}</tr>'
    )


def _bidang_section(bidang: str, rows: pl.DataFrame, columns: list[tuple[str, str]]) -> str:
    """One bidang's findings -> a section with one table per rule."""
    head = "".join(f"<th>{title}</th>" for _, title in columns)
    parts = [f'<section class="bidang"><h2>Bidang {escape(bidang)} ({rows.height} temuan)</h2>']
    for (aturan,), group in rows.group_by("aturan", maintain_order=True):
        body = "".join(_row(f, bidang, columns) for f in group.iter_rows(named=True))
        parts.append(
            f'<section class="aturan"><h3>Aturan {escape(aturan)} ({group.height})</h3>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>"
        )
    parts.append("</section>")
    return "".join(parts)


def render(temuan: pl.DataFrame, tahun: int, run_id: str | None = None) -> str:
    """A run's findings -> the self-contained findings page (HTML)."""
    findings = temuan.with_columns(pl.col("kode_bidang").fill_null(NO_BIDANG)).sort(
        "kode_bidang", "aturan", "tingkat", "triwulan", "berkas", "baris", nulls_last=True
    )
    columns = [(c, t) for c, t in COLUMNS if c in findings.columns]
    bidang = sorted(findings.get_column("kode_bidang").unique().to_list())
    rules = sorted(findings.get_column("aturan").unique().to_list())
    levels = sorted(findings.get_column("tingkat").unique().to_list())
    sections = "".join(
        _bidang_section(name, findings.filter(pl.col("kode_bidang") == name), columns)
        for name in bidang
    )
    about = f"Run {escape(run_id)}. " if run_id else ""
    errors = findings.filter(pl.col("tingkat") == "error").height
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        '<link rel="icon" href="data:,">'  # no favicon request: the page needs nothing else
        f"<title>Temuan {tahun}</title><style>{STYLE}</style></head><body>"
        f"<h1>Temuan konsolidasi tahun {tahun}</h1>"
        f"<p>{about}{findings.height} temuan ({errors} error), per bidang dan aturan.</p>"
        f'<form id="saring">{_select("bidang", "Bidang", bidang)}'
        f"{_select('aturan', 'Rule', rules)}{_select('tingkat', 'Tingkat', levels)}</form>"
        f'<p id="jumlah"></p>'
        + (sections or "<p>Tidak ada temuan.</p>")
        + f"<script>{SCRIPT}</script></body></html>"
    )


def write_page(temuan: pl.DataFrame, tahun: int, folder: Path, run_id: str | None = None) -> Path:
    """Write the findings page into `folder` (beside a release's Data Docs); -> its path."""
    path = folder / PAGE
    path.write_text(render(temuan, tahun, run_id), encoding="utf-8")
    return path
