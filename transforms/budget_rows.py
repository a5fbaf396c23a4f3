"""Keuangan (spending) tables: from a sheet's body rows to typed rows with their kind.

Each body row becomes one staged row: its cells as text (`<kolom>_teks`), the parsed
values, and its kind (`jenis_baris`):
- `data`: a sub kegiatan line (per kode rekening or per jenis belanja): validated, and
  when clean, summed into the curated facts;
- `rollup`: a program, kegiatan, sub kegiatan subtotal or kode rekening group row;
- `total`: a JUMLAH / TOTAL row;
- `nomor_kolom`: the 1, 2, 3, ... row printed under a header;
- `keterangan`: text without a code or a readable amount (captions, signature block).
Roll-up and total rows are never data; they are checked against their lines (V008).
"""

from __future__ import annotations

import polars as pl

from schemas.codes import CODE, jenis_from_rekening, jenis_from_text, normalized_words
from schemas.header_spellings import KEUANGAN_KOLOM
from schemas.types import MONEY_FIELDS
from transforms.numbers import (
    measure_value,
    money_value,
    read_measure,
    read_money,
    too_large,
)
from transforms.sheets import Header, SheetGrid, body_texts

FIELDS = tuple(k.name for k in KEUANGAN_KOLOM)
NUMBER_FIELDS = (*MONEY_FIELDS, "realisasi_fisik")

_TOTAL_LABEL = (
    r"(jumlah|total|grandtotal|subtotal|sub(jumlah|total))((belanja|keseluruhan|seluruh|anggaran"
    r"|total|program|kegiatan|operasi|modal|tw|triwulan|realisasi|s?d|ini)*)"
)
_TOTAL_WORDS = f"^{_TOTAL_LABEL}$"
_TOTAL_CELL = rf"(^|\|){_TOTAL_LABEL}(\||$)"


def _texts(lembar: SheetGrid, header: Header) -> pl.DataFrame:
    """Sheet -> body rows with one text column per contract column and the row as sent."""
    return (
        body_texts(lembar, header, FIELDS)
        # A total's label may sit in any cell: Uraian, Kode, or a merged cell that starts
        # in another column (a "JUMLAH" merged over No..Uraian lives in the No column).
        .with_columns(teks_jumlah=pl.col("sel").str.contains(_TOTAL_CELL))
        .drop("sel")
    )


def _inherit_codes(rows: pl.DataFrame) -> pl.DataFrame:
    """Kode rekening rows with an empty Kode -> the sub kegiatan code of the nearest row above.

    Many exports print the sub kegiatan code once, on its subtotal row, with its kode
    rekening rows below it; a program or kegiatan row above ends that block.
    """
    kode = pl.col("kode_sub_kegiatan_teks")
    is_code = kode.str.contains(CODE).fill_null(False)
    parts = kode.str.count_matches(r"\.") + 1
    anchor = (
        pl.when(is_code & (parts == 6))
        .then(kode)
        .when(is_code | pl.col("kode_total"))
        .then(pl.lit(""))
        .otherwise(None)
        .forward_fill()
    )
    inherit = kode.is_null() & pl.col("kode_rekening_teks").is_not_null() & (anchor != "")
    return rows.with_columns(
        kode_diwarisi=inherit.fill_null(False),
        kode_sub_kegiatan=pl.when(inherit).then(anchor).otherwise(kode),
    )


def _rekening_groups(rows: pl.DataFrame) -> pl.DataFrame:
    """Rows -> (kode, kode rekening) pairs that are a group of other rekening rows of that kode."""
    with_rek = rows.filter(pl.col("kode_rekening").is_not_null()).select(
        "kode_sub_kegiatan", "kode_rekening"
    )
    prefixes = (
        with_rek.with_columns(parts=pl.col("kode_rekening").str.split("."))
        .with_columns(length=pl.int_ranges(1, pl.col("parts").list.len()))
        .explode("length")
        .drop_nulls("length")
        .with_columns(kode_rekening=pl.col("parts").list.head(pl.col("length")).list.join("."))
    )
    return (
        prefixes.select("kode_sub_kegiatan", "kode_rekening")
        .unique()
        .with_columns(rekening_induk=pl.lit(True))
    )


