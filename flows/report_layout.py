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

UNNAMED = "Perangkat Daerah (nama belum diisi di referensi/opd.csv)"
"""What the report calls an office whose raw folder has no opd.csv."""
ROMAWI = {1: "I", 2: "II", 3: "III", 4: "IV"}


def instansi(report: AnnualReport) -> str:
    """Report -> the office's name and government, from the curated opd table (opd.csv)."""
    name, region = report.signature.nama_opd, report.signature.pemerintah_daerah
    if not name:
        return UNNAMED
    return name if not region or region.lower() in name.lower() else f"{name} {region}"


# --- Indonesian numbers and names ----------------------------------------------------------------
def angka(value: object, decimals: int = 0, parentheses: bool = False) -> str:
    """Number -> Indonesian text: 1.234.567, 93,12; negatives as (1.875.900) with parentheses."""
    if value is None:
        return "-"
    exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{abs(exact):,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")
    if exact < 0:
        return f"({text})" if parentheses else f"-{text}"
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
    title: str
    kind: str = "teks"  # teks, nama, predikat, nomor, uang, selisih, persen, poin, angka, target
    group: str | None = None
    max_width: int = 60


@dataclass(frozen=True)
class ReportTable:
    """One printed table: sheet name, anchor, title, the AnnualReport attribute, columns, notes."""

    sheet: str
    anchor: str
    title: str
    attribute: str
    columns: tuple[ReportColumn, ...]
    notes: tuple[str, ...] = ()
    row_styles: tuple[tuple[str, str], ...] = ()  # row kind -> the row style printed instead
    landscape: bool = True  # printed on an A4 landscape page (too wide for portrait)
    source: str | None = None  # the column whose figures open their sources (asal angka)

    def style(self, row_kind: str) -> str:
        """Row kind -> the style its rows are printed in (the kind itself unless remapped)."""
        return dict(self.row_styles).get(row_kind, row_kind)


def _budget_tables(report: AnnualReport) -> list[ReportTable]:
    """Report -> the specs of the budget tables (2.3, 3.6) and the efficiency analysis."""
    t = report.tahun
    effective = (
        f", berlaku {tanggal(report.revision_effective)}" if report.revision_effective else ""
    )
    before, after = (
        "Sebelum Perubahan (DPA Murni)",
        f"Sesudah Perubahan (DPA Perubahan{effective})",
    )
    return [
        ReportTable(
            "Tabel 2.3",
            "tabel-2-3",
            f"Tabel 2.3 Struktur Program, Kegiatan dan Anggaran Tahun {t}",
            "tabel_2_3",
            (
                ReportColumn("kode", "Kode", max_width=16),
                ReportColumn("uraian", "Program / Kegiatan / Sub Kegiatan", "nama"),
                ReportColumn("murni_operasi", "Belanja Operasi (Rp)", "uang", before),
                ReportColumn("murni_modal", "Belanja Modal (Rp)", "uang", before),
                ReportColumn("murni_jumlah", "Jumlah (Rp)", "uang", before),
                ReportColumn("perubahan_operasi", "Belanja Operasi (Rp)", "uang", after),
                ReportColumn("perubahan_modal", "Belanja Modal (Rp)", "uang", after),
                ReportColumn("perubahan_jumlah", "Jumlah (Rp)", "uang", after),
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
                ReportColumn("kode", "Kode", max_width=16),
                ReportColumn("uraian", "Nama Program / Kegiatan", "nama"),
                ReportColumn("pagu", "Pagu Anggaran (Rp)", "uang"),
                ReportColumn("rencana_fisik", "Rencana Fisik (%)", "persen"),
                ReportColumn("realisasi", "(Rp)", "uang", "Realisasi Keuangan"),
                ReportColumn("persen_realisasi", "(%)", "persen", "Realisasi Keuangan"),
                ReportColumn("sisa", "(Rp)", "selisih", "Sisa Anggaran"),
                ReportColumn("persen_sisa", "(%)", "persen", "Sisa Anggaran"),
            ),
            (
                f"Pagu: DPA yang berlaku pada akhir Triwulan {ROMAWI[report.triwulan]}; realisasi: "
                f"realisasi kumulatif s.d. Triwulan {ROMAWI[report.triwulan]} {t}.",
                "Rencana fisik 100,00%: rencananya setiap kegiatan selesai seluruhnya pada "
                "akhir tahun anggaran.",
                "Pada halaman web, realisasi setiap kegiatan dapat diklik: terbuka rincian sub "
                "kegiatannya beserta berkas, lembar dan baris asal angkanya (tabel asal_angka).",
            ),
            source="realisasi",
        ),
        ReportTable(
            "Efisiensi",
            "efisiensi",
            f"Analisis Efisiensi Penggunaan Sumber Daya per Program Tahun {t}",
            "efisiensi",
            (
                ReportColumn("no", "No", "nomor"),
                ReportColumn("kode", "Kode", max_width=16),
                ReportColumn("uraian", "Program", "nama", max_width=45),
                ReportColumn("pagu", "Pagu (Rp)", "uang"),
                ReportColumn("realisasi", "Realisasi (Rp)", "uang"),
                ReportColumn("serapan", "Serapan (%)", "persen"),
                ReportColumn("indikator", "Indikator Kinerja Program", max_width=45),
                ReportColumn("capaian_persen", "Capaian (%)", "persen"),
                ReportColumn("predikat", "Predikat", "predikat", max_width=14),
                ReportColumn("bacaan", "Analisis", max_width=40),
            ),
            (
                "Serapan = realisasi ÷ pagu × 100; capaian = capaian indikator kinerja program.",
                "Capaian ≥ 100% dengan serapan < 100%: kinerja tercapai dengan anggaran lebih "
                "hemat (efisien).",
            ),
            (("program", "biasa"),),
        ),
    ]


def _performance_tables(report: AnnualReport) -> list[ReportTable]:
    """Report -> the specs of the kinerja tables 3.1 to 3.4."""
    t, last_year = report.tahun, report.tahun - 1
    end_year = report.tabel_3_4.get_column("tahun_akhir").max()
    end_title = f"Target Akhir Renstra ({end_year})" if end_year else "Target Akhir Renstra"
    return [
        ReportTable(
            "Tabel 3.1",
            "tabel-3-1",
            f"Tabel 3.1 Target dan Realisasi Indikator Kinerja Utama (IKU) Tahun {t}",
            "tabel_3_1",
            (
                ReportColumn("no", "No", "nomor"),
                ReportColumn("sasaran", "Sasaran Strategis", max_width=40),
                ReportColumn("indikator", "Indikator Kinerja", max_width=40),
                ReportColumn("satuan", "Satuan", max_width=12),
                ReportColumn("target", "Target", "target"),
                ReportColumn("realisasi", "Realisasi", "angka"),
                ReportColumn("capaian_persen", "Capaian (%)", "persen"),
                ReportColumn("predikat", "Predikat", "predikat", max_width=14),
            ),
            (
                "Capaian menurut polaritas: positif realisasi ÷ target × 100; negatif "
                "(2 × target − realisasi) ÷ target × 100; rentang 100 di dalam rentang, di luar "
                "rentang dibagi batas yang dilewati.",
                "Predikat (Permendagri 86/2017): ≥ 91 Sangat Tinggi; 76–91 Tinggi; 66–76 Sedang; "
                "51–66 Rendah; < 51 Sangat Rendah.",
            ),
            landscape=False,
            source="capaian_persen",
        ),
        ReportTable(
            "Tabel 3.2",
            "tabel-3-2",
            f"Tabel 3.2 Target, Realisasi dan Capaian per Sasaran, Program, Kegiatan dan "
            f"Sub Kegiatan Tahun {t}",
            "tabel_3_2",
            (
                ReportColumn("no", "No", "nomor"),
                ReportColumn("kode", "Kode", max_width=16),
                ReportColumn("sasaran_program", "Sasaran / Program", max_width=34),
                ReportColumn("indikator", "Indikator Kinerja", max_width=42),
                ReportColumn("kegiatan", "Kegiatan / Sub Kegiatan", "nama", max_width=40),
                ReportColumn("satuan", "Satuan", max_width=12),
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
            f"Tabel 3.3 Perbandingan Capaian IKU Tahun {t} dengan Tahun {last_year}",
            "tabel_3_3",
            (
                ReportColumn("no", "No", "nomor"),
                ReportColumn("sasaran", "Sasaran Strategis", max_width=30),
                ReportColumn(
                    "indikator_lalu", "Indikator Kinerja", group=f"Tahun {last_year}", max_width=30
                ),
                ReportColumn("satuan_lalu", "Satuan", group=f"Tahun {last_year}", max_width=10),
                ReportColumn("target_lalu", "Target", "target", f"Tahun {last_year}"),
                ReportColumn("realisasi_lalu", "Realisasi", "angka", f"Tahun {last_year}"),
                ReportColumn("capaian_lalu", "Capaian (%)", "persen", f"Tahun {last_year}"),
                ReportColumn("indikator", "Indikator Kinerja", group=f"Tahun {t}", max_width=30),
                ReportColumn("satuan", "Satuan", group=f"Tahun {t}", max_width=10),
                ReportColumn("target", "Target", "target", f"Tahun {t}"),
                ReportColumn("realisasi", "Realisasi", "angka", f"Tahun {t}"),
                ReportColumn("capaian_persen", "Capaian (%)", "persen", f"Tahun {t}"),
                ReportColumn("selisih_capaian", "Perubahan Capaian (poin)", "poin"),
            ),
            (
                f"Tahun {last_year}: target dan realisasi IKU dari Perjanjian Kinerja {last_year}; "
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
                ReportColumn("kode", "Kode", max_width=10),
                ReportColumn("indikator", "Indikator Kinerja", max_width=42),
                ReportColumn("satuan", "Satuan", max_width=10),
                ReportColumn("target", "Target", "target", f"Tahun {t}"),
                ReportColumn("realisasi", "Realisasi", "angka", f"Tahun {t}"),
                ReportColumn("capaian_persen", "Capaian (%)", "persen", f"Tahun {t}"),
                ReportColumn("renstra", f"Target Renstra {t}", "target", "Renstra"),
                ReportColumn(
                    "capaian_renstra", f"Capaian thd Target Renstra {t} (%)", "persen", "Renstra"
                ),
                ReportColumn("akhir", end_title, "target", "Renstra"),
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


def table_specs(report: AnnualReport) -> list[ReportTable]:
    """Report -> every printed table, in the order of the report (2.3, 3.1 ... 3.6, Efisiensi)."""
    budget = _budget_tables(report)
    return [budget[0], *_performance_tables(report), budget[1], budget[2]]


def error_note(report: AnnualReport, command: str) -> str | None:
    """Report + findings command -> the warning about error findings and figures that are
    not complete (None when neither).
    """
    partial = incomplete_note(report)
    if report.error_count == 0:
        return f"PERHATIAN: {partial}" if partial else None
    per_rule = ", ".join(f"{a}: {n}" for a, n in report.temuan_error.iter_rows())
    return (
        f"PERHATIAN: data tahun {report.tahun} memiliki {report.error_count} temuan tingkat error "
        f"({per_rule}) yang belum diselesaikan. Baris yang bermasalah dikarantina dan tidak masuk "
        f"tabel ini, jadi angkanya bisa kurang dari yang sebenarnya. Lihat daftarnya: {command}"
        + (f" {partial}" if partial else "")
    )


TEXT_KINDS = ("teks", "nama", "predikat")


def column_cells(frame: pl.DataFrame, column: ReportColumn) -> list[object]:
    """Frame + column spec -> the column's values (for a target: (low, high) pairs)."""
    if column.kind == "target":
        low, high = frame.get_column(f"{column.key}_min"), frame.get_column(f"{column.key}_max")
        return list(zip(low.to_list(), high.to_list(), strict=True))
    return frame.get_column(column.key).to_list()


def shown(value: object, kind: str) -> str:
    """Cell value + kind -> the text a reader sees (Indonesian numbers)."""
    if kind == "target":
        return target_text(*value)
    if value is None:
        return "" if kind in TEXT_KINDS + ("nomor",) else "-"
    formats: dict[str, Callable[[object], str]] = {
        "uang": angka,
        "selisih": lambda v: angka(v, parentheses=True),
        "persen": lambda v: angka(v, 2),
        "poin": lambda v: angka(v, 2, parentheses=True),
        "angka": ukuran,
        "nomor": str,
    }
    return formats.get(kind, str)(value)


def header_rows(columns: tuple[ReportColumn, ...]) -> int:
    """Columns -> number of header rows (2 when some have a group header)."""
    return 2 if any(c.group for c in columns) else 1


# --- files ---------------------------------------------------------------------------------------
def replace_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Target path + writer -> the file written beside it and moved into place in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.sebagian")
    write(partial)
    os.replace(partial, path)
    return path
