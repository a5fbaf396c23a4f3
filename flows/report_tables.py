"""The annual report's tables as the office prints them, for both renderers.

Which columns each table has and how they are headed (`table_specs`), how a value is
written in Indonesian (`angka`, `shown`), the note on unresolved errors, and the atomic
file replacement both the workbook and the page are written with.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl

from transforms.laporan import Laporan, incomplete_note

INSTANSI = "Dinas Koperasi, Usaha Kecil dan Menengah Provinsi Banten"
"""The reference office, named when the curated `opd` table has no row."""
ROMAWI = {1: "I", 2: "II", 3: "III", 4: "IV"}


def instansi(lap: Laporan) -> str:
    """Report -> the office's name: from the curated opd table, else the reference office."""
    nama, daerah = lap.pengesahan.nama_opd, lap.pengesahan.pemerintah_daerah
    if not nama:
        return INSTANSI
    return nama if not daerah or daerah.lower() in nama.lower() else f"{nama} {daerah}"


# --- Indonesian numbers and names ----------------------------------------------------------------
def angka(value: object, desimal: int = 0, kurung: bool = False) -> str:
    """Number -> Indonesian text: 1.234.567, 93,12; negatives as (1.875.900) when kurung."""
    if value is None:
        return "-"
    exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-desimal), rounding=ROUND_HALF_UP)
    text = f"{abs(exact):,.{desimal}f}".replace(",", "_").replace(".", ",").replace("_", ".")
    if exact < 0:
        return f"({text})" if kurung else f"-{text}"
    return text


def ukuran(value: object) -> str:
    """Indicator value -> Indonesian text with the decimals it has: 80, 0,354, 12,5."""
    if value is None:
        return "-"
    exact = Decimal(str(value)).normalize()
    decimals = max(0, -exact.as_tuple().exponent)
    return angka(exact, decimals)


def target_text(low: object, high: object) -> str:
    """Target bounds -> "25" for a single target, "70-80" for a range, "-" when missing."""
    if low is None and high is None:
        return "-"
    if low == high or high is None:
        return ukuran(low)
    return f"{ukuran(low)}-{ukuran(high)}"


def rp_singkat(value: Decimal | float) -> str:
    """Rupiah -> short axis text: 18,59 M (miliar), 584 Jt (juta), rounded half up."""
    number = Decimal(str(value))
    for unit, power, places in (("M", 9, "0.01"), ("Jt", 6, "1")):
        if abs(number) >= Decimal(10) ** power:
            scaled = (number / Decimal(10) ** power).quantize(Decimal(places), ROUND_HALF_UP)
            return f"{ukuran(scaled)} {unit}"
    return angka(number)


_KATA_KECIL = {"dan", "yang", "di", "ke", "dari", "untuk", "atau", "serta", "dalam", "pada", "bagi"}
_SINGKATAN = {"UMKM", "SDM", "ASN", "SKPD", "UKM", "KUKM", "BMD", "SPBE"}


def nama_pendek(text: str | None) -> str:
    """Code name in capitals -> title case for charts (acronyms and small words kept)."""
    if not text or text != text.upper():
        return text or ""
    words = []
    for i, word in enumerate(text.split()):
        bare = word.strip("(),")
        if bare in _SINGKATAN:
            words.append(word)
        elif i and word.lower() in _KATA_KECIL:
            words.append(word.lower())
        else:
            words.append(word.capitalize())
    return " ".join(words)


BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def tanggal(day: dt.date) -> str:
    """Date -> Indonesian text: 1 Oktober 2023."""
    return f"{day.day} {BULAN[day.month - 1]} {day.year}"


