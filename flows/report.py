"""The annual report (LKjIP): tables and charts as a workbook and a web page.

It reads only the curated Parquet of the year, builds the tables with transforms.laporan,
and writes `<out>/lkjip_<tahun>.xlsx` (one sheet per table, laid out as the office
prints them) and `<out>/lkjip_<tahun>.html` (the same tables and the charts as inline
SVG; self-contained, opens offline). Findings of level error of the year are named at the
top of both. `laporan_tahunan` is the Prefect flow; `make_report` is the plain function
the CLI calls.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import os
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import xlsxwriter
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from flows.pipeline import LkjipError
from schemas.curated import MODELS
from transforms import laporan as tl
from transforms.laporan import Laporan

INSTANSI = "Dinas Koperasi, Usaha Kecil dan Menengah Provinsi Banten"
TABLES = tuple(MODELS)
MAX_WORKERS = 2  # polars parallelises inside a task; more threads only add memory
ROMAWI = {1: "I", 2: "II", 3: "III", 4: "IV"}


# --- reading -----------------------------------------------------------------------------------
def check_published(curated: Path, tahun: int) -> None:
    """Curated folder + year -> nothing, or LkjipError when the year's tables are not there."""
    for name in TABLES:
        if not (curated / name / f"tahun={tahun}").exists():
            raise LkjipError(
                f"tabel terkurasi {name} tahun {tahun} tidak ada di {curated}; jalankan dulu: "
                f"lkjip run --tahun {tahun} --triwulan 4 --curated {curated}"
            )
    if not (curated / "realisasi_anggaran" / f"tahun={tahun}" / "triwulan=4").exists():
        raise LkjipError(
            f"data terkurasi tahun {tahun} di {curated} belum sampai triwulan 4; laporan "
            f"tahunan memerlukannya: lkjip run --tahun {tahun} --triwulan 4 --curated {curated}"
        )


def read_curated(curated: Path, tahun: int) -> dict[str, pl.DataFrame]:
    """Curated folder + year -> the year's frame of every table the report needs."""
    return {
        name: pl.scan_parquet(curated / name, hive_partitioning=True)
        .filter(pl.col("tahun") == tahun)
        .collect()
        for name in TABLES
    }


def failures_command(tahun: int, curated: Path) -> str:
    """-> the command that lists the year's findings (with --curated when not the default)."""
    command = f"lkjip failures --tahun {tahun}"
    return command if Path(curated) == Path("curated") else f"{command} --curated {curated}"


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
            ),
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
    """Report + findings command -> the warning about error findings (None when none)."""
    if lap.jumlah_error == 0:
        return None
    per_rule = ", ".join(f"{a}: {n}" for a, n in lap.temuan_error.iter_rows())
    return (
        f"PERHATIAN: data tahun {lap.tahun} memiliki {lap.jumlah_error} temuan tingkat error "
        f"({per_rule}) yang belum diselesaikan. Baris yang bermasalah dikarantina dan tidak masuk "
        f"tabel ini, jadi angkanya bisa kurang dari yang sebenarnya. Lihat daftarnya: {perintah}"
    )


TEXT_KINDS = ("teks", "nama", "predikat")


def _cells(frame: pl.DataFrame, kolom: Kolom) -> list[object]:
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


# --- the workbook --------------------------------------------------------------------------------
NUMBER_FORMATS = {
    "uang": "#,##0",
    "selisih": "#,##0;(#,##0)",
    "persen": "#,##0.00",
    "poin": "#,##0.00;(#,##0.00);0.00",
    "angka": "#,##0",
    "angka_desimal": "#,##0.0###",
    "nomor": "0",
}
ROW_STYLES = {
    "program": {"bold": True, "bg_color": "#DDEBF7"},
    "kegiatan": {"bold": True},
    "jenis_belanja": {"bold": True, "bg_color": "#FCE4D6"},
    "sasaran": {"bold": True, "bg_color": "#E2EFDA"},
    "total": {"bold": True, "bg_color": "#D9D9D9", "top": 2},
}
INDENT = {"kegiatan": 1, "sub_kegiatan": 2}


class Formats:
    """xlsxwriter formats of one workbook, made once per (row style, kind, indent)."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self._made: dict[tuple, object] = {}

    def get(self, **props: object) -> object:
        """Format properties -> the workbook's format with them (cached)."""
        key = tuple(sorted(props.items()))
        if key not in self._made:
            self._made[key] = self.book.add_format(props)
        return self._made[key]

    def cell(self, jenis_baris: str, jenis: str, value: object) -> object:
        """Row kind + column kind + value -> the cell's format."""
        props: dict[str, object] = {"border": 1, "border_color": "#808080", "valign": "top"}
        props.update(ROW_STYLES.get(jenis_baris, {}))
        if jenis in TEXT_KINDS:
            props["text_wrap"] = True
            if jenis == "nama" and jenis_baris in INDENT:
                props["indent"] = INDENT[jenis_baris]
        elif isinstance(value, str):
            props["align"] = "center"
        else:
            props["num_format"] = NUMBER_FORMATS[_number_kind(jenis, value)]
        return self.get(**props)


