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
class Kolom:
    """One column of a raw table: its name in the pipeline, the spellings accepted, the rule."""

    nama: str
    ejaan: tuple[str, ...]
    wajib: bool = False


KEUANGAN_KOLOM: tuple[Kolom, ...] = (
    Kolom(
        "kode_sub_kegiatan",
        ("Kode", "Kode Sub Kegiatan", "Kode Kegiatan/Sub Kegiatan"),
        wajib=True,
    ),
    Kolom(
        "uraian",
        ("Uraian", "Nama Sub Kegiatan", "Program/Kegiatan/Sub Kegiatan"),
        wajib=True,
    ),
    Kolom("kode_rekening", ("Kode Rekening", "Akun")),
    Kolom("jenis_belanja", ("Jenis Belanja",)),
    Kolom("anggaran", ("Anggaran", "Pagu", "Pagu Anggaran")),
    Kolom(
        "realisasi_triwulan",
        ("Realisasi Triwulan Ini", "Realisasi TW", "Realisasi"),
        wajib=True,
    ),
    Kolom(
        "realisasi_kumulatif",
        ("Realisasi s.d. Triwulan Ini", "Realisasi Kumulatif", "Realisasi s/d TW"),
    ),
    Kolom("realisasi_fisik", ("Realisasi Fisik (%)", "Fisik (%)")),
    Kolom("keterangan", ("Keterangan",)),
)

KINERJA_KOLOM: tuple[Kolom, ...] = (
    Kolom("kode", ("Kode", "Kode Program/Kegiatan/Sub Kegiatan", "Kode Sasaran"), wajib=True),
    Kolom("indikator", ("Indikator", "Indikator Kinerja"), wajib=True),
    Kolom("satuan", ("Satuan",), wajib=True),
    Kolom("target", ("Target",), wajib=True),
    Kolom("realisasi", ("Realisasi", "Realisasi s.d. Triwulan Ini"), wajib=True),
    Kolom("keterangan", ("Keterangan",)),
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
    return {normalize_header(e): k.nama for k in KOLOM[jenis] for e in k.ejaan}
