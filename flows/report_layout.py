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

from transforms.report_data import AnnualReport, incomplete_note

INSTANSI = "Dinas Koperasi, Usaha Kecil dan Menengah Provinsi Banten"
"""The reference office, named when the curated `opd` table has no row."""
ROMAWI = {1: "I", 2: "II", 3: "III", 4: "IV"}


def instansi(lap: AnnualReport) -> str:
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
class ReportColumn:
    """One printed column: frame column, header, kind of value, group header, width cap."""

    key: str
    judul: str
    jenis: str = "teks"  # teks, nama, predikat, nomor, uang, selisih, persen, poin, angka, target
    grup: str | None = None
    lebar_maks: int = 60


@dataclass(frozen=True)
class ReportTable:
    """One printed table: sheet name, anchor, title, the Laporan attribute, columns, notes."""

    lembar: str
    jangkar: str
    judul: str
    atribut: str
    kolom: tuple[ReportColumn, ...]
    catatan: tuple[str, ...] = ()
    row_styles: tuple[tuple[str, str], ...] = ()  # row kind -> the row style printed instead
    mendatar: bool = True  # printed on an A4 landscape page (too wide for portrait)
    asal: str | None = None  # the column whose figures open their sources (asal angka)

    def style(self, jenis_baris: str) -> str:
        """Row kind -> the style its rows are printed in (the kind itself unless remapped)."""
        return dict(self.row_styles).get(jenis_baris, jenis_baris)