def _kinds(rows: pl.DataFrame) -> pl.DataFrame:
    """Staged rows -> the same with `jenis_baris` (data, rollup, total, nomor_kolom, keterangan)."""
    kode = pl.col("kode_sub_kegiatan")
    is_code = kode.str.contains(CODE).fill_null(False)
    parts = kode.str.count_matches(r"\.") + 1
    rek = pl.col("kode_rekening")
    rek_jenis = jenis_from_rekening(rek)
    has_rek_op = (rek_jenis == "operasi").any().over("kode_sub_kegiatan")
    has_rek_mod = (rek_jenis == "modal").any().over("kode_sub_kegiatan")
    stated = jenis_from_text(pl.col("jenis_belanja_teks"))
    sub_subtotal = (
        is_code
        & (parts == 6)
        & rek.is_null()
        & (
            (stated.is_null() & (has_rek_op | has_rek_mod))
            | ((stated == "operasi") & has_rek_op)
            | ((stated == "modal") & has_rek_mod)
        )
    )
    groups = _rekening_groups(rows)
    rows = rows.join(groups, on=["kode_sub_kegiatan", "kode_rekening"], how="left")
    no_amount = pl.all_horizontal([pl.col(f).is_null() for f in NUMBER_FIELDS])
    no_key = ~is_code & rek.is_null()
    below_last_total = pl.col("kode_total").cum_sum(reverse=True) == 0
    after_totals = pl.col("kode_total").any() & below_last_total
    # A broken CSV line is data whatever it looks like: it cannot be told apart, so it is
    # held back with its V003 rather than set aside as a caption.
    kind = (
        pl.when(pl.col("kolom_berlebih"))
        .then(pl.lit("data"))
        .when(pl.col("tata_letak").is_not_null())
        .then(pl.col("tata_letak"))
        .when(pl.col("kode_total"))
        .then(pl.lit("total"))
        .when(is_code & (parts < 6))
        .then(pl.lit("rollup"))
        .when(sub_subtotal | pl.col("rekening_induk").fill_null(False))
        .then(pl.lit("rollup"))
        .when(no_key & (no_amount | after_totals))
        .then(pl.lit("keterangan"))
        .otherwise(pl.lit("data"))
    )
    return rows.with_columns(jenis_baris=kind).drop("rekening_induk")


def stage_keuangan(
    lembar: SheetGrid,
    header: Header,
    *,
    tahun: int,
    triwulan: int | None,
    kode_bidang: str | None,
) -> pl.DataFrame:
    """Keuangan sheet + its header -> one staged row per non-blank body row."""
    rows = _texts(lembar, header)
    kode_text = normalized_words(pl.col("kode_sub_kegiatan_teks")).fill_null("")
    uraian_text = normalized_words(pl.col("uraian_teks")).fill_null("")
    rows = rows.with_columns(
        kode_total=(
            ~pl.col("kode_sub_kegiatan_teks").str.contains(CODE).fill_null(False)
            & (
                kode_text.str.contains(_TOTAL_WORDS)
                | uraian_text.str.contains(_TOTAL_WORDS)
                | pl.col("teks_jumlah")
            )
        ),
    )
    rows = _inherit_codes(rows)
    # Each number cell is read once (a struct), then its value and its too-large flag taken.
    read = {f: pl.col(f"_baca_{f}") for f in (*MONEY_FIELDS, "realisasi_fisik")}
    rows = (
        rows.with_columns(
            **{f"_baca_{f}": read_money(pl.col(f"{f}_teks")) for f in MONEY_FIELDS},
            _baca_realisasi_fisik=read_measure(pl.col("realisasi_fisik_teks"), percent=True),
        )
        .with_columns(
            uraian=pl.col("uraian_teks"),
            kode_rekening=pl.col("kode_rekening_teks"),
            jenis_belanja=pl.coalesce(
                jenis_from_rekening(pl.col("kode_rekening_teks")),
                jenis_from_text(pl.col("jenis_belanja_teks")),
            ),
            **{f: money_value(read[f]) for f in MONEY_FIELDS},
            realisasi_fisik=measure_value(read["realisasi_fisik"]),
            keterangan=pl.col("keterangan_teks"),
            **{f"{f}_besar": too_large(read[f]) for f in MONEY_FIELDS},
            realisasi_fisik_besar=too_large(read["realisasi_fisik"]),
        )
        .drop([f"_baca_{f}" for f in read])
    )
    rows = _kinds(rows)
    return rows.with_columns(
        tahun=pl.lit(tahun, dtype=pl.Int32),
        triwulan=pl.lit(triwulan, dtype=pl.Int8),
        kode_bidang=pl.lit(kode_bidang, dtype=pl.String),
        berkas=pl.lit(lembar.berkas),
        lembar=pl.lit(lembar.lembar, dtype=pl.String),
    ).drop("tata_letak", "teks_jumlah", "kode_total")