def _number_kind(jenis: str, value: object) -> str:
    """Column kind + value -> the key of its number format (whole or decimal measures)."""
    if jenis in ("angka", "target") and isinstance(value, float):
        return "angka_desimal"
    return "angka" if jenis == "target" else jenis


def excel_value(value: object, jenis: str) -> object:
    """Cell value + kind -> what goes in the cell: int or float for numbers, "-" or text."""
    if jenis == "target":
        low, high = value
        if low is None or (high is not None and low != high):
            return target_text(low, high)
        value = low
    if value is None:
        return None if jenis in TEXT_KINDS + ("nomor",) else "-"
    if isinstance(value, Decimal):
        # The last step only: a rounded Rupiah or percentage is exact in a binary float.
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _header_rows(kolom: tuple[Kolom, ...]) -> int:
    """Columns -> number of header rows (2 when some have a group header)."""
    return 2 if any(k.grup for k in kolom) else 1


def _widths(tabel: Tabel, frame: pl.DataFrame) -> list[int]:
    """Table + frame -> each column's width in characters, fitted to its longest text."""
    widths = []
    for kolom in tabel.kolom:
        texts = [shown(v, kolom.jenis) for v in _cells(frame, kolom)]
        header = max(len(word) for word in kolom.judul.split())
        longest = max([header, *(len(t) for t in texts)])
        indent = 4 if kolom.jenis == "nama" else 0
        widths.append(max(5, min(kolom.lebar_maks, longest + 2 + indent)))
    return widths


def _write_title(ws, fmt: Formats, tabel: Tabel, lap: Laporan, note: str | None) -> int:
    """Sheet + table -> title, office and note rows written; returns the first header row."""
    last = len(tabel.kolom) - 1
    ws.merge_range(0, 0, 0, last, tabel.judul, fmt.get(bold=True, font_size=13, align="center"))
    subtitle = f"{INSTANSI} — Tahun Anggaran {lap.tahun}"
    ws.merge_range(1, 0, 1, last, subtitle, fmt.get(align="center", font_size=11))
    if note:
        ws.merge_range(
            2,
            0,
            2,
            last,
            note,
            fmt.get(bold=True, font_color="#9C0006", bg_color="#FFC7CE", text_wrap=True),
        )
        width = sum(_widths(tabel, getattr(lap, tabel.atribut)))
        ws.set_row(2, 15.0 * math.ceil(len(note) * 1.15 / width) + 4)  # bold text runs wider
    else:
        triwulan = ROMAWI[lap.triwulan]
        source = f"Sumber: tabel terkurasi lkjip, data s.d. Triwulan {triwulan} {lap.tahun}"
        ws.write(2, 0, source, fmt.get(italic=True, font_color="#595959", font_size=9))
    return 4


def _write_header(ws, fmt: Formats, tabel: Tabel, first: int) -> int:
    """Sheet + table + first header row -> header rows written; returns the first data row."""
    style = fmt.get(
        bold=True, align="center", valign="vcenter", text_wrap=True, border=1, bg_color="#BDD7EE"
    )
    rows = _header_rows(tabel.kolom)
    col = 0
    while col < len(tabel.kolom):
        kolom = tabel.kolom[col]
        if kolom.grup is None:
            if rows == 2:
                ws.merge_range(first, col, first + 1, col, kolom.judul, style)
            else:
                ws.write(first, col, kolom.judul, style)
            col += 1
            continue
        span = 1
        while col + span < len(tabel.kolom) and tabel.kolom[col + span].grup == kolom.grup:
            span += 1
        if span > 1:
            ws.merge_range(first, col, first, col + span - 1, kolom.grup, style)
        else:
            ws.write(first, col, kolom.grup, style)
        for i in range(span):
            ws.write(first + 1, col + i, tabel.kolom[col + i].judul, style)
        col += span
    ws.set_row(first + rows - 1, 45)
    return first + rows


def _row_height(texts: list[str], widths: list[int]) -> float:
    """Row's texts + column widths -> a height (points) that shows every wrapped line."""
    # x 1.15: words wrap whole, so a wrapped cell holds fewer characters than its width
    pairs = zip(texts, widths, strict=True)
    lines = max(math.ceil(len(t) * 1.15 / max(w - 1, 1)) for t, w in pairs)
    return 15.0 * max(1, lines)


