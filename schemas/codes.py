"""Code formats and spending classes (Kepmendagri 050-5889/2021 nomenclature, DOMAIN.md)."""

from __future__ import annotations

import polars as pl

CODE = r"^\d+(\.\d+)*$"
"""Any dotted numeric code: urusan 2, program 2.17.01, kegiatan 2.17.01.1.01, ..."""

SUB_KEGIATAN = r"^\d\.\d{2}\.\d{2}\.\d\.\d{2}\.\d{2,4}$"
"""A well-formed sub kegiatan code, e.g. 2.17.01.1.01.01 (SIPD writes the last part in 4 digits)."""

DPA_KODE = r"^\d\.\d{2}\.\d{2}(\.\d\.\d{2}(\.\d{2,4})?)?$"
"""A DPA line or roll-up: program (3 parts), kegiatan (5) or sub kegiatan (6)."""

REKENING = r"^5\.[12](\.\d+)*$"
"""A kode rekening of spending: 5.1... operasi, 5.2... modal."""

KODE_KINERJA = (
    r"^(\d\.\d{2}\.\d{2}(\.\d\.\d{2}(\.\d{2,4})?)?"  # program, kegiatan, sub kegiatan
    r"|[A-Za-z]{1,4}\d+(\.\d+)*)$"  # tujuan / sasaran ids: T1, S1, IKU1.2
)

JENIS_BELANJA = {
    "operasi": "operasi",
    "belanjaoperasi": "operasi",
    "modal": "modal",
    "belanjamodal": "modal",
}
"""Accepted Jenis Belanja spellings (lowercase, letters only) -> the curated value."""

LEVEL_KODE = {1: "urusan", 2: "bidang_urusan", 3: "program", 5: "kegiatan", 6: "sub_kegiatan"}
"""Number of dotted parts -> level of the code."""


def normalized_words(text: pl.Expr) -> pl.Expr:
    """Text -> lowercase letters and digits only, for matching words like JUMLAH."""
    return text.str.to_lowercase().str.replace_all(r"[^0-9a-z]", "")


def jenis_from_rekening(rekening: pl.Expr) -> pl.Expr:
    """Kode rekening -> "operasi" (5.1...), "modal" (5.2...) or null."""
    return (
        pl.when(rekening.str.contains(r"^5\.1(\.|$)"))
        .then(pl.lit("operasi"))
        .when(rekening.str.contains(r"^5\.2(\.|$)"))
        .then(pl.lit("modal"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def jenis_from_text(text: pl.Expr) -> pl.Expr:
    """Jenis Belanja cell -> "operasi", "modal" or null when empty or unknown."""
    return normalized_words(text).replace_strict(
        JENIS_BELANJA, default=None, return_dtype=pl.String
    )


def parts(kode: pl.Expr) -> pl.Expr:
    """Dotted code -> its number of parts."""
    return kode.str.count_matches(r"\.") + 1
