"""The reference files of a year (raw/<tahun>/referensi/): their columns and pandera models.

The columns are those of ../shared/reference/2023/ (DATA-CONTRACT.md section 1); extra
columns are ignored, `dpa.csv` may carry `uraian`, and a file may be .csv or .xlsx with
the same header. As with the exports, each cell is kept as text (`<kolom>_teks`) beside
its parsed value, and check names are keys of schemas.rules.CEK.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandera.polars as pa
import polars as pl

from schemas.codes import CODE, DPA_KODE, KODE_KINERJA
from schemas.types import Measure, Money

VERSI = ("murni", "perubahan")
LEVEL_HIERARKI = ("urusan", "bidang_urusan", "program", "kegiatan", "sub_kegiatan")
LEVEL_INDIKATOR = ("tujuan_daerah", "tujuan", "sasaran", "program", "kegiatan", "sub_kegiatan")
POLARITAS = ("positif", "negatif", "rentang")


@dataclass(frozen=True)
class ReferenceColumn:
    """A reference column: name, how to read it, whether the header must have it."""

    name: str
    kind: str  # teks, tahun, uang, angka, tanggal, target, or kategori
    required: bool = True
    choices: tuple[str, ...] = ()


def _k(nama: str, jenis: str = "teks", wajib: bool = True, pilihan: tuple = ()) -> ReferenceColumn:
    return ReferenceColumn(nama, jenis, wajib, pilihan)


REFERENSI: dict[str, tuple[ReferenceColumn, ...]] = {
    "dpa": (
        _k("tahun", "tahun"),
        _k("versi", "kategori", pilihan=VERSI),
        _k("tanggal_berlaku", "tanggal"),
        _k("kode_sub_kegiatan"),
        _k("jenis_belanja", "kategori", pilihan=("operasi", "modal")),
        _k("pagu", "uang"),
        _k("uraian", wajib=False),
    ),
    "hierarki": (
        _k("kode"),
        _k("level", "kategori", pilihan=LEVEL_HIERARKI),
        _k("uraian"),
    ),
    "bidang": (_k("kode_bidang"), _k("nama_bidang"), _k("kode_program")),
    "indikator": (
        _k("tahun", "tahun"),
        _k("level", "kategori", pilihan=LEVEL_INDIKATOR),
        _k("kode"),
        _k("sasaran", wajib=False),
        _k("indikator"),
        _k("satuan"),
        _k("target", "target"),
        _k("polaritas", "kategori", pilihan=POLARITAS),
        _k("kode_bidang", wajib=False),
        _k("realisasi_tahunan", "angka", wajib=False),
    ),
    "renstra_target": (
        _k("kode"),
        _k("sasaran", wajib=False),
        _k("indikator"),
        _k("satuan"),
        _k("tahun", "tahun"),
        _k("target", "target"),
        _k("polaritas", "kategori", pilihan=POLARITAS),
    ),
    "opd": (
        _k("kode_opd"),
        _k("nama_opd"),
        _k("pemerintah_daerah"),
        _k("kepala", wajib=False),
        _k("nip_kepala", wajib=False),
        _k("kota", wajib=False),
    ),
    "penerimaan": (
        _k("temuan_id"),
        _k("alasan"),
        _k("oleh"),
        _k("tanggal", "tanggal"),
    ),
}
"""Reference file name (without extension) -> its columns, in order."""

WAJIB_ADA = ("dpa", "hierarki", "bidang", "indikator")
"""Reference files a run cannot do without (renstra_target, opd and penerimaan are optional)."""


def _readable(data: pa.PolarsData) -> pl.LazyFrame:
    """Text column `<kolom>_teks` -> True where empty or parsed into `<kolom>`."""
    parsed = data.key.removesuffix("_teks")
    return data.lazyframe.select(pl.col(data.key).is_null() | pl.col(parsed).is_not_null())


def _one_of(data: pa.PolarsData, choices: Iterable[str], *, wajib: bool = False) -> pl.LazyFrame:
    """Category text column -> True where one of `choices` (case-insensitively), or empty
    unless `wajib` (required)."""
    cell = pl.col(data.key)
    among = cell.str.to_lowercase().is_in(list(choices))
    return data.lazyframe.select(among.fill_null(False) if wajib else cell.is_null() | among)


# Each model declares its own check methods, even where two models check alike: pandera
# 0.35 loses the `name` of a check method inherited by a second subclass, and the name
# is what maps a failure to its rule and message (tests/test_rules.py guards this).
class _StagedRow(pa.DataFrameModel):
    """Columns every staged reference row has."""

    berkas: str
    lembar: str = pa.Field(nullable=True)
    baris: pl.Int32

    class Config:
        strict = False
        coerce = False


class DpaRow(_StagedRow):
    """A DPA line (sub kegiatan × jenis belanja) or roll-up row, of one version."""

    tahun_teks: str = pa.Field(nullable=True)
    tahun: pl.Int32 = pa.Field(nullable=True)
    versi_teks: str = pa.Field(nullable=True)
    tanggal_berlaku_teks: str = pa.Field(nullable=True)
    tanggal_berlaku: pl.Date = pa.Field(nullable=True)
    kode_sub_kegiatan: str = pa.Field(nullable=False)
    jenis_belanja_teks: str = pa.Field(nullable=True)
    pagu_teks: str = pa.Field(nullable=True)
    pagu: Money = pa.Field(nullable=True)

    @pa.check("tahun_teks", name="V003:tahun")
    def _tahun(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).is_not_null() & pl.col("tahun").is_not_null())

    @pa.check("versi_teks", name="V003:versi")
    def _versi(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _one_of(data, VERSI, wajib=True)

    @pa.check("tanggal_berlaku_teks", name="V003:tanggal")
    def _tanggal(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("tanggal_berlaku").is_not_null())

    @pa.check("kode_sub_kegiatan", name="V002:referensi")
    def _kode(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).str.contains(DPA_KODE))

    @pa.check("jenis_belanja_teks", name="V005:jenis")
    def _jenis(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _one_of(data, ("operasi", "modal"))

    @pa.dataframe_check(name="V005:dpa_kosong")
    def _jenis_baris(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A sub kegiatan line needs its jenis belanja; a roll-up row may leave it empty."""
        is_line = pl.col("kode_sub_kegiatan").str.count_matches(r"\.") == 5
        return data.lazyframe.select(~is_line | pl.col("jenis_belanja_teks").is_not_null())

    @pa.check("pagu_teks", name="V003")
    def _pagu(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("pagu").is_not_null())

    @pa.check("pagu", name="V003:negatif")
    def _pagu_positif(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key) >= 0)


