"""What a steward sees of a run in the Prefect UI: a Markdown summary and the findings table.

Pure: from the run's tables to text and rows. The flow publishes them as artifacts under
stable keys (one per year and quarter), so the same quarter can be compared across runs.
"""

from __future__ import annotations

import polars as pl

from transforms.findings import rupiah
from transforms.reconcile import percent

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


def findings_per_bidang(temuan: pl.DataFrame) -> pl.DataFrame:
    """Findings -> count per bidang: errors and warnings."""
    return (
        temuan.with_columns(pl.col("kode_bidang").fill_null("(referensi)"))
        .group_by("kode_bidang")
        .agg(
            error=(pl.col("tingkat") == "error").sum(),
            peringatan=(pl.col("tingkat") == "peringatan").sum(),
        )
        .sort("kode_bidang")
    )


def absorption_per_program(realisasi: pl.DataFrame, triwulan: int) -> pl.DataFrame:
    """realisasi_anggaran -> per program at the quarter: pagu, cumulative realisation, %."""
    quarter = realisasi.filter(pl.col("triwulan") == triwulan)
    per_program = quarter.group_by("kode_program").agg(
        pl.col("pagu").sum(), pl.col("realisasi_kumulatif").sum()
    )
    total = quarter.select(
        pl.lit("JUMLAH").alias("kode_program"),
        pl.col("pagu").sum(),
        pl.col("realisasi_kumulatif").sum(),
    )
    both = pl.concat([per_program.sort("kode_program"), total])
    return both.select(
        program=pl.col("kode_program"),
        pagu=rupiah(pl.col("pagu")),
        realisasi=rupiah(pl.col("realisasi_kumulatif")),
        serapan_persen=percent(pl.col("realisasi_kumulatif"), pl.col("pagu"))
        .cast(pl.String)
        .str.replace(".", ",", literal=True),
    )


def summary_markdown(
    *,
    run_id: str,
    tahun: int,
    triwulan: int,
    hitungan: pl.DataFrame,
    temuan: pl.DataFrame,
    realisasi: pl.DataFrame,
    gate_line: str,
    data_docs: str,
    findings_path: str,
) -> str:
    """A run's tables -> the Markdown summary a steward reads in the Prefect UI."""
    files = files_read(hitungan)
    errors = temuan.filter(pl.col("tingkat") == "error").height
    totals = files.select(pl.exclude("berkas").sum()).row(0, named=True)
    return "\n\n".join(
        [
            f"# Konsolidasi {tahun} TW{triwulan}",
            f"Run `{run_id}`. {len(files)} berkas dibaca: {totals['dibaca']} baris, "
            f"{totals['diterima']} diterima, {totals['karantina']} dikarantina, "
            f"{totals['bukan_data']} bukan data (jumlah/keterangan). "
            f"{temuan.height} temuan ({errors} error).",
            f"Gerbang mutu: {gate_line}. [Data Docs]({data_docs}) · "
            f"[Temuan (Parquet)]({findings_path}) · `lkjip failures --tahun {tahun}`",
            "## Serapan per program",
            _markdown_table(absorption_per_program(realisasi, triwulan)),
            "## Temuan per aturan",
            _markdown_table(findings_per_rule(temuan)),
            "## Temuan per bidang",
            _markdown_table(findings_per_bidang(temuan)),
            "## Berkas dibaca",
            _markdown_table(files),
        ]
    )


def findings_rows(temuan: pl.DataFrame) -> list[dict]:
    """Findings -> the rows of the findings table artifact (the first FINDINGS_IN_TABLE)."""
    columns = ["aturan", "tingkat", "triwulan", "kode_bidang", "berkas", "baris", "kolom", "pesan"]
    return temuan.select(columns).head(FINDINGS_IN_TABLE).to_dicts()