def _write_body(ws, fmt: Formats, tabel: Tabel, frame: pl.DataFrame, first: int) -> int:
    """Sheet + table + frame -> one row per frame row; returns the row after the last."""
    widths = _widths(tabel, frame)
    columns = [_cells(frame, k) for k in tabel.kolom]
    kinds = [tabel.style(k) for k in frame.get_column("jenis_baris").to_list()]
    for i, jenis_baris in enumerate(kinds):
        texts = []
        for col, kolom in enumerate(tabel.kolom):
            value = excel_value(columns[col][i], kolom.jenis)
            ws.write(first + i, col, value, fmt.cell(jenis_baris, kolom.jenis, value))
            texts.append(shown(columns[col][i], kolom.jenis))
        ws.set_row(first + i, _row_height(texts, widths))
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    return first + len(kinds)


def _set_print(ws, tabel: Tabel, lap: Laporan, header_first: int, data_first: int) -> None:
    """Sheet -> A4 landscape, fit to one page wide, header rows repeated, page numbers."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.repeat_rows(header_first, data_first - 1)
    ws.freeze_panes(data_first, 0)
    ws.hide_gridlines(0)
    ws.set_footer(f"&L&8LKjIP {lap.tahun} — {tabel.lembar}&R&8Halaman &P dari &N")


def write_sheet(book: xlsxwriter.Workbook, fmt: Formats, tabel: Tabel, lap: Laporan, note) -> None:
    """Workbook + table spec + report -> one sheet laid out as the office prints it."""
    frame: pl.DataFrame = getattr(lap, tabel.atribut)
    ws = book.add_worksheet(tabel.lembar)
    header_first = _write_title(ws, fmt, tabel, lap, note)
    data_first = _write_header(ws, fmt, tabel, header_first)
    after = _write_body(ws, fmt, tabel, frame, data_first)
    _write_notes(ws, fmt, tabel, frame, after + 1)
    _set_print(ws, tabel, lap, header_first, data_first)


def _write_notes(ws, fmt: Formats, tabel: Tabel, frame: pl.DataFrame, first: int) -> None:
    """Sheet + table -> its footnotes, each merged across the table's width and wrapped."""
    last, width = len(tabel.kolom) - 1, sum(_widths(tabel, frame))
    style = fmt.get(italic=True, text_wrap=True, valign="top", font_size=9)
    for i, line in enumerate(tabel.catatan):
        text = f"Catatan: {line}" if i == 0 else line
        ws.merge_range(first + i, 0, first + i, last, text, style)
        ws.set_row(first + i, 13.0 * math.ceil(len(text) / max(width, 1)))


def _replace_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Target path + writer -> the file written beside it and moved into place in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.sebagian")
    write(partial)
    os.replace(partial, path)
    return path


def write_xlsx(lap: Laporan, out: Path, perintah: str) -> Path:
    """Report + folder -> <out>/lkjip_<tahun>.xlsx, one sheet per table."""

    def write(path: Path) -> None:
        # Text from the sources stays text: a name starting with "=" is not a formula.
        book = xlsxwriter.Workbook(
            str(path), {"strings_to_formulas": False, "strings_to_urls": False}
        )
        book.set_properties(
            {"title": f"LKjIP {lap.tahun}", "author": INSTANSI, "company": INSTANSI}
        )
        fmt = Formats(book)
        note = error_note(lap, perintah)
        for tabel in table_specs(lap):
            write_sheet(book, fmt, tabel, lap, note)
        book.close()

    return _replace_atomically(Path(out) / f"lkjip_{lap.tahun}.xlsx", write)


# --- charts (inline SVG) -------------------------------------------------------------------------
PREDIKAT_WARNA = {
    "Sangat Tinggi": "#1a7f37",
    "Tinggi": "#57a64a",
    "Sedang": "#d4a200",
    "Rendah": "#e07b00",
    "Sangat Rendah": "#c62828",
}
WARNA_REALISASI = "#1f5fa8"
WARNA_PAGU = "#c0392b"


def _e(text: object) -> str:
    """Value -> text escaped for HTML and SVG."""
    return html.escape(str(text), quote=True)


