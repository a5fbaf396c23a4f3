"""Pandera models of the staged realisation rows (the `data` rows of keuangan and kinerja).

Each staged row carries every cell as sent (`<kolom>_teks`) beside its parsed value, so
a check can tell an empty cell from an unreadable one and a finding can quote the cell.
Check names are keys of schemas.rules.CEK: that is how a failure becomes a finding.
Validate collected DataFrames (on a LazyFrame pandera checks only columns and types).
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.codes import (
    KODE_KINERJA,
    REKENING,
    SUB_KEGIATAN,
    jenis_from_rekening,
    jenis_from_text,
)
from schemas.types import MONEY_FIELDS, Measure, Money

_MONEY_TEXT = tuple(f"{f}_teks" for f in MONEY_FIELDS)


def _too_large(column: str) -> pl.Expr:
    """`<kolom>_teks` column name -> True where its cell is a number too large for `<kolom>`
    (staging sets `<kolom>_besar` when it parses the cell)."""
    return pl.col(f"{column.removesuffix('_teks')}_besar").fill_null(False)


def _readable(data: pa.PolarsData) -> pl.LazyFrame:
    """Text column `<kolom>_teks` -> True where empty, parsed into `<kolom>`, or only too large
    (which has its own check, so a cell gets one finding)."""
    parsed = data.key.removesuffix("_teks")
    return data.lazyframe.select(
        pl.col(data.key).is_null() | pl.col(parsed).is_not_null() | _too_large(data.key)
    )


def _not_too_large(data: pa.PolarsData) -> pl.LazyFrame:
    """Text column `<kolom>_teks` -> False where its cell is a number too large for `<kolom>`."""
    return data.lazyframe.select(~_too_large(data.key))


class KeuanganRow(pa.DataFrameModel):
    """A keuangan data row: one sub kegiatan line per kode rekening or per jenis belanja."""

    berkas: str
    lembar: str = pa.Field(nullable=True)
    baris: pl.Int32
    kode_sub_kegiatan: str = pa.Field(nullable=False)
    kode_rekening: str = pa.Field(nullable=True)
    jenis_belanja_teks: str = pa.Field(nullable=True)
    jenis_belanja: str = pa.Field(nullable=True, isin=["operasi", "modal"])
    anggaran_teks: str = pa.Field(nullable=True)
    anggaran: Money = pa.Field(nullable=True)
    realisasi_triwulan_teks: str = pa.Field(nullable=True)
    realisasi_triwulan: Money = pa.Field(nullable=True)
    realisasi_kumulatif_teks: str = pa.Field(nullable=True)
    realisasi_kumulatif: Money = pa.Field(nullable=True)
    realisasi_fisik_teks: str = pa.Field(nullable=True)
    realisasi_fisik: Measure = pa.Field(nullable=True)
    anggaran_besar: bool = pa.Field(nullable=True)
    realisasi_triwulan_besar: bool = pa.Field(nullable=True)
    realisasi_kumulatif_besar: bool = pa.Field(nullable=True)
    realisasi_fisik_besar: bool = pa.Field(nullable=True)
    kolom_berlebih: bool = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = False

    @pa.check("kode_sub_kegiatan", name="V002")
    def _kode(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).str.contains(SUB_KEGIATAN))

    @pa.check(
        "anggaran_teks",
        "realisasi_triwulan_teks",
        "realisasi_kumulatif_teks",
        "realisasi_fisik_teks",
        name="V003",
    )
    def _angka(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _readable(data)

    @pa.check(*_MONEY_TEXT, name="V003:rupiah_besar")
    def _rupiah_besar(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _not_too_large(data)

    @pa.check("realisasi_fisik_teks", name="V003:angka_besar")
    def _fisik_besar(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _not_too_large(data)

    @pa.dataframe_check(name="V003:lebar")
    def _lebar(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(~pl.col("kolom_berlebih").fill_null(False))

    @pa.check("realisasi_triwulan", "realisasi_kumulatif", name="V004")
    def _tidak_negatif(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key) >= 0)

    @pa.check("kode_rekening", name="V005:rekening")
    def _rekening(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).str.contains(REKENING).fill_null(True))

    @pa.check("jenis_belanja_teks", name="V005:jenis")
    def _jenis(cls, data: pa.PolarsData) -> pl.LazyFrame:
        cell = pl.col(data.key)
        return data.lazyframe.select(cell.is_null() | jenis_from_text(cell).is_not_null())

    @pa.dataframe_check(name="V005:bertentangan")
    def _bertentangan(cls, data: pa.PolarsData) -> pl.LazyFrame:
        rekening = jenis_from_rekening(pl.col("kode_rekening"))
        stated = jenis_from_text(pl.col("jenis_belanja_teks"))
        return data.lazyframe.select((rekening == stated).fill_null(True))

    @pa.dataframe_check(name="V005:kosong")
    def _kosong(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("kode_rekening").is_not_null() | pl.col("jenis_belanja_teks").is_not_null()
        )

    @pa.check("realisasi_fisik", name="V007")
    def _fisik(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).is_between(0, 100))


class KinerjaRow(pa.DataFrameModel):
    """A kinerja data row: one indicator's target and cumulative realisation."""

    berkas: str
    lembar: str = pa.Field(nullable=True)
    baris: pl.Int32
    kode: str = pa.Field(nullable=False)
    indikator: str = pa.Field(nullable=True)
    target_teks: str = pa.Field(nullable=True)
    target_min: Measure = pa.Field(nullable=True)
    target_max: Measure = pa.Field(nullable=True)
    realisasi_teks: str = pa.Field(nullable=True)
    realisasi: Measure = pa.Field(nullable=True)
    realisasi_besar: bool = pa.Field(nullable=True)
    kolom_berlebih: bool = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = False

    @pa.check("kode", name="V002:kinerja")
    def _kode(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).str.contains(KODE_KINERJA))

    @pa.check("target_teks", name="V003:target")
    def _target(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col(data.key).is_null() | pl.col("target_min").is_not_null()
        )

    @pa.check("realisasi_teks", name="V003")
    def _realisasi(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _readable(data)

    @pa.check("realisasi_teks", name="V003:angka_besar")
    def _realisasi_besar(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _not_too_large(data)

    @pa.dataframe_check(name="V003:lebar")
    def _lebar(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(~pl.col("kolom_berlebih").fill_null(False))