def _tabel_anggaran(lap: AnnualReport) -> list[ReportTable]:
    """Report -> the specs of the budget tables (2.3, 3.6) and the efficiency analysis."""
    t = lap.tahun
    berlaku = f", berlaku {tanggal(lap.berlaku_perubahan)}" if lap.berlaku_perubahan else ""
    sebelum, sesudah = (
        "Sebelum Perubahan (DPA Murni)",
        f"Sesudah Perubahan (DPA Perubahan{berlaku})",
    )
    return [
        ReportTable(
            "Tabel 2.3",
            "tabel-2-3",
            f"Tabel 2.3 Struktur Program, Kegiatan dan Anggaran Tahun {t}",
            "tabel_2_3",
            (
                ReportColumn("kode", "Kode", lebar_maks=16),
                ReportColumn("uraian", "Program / Kegiatan / Sub Kegiatan", "nama"),
                ReportColumn("murni_operasi", "Belanja Operasi (Rp)", "uang", sebelum),
                ReportColumn("murni_modal", "Belanja Modal (Rp)", "uang", sebelum),
                ReportColumn("murni_jumlah", "Jumlah (Rp)", "uang", sebelum),
                ReportColumn("perubahan_operasi", "Belanja Operasi (Rp)", "uang", sesudah),
                ReportColumn("perubahan_modal", "Belanja Modal (Rp)", "uang", sesudah),
                ReportColumn("perubahan_jumlah", "Jumlah (Rp)", "uang", sesudah),
                ReportColumn("selisih", "Bertambah / (Berkurang) (Rp)", "selisih"),
            ),
            ("Pagu dari DPA; angka program dan kegiatan adalah jumlah sub kegiatannya.",),
        ),
        ReportTable(
            "Tabel 3.6",
            "tabel-3-6",
            f"Tabel 3.6 Target dan Realisasi Anggaran per Program dan Kegiatan Tahun {t}",
            "tabel_3_6",
            (
                ReportColumn("no", "No", "nomor"),
                ReportColumn("kode", "Kode", lebar_maks=16),
                ReportColumn("uraian", "Nama Program / Kegiatan", "nama"),
                ReportColumn("pagu", "Pagu Anggaran (Rp)", "uang"),
                ReportColumn("rencana_fisik", "Rencana Fisik (%)", "persen"),
                ReportColumn("realisasi", "(Rp)", "uang", "Realisasi Keuangan"),
                ReportColumn("persen_realisasi", "(%)", "persen", "Realisasi Keuangan"),
                ReportColumn("sisa", "(Rp)", "selisih", "Sisa Anggaran"),
                ReportColumn("persen_sisa", "(%)", "persen", "Sisa Anggaran"),
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
        ReportTable(
            "Efisiensi",
            "efisiensi",
            f"Analisis Efisiensi Penggunaan Sumber Daya per Program Tahun {t}",
            "efisiensi",
            (
                ReportColumn("no", "No", "nomor"),
                ReportColumn("kode", "Kode", lebar_maks=16),
                ReportColumn("uraian", "Program", "nama", lebar_maks=45),
                ReportColumn("pagu", "Pagu (Rp)", "uang"),
                ReportColumn("realisasi", "Realisasi (Rp)", "uang"),
                ReportColumn("serapan", "Serapan (%)", "persen"),
                ReportColumn("indikator", "Indikator Kinerja Program", lebar_maks=45),
                ReportColumn("capaian_persen", "Capaian (%)", "persen"),
                ReportColumn("predikat", "Predikat", "predikat", lebar_maks=14),
                ReportColumn("bacaan", "Analisis", lebar_maks=40),
            ),
            (
                "Serapan = realisasi ÷ pagu × 100; capaian = capaian indikator kinerja program.",
                "Capaian ≥ 100% dengan serapan < 100%: kinerja tercapai dengan anggaran lebih "
                "hemat (efisien).",
            ),
            (("program", "biasa"),),
        ),
    ]


def _tabel_kinerja(lap: AnnualReport) -> list[ReportTable]:
    """Report -> the specs of the kinerja tables 3.1 to 3.4."""
    t, lalu = lap.tahun, lap.tahun - 1
    akhir = lap.tabel_3_4.get_column("tahun_akhir").max()
    akhir_judul = f"Target Akhir Renstra ({akhir})" if akhir else "Target Akhir Renstra"
    return [
        ReportTable(
            "Tabel 3.1",
            "tabel-3-1",
            f"Tabel 3.1 Target dan Realisasi Indikator Kinerja Utama (IKU) Tahun {t}",
            "tabel_3_1",
            (
                ReportColumn("no", "No", "nomor"),
                ReportColumn("sasaran", "Sasaran Strategis", lebar_maks=40),
                ReportColumn("indikator", "Indikator Kinerja", lebar_maks=40),
                ReportColumn("satuan", "Satuan", lebar_maks=12),
                ReportColumn("target", "Target", "target"),
                ReportColumn("realisasi", "Realisasi", "angka"),
                ReportColumn("capaian_persen", "Capaian (%)", "persen"),
                ReportColumn("predikat", "Predikat", "predikat", lebar_maks=14),
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
        ReportTable(
            "Tabel 3.2",
            "tabel-3-2",
            f"Tabel 3.2 Target, Realisasi dan Capaian per Sasaran, Program, Kegiatan dan "
            f"Sub Kegiatan Tahun {t}",
            "tabel_3_2",
            (
                ReportColumn("no", "No", "nomor"),
                ReportColumn("kode", "Kode", lebar_maks=16),
                ReportColumn("sasaran_program", "Sasaran / Program", lebar_maks=34),
                ReportColumn("indikator", "Indikator Kinerja", lebar_maks=42),
                ReportColumn("kegiatan", "Kegiatan / Sub Kegiatan", "nama", lebar_maks=40),
                ReportColumn("satuan", "Satuan", lebar_maks=12),
                ReportColumn("target", "Target", "target"),
                ReportColumn("realisasi", "Realisasi", "angka"),
                ReportColumn("capaian_persen", "Capaian (%)", "persen"),
            ),
            (
                "Program dikelompokkan ke sasaran yang IKU-nya dipegang bidang pemilik program; "
                "program dari bidang tanpa IKU sendiri ikut sasaran program sebelumnya.",
            ),
        ),
        ReportTable(
            "Tabel 3.3",
            "tabel-3-3",
            f"Tabel 3.3 Perbandingan Capaian IKU Tahun {t} dengan Tahun {lalu}",
            "tabel_3_3",
            (
                ReportColumn("no", "No", "nomor"),
                ReportColumn("sasaran", "Sasaran Strategis", lebar_maks=30),
                ReportColumn(
                    "indikator_lalu", "Indikator Kinerja", grup=f"Tahun {lalu}", lebar_maks=30
                ),
                ReportColumn("satuan_lalu", "Satuan", grup=f"Tahun {lalu}", lebar_maks=10),
                ReportColumn("target_lalu", "Target", "target", f"Tahun {lalu}"),
                ReportColumn("realisasi_lalu", "Realisasi", "angka", f"Tahun {lalu}"),
                ReportColumn("capaian_lalu", "Capaian (%)", "persen", f"Tahun {lalu}"),
                ReportColumn("indikator", "Indikator Kinerja", grup=f"Tahun {t}", lebar_maks=30),
                ReportColumn("satuan", "Satuan", grup=f"Tahun {t}", lebar_maks=10),
                ReportColumn("target", "Target", "target", f"Tahun {t}"),
                ReportColumn("realisasi", "Realisasi", "angka", f"Tahun {t}"),
                ReportColumn("capaian_persen", "Capaian (%)", "persen", f"Tahun {t}"),
                ReportColumn("selisih_capaian", "Perubahan Capaian (poin)", "poin"),
            ),
            (
                f"Tahun {lalu}: target dan realisasi IKU dari Perjanjian Kinerja {lalu}; "
                "capaiannya dihitung dengan rumus yang sama. IKU dipasangkan menurut kode "
                "sasaran.",
            ),
        ),
        ReportTable(
            "Tabel 3.4",
            "tabel-3-4",
            f"Tabel 3.4 Capaian Kinerja Tahun {t} Dibandingkan dengan Target Renstra",
            "tabel_3_4",
            (
                ReportColumn("no", "No", "nomor"),
                ReportColumn("kode", "Kode", lebar_maks=10),
                ReportColumn("indikator", "Indikator Kinerja", lebar_maks=42),
                ReportColumn("satuan", "Satuan", lebar_maks=10),
                ReportColumn("target", "Target", "target", f"Tahun {t}"),
                ReportColumn("realisasi", "Realisasi", "angka", f"Tahun {t}"),
                ReportColumn("capaian_persen", "Capaian (%)", "persen", f"Tahun {t}"),
                ReportColumn("renstra", f"Target Renstra {t}", "target", "Renstra"),
                ReportColumn(
                    "capaian_renstra", f"Capaian thd Target Renstra {t} (%)", "persen", "Renstra"
                ),
                ReportColumn("akhir", akhir_judul, "target", "Renstra"),
                ReportColumn("progres", "Progres thd Target Akhir (%)", "persen", "Renstra"),
            ),
            (
                f"Progres = capaian realisasi {t} terhadap target akhir Renstra (indikator "
                "positif: realisasi ÷ target akhir × 100).",
                "Tanda - : indikator itu tidak ada di Renstra.",
            ),
            (("iku", "sasaran"), ("program", "biasa")),
        ),
    ]


def table_specs(lap: AnnualReport) -> list[ReportTable]:
    """Report -> every printed table, in the order of the report (2.3, 3.1 ... 3.6, Efisiensi)."""
    anggaran = _tabel_anggaran(lap)
    return [anggaran[0], *_tabel_kinerja(lap), anggaran[1], anggaran[2]]


def error_note(lap: AnnualReport, perintah: str) -> str | None:
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


def column_cells(frame: pl.DataFrame, kolom: ReportColumn) -> list[object]:
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


def header_rows(kolom: tuple[ReportColumn, ...]) -> int:
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