def nice_step(value: float) -> float:
    """Rough step -> a round axis step (1, 2, 2.5 or 5 × 10^n) at least as large."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(s * power for s in (1, 2, 2.5, 5, 10) if s * power >= value)


def axis(largest: float, ticks: int = 4) -> list[float]:
    """Largest value -> round tick values from 0 to just above it."""
    step = nice_step(largest / ticks)
    return [step * i for i in range(math.ceil(largest / step) + 1)] if largest > 0 else [0.0, 1.0]


def _svg(width: int, height: int, label: str, body: Iterable[str]) -> str:
    """Size + accessible label + elements -> an inline SVG that scales to its container."""
    return (
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{_e(label)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{_e(label)}</title>{"".join(body)}</svg>'
    )


def _text(x: float, y: float, text: str, **attrs: object) -> str:
    """Position + text + attributes -> an SVG text element."""
    extra = " ".join(f'{k.rstrip("_").replace("_", "-")}="{_e(v)}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" {extra}>{_e(text)}</text>'


def _lines(text: str, width: int, count: int = 2) -> list[str]:
    """Text -> at most count lines of about width characters (the last cut with an ellipsis)."""
    lines = textwrap.wrap(text, width) or [""]
    if len(lines) > count:
        lines = [*lines[: count - 1], potong(" ".join(lines[count - 1 :]), width)]
    return lines


def _title(x: float, y: float, text: str, width: int, css: str) -> str:
    """Position + long text -> an SVG text of up to two lines."""
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 15}">{_e(line)}</tspan>'
        for i, line in enumerate(_lines(text, width))
    )
    return f'<text x="{x:.1f}" y="{y:.1f}" class="{css}">{spans}</text>'


def svg_kurva_panel(kode: str, uraian: str, rows: list[dict]) -> str:
    """One program's quarters (pagu, realisasi_kumulatif, %) -> its S-curve against the pagu."""
    w, h, left, right, top, bottom = 360, 262, 54, 296, 56, 222
    pagu = [float(r["pagu"]) for r in rows]
    real = [float(r["realisasi_kumulatif"]) for r in rows]
    ticks = axis(max([*pagu, *real]) * 1.06)
    ymax = ticks[-1]

    def x(q: int) -> float:
        return left + q * (right - left) / 4

    def y(v: float) -> float:
        return bottom - v / ymax * (bottom - top)

    body = [_title(4, 16, f"{kode} {nama_pendek(uraian)}", 50, "judul-panel")]
    for value in ticks:
        gy = y(value)
        body.append(f'<line x1="{left}" x2="{right}" y1="{gy:.1f}" y2="{gy:.1f}" class="grid"/>')
        body.append(_text(left - 6, gy + 4, rp_singkat(value), class_="sumbu", text_anchor="end"))
    for q, label in enumerate(["Awal", "TW I", "TW II", "TW III", "TW IV"]):
        body.append(_text(x(q), bottom + 17, label, class_="sumbu", text_anchor="middle"))
    steps = []
    for q, value in enumerate(pagu, start=1):
        steps += [f"{x(q - 1):.1f},{y(value):.1f}", f"{x(q):.1f},{y(value):.1f}"]
    body.append(f'<polyline points="{" ".join(steps)}" class="pagu"/>')
    body.append(_text(x(0) + 4, y(pagu[0]) - 6, f"pagu {rp_singkat(pagu[0])}", class_="label-pagu"))
    if pagu[-1] != pagu[0]:
        body.append(
            _text(
                right, y(pagu[-1]) - 6, rp_singkat(pagu[-1]), class_="label-pagu", text_anchor="end"
            )
        )
    points = [(x(0), y(0))] + [(x(q), y(v)) for q, v in enumerate(real, start=1)]
    line = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    base = f"{x(len(real)):.1f},{y(0):.1f}"
    body.append(f'<polygon points="{line} {base}" class="area"/>')
    body.append(f'<polyline points="{line}" class="realisasi"/>')
    for (px, py), r in zip(points[1:], rows, strict=True):
        body.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" class="titik"/>')
        label = f"{angka(r['persen_realisasi'], 2)}%"
        if r is rows[-1]:
            body.append(_text(px + 7, py + 4, label, class_="label-akhir"))
        else:
            body.append(_text(px - 5, py - 7, label, class_="label-titik", text_anchor="end"))
    return _svg(w, h, f"Kurva S realisasi {kode} {uraian}", body)


def svg_kurva_s(kurva: pl.DataFrame) -> str:
    """Per program and quarter realisation -> a grid of S-curve panels (HTML)."""
    panels = []
    for (kode,), group in kurva.group_by("kode", maintain_order=True):
        rows = group.sort("triwulan").to_dicts()
        svg = svg_kurva_panel(kode, rows[0]["uraian"] or "", rows)
        panels.append(f'<figure class="panel">{svg}</figure>')
    return f'<div class="kisi">{"".join(panels)}</div>'


BAR_WIDTH = 640


