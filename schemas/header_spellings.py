"""Accepted header spellings of the realisation exports (DATA-CONTRACT.md section 1).

Headers match case-, space- and punctuation-insensitively, and a trailing unit in
parentheses ("Anggaran (Rp)", "Realisasi Fisik (%)") is ignored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

KEUANGAN = "keuangan"
KINERJA = "kinerja"


@dataclass(frozen=True)
class HeaderColumn:
    """One column of a raw table: its name in the pipeline, the spellings accepted, the rule."""

    name: str
    spellings: tuple[str, ...]
    required: bool = False


KEUANGAN_KOLOM: tuple[HeaderColumn, ...] = (
    HeaderColumn(
        "kode_sub_kegiatan",
        ("Kode", "Kode Sub Kegiatan", "Kode Kegiatan/Sub Kegiatan"),
        required=True,
    ),
    HeaderColumn(
        "uraian",
        ("Uraian", "Nama Sub Kegiatan", "Program/Kegiatan/Sub Kegiatan"),
        required=True,
    ),
    HeaderColumn("kode_rekening", ("Kode Rekening", "Akun")),
    HeaderColumn("jenis_belanja", ("Jenis Belanja",)),
    HeaderColumn("anggaran", ("Anggaran", "Pagu", "Pagu Anggaran")),
    HeaderColumn(
        "realisasi_triwulan",
        ("Realisasi Triwulan Ini", "Realisasi TW", "Realisasi"),
        required=True,
    ),
    HeaderColumn(
        "realisasi_kumulatif",
        ("Realisasi s.d. Triwulan Ini", "Realisasi Kumulatif", "Realisasi s/d TW"),
    ),
    HeaderColumn("realisasi_fisik", ("Realisasi Fisik (%)", "Fisik (%)")),
    HeaderColumn("keterangan", ("Keterangan",)),
)

KINERJA_KOLOM: tuple[HeaderColumn, ...] = (
    HeaderColumn(
        "kode", ("Kode", "Kode Program/Kegiatan/Sub Kegiatan", "Kode Sasaran"), required=True
    ),
    HeaderColumn("indikator", ("Indikator", "Indikator Kinerja"), required=True),
    HeaderColumn("satuan", ("Satuan",), required=True),
    HeaderColumn("target", ("Target",), required=True),
    HeaderColumn("realisasi", ("Realisasi", "Realisasi s.d. Triwulan Ini"), required=True),
    HeaderColumn("keterangan", ("Keterangan",)),
)

# A table is recognised by these two columns; the other required ones are then checked.
PENGENAL = {
    KEUANGAN: ("kode_sub_kegiatan", "realisasi_triwulan"),
    KINERJA: ("indikator", "realisasi"),
}
KOLOM = {KEUANGAN: KEUANGAN_KOLOM, KINERJA: KINERJA_KOLOM}

# One column of one kind stands for both the kode rekening and the jenis belanja.
SALAH_SATU = {KEUANGAN: (("kode_rekening", "jenis_belanja"),), KINERJA: ()}

# Header words people read: "Kode Rekening atau Jenis Belanja".
LABEL = {
    "kode_sub_kegiatan": "Kode Sub Kegiatan",
    "uraian": "Uraian",
    "kode_rekening": "Kode Rekening",
    "jenis_belanja": "Jenis Belanja",
    "anggaran": "Anggaran",
    "realisasi_triwulan": "Realisasi Triwulan Ini",
    "realisasi_kumulatif": "Realisasi s.d. Triwulan Ini",
    "realisasi_fisik": "Realisasi Fisik (%)",
    "keterangan": "Keterangan",
    "kode": "Kode",
    "indikator": "Indikator Kinerja",
    "satuan": "Satuan",
    "target": "Target",
    "realisasi": "Realisasi",
}

_UNIT = re.compile(r"\((rp|%|rupiah|persen)\.?\)\s*$", re.IGNORECASE)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize_header(text: str | None) -> str:
    """Header cell -> comparison key: no case, spacing, punctuation or trailing unit."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NON_ALNUM.sub("", _UNIT.sub("", folded.strip()).lower())


def aliases(jenis: str) -> dict[str, str]:
    """Table kind -> {normalized spelling: column name}."""
    return {normalize_header(e): k.name for k in KOLOM[jenis] for e in k.spellings}
