"""Kinerja (indicator) tables: from a sheet's body rows to typed rows.

Row kinds: `data` (a row naming an indicator), `nomor_kolom` (1, 2, 3, ... under the
header) and `keterangan` (captions such as a sasaran title, with no indicator and no
figures). Targets are a number or a range ("70-80", "70 s.d. 80").
"""

from __future__ import annotations

import polars as pl

from schemas.header_spellings import KINERJA_KOLOM
from transforms.numbers import measure_value, parse_measure, read_measure, too_large
from transforms.sheets import Header, SheetGrid, body_texts

FIELDS = tuple(k.name for k in KINERJA_KOLOM)

_RANGE = r"^(\S+?)\s*(?:-|\u2013|\u2014|s\.?\s?d\.?|s/d|sampai)\s*(\S+)$"


def parse_target(text: pl.Expr) -> pl.Expr:
    """Target cell -> struct {target_min, target_max}; a single number gives min = max.

    A trailing "%" is read as the realisation column reads it: "80%", "80 %" and "80" are
    all 80, and "70%-80 %" is the range 70-80.
    """
    stripped = text.str.strip_chars().str.replace_all(r"\s+%", "%")
    bounds = stripped.str.extract_groups(_RANGE)
    low = parse_measure(bounds.struct.field("1"), percent=True)
    high = parse_measure(bounds.struct.field("2"), percent=True)
    single = parse_measure(stripped, percent=True)
    is_range = low.is_not_null() & high.is_not_null()
    return pl.struct(
        target_min=pl.when(is_range).then(low).otherwise(single),
        target_max=pl.when(is_range).then(high).otherwise(single),
    )


def stage_kinerja(
    lembar: SheetGrid,
    header: Header,
    *,
    tahun: int,
    triwulan: int | None,
    kode_bidang: str | None,
) -> pl.DataFrame:
    """Kinerja sheet + its header -> one staged row per non-blank body row."""
    rows = body_texts(lembar, header, FIELDS).drop("sel")
    has_figures = pl.col("target_teks").is_not_null() | pl.col("realisasi_teks").is_not_null()
    # A broken CSV line is data whatever it looks like: it cannot be told apart, so it is
    # held back with its V003 rather than set aside as a caption.
    kind = (
        pl.when(pl.col("kolom_berlebih"))
        .then(pl.lit("data"))
        .when(pl.col("tata_letak").is_not_null())
        .then(pl.col("tata_letak"))
        .when(pl.col("indikator_teks").is_not_null())
        .then(pl.lit("data"))
        .when(pl.col("kode_teks").is_not_null() & has_figures)
        .then(pl.lit("data"))
        .otherwise(pl.lit("keterangan"))
    )
    read = pl.col("_baca_realisasi")
    return (
        rows.with_columns(_baca_realisasi=read_measure(pl.col("realisasi_teks"), percent=True))
        .with_columns(
            jenis_baris=kind,
            kode=pl.col("kode_teks"),
            indikator=pl.col("indikator_teks"),
            satuan=pl.col("satuan_teks"),
            target=pl.col("target_teks"),
            realisasi=measure_value(read),
            realisasi_besar=too_large(read),
            keterangan=pl.col("keterangan_teks"),
            tahun=pl.lit(tahun, dtype=pl.Int32),
            triwulan=pl.lit(triwulan, dtype=pl.Int8),
            kode_bidang=pl.lit(kode_bidang, dtype=pl.String),
            berkas=pl.lit(lembar.berkas),
            lembar=pl.lit(lembar.lembar, dtype=pl.String),
        )
        .drop("_baca_realisasi")
        .with_columns(parse_target(pl.col("target_teks")).struct.unnest())
        .drop("tata_letak")
    )