def _bar_rows(items: list[dict], scale_max: float, label: str) -> tuple[list[str], int]:
    """Bar items (nama, nilai, warna, teks, penanda) -> SVG rows and the chart's height."""
    left, right, row_h, first = 8, BAR_WIDTH - 190, 46, 30

    def sx(v: float) -> float:
        return left + v / scale_max * (right - left)

    body = [_text(sx(100), 14, label, class_="sumbu", text_anchor="middle")]
    for i, item in enumerate(items):
        top = first + i * row_h
        value = item["nilai"] or 0.0
        body.append(_text(left, top + 10, item["nama"], class_="nama-batang"))
        body.append(
            f'<rect x="{left}" y="{top + 16}" width="{sx(100) - left:.1f}" height="16" '
            'class="jalur"/>'
        )
        body.append(
            f'<rect x="{left}" y="{top + 16}" width="{max(sx(value) - left, 0):.1f}" '
            f'height="16" fill="{item["warna"]}"/>'
        )
        body.append(
            f'<line x1="{sx(100):.1f}" x2="{sx(100):.1f}" y1="{top + 12}" y2="{top + 36}" '
            'class="acuan"/>'
        )
        marker = item.get("penanda")
        if marker is not None:
            body.append(
                f'<path d="M{sx(marker):.1f},{top + 13} l6,11 l-6,11 l-6,-11 z" class="penanda"/>'
            )
        end = max(value, 100.0, marker or 0.0)
        body.append(_text(sx(end) + 12, top + 29, item["teks"], class_="nilai-batang"))
    return body, first + len(items) * row_h + 4


def svg_serapan(efisiensi: pl.DataFrame) -> str:
    """Efficiency table -> bars of absorption per program, capaian as a marker, 100% line."""
    items = []
    for r in efisiensi.iter_rows(named=True):
        total = r["jenis_baris"] == "total"
        nama = "Seluruh program" if total else f"{r['kode']} {nama_pendek(r['uraian'])}"
        serapan = None if r["serapan"] is None else float(r["serapan"])
        capaian = None if r["capaian_persen"] is None else float(r["capaian_persen"])
        items.append(
            {
                "nama": potong(nama, 80),
                "nilai": serapan,
                "warna": "#0b3d75" if total else WARNA_REALISASI,
                "teks": "tanpa pagu" if serapan is None else f"{angka(r['serapan'], 2)}%",
                "penanda": capaian,
            }
        )
    values = [v for i in items for v in (i["nilai"], i["penanda"]) if v is not None]
    body, height = _bar_rows(items, max([100.0, *values]) * 1.04, "100%")
    return _svg(BAR_WIDTH, height, "Serapan anggaran per program", body)


def svg_capaian(tabel_3_1: pl.DataFrame) -> str:
    """IKU table -> bars of capaian per IKU, coloured by predikat, 100% line."""
    items = []
    for r in tabel_3_1.iter_rows(named=True):
        capaian = None if r["capaian_persen"] is None else float(r["capaian_persen"])
        predikat = r["predikat"] or "belum ada capaian"
        items.append(
            {
                "nama": potong(f"{r['kode']} {r['indikator']}", 80),
                "nilai": capaian,
                "warna": PREDIKAT_WARNA.get(r["predikat"], "#9e9e9e"),
                "teks": f"{angka(r['capaian_persen'], 2)}% · {predikat}",
            }
        )
    values = [i["nilai"] for i in items if i["nilai"] is not None]
    body, height = _bar_rows(items, max([110.0, *values]) * 1.04, "target 100%")
    return _svg(BAR_WIDTH, height, "Capaian IKU dan predikatnya", body)