class HierarkiRow(_StagedRow):
    """A code of the nomenclature with its level and uraian."""

    kode: str = pa.Field(nullable=False)
    level_teks: str = pa.Field(nullable=True)
    uraian: str = pa.Field(nullable=True)

    @pa.check("kode", name="V002:referensi")
    def _kode(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).str.contains(CODE))

    @pa.check("level_teks", name="V003:level")
    def _level(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _one_of(data, LEVEL_HIERARKI, wajib=True)


class BidangRow(_StagedRow):
    """A bidang and one program it owns."""

    kode_bidang: str = pa.Field(nullable=False)
    kode_program: str = pa.Field(nullable=False)

    @pa.check("kode_program", name="V002:referensi")
    def _program(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).str.contains(r"^\d\.\d{2}\.\d{2}$"))


class IndikatorRow(_StagedRow):
    """An indicator's agreed target for a year (Perjanjian Kinerja)."""

    tahun_teks: str = pa.Field(nullable=True)
    tahun: pl.Int32 = pa.Field(nullable=True)
    level_teks: str = pa.Field(nullable=True)
    kode: str = pa.Field(nullable=False)
    indikator: str = pa.Field(nullable=True)
    target_teks: str = pa.Field(nullable=True)
    target_min: Measure = pa.Field(nullable=True)
    polaritas_teks: str = pa.Field(nullable=True)
    realisasi_tahunan_teks: str = pa.Field(nullable=True)
    realisasi_tahunan: Measure = pa.Field(nullable=True)

    @pa.check("tahun_teks", name="V003:tahun")
    def _tahun(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).is_not_null() & pl.col("tahun").is_not_null())

    @pa.check("level_teks", name="V003:level")
    def _level(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _one_of(data, LEVEL_INDIKATOR, wajib=True)

    @pa.check("kode", name="V002:kinerja")
    def _kode(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).str.contains(KODE_KINERJA))

    @pa.check("target_teks", name="V003:target")
    def _target(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("target_min").is_not_null())

    @pa.check("polaritas_teks", name="V003:polaritas")
    def _polaritas(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _one_of(data, POLARITAS, wajib=True)

    @pa.check("realisasi_tahunan_teks", name="V003")
    def _realisasi(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _readable(data)


class RenstraTargetRow(_StagedRow):
    """A medium-term (Renstra) target of a goal or IKU for one year."""

    kode: str = pa.Field(nullable=False)
    indikator: str = pa.Field(nullable=False)
    tahun_teks: str = pa.Field(nullable=True)
    tahun: pl.Int32 = pa.Field(nullable=True)
    target_teks: str = pa.Field(nullable=True)
    target_min: Measure = pa.Field(nullable=True)
    polaritas_teks: str = pa.Field(nullable=True)

    @pa.check("kode", name="V002:kinerja")
    def _kode(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).str.contains(KODE_KINERJA))

    @pa.check("tahun_teks", name="V003:tahun")
    def _tahun(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).is_not_null() & pl.col("tahun").is_not_null())

    @pa.check("target_teks", name="V003:target")
    def _target(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("target_min").is_not_null())

    @pa.check("polaritas_teks", name="V003:polaritas")
    def _polaritas(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _one_of(data, POLARITAS, wajib=True)


class OpdRow(_StagedRow):
    """The office (organisasi perangkat daerah) and who signs its report (optional file)."""

    kode_opd: str = pa.Field(nullable=False)
    nama_opd: str = pa.Field(nullable=False)
    pemerintah_daerah: str = pa.Field(nullable=False)
    nip_kepala: str = pa.Field(nullable=True)

    @pa.check("nip_kepala", name="V003:nip")
    def _nip(cls, data: pa.PolarsData) -> pl.LazyFrame:
        digits = pl.col(data.key).str.replace_all(r"\s", "")
        return data.lazyframe.select(pl.col(data.key).is_null() | digits.str.contains(r"^\d{18}$"))


class PenerimaanRow(_StagedRow):
    """A steward's acceptance of a peringatan by its temuan_id (optional file, `lkjip terima`)."""

    temuan_id: str = pa.Field(nullable=False)
    alasan: str = pa.Field(nullable=False)
    oleh: str = pa.Field(nullable=False)
    tanggal_teks: str = pa.Field(nullable=True)
    tanggal: pl.Date = pa.Field(nullable=True)

    @pa.check("tanggal_teks", name="V003:tanggal")
    def _tanggal(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("tanggal").is_not_null())


MODEL: dict[str, type[_StagedRow]] = {
    "dpa": DpaRow,
    "hierarki": HierarkiRow,
    "bidang": BidangRow,
    "indikator": IndikatorRow,
    "renstra_target": RenstraTargetRow,
    "opd": OpdRow,
    "penerimaan": PenerimaanRow,
}
