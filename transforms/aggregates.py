"""Budget absorption per program, kegiatan, bidang and in total: the `serapan_anggaran` table.

One computation for the report and the analysts: the report renders these sums and
percentages, and analysts read the same published table. Pure polars, no I/O.

Percentages are exact: transforms.reconcile.percent, the same as realisasi_anggaran's.
"""

from __future__ import annotations

import polars as pl

from schemas.types import MONEY
from transforms.reconcile import percent

SEMUA = "semua"
"""jenis_belanja of the rows that sum both kinds of spending."""
LEVELS = (
    ("program", "kode_program"),
    ("kegiatan", "kode_kegiatan"),
    ("bidang", "kode_bidang"),
)
JUMLAH = "jumlah"
"""tingkat of the grand total rows (no kode)."""
SUMS = ("pagu", "realisasi_triwulan", "realisasi_kumulatif")
COLUMNS = (
    "tahun",
    "triwulan",
    "tingkat",
    "kode",
    "uraian",
    "kode_bidang",
    "jenis_belanja",
    "baris_dpa",
    *SUMS,
    "sisa_anggaran",
    "persen_realisasi",
    "persen_sisa",
)


def _both_kinds(realisasi: pl.DataFrame) -> pl.DataFrame:
    """realisasi_anggaran -> its lines once per jenis belanja and once more as `semua`."""
    return pl.concat([realisasi, realisasi.with_columns(jenis_belanja=pl.lit(SEMUA))])


def _sums(lines: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Lines -> per key: pagu, realisation sums (DECIMAL(18,2)) and the DPA lines counted."""
    return lines.group_by(keys).agg(
        *(pl.col(c).sum().cast(MONEY) for c in SUMS),
        baris_dpa=pl.len().cast(pl.Int32),
        _bidang=pl.col("kode_bidang").drop_nulls().first(),
    )


def _level(lines: pl.DataFrame, tingkat: str, key: str | None) -> pl.DataFrame:
    """Lines -> the sums of one level (None: the grand total) per quarter and jenis belanja."""
    keys = ["tahun", "triwulan", "jenis_belanja", *([key] if key else [])]
    none = pl.lit(None, pl.String)
    owner = {None: none, "kode_bidang": pl.col("kode_bidang")}.get(key, pl.col("_bidang"))
    return _sums(lines, keys).select(
        "tahun",
        "triwulan",
        tingkat=pl.lit(tingkat),
        kode=pl.col(key) if key else none,
        kode_bidang=owner,
        jenis_belanja="jenis_belanja",
        baris_dpa="baris_dpa",
        **{c: c for c in SUMS},
    )


def absorption(realisasi: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """realisasi_anggaran + (kode, uraian) names -> `serapan_anggaran`: per quarter and jenis
    belanja (operasi, modal, semua) the pagu, realisation, sisa and percentages of every
    program, kegiatan and bidang, and the grand total.
    """
    lines = _both_kinds(realisasi)
    parts = [_level(lines, tingkat, key) for tingkat, key in LEVELS]
    parts.append(_level(lines, JUMLAH, None))
    named = names.select("kode", pl.col("uraian").alias("_nama")).unique("kode", keep="first")
    order = {t: i for i, (t, _) in enumerate([*LEVELS, (JUMLAH, None)])}
    return (
        pl.concat(parts)
        .join(named, on="kode", how="left")
        .with_columns(
            tahun=pl.col("tahun").cast(pl.Int32),
            triwulan=pl.col("triwulan").cast(pl.Int8),
            uraian=pl.col("_nama"),
            sisa_anggaran=(pl.col("pagu") - pl.col("realisasi_kumulatif")).cast(MONEY),
            persen_realisasi=percent(pl.col("realisasi_kumulatif"), pl.col("pagu")),
            _urut=pl.col("tingkat").replace_strict(order, return_dtype=pl.Int8),
        )
        .with_columns(persen_sisa=percent(pl.col("sisa_anggaran"), pl.col("pagu")))
        .sort("triwulan", "_urut", "kode", "jenis_belanja", nulls_last=True)
        .select(COLUMNS)
    )


def level_rows(
    serapan: pl.DataFrame, tingkat: str, jenis_belanja: str, triwulan: int | None = None
) -> pl.DataFrame:
    """serapan_anggaran -> its rows of one level and jenis belanja (and quarter), by kode."""
    rows = serapan.filter(
        (pl.col("tingkat") == tingkat) & (pl.col("jenis_belanja") == jenis_belanja)
    )
    if triwulan is not None:
        rows = rows.filter(pl.col("triwulan") == triwulan)
    return rows.sort("triwulan", "kode", nulls_last=True)