# --- the web page ------------------------------------------------------------------------------
CSS = """
:root { --biru: #1f5fa8; --tua: #0b3d75; --abu: #595959; --garis: #c8c8c8; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: #1b1b1b;
  margin: 0; background: #f4f6f9; line-height: 1.4; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
header .instansi { margin: 0; color: var(--abu); font-size: 15px; }
h1 { margin: 4px 0 6px; font-size: 26px; color: var(--tua); }
h2 { margin: 36px 0 8px; font-size: 19px; color: var(--tua); border-bottom: 2px solid #dbe5f1;
  padding-bottom: 4px; }
h3 { margin: 0 0 6px; font-size: 15px; }
.meta { margin: 0; color: var(--abu); font-size: 13px; }
.awas { margin: 16px 0; padding: 14px 18px; border: 2px solid #c62828; background: #fdecea;
  color: #7f1010; border-radius: 6px; font-size: 15px; }
.awas strong { display: block; font-size: 17px; margin-bottom: 4px; }
.info { margin: 12px 0; padding: 8px 14px; background: #eef5ea; border-left: 4px solid #1a7f37;
  font-size: 13px; }
code { background: #f1f1f1; padding: 1px 5px; border-radius: 3px; font-size: 13px; }
nav { margin: 14px 0 4px; font-size: 13px; }
nav a { margin-right: 14px; color: var(--biru); text-decoration: none; }
.kartu { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px;
  margin: 18px 0 6px; }
.kartu div { border: 1px solid var(--garis); border-radius: 6px; padding: 10px 14px; }
.kartu span { display: block; color: var(--abu); font-size: 12px; }
.kartu b { font-size: 22px; color: var(--tua); white-space: nowrap; }
.kartu .baik b { color: #1a7f37; } .kartu .buruk b { color: #c62828; }
.kisi { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px 16px; }
figure { margin: 0; }
.panel { border: 1px solid #e3e3e3; border-radius: 6px; padding: 4px; }
.legenda { font-size: 13px; color: var(--abu); margin: 4px 0 10px; }
.legenda i { display: inline-block; width: 22px; height: 0; vertical-align: middle;
  margin: 0 6px 0 12px; border-top: 3px solid var(--biru); }
.legenda i.putus { border-top: 2px dashed #c0392b; }
.legenda i.kotak { width: 12px; height: 12px; border: 0; }
.legenda i.wajik { width: 10px; height: 10px; border: 0; background: #111;
  transform: rotate(45deg); }
svg { width: 100%; height: auto; display: block; }
svg text { font-family: inherit; }
.judul-panel { font-size: 12.5px; font-weight: 600; fill: #1b1b1b; }
.sumbu { font-size: 10.5px; fill: #666; }
.grid { stroke: #e6e6e6; stroke-width: 1; }
.pagu { fill: none; stroke: #c0392b; stroke-width: 2; stroke-dasharray: 6 4; }
.label-pagu { font-size: 10.5px; fill: #c0392b; font-weight: 600; }
.realisasi { fill: none; stroke: #1f5fa8; stroke-width: 2.5; }
.area { fill: #1f5fa8; fill-opacity: 0.10; stroke: none; }
.titik { fill: #1f5fa8; stroke: #fff; stroke-width: 1.5; }
.label-titik { font-size: 10px; fill: #444; }
.label-akhir { font-size: 12px; font-weight: 700; fill: #0b3d75; }
.nama-batang { font-size: 12.5px; fill: #1b1b1b; }
.nilai-batang { font-size: 12.5px; font-weight: 700; fill: #1b1b1b; }
.jalur { fill: #eceff3; }
.acuan { stroke: #333; stroke-width: 1; stroke-dasharray: 4 3; }
.penanda { fill: #111; }
.grafik2 { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
.gulir { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; margin-top: 6px; }
th, td { border: 1px solid var(--garis); padding: 4px 6px; vertical-align: top; }
th { background: #dbe5f1; color: #12324f; text-align: center; vertical-align: middle; }
td.angka { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.tengah { text-align: center; }
tr.program td, tr.kegiatan td, tr.jenis_belanja td, tr.sasaran td, tr.total td { font-weight: 700; }
tr.program td { background: #eef4fb; }
tr.jenis_belanja td { background: #fcefe6; }
tr.sasaran td { background: #eef5ea; }
tr.total td { background: #e7e7e7; border-top: 2px solid #333; }
tr.kegiatan td.nama { padding-left: 16px; }
tr.sub_kegiatan td.nama { padding-left: 30px; }
.lencana { color: #fff; border-radius: 10px; padding: 1px 8px; font-size: 11.5px;
  white-space: nowrap; font-weight: 600; }
.catatan { font-size: 12px; color: var(--abu); margin: 6px 0 0; }
@media (max-width: 900px) { .kisi, .grafik2 { grid-template-columns: 1fr; } }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { background: #fff; } main { max-width: none; padding: 0; } nav { display: none; }
  section { break-inside: avoid-page; } h2 { break-after: avoid; }
}
"""


def _min_width(kolom: Kolom) -> str:
    """Column spec -> a style attribute keeping a text column readable (none for numbers)."""
    if kolom.jenis not in TEXT_KINDS:
        return ""
    return f' style="min-width:{kolom.lebar_maks / 3:.0f}em"'


def _html_header_cells(tabel: Tabel) -> str:
    """Table spec -> its <thead> rows (group headers spanning their columns)."""
    rows = _header_rows(tabel.kolom)
    top, bottom, col = [], [], 0
    while col < len(tabel.kolom):
        kolom = tabel.kolom[col]
        if kolom.grup is None:
            top.append(f'<th rowspan="{rows}"{_min_width(kolom)}>{_e(kolom.judul)}</th>')
            col += 1
            continue
        span = 1
        while col + span < len(tabel.kolom) and tabel.kolom[col + span].grup == kolom.grup:
            span += 1
        top.append(f'<th colspan="{span}">{_e(kolom.grup)}</th>')
        bottom += [f"<th{_min_width(k)}>{_e(k.judul)}</th>" for k in tabel.kolom[col : col + span]]
        col += span
    head = f"<tr>{''.join(top)}</tr>"
    return (
        f"<thead>{head}<tr>{''.join(bottom)}</tr></thead>"
        if rows == 2
        else f"<thead>{head}</thead>"
    )


