"""What a steward sees of a run in the Prefect UI: a Markdown summary and the findings table.

Pure: from the run's tables to text and rows. The flow publishes them as artifacts under
stable keys (one per year and quarter), so the same quarter can be compared across runs.
"""

from __future__ import annotations

import polars as pl

from transforms.aggregates import JUMLAH, SEMUA, level_rows
from transforms.finding_history import open_findings
from transforms.findings import rupiah

FINDINGS_IN_TABLE = 1000


def artifact_key(tahun: int, triwulan: int, kind: str) -> str:
    """-> the stable artifact key of a year-quarter, e.g. lkjip-2023-tw4-ringkasan."""
    return f"lkjip-{tahun}-tw{triwulan}-{kind}"


def _markdown_table(frame: pl.DataFrame) -> str:
    """Frame -> a Markdown table (every value as text)."""
    if frame.height == 0:
        return "_(tidak ada)_"
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = [
        "| " + " | ".join("" if v is None else str(v) for v in row) + " |"
        for row in frame.iter_rows()
    ]
    return "\n".join([header, rule, *rows])


def files_read(hitungan: pl.DataFrame) -> pl.DataFrame:
    """Row accounting per file -> per file: rows read, accepted, held back, not data."""
    wide = hitungan.pivot(on="status", index="berkas", values="baris").fill_null(0)
    for status in ("diterima", "karantina", "ganda"):
        if status not in wide.columns:
            wide = wide.with_columns(pl.lit(0, pl.UInt32).alias(status))
    counted = [c for c in wide.columns if c != "berkas"]
    held = pl.col("karantina") + pl.col("ganda")
    return wide.select(
        "berkas",
        dibaca=pl.sum_horizontal(counted),
        diterima=pl.col("diterima"),
        karantina=held,
        bukan_data=pl.sum_horizontal(counted) - pl.col("diterima") - held,
    ).sort("berkas")


def findings_per_rule(temuan: pl.DataFrame) -> pl.DataFrame:
    """Findings -> count per rule and level."""
    return temuan.group_by("aturan", "tingkat").agg(jumlah=pl.len()).sort("aturan")


def findings_per_bidang(temuan: pl.DataFrame, selesai: pl.DataFrame | None = None) -> pl.DataFrame:
    """Findings (+ resolved ones) -> count per bidang: open errors and warnings, accepted
    warnings, and each status against the previous release (baru, masih_ada, selesai).
    """
    frames = [_with_history(temuan)]
    if selesai is not None and selesai.height:
        frames.append(_with_history(selesai).with_columns(status=pl.lit("selesai")))
    every = pl.concat(frames, how="diagonal_relaxed")
    is_open = pl.col("status").ne("selesai") & ~pl.col("diterima")
    return (
        every.with_columns(pl.col("kode_bidang").fill_null("(referensi)"))
        .group_by("kode_bidang")
        .agg(
            error=(is_open & (pl.col("tingkat") == "error")).sum(),
            peringatan=(is_open & (pl.col("tingkat") == "peringatan")).sum(),
            diterima=(pl.col("status").ne("selesai") & pl.col("diterima")).sum(),
            baru=(pl.col("status") == "baru").sum(),
            masih_ada=(pl.col("status") == "masih_ada").sum(),
            selesai=(pl.col("status") == "selesai").sum(),
        )
        .sort("kode_bidang")
    )


def _with_history(temuan: pl.DataFrame) -> pl.DataFrame:
    """Findings -> kode_bidang, tingkat, status and diterima (defaults where a column is absent)."""
    status = pl.col("status") if "status" in temuan.columns else pl.lit("baru")
    diterima = pl.col("diterima") if "diterima" in temuan.columns else pl.lit(False)
    return temuan.select(
        "kode_bidang",
        "tingkat",
        status=status.fill_null("baru"),
        diterima=diterima.fill_null(False),
    )


def absorption_per_program(serapan: pl.DataFrame, triwulan: int) -> pl.DataFrame:
    """serapan_anggaran -> per program at the quarter, then the total: pagu, cumulative
    realisation and absorption (the published sums, not a second computation)."""
    rows = pl.concat(
        [level_rows(serapan, tingkat, SEMUA, triwulan) for tingkat in ("program", JUMLAH)]
    )
    return rows.select(
        program=pl.coalesce("kode", pl.lit("JUMLAH")),
        pagu=rupiah(pl.col("pagu")),
        realisasi=rupiah(pl.col("realisasi_kumulatif")),
        serapan_persen=pl.col("persen_realisasi")
        .cast(pl.String)
        .str.replace(".", ",", literal=True),
    )


def link(title: str, where: str) -> str:
    """-> a Markdown link for an http(s) address; a local path is said as text to copy.

    A browser showing the Prefect UI refuses to open file:// links ("Not allowed to load
    local resource"), so none is ever written.
    """
    if where.startswith(("http://", "https://")):
        return f"[{title}]({where})"
    return f"{title}: `{where}`"


def summary_markdown(
    *,
    run_id: str,
    tahun: int,
    triwulan: int,
    hitungan: pl.DataFrame,
    temuan: pl.DataFrame,
    serapan: pl.DataFrame,
    gate_line: str,
    data_docs: str,
    findings_path: str,
    selesai: pl.DataFrame | None = None,
) -> str:
    """A run's tables (+ the findings resolved since the previous release) -> the Markdown
    summary a steward reads in the Prefect UI; accepted warnings are not counted as open.
    """
    files = files_read(hitungan)
    terbuka = open_findings(temuan)
    errors = terbuka.filter(pl.col("tingkat") == "error").height
    accepted = temuan.height - terbuka.height
    resolved = 0 if selesai is None else selesai.height
    totals = files.select(pl.exclude("berkas").sum()).row(0, named=True)
    return "\n\n".join(
        [
            f"# Konsolidasi {tahun} TW{triwulan}",
            f"Run `{run_id}`. {len(files)} berkas dibaca: {totals['dibaca']} baris, "
            f"{totals['diterima']} diterima, {totals['karantina']} dikarantina, "
            f"{totals['bukan_data']} bukan data (jumlah/keterangan). "
            f"{terbuka.height} temuan terbuka ({errors} error)"
            + (f", {accepted} peringatan diterima" if accepted else "")
            + (f", {resolved} selesai sejak rilis sebelumnya" if resolved else "")
            + ".",
            f"Gerbang mutu: {gate_line}. {link('Data Docs', data_docs)} · "
            f"{link('Halaman temuan', findings_path)} · `lkjip failures --tahun {tahun}`",
            "## Serapan per program",
            _markdown_table(absorption_per_program(serapan, triwulan)),
            "## Temuan per aturan",
            _markdown_table(findings_per_rule(temuan)),
            "## Temuan per bidang",
            _markdown_table(findings_per_bidang(temuan, selesai)),
            "## Berkas dibaca",
            _markdown_table(files),
        ]
    )


def findings_rows(temuan: pl.DataFrame) -> list[dict]:
    """Findings -> the rows of the findings table artifact (the first FINDINGS_IN_TABLE)."""
    columns = ["aturan", "tingkat", "triwulan", "kode_bidang", "berkas", "baris", "kolom", "pesan"]
    history = [c for c in ("status", "diterima") if c in temuan.columns]
    return temuan.select(*columns, *history).head(FINDINGS_IN_TABLE).to_dicts()