def potong(text: str, width: int) -> str:
    """Text -> at most width characters, ending in an ellipsis when cut."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# --- what each printed table holds ---------------------------------------------------------------
@dataclass(frozen=True)
class Kolom:
    """One printed column: frame column, header, kind of value, group header, width cap."""

    key: str
    judul: str
    jenis: str = "teks"  # teks, nama, predikat, nomor, uang, selisih, persen, poin, angka, target
    grup: str | None = None
    lebar_maks: int = 60


@dataclass(frozen=True)
class Tabel:
    """One printed table: sheet name, anchor, title, the Laporan attribute, columns, notes."""

    lembar: str
    jangkar: str
    judul: str
    atribut: str
    kolom: tuple[Kolom, ...]
    catatan: tuple[str, ...] = ()
    gaya: tuple[tuple[str, str], ...] = ()  # row kind -> the row style printed instead
    mendatar: bool = True  # printed on an A4 landscape page (too wide for portrait)
    asal: str | None = None  # the column whose figures open their sources (asal angka)

    def style(self, jenis_baris: str) -> str:
        """Row kind -> the style its rows are printed in (the kind itself unless remapped)."""
        return dict(self.gaya).get(jenis_baris, jenis_baris)


def _tabel_anggaran(lap: Laporan) -> list[Tabel]:
    """Report -> the specs of the budget tables (2.3, 3.6) and the efficiency analysis."""
    t = lap.tahun
    berlaku = f", berlaku {tanggal(lap.berlaku_perubahan)}" if lap.berlaku_perubahan else ""
    sebelum, sesudah = (
        "Sebelum Perubahan (DPA Murni)",
        f"Sesudah Perubahan (DPA Perubahan{berlaku})",
    )
    return [
        Tabel(
            "Tabel 2.3",
            "tabel-2-3",
            f"Tabel 2.3 Struktur Program, Kegiatan dan Anggaran Tahun {t}",
            "tabel_2_3",
            (
                Kolom("kode", "Kode", lebar_maks=16),
                Kolom("uraian", "Program / Kegiatan / Sub Kegiatan", "nama"),
                Kolom("murni_operasi", "Belanja Operasi (Rp)", "uang", sebelum),
                Kolom("murni_modal", "Belanja Modal (Rp)", "uang", sebelum),
                Kolom("murni_jumlah", "Jumlah (Rp)", "uang", sebelum),
                Kolom("perubahan_operasi", "Belanja Operasi (Rp)", "uang", sesudah),
                Kolom("perubahan_modal", "Belanja Modal (Rp)", "uang", sesudah),
                Kolom("perubahan_jumlah", "Jumlah (Rp)", "uang", sesudah),
                Kolom("selisih", "Bertambah / (Berkurang) (Rp)", "selisih"),
            ),
            ("Pagu dari DPA; angka program dan kegiatan adalah jumlah sub kegiatannya.",),
        ),
        Tabel(
            "Tabel 3.6",
            "tabel-3-6",
            f"Tabel 3.6 Target dan Realisasi Anggaran per Program dan Kegiatan Tahun {t}",
            "tabel_3_6",
            (
                Kolom("no", "No", "nomor"),
                Kolom("kode", "Kode", lebar_maks=16),
                Kolom("uraian", "Nama Program / Kegiatan", "nama"),
                Kolom("pagu", "Pagu Anggaran (Rp)", "uang"),
                Kolom("rencana_fisik", "Rencana Fisik (%)", "persen"),
                Kolom("realisasi", "(Rp)", "uang", "Realisasi Keuangan"),
                Kolom("persen_realisasi", "(%)", "persen", "Realisasi Keuangan"),
                Kolom("sisa", "(Rp)", "selisih", "Sisa Anggaran"),
                Kolom("persen_sisa", "(%)", "persen", "Sisa Anggaran"),
            ),
            (
                f"Pagu: DPA yang berlaku pada akhir Triwulan {ROMAWI[lap.triwulan]}; realisasi: "
                f"realisasi kumulatif s.d. Triwulan {ROMAWI[lap.triwulan]} {t}.",
                "Rencana fisik 100,00%: rencananya setiap kegiatan selesai seluruhnya pada "
                "akhir tahun anggaran.",
                "Pada halaman web, realisasi setiap kegiatan dapat diklik: terbuka rincian sub "
                "kegiatannya beserta berkas, lembar dan baris asal angkanya (tabel asal_angka).",
            ),
            asal="realisasi",
        ),
        Tabel(
            "Efisiensi",
            "efisiensi",
            f"Analisis Efisiensi Penggunaan Sumber Daya per Program Tahun {t}",
            "efisiensi",
            (
                Kolom("no", "No", "nomor"),
                Kolom("kode", "Kode", lebar_maks=16),
                Kolom("uraian", "Program", "nama", lebar_maks=45),
                Kolom("pagu", "Pagu (Rp)", "uang"),
                Kolom("realisasi", "Realisasi (Rp)", "uang"),
                Kolom("serapan", "Serapan (%)", "persen"),
                Kolom("indikator", "Indikator Kinerja Program", lebar_maks=45),
                Kolom("capaian_persen", "Capaian (%)", "persen"),
                Kolom("predikat", "Predikat", "predikat", lebar_maks=14),
                Kolom("bacaan", "Analisis", lebar_maks=40),
            ),
            (
                "Serapan = realisasi ÷ pagu × 100; capaian = capaian indikator kinerja program.",
                "Capaian ≥ 100% dengan serapan < 100%: kinerja tercapai dengan anggaran lebih "
                "hemat (efisien).",
            ),
            (("program", "biasa"),),
        ),
    ]


def _tabel_kinerja(lap: Laporan) -> list[Tabel]:
    """Report -> the specs of the kinerja tables 3.1 to 3.4."""
    t, lalu = lap.tahun, lap.tahun - 1
    akhir = lap.tabel_3_4.get_column("tahun_akhir").max()
    akhir_judul = f"Target Akhir Renstra ({akhir})" if akhir else "Target Akhir Renstra"
    return [
        Tabel(
            "Tabel 3.1",
            "tabel-3-1",
            f"Tabel 3.1 Target dan Realisasi Indikator Kinerja Utama (IKU) Tahun {t}",
            "tabel_3_1",
            (
                Kolom("no", "No", "nomor"),
                Kolom("sasaran", "Sasaran Strategis", lebar_maks=40),
                Kolom("indikator", "Indikator Kinerja", lebar_maks=40),
                Kolom("satuan", "Satuan", lebar_maks=12),
                Kolom("target", "Target", "target"),
                Kolom("realisasi", "Realisasi", "angka"),
                Kolom("capaian_persen", "Capaian (%)", "persen"),
                Kolom("predikat", "Predikat", "predikat", lebar_maks=14),
            ),
            (
                "Capaian menurut polaritas: positif realisasi ÷ target × 100; negatif "
                "(2 × target − realisasi) ÷ target × 100; rentang 100 di dalam rentang, di luar "
                "rentang dibagi batas yang dilewati.",
                "Predikat (Permendagri 86/2017): ≥ 91 Sangat Tinggi; 76–91 Tinggi; 66–76 Sedang; "
                "51–66 Rendah; < 51 Sangat Rendah.",
            ),
            mendatar=False,
            asal="capaian_persen",
        ),
        Tabel(
            "Tabel 3.2",
            "tabel-3-2",
            f"Tabel 3.2 Target, Realisasi dan Capaian per Sasaran, Program, Kegiatan dan "
            f"Sub Kegiatan Tahun {t}",
            "tabel_3_2",
            (
                Kolom("no", "No", "nomor"),
                Kolom("kode", "Kode", lebar_maks=16),
                Kolom("sasaran_program", "Sasaran / Program", lebar_maks=34),
                Kolom("indikator", "Indikator Kinerja", lebar_maks=42),
                Kolom("kegiatan", "Kegiatan / Sub Kegiatan", "nama", lebar_maks=40),
                Kolom("satuan", "Satuan", lebar_maks=12),
                Kolom("target", "Target", "target"),
                Kolom("realisasi", "Realisasi", "angka"),
                Kolom("capaian_persen", "Capaian (%)", "persen"),
            ),
            (
                "Program dikelompokkan ke sasaran yang IKU-nya dipegang bidang pemilik program; "
                "program dari bidang tanpa IKU sendiri ikut sasaran program sebelumnya.",
            ),
        ),
        Tabel(
            "Tabel 3.3",
            "tabel-3-3",
            f"Tabel 3.3 Perbandingan Capaian IKU Tahun {t} dengan Tahun {lalu}",
            "tabel_3_3",
            (
                Kolom("no", "No", "nomor"),
                Kolom("sasaran", "Sasaran Strategis", lebar_maks=30),
                Kolom("indikator_lalu", "Indikator Kinerja", grup=f"Tahun {lalu}", lebar_maks=30),
                Kolom("satuan_lalu", "Satuan", grup=f"Tahun {lalu}", lebar_maks=10),
                Kolom("target_lalu", "Target", "target", f"Tahun {lalu}"),
                Kolom("realisasi_lalu", "Realisasi", "angka", f"Tahun {lalu}"),
                Kolom("capaian_lalu", "Capaian (%)", "persen", f"Tahun {lalu}"),
                Kolom("indikator", "Indikator Kinerja", grup=f"Tahun {t}", lebar_maks=30),
                Kolom("satuan", "Satuan", grup=f"Tahun {t}", lebar_maks=10),
                Kolom("target", "Target", "target", f"Tahun {t}"),
                Kolom("realisasi", "Realisasi", "angka", f"Tahun {t}"),
                Kolom("capaian_persen", "Capaian (%)", "persen", f"Tahun {t}"),
                Kolom("selisih_capaian", "Perubahan Capaian (poin)", "poin"),
            ),
            (
                f"Tahun {lalu}: target dan realisasi IKU dari Perjanjian Kinerja {lalu}; "
                "capaiannya dihitung dengan rumus yang sama. IKU dipasangkan menurut kode "
                "sasaran.",
            ),
        ),
        Tabel(
            "Tabel 3.4",
            "tabel-3-4",
            f"Tabel 3.4 Capaian Kinerja Tahun {t} Dibandingkan dengan Target Renstra",
            "tabel_3_4",
            (
                Kolom("no", "No", "nomor"),
                Kolom("kode", "Kode", lebar_maks=10),
                Kolom("indikator", "Indikator Kinerja", lebar_maks=42),
                Kolom("satuan", "Satuan", lebar_maks=10),
                Kolom("target", "Target", "target", f"Tahun {t}"),
                Kolom("realisasi", "Realisasi", "angka", f"Tahun {t}"),
                Kolom("capaian_persen", "Capaian (%)", "persen", f"Tahun {t}"),
                Kolom("renstra", f"Target Renstra {t}", "target", "Renstra"),
                Kolom(
                    "capaian_renstra", f"Capaian thd Target Renstra {t} (%)", "persen", "Renstra"
                ),
                Kolom("akhir", akhir_judul, "target", "Renstra"),
                Kolom("progres", "Progres thd Target Akhir (%)", "persen", "Renstra"),
            ),
            (
                f"Progres = capaian realisasi {t} terhadap target akhir Renstra (indikator "
                "positif: realisasi ÷ target akhir × 100).",
                "Tanda - : indikator itu tidak ada di Renstra.",
            ),
            (("iku", "sasaran"), ("program", "biasa")),
        ),
    ]


def table_specs(lap: Laporan) -> list[Tabel]:
    """Report -> every printed table, in the order of the report (2.3, 3.1 ... 3.6, Efisiensi)."""
    anggaran = _tabel_anggaran(lap)
    return [anggaran[0], *_tabel_kinerja(lap), anggaran[1], anggaran[2]]


def error_note(lap: Laporan, perintah: str) -> str | None:
    """Report + findings command -> the warning about error findings and figures that are
    not complete (None when neither).
    """
    partial = incomplete_note(lap)
    if lap.jumlah_error == 0:
        return f"PERHATIAN: {partial}" if partial else None
    per_rule = ", ".join(f"{a}: {n}" for a, n in lap.temuan_error.iter_rows())
    return (
        f"PERHATIAN: data tahun {lap.tahun} memiliki {lap.jumlah_error} temuan tingkat error "
        f"({per_rule}) yang belum diselesaikan. Baris yang bermasalah dikarantina dan tidak masuk "
        f"tabel ini, jadi angkanya bisa kurang dari yang sebenarnya. Lihat daftarnya: {perintah}"
        + (f" {partial}" if partial else "")
    )


TEXT_KINDS = ("teks", "nama", "predikat")


def column_cells(frame: pl.DataFrame, kolom: Kolom) -> list[object]:
    """Frame + column spec -> the column's values (for a target: (low, high) pairs)."""
    if kolom.jenis == "target":
        low, high = frame.get_column(f"{kolom.key}_min"), frame.get_column(f"{kolom.key}_max")
        return list(zip(low.to_list(), high.to_list(), strict=True))
    return frame.get_column(kolom.key).to_list()


def shown(value: object, jenis: str) -> str:
    """Cell value + kind -> the text a reader sees (Indonesian numbers)."""
    if jenis == "target":
        return target_text(*value)
    if value is None:
        return "" if jenis in TEXT_KINDS + ("nomor",) else "-"
    formats: dict[str, Callable[[object], str]] = {
        "uang": angka,
        "selisih": lambda v: angka(v, kurung=True),
        "persen": lambda v: angka(v, 2),
        "poin": lambda v: angka(v, 2, kurung=True),
        "angka": ukuran,
        "nomor": str,
    }
    return formats.get(jenis, str)(value)


def header_rows(kolom: tuple[Kolom, ...]) -> int:
    """Columns -> number of header rows (2 when some have a group header)."""
    return 2 if any(k.grup for k in kolom) else 1


# --- files ---------------------------------------------------------------------------------------
def replace_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Target path + writer -> the file written beside it and moved into place in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.sebagian")
    write(partial)
    os.replace(partial, path)
    return path