def _td(value: object, kolom: Kolom) -> str:
    """Cell value + column spec -> a <td> with the Indonesian text and its alignment."""
    text = shown(value, kolom.jenis)
    if kolom.jenis == "predikat" and value:
        warna = PREDIKAT_WARNA.get(value, "#9e9e9e")
        return f'<td><span class="lencana" style="background:{warna}">{_e(text)}</span></td>'
    if kolom.jenis in TEXT_KINDS:
        css = "nama" if kolom.jenis == "nama" else ""
    else:
        css = "tengah" if text == "-" or kolom.jenis == "nomor" else "angka"
    return f'<td class="{css}">{_e(text)}</td>' if css else f"<td>{_e(text)}</td>"


def html_table(tabel: Tabel, frame: pl.DataFrame) -> str:
    """Table spec + frame -> a <section> with the title, the table and its notes."""
    columns = [_cells(frame, k) for k in tabel.kolom]
    body = []
    for i, jenis_baris in enumerate(map(tabel.style, frame.get_column("jenis_baris").to_list())):
        cells = "".join(_td(columns[c][i], k) for c, k in enumerate(tabel.kolom))
        body.append(f'<tr class="{_e(jenis_baris)}">{cells}</tr>')
    notes = "".join(f'<p class="catatan">{_e(n)}</p>' for n in tabel.catatan)
    return (
        f'<section id="{tabel.jangkar}"><h2>{_e(tabel.judul)}</h2><div class="gulir"><table>'
        f"{_html_header_cells(tabel)}<tbody>{''.join(body)}</tbody></table></div>{notes}</section>"
    )


def _status_html(lap: Laporan, perintah: str) -> str:
    """Report -> the findings note near the top: a red alert for errors, else a quiet line."""
    command = f"<code>{_e(perintah)}</code>"
    if lap.jumlah_error:
        per_rule = ", ".join(f"{a}: {n}" for a, n in lap.temuan_error.iter_rows())
        held = f" ({lap.karantina} baris dikarantina)" if lap.karantina else ""
        return (
            '<div class="awas" role="alert"><strong>Perhatian: ada '
            f"{lap.jumlah_error} temuan tingkat error pada data tahun {lap.tahun} ({_e(per_rule)})"
            f"</strong>Baris yang bermasalah{held} tidak masuk tabel-tabel di bawah, jadi angkanya "
            "bisa kurang dari yang sebenarnya. Selesaikan temuan itu sebelum laporan ini dicetak. "
            f"Lihat daftarnya: {command}</div>"
        )
    warning = ""
    if lap.peringatan:
        warning = f" {lap.peringatan} temuan tingkat peringatan (datanya tetap masuk): {command}."
    return f'<p class="info">Tidak ada temuan tingkat error pada tahun {lap.tahun}.{warning}</p>'


def _cards_html(lap: Laporan) -> str:
    """Report -> the headline figures: pagu, realisasi, serapan, sisa, IKU reached, errors."""
    total = lap.tabel_3_6.filter(pl.col("jenis_baris") == "total").row(0, named=True)
    iku = lap.tabel_3_1
    reached = iku.filter(pl.col("capaian_persen") >= 100).height
    cards = [
        ("", "Pagu anggaran", f"Rp {angka(total['pagu'])}"),
        ("", f"Realisasi s.d. TW {ROMAWI[lap.triwulan]}", f"Rp {angka(total['realisasi'])}"),
        ("", "Serapan anggaran", f"{angka(total['persen_realisasi'], 2)}%"),
        ("", "Sisa anggaran", f"Rp {angka(total['sisa'])}"),
        (
            "baik" if reached == iku.height else "buruk",
            "IKU tercapai (≥ 100%)",
            f"{reached} dari {iku.height}",
        ),
        ("buruk" if lap.jumlah_error else "baik", "Temuan error", str(lap.jumlah_error)),
    ]
    body = "".join(
        f'<div class="{c}"><span>{_e(k)}</span><b>{_e(v)}</b></div>' for c, k, v in cards
    )
    return f'<div class="kartu">{body}</div>'


def _charts_html(lap: Laporan) -> str:
    """Report -> the charts section: S-curves, absorption, capaian per IKU."""
    predikat = "".join(
        f'<i class="kotak" style="background:{w}"></i>{_e(p)}' for p, w in PREDIKAT_WARNA.items()
    )
    return (
        '<section id="grafik"><h2>Kurva S: realisasi kumulatif per triwulan terhadap pagu</h2>'
        '<p class="legenda"><i></i>realisasi kumulatif (% dari pagu yang berlaku)'
        '<i class="putus"></i>pagu yang berlaku (DPA murni, lalu DPA perubahan)</p>'
        f"{svg_kurva_s(lap.kurva_s)}</section>"
        '<div class="grafik2"><section id="serapan"><h2>Serapan anggaran per program</h2>'
        '<p class="legenda"><i class="kotak" style="background:#1f5fa8"></i>serapan (%)'
        '<i class="wajik"></i>capaian kinerja program (%)</p>'
        f"{svg_serapan(lap.efisiensi)}</section>"
        '<section id="capaian"><h2>Capaian IKU dan predikatnya</h2>'
        f'<p class="legenda">{predikat}</p>{svg_capaian(lap.tabel_3_1)}</section></div>'
    )


def render_html(lap: Laporan, perintah: str) -> str:
    """Report + findings command -> the whole self-contained page (inline CSS and SVG)."""
    specs = table_specs(lap)
    nav = "".join(f'<a href="#{t.jangkar}">{_e(t.lembar)}</a>' for t in specs)
    tables = "".join(html_table(t, getattr(lap, t.atribut)) for t in specs)
    title = f"Laporan Kinerja Instansi Pemerintah (LKjIP) Tahun {lap.tahun}"
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)} — {_e(INSTANSI)}</title><style>{CSS}</style></head><body><main>"
        f'<header><p class="instansi">{_e(INSTANSI)}</p><h1>{_e(title)}</h1>'
        f'<p class="meta">Tabel dan grafik disusun otomatis dari tabel terkurasi lkjip, data s.d. '
        f"Triwulan {ROMAWI[lap.triwulan]} {lap.tahun}. Angka dalam Rupiah kecuali disebut lain."
        f"</p></header>{_status_html(lap, perintah)}{_cards_html(lap)}"
        f'<nav><a href="#grafik">Grafik</a>{nav}</nav>{_charts_html(lap)}{tables}'
        "</main></body></html>"
    )


def write_html(lap: Laporan, out: Path, perintah: str) -> Path:
    """Report + folder -> <out>/lkjip_<tahun>.html."""
    page = render_html(lap, perintah)
    return _replace_atomically(
        Path(out) / f"lkjip_{lap.tahun}.html", lambda p: p.write_text(page, encoding="utf-8")
    )


# --- entry points -------------------------------------------------------------------------------
def make_report(tahun: int, curated: Path, out: Path) -> tuple[Path, Path]:
    """Year + curated folder + output folder -> (xlsx, html) written; what the CLI calls."""
    curated, out = Path(curated), Path(out)
    check_published(curated, tahun)
    lap = tl.build(read_curated(curated, tahun), tahun)
    perintah = failures_command(tahun, curated)
    return write_xlsx(lap, out, perintah), write_html(lap, out, perintah)


@task(name="baca-tabel-terkurasi", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def read(curated: Path, tahun: int) -> dict[str, pl.DataFrame]:
    """Curated folder -> the year's curated frames."""
    frames = read_curated(curated, tahun)
    get_run_logger().info(
        "Dibaca %s: %s", curated, ", ".join(f"{n} {f.height} baris" for n, f in frames.items())
    )
    return frames


@task(name="susun-tabel-laporan", cache_policy=NO_CACHE)
def build(frames: dict[str, pl.DataFrame], tahun: int) -> Laporan:
    """Curated frames -> the report's tables."""
    lap = tl.build(frames, tahun)
    logger = get_run_logger()
    logger.info("Laporan %s disusun dari data s.d. TW%s", tahun, lap.triwulan)
    if lap.jumlah_error:
        logger.warning(
            "%s temuan tingkat error tahun %s: laporan memuat catatannya", lap.jumlah_error, tahun
        )
    return lap


@task(name="tulis-xlsx", retries=1, retry_delay_seconds=1, cache_policy=NO_CACHE)
def write_workbook(lap: Laporan, out: Path, perintah: str) -> Path:
    """Report -> the workbook on disk."""
    path = write_xlsx(lap, out, perintah)
    get_run_logger().info("Ditulis: %s", path)
    return path


@task(name="tulis-html", retries=1, retry_delay_seconds=1, cache_policy=NO_CACHE)
def write_page(lap: Laporan, out: Path, perintah: str) -> Path:
    """Report -> the web page on disk."""
    path = write_html(lap, out, perintah)
    get_run_logger().info("Ditulis: %s", path)
    return path


@flow(name="laporan-tahunan", task_runner=ThreadPoolTaskRunner(max_workers=MAX_WORKERS))
def laporan_tahunan(
    tahun: int, curated: Path = Path("curated"), out: Path = Path("laporan")
) -> dict[str, str | int]:
    """Build the year's LKjIP tables and charts from the curated tables (after a TW4 run)."""
    curated, out = Path(curated), Path(out)
    check_published(curated, tahun)
    lap = build(read(curated, tahun), tahun)
    perintah = failures_command(tahun, curated)
    xlsx, page = write_workbook.submit(lap, out, perintah), write_page.submit(lap, out, perintah)
    return {
        "xlsx": str(xlsx.result()),
        "html": str(page.result()),
        "temuan_error": lap.jumlah_error,
    }
