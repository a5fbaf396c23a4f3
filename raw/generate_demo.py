"""Generate the bundled demo data: the quarterly exports of the four bidang for one tahun.

The figures are not invented: the year's realisation of every DPA line is spread from the
LKjIP's Tabel 3.6 (realisation per kegiatan, as the annual report printed it), and the
quarterly figures are derived from that year total. Each bidang writes its exports in the
shape it uses in real life (xlsx with roll-ups and signatures, cp1252 `;` CSV, UTF-8 `,` CSV
with "Rp" amounts, plain xlsx), so the pipeline is exercised on every supported dialect.

The output is deterministic (same bytes on every run) because it is committed under
raw/<tahun>/ and a test regenerates it and compares byte by byte.

Usage (from the repo root): .venv/bin/python raw/generate_demo.py [--out raw] [--tahun 2023]
"""

from __future__ import annotations

import argparse
import calendar
import csv
import io
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path

import xlsxwriter

REPO_ROOT = Path(__file__).resolve().parents[1]

# A DPA line: (kode_sub_kegiatan, jenis_belanja).
Baris = tuple[str, str]

REFERENSI_DISALIN = ("dpa.csv", "hierarki.csv", "bidang.csv", "indikator.csv", "renstra_target.csv")
TRIWULAN = (1, 2, 3, 4)
ROMAWI = {1: "I", 2: "II", 3: "III", 4: "IV"}
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
JENIS_URUTAN = {"operasi": 0, "modal": 1}

# Cumulative share of the year's realisation reached at the end of TW1..TW3 (TW4 = all).
FRAKSI_KUMULATIF = ((20, 100), (45, 100), (70, 100))

# Realisasi fisik runs a little ahead of the money (work done before it is paid).
FISIK_DI_DEPAN = Decimal(3)
SERATUS = Decimal(100)
DUA_DESIMAL = Decimal("0.01")

# Lines whose pagu (largest of both DPA versions) is below this get a single kode rekening;
# below BATAS_DUA_REKENING two, otherwise three.
BATAS_SATU_REKENING = 5_000_000
BATAS_DUA_REKENING = 50_000_000


@dataclass(frozen=True)
class KoreksiTahun:
    """What the annual report got wrong or left out, and the error the demo plants."""

    # Tabel 3.6 total as the report states it in its text (the table itself misses capital).
    total_laporan: int
    # Kegiatan that the table put under one jenis but whose DPA lines are of several kinds.
    kegiatan_semua_jenis: frozenset[str]
    # Capital lines missing from the table; they receive total_laporan minus the table's sum.
    modal_di_luar_tabel: tuple[Baris, ...]
    # (triwulan, kode_bidang, baris) -> anggaran the bidang states instead of the DPA pagu.
    anggaran_tertulis_keliru: dict[tuple[int, str, Baris], int]


KOREKSI = {
    2023: KoreksiTahun(
        total_laporan=25_035_654_473,
        kegiatan_semua_jenis=frozenset({"2.17.01.1.07"}),
        modal_di_luar_tabel=(("2.17.07.1.01.01", "modal"), ("2.17.08.1.01.01", "modal")),
        # The printed 2023 report gives 1.229.299.700 for kegiatan 2.17.06.1.01, 400 Rp
        # below the DPA: planted as the one R004 the reconciliation stage must report.
        anggaran_tertulis_keliru={
            (4, "pemberdayaan-koperasi", ("2.17.06.1.01.01", "operasi")): 678_379_700,
        },
    )
}

# --- kode rekening (account) plan -------------------------------------------------------------
ATK = ("5.1.02.01.01.0024", "Belanja Alat/Bahan untuk Kegiatan Kantor-Alat Tulis Kantor")
MAMIN = ("5.1.02.01.01.0052", "Belanja Makanan dan Minuman Rapat")
PERJADIN = ("5.1.02.04.01.0001", "Belanja Perjalanan Dinas Biasa")
JASA_ADMIN = ("5.1.02.02.01.0026", "Belanja Jasa Tenaga Administrasi")
NARASUMBER = (
    "5.1.02.02.01.0003",
    "Honorarium Narasumber atau Pembahas, Moderator, Pembawa Acara, dan Panitia",
)
ALAT_KANTOR = ("5.2.02.05.01.0005", "Belanja Modal Alat Kantor Lainnya")
MEBEL = ("5.2.02.05.02.0001", "Belanja Modal Mebel")
KOMPUTER = ("5.2.02.10.01.0002", "Belanja Modal Personal Computer")
GEDUNG = ("5.2.03.01.01.0001", "Belanja Modal Bangunan Gedung Kantor")

# Sub kegiatan whose name says what the money buys get matching accounts (with weights).
REKENING_KHUSUS: dict[Baris, tuple[tuple[str, str, int], ...]] = {
    ("2.17.01.1.02.01", "operasi"): (
        ("5.1.01.01.01.0001", "Belanja Gaji Pokok PNS", 7),
        ("5.1.01.01.02.0001", "Belanja Tunjangan Keluarga PNS", 1),
        ("5.1.01.01.03.0001", "Belanja Tunjangan Jabatan PNS", 2),
    ),
    ("2.17.01.1.08.02", "operasi"): (
        ("5.1.02.02.01.0061", "Belanja Tagihan Listrik", 6),
        ("5.1.02.02.01.0063", "Belanja Kawat/Faksimili/Internet/TV Berlangganan", 3),
        ("5.1.02.02.01.0060", "Belanja Tagihan Air", 1),
    ),
    ("2.17.01.1.08.04", "operasi"): (
        (*JASA_ADMIN, 6),
        ("5.1.02.02.01.0030", "Belanja Jasa Tenaga Kebersihan", 2),
        ("5.1.02.02.01.0031", "Belanja Jasa Tenaga Keamanan", 2),
    ),
    ("2.17.01.1.07.02", "modal"): (
        ("5.2.02.02.01.0001", "Belanja Modal Kendaraan Dinas Bermotor Perorangan", 1),
    ),
    ("2.17.01.1.07.05", "modal"): ((*MEBEL, 1),),
    ("2.17.01.1.07.06", "modal"): ((*ALAT_KANTOR, 1), (*KOMPUTER, 2)),
    ("2.17.01.1.07.10", "modal"): ((*GEDUNG, 1),),
}
# Other lines rotate through these (by position in the DPA) so the detail looks varied.
BOBOT_UMUM = (5, 3, 2)
REKENING_OPERASI_UMUM = (
    (ATK, MAMIN, PERJADIN),
    (PERJADIN, MAMIN, NARASUMBER),
    (JASA_ADMIN, ATK, MAMIN),
    (MAMIN, PERJADIN, ATK),
)
REKENING_MODAL_UMUM = ((ALAT_KANTOR, KOMPUTER, MEBEL),)


# --- reading the reference ----------------------------------------------------------------------
def read_csv(path: Path) -> list[dict[str, str]]:
    """Read a UTF-8 reference CSV into a list of dicts."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@dataclass(frozen=True)
class Dpa:
    """Both versions of the DPA: pagu per line and version, and each version's date of effect."""

    pagu: dict[Baris, dict[str, int]]
    tanggal_berlaku: dict[str, date]

    def lines(self) -> list[Baris]:
        """All DPA lines in code order (operasi before modal)."""
        return sorted(self.pagu, key=lambda b: (b[0], JENIS_URUTAN[b[1]]))


def load_dpa(path: Path, tahun: int) -> Dpa:
    """Load dpa.csv (sub kegiatan lines of one tahun only)."""
    pagu: dict[Baris, dict[str, int]] = {}
    tanggal: dict[str, date] = {}
    for row in read_csv(path):
        if int(row["tahun"]) != tahun or kode_level(row["kode_sub_kegiatan"]) != "sub_kegiatan":
            continue
        tanggal[row["versi"]] = date.fromisoformat(row["tanggal_berlaku"])
        baris = (row["kode_sub_kegiatan"], row["jenis_belanja"])
        pagu.setdefault(baris, {})[row["versi"]] = int(row["pagu"])
    return Dpa(pagu=pagu, tanggal_berlaku=tanggal)


def load_tabel_3_6(path: Path) -> list[tuple[str, str, int]]:
    """Load lkjip_tabel_3_6.csv as (kode_kegiatan, jenis_belanja, realisasi) rows."""
    return [(r["kode_kegiatan"], r["jenis_belanja"], int(r["realisasi"])) for r in read_csv(path)]


def kode_level(kode: str) -> str:
    """Level of a code by its number of parts (3 program, 5 kegiatan, 6 sub kegiatan)."""
    return {3: "program", 5: "kegiatan", 6: "sub_kegiatan"}.get(len(kode.split(".")), "lain")


def kode_induk(kode: str, parts: int) -> str:
    """The ancestor code made of the first `parts` parts (3 program, 5 kegiatan)."""
    return ".".join(kode.split(".")[:parts])


# --- the money --------------------------------------------------------------------------------
def largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split an integer total in proportion to integer weights; the parts sum to the total."""
    bobot = sum(weights)
    if bobot == 0:
        assert total == 0, f"cannot spread {total} over zero weights"
        return [0] * len(weights)
    parts = [total * w // bobot for w in weights]
    sisa = total - sum(parts)
    # Hand the leftover Rupiah to the largest fractional parts; ties go to the earlier one.
    urutan = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % bobot), i))
    for i in urutan[:sisa]:
        parts[i] += 1
    return parts


def perubahan(dpa: Dpa, baris: Baris) -> int:
    """Pagu of the line in the revised DPA (0 when the line is not in it)."""
    return dpa.pagu[baris].get("perubahan", 0)


def allocate_year(
    dpa: Dpa, tabel_3_6: Iterable[tuple[str, str, int]], koreksi: KoreksiTahun = KOREKSI[2023]
) -> dict[Baris, int]:
    """Year realisation per DPA line, spread from Tabel 3.6 in proportion to perubahan pagu."""
    tahunan = dict.fromkeys(dpa.lines(), 0)
    total_tabel = 0
    for kode_kegiatan, jenis, realisasi in tabel_3_6:
        total_tabel += realisasi
        semua_jenis = kode_kegiatan in koreksi.kegiatan_semua_jenis
        sasaran = [
            b
            for b in dpa.lines()
            if kode_induk(b[0], 5) == kode_kegiatan and (semua_jenis or b[1] == jenis)
        ]
        assert sasaran, f"Tabel 3.6 row {kode_kegiatan} {jenis} has no DPA line"
        _spread(tahunan, sasaran, realisasi, dpa)
    # The table leaves out some capital spending; the report's stated total includes it.
    _spread(tahunan, list(koreksi.modal_di_luar_tabel), koreksi.total_laporan - total_tabel, dpa)

    assert sum(tahunan.values()) == koreksi.total_laporan, "grand total differs from the report"
    for baris, nilai in tahunan.items():
        assert 0 <= nilai <= perubahan(dpa, baris), f"{baris}: {nilai} above perubahan pagu"
    return tahunan


def _spread(tahunan: dict[Baris, int], sasaran: list[Baris], jumlah: int, dpa: Dpa) -> None:
    """Add `jumlah` to the target lines in proportion to their perubahan pagu."""
    bagian = largest_remainder(jumlah, [perubahan(dpa, b) for b in sasaran])
    for baris, nilai in zip(sasaran, bagian, strict=True):
        tahunan[baris] += nilai


def akhir_triwulan(tahun: int, triwulan: int) -> date:
    """Last day of the quarter."""
    bulan = 3 * triwulan
    return date(tahun, bulan, calendar.monthrange(tahun, bulan)[1])


def versi_berlaku(dpa: Dpa, tahun: int, triwulan: int) -> str:
    """The DPA version in force at the end of the quarter (latest date of effect before it)."""
    akhir = akhir_triwulan(tahun, triwulan)
    berlaku = [(t, v) for v, t in dpa.tanggal_berlaku.items() if t <= akhir]
    return max(berlaku)[1]


def pagu_berlaku(dpa: Dpa, baris: Baris, tahun: int, triwulan: int) -> int:
    """Pagu of the line in the DPA version in force at the end of the quarter."""
    return dpa.pagu[baris].get(versi_berlaku(dpa, tahun, triwulan), 0)


def quarterly_cumulative(
    dpa: Dpa, tahunan: dict[Baris, int], tahun: int
) -> dict[Baris, tuple[int, int, int, int]]:
    """Cumulative realisation per line at the end of TW1..TW4, never above the pagu in force."""
    hasil = {}
    for baris, setahun in tahunan.items():
        kumulatif = []
        for q, (pembilang, penyebut) in enumerate(FRAKSI_KUMULATIF, start=1):
            nilai = min(setahun * pembilang // penyebut, pagu_berlaku(dpa, baris, tahun, q))
            kumulatif.append(max(nilai, kumulatif[-1] if kumulatif else 0))
        kumulatif.append(setahun)
        for q, nilai in zip(TRIWULAN, kumulatif, strict=True):
            assert nilai <= pagu_berlaku(dpa, baris, tahun, q), f"{baris} TW{q} above pagu"
        assert kumulatif == sorted(kumulatif), f"{baris} cumulative decreases"
        hasil[baris] = tuple(kumulatif)
    return hasil


def realisasi_fisik(kumulatif: Sequence[int], pagu: Sequence[int]) -> list[Decimal]:
    """Cumulative physical progress (%) per quarter: money share plus a lead, capped at 100."""
    hasil: list[Decimal] = []
    for nilai, plafon in zip(kumulatif, pagu, strict=True):
        # Nothing paid means no verified progress yet (also keeps a zero-pagu line at 0).
        if plafon == 0 or nilai == 0:
            fisik = Decimal(0)
        else:
            fisik = min(SERATUS, Decimal(nilai) / Decimal(plafon) * SERATUS + FISIK_DI_DEPAN)
        # A revised (larger) pagu in TW4 would lower the ratio; physical work never goes back.
        fisik = max(fisik, hasil[-1] if hasil else Decimal(0))
        hasil.append(fisik.quantize(DUA_DESIMAL, rounding=ROUND_HALF_UP))
    return hasil


@dataclass(frozen=True)
class Rekening:
    """One kode rekening detail of a line in one quarter."""

    kode_rekening: str
    uraian: str
    anggaran: int
    realisasi_triwulan: int
    realisasi_kumulatif: int


@dataclass(frozen=True)
class BarisTriwulan:
    """A DPA line as a bidang reports it for one quarter."""

    kode_sub_kegiatan: str
    jenis_belanja: str
    anggaran: int  # as stated in the export (normally the pagu in force)
    realisasi_triwulan: int
    realisasi_kumulatif: int
    realisasi_fisik: Decimal
    rekening: tuple[Rekening, ...]


def rekening_plan(baris: Baris, pagu_terbesar: int, urutan: int) -> list[tuple[str, str, int]]:
    """The kode rekening (code, name, weight) used for a line all year."""
    if baris in REKENING_KHUSUS:
        rencana = list(REKENING_KHUSUS[baris])
    else:
        pilihan = REKENING_OPERASI_UMUM if baris[1] == "operasi" else REKENING_MODAL_UMUM
        akun = pilihan[urutan % len(pilihan)]
        rencana = [(kode, nama, w) for (kode, nama), w in zip(akun, BOBOT_UMUM, strict=True)]
    if pagu_terbesar < BATAS_SATU_REKENING:
        banyak = 1
    elif pagu_terbesar < BATAS_DUA_REKENING:
        banyak = 2
    else:
        banyak = 3
    rencana = rencana[:banyak]
    awalan = {"operasi": "5.1.", "modal": "5.2."}[baris[1]]
    assert all(kode.startswith(awalan) for kode, _, _ in rencana), f"{baris}: wrong account"
    return rencana


def split_rekening(
    rencana: Sequence[tuple[str, str, int]], anggaran: Sequence[int], kumulatif: Sequence[int]
) -> list[list[Rekening]]:
    """Per quarter, the line's anggaran and realisation split over its accounts."""
    bobot = [w for _, _, w in rencana]
    # Split the cumulative (not the quarterly) figure so each account's stated cumulative is
    # the same function of the line's cumulative, quarter after quarter.
    per_rekening = [largest_remainder(k, bobot) for k in kumulatif]
    hasil = []
    for q, pagu_q in enumerate(anggaran):
        agg = largest_remainder(pagu_q, bobot)
        baris_q = []
        for i, (kode, nama, _) in enumerate(rencana):
            sebelum = per_rekening[q - 1][i] if q else 0
            rek = Rekening(kode, nama, agg[i], per_rekening[q][i] - sebelum, per_rekening[q][i])
            assert rek.realisasi_triwulan >= 0, f"{kode}: negative quarter"
            assert rek.realisasi_kumulatif <= rek.anggaran, f"{kode}: above its anggaran"
            baris_q.append(rek)
        hasil.append(baris_q)
    return hasil


def build_triwulan(
    dpa: Dpa, tahunan: dict[Baris, int], tahun: int
) -> dict[int, dict[Baris, BarisTriwulan]]:
    """Every DPA line as reported in each quarter (pagu in force, realisation, accounts)."""
    kumulatif = quarterly_cumulative(dpa, tahunan, tahun)
    hasil: dict[int, dict[Baris, BarisTriwulan]] = {q: {} for q in TRIWULAN}
    for urutan, baris in enumerate(dpa.lines()):
        pagu = [pagu_berlaku(dpa, baris, tahun, q) for q in TRIWULAN]
        fisik = realisasi_fisik(kumulatif[baris], pagu)
        rencana = rekening_plan(baris, max(dpa.pagu[baris].values()), urutan)
        rekening = split_rekening(rencana, pagu, kumulatif[baris])
        for q in TRIWULAN:
            sebelum = kumulatif[baris][q - 2] if q > 1 else 0
            hasil[q][baris] = BarisTriwulan(
                kode_sub_kegiatan=baris[0],
                jenis_belanja=baris[1],
                anggaran=pagu[q - 1],
                realisasi_triwulan=kumulatif[baris][q - 1] - sebelum,
                realisasi_kumulatif=kumulatif[baris][q - 1],
                realisasi_fisik=fisik[q - 1],
                rekening=tuple(rekening[q - 1]),
            )
    return hasil


def anggaran_tertulis(
    baris: BarisTriwulan, triwulan: int, kode_bidang: str, koreksi: KoreksiTahun
) -> BarisTriwulan:
    """The line with the anggaran the bidang states (the planted error where there is one)."""
    kunci = (triwulan, kode_bidang, (baris.kode_sub_kegiatan, baris.jenis_belanja))
    if kunci not in koreksi.anggaran_tertulis_keliru:
        return baris
    anggaran = koreksi.anggaran_tertulis_keliru[kunci]
    # Accounts (in shapes that have them) carry the same wrong figure, so the file adds up.
    bagian = largest_remainder(anggaran, [r.anggaran for r in baris.rekening])
    rekening = tuple(replace(r, anggaran=a) for r, a in zip(baris.rekening, bagian, strict=True))
    assert all(r.realisasi_kumulatif <= r.anggaran for r in rekening)
    return replace(baris, anggaran=anggaran, rekening=rekening)


# --- indicators -------------------------------------------------------------------------------
def parse_angka_id(teks: str) -> Decimal:
    """Read a number written the Indonesian way ("12.168", "0,354", "80")."""
    teks = teks.strip()
    if "," in teks:
        return Decimal(teks.replace(".", "").replace(",", "."))
    bagian = teks.split(".")
    if len(bagian) > 1 and all(len(b) == 3 for b in bagian[1:]):
        return Decimal(teks.replace(".", ""))
    return Decimal(teks)


def realisasi_indikator(realisasi_tahunan: str, polaritas: str, triwulan: int) -> Decimal | None:
    """Cumulative achievement of an indicator at quarter end (None: not measured yet)."""
    setahun = parse_angka_id(realisasi_tahunan)
    if triwulan == 4:
        return setahun
    if polaritas == "rentang":
        return None  # an annual score (e.g. SAKIP) exists only after the year
    # Counts stay whole; measured values keep the precision of the annual figure.
    if setahun == setahun.to_integral_value():
        langkah = Decimal(1)
    else:
        langkah = Decimal(1).scaleb(setahun.as_tuple().exponent)
    return (setahun * triwulan / 4).quantize(langkah, rounding=ROUND_FLOOR)


@dataclass(frozen=True)
class Indikator:
    """An indicator row as a bidang reports it for one quarter."""

    kode: str
    indikator: str
    satuan: str
    target: str
    realisasi: Decimal | None


def indikator_bidang(
    indikator: list[dict[str, str]], tahun: int, kode_bidang: str, triwulan: int
) -> list[Indikator]:
    """The bidang's indicators (sasaran, program, kegiatan, sub kegiatan) for one quarter."""
    return [
        Indikator(
            kode=r["kode"],
            indikator=r["indikator"],
            satuan=r["satuan"],
            target=r["target"],
            realisasi=realisasi_indikator(r["realisasi_tahunan"], r["polaritas"], triwulan),
        )
        for r in indikator
        if int(r["tahun"]) == tahun
        and r["kode_bidang"] == kode_bidang
        and r["level"] in ("sasaran", "program", "kegiatan", "sub_kegiatan")
    ]


# --- number formats -----------------------------------------------------------------------------
def ribuan(n: int) -> str:
    """Integer with Indonesian thousands dots: 1234567 -> 1.234.567."""
    return f"{n:,}".replace(",", ".")


def angka_id(nilai: Decimal) -> str:
    """A number the Indonesian way: 1.234,5 (dots group thousands, comma for decimals)."""
    tanda = "-" if nilai < 0 else ""
    nilai = abs(nilai)
    bulat = int(nilai)
    if nilai == bulat:
        return tanda + ribuan(bulat)
    pecahan = str(nilai).split(".")[1]
    return f"{tanda}{ribuan(bulat)},{pecahan}"


def uang_titik_koma(n: int) -> str:
    """Kelembagaan style amount: 1.234.567,00, zero as '-'."""
    return "-" if n == 0 else f"{ribuan(n)},00"


def uang_rp(n: int) -> str:
    """Pemberdayaan style amount: Rp 1.234.567."""
    return f"Rp {ribuan(n)}"


def persen_koma(p: Decimal) -> str:
    """Percentage with two decimals and a decimal comma: 45,50."""
    return f"{p:.2f}".replace(".", ",")


def angka_xlsx(nilai: Decimal) -> int | float:
    """A Decimal as an xlsx cell number (int where whole, so no '.0' noise)."""
    return int(nilai) if nilai == nilai.to_integral_value() else float(nilai)


# --- structure of a bidang's report -------------------------------------------------------------
@dataclass(frozen=True)
class Konteks:
    """Everything a writer needs for one bidang and quarter."""

    tahun: int
    triwulan: int
    kode_bidang: str
    nama_bidang: str
    uraian: dict[str, str]
    baris: list[BarisTriwulan]  # the bidang's lines in code order
    indikator: list[Indikator]

    @property
    def romawi(self) -> str:
        """The quarter as a Roman numeral."""
        return ROMAWI[self.triwulan]


def kelompok(baris: Sequence[BarisTriwulan], parts: int) -> dict[str, list[BarisTriwulan]]:
    """Lines grouped by their program (parts=3) or kegiatan (parts=5) code, in order."""
    hasil: dict[str, list[BarisTriwulan]] = {}
    for b in baris:
        hasil.setdefault(kode_induk(b.kode_sub_kegiatan, parts), []).append(b)
    return hasil


def jumlah(baris: Iterable[BarisTriwulan]) -> tuple[int, int, int]:
    """Sum of stated anggaran, realisasi_triwulan and realisasi_kumulatif."""
    a = t = k = 0
    for b in baris:
        a, t, k = a + b.anggaran, t + b.realisasi_triwulan, k + b.realisasi_kumulatif
    return a, t, k


def tanggal_tanda_tangan(tahun: int, triwulan: int) -> str:
    """'Serang, 10 <month after the quarter> <year>' for the signature block."""
    bulan, tahun_ttd = (3 * triwulan + 1, tahun) if triwulan < 4 else (1, tahun + 1)
    return f"Serang, 10 {BULAN[bulan - 1]} {tahun_ttd}"


# --- writers ----------------------------------------------------------------------------------
def new_workbook(path: Path) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook with fixed document properties, so its bytes are reproducible."""
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": datetime(2023, 1, 1), "author": "lkjip demo"})
    return wb


def csv_text(rows: Iterable[Sequence[str]], delimiter: str, lineterminator: str) -> str:
    """Rows as CSV text (minimal quoting: fields with the separator or quotes get quoted)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerows(rows)
    return buf.getvalue()


def write_sekretariat(ktx: Konteks, folder: Path) -> list[Path]:
    """Shape A: one xlsx with a detailed LRA sheet (roll-ups as formulas) and a Kinerja sheet."""
    path = folder / f"LRA_Sekretariat_TW{ktx.romawi}_{ktx.tahun}.xlsx"
    wb = new_workbook(path)
    fmt = {
        "judul": wb.add_format({"bold": True}),
        "kepala": wb.add_format({"bold": True, "border": 1, "align": "center", "text_wrap": 1}),
        "nomor": wb.add_format({"italic": True, "border": 1, "align": "center"}),
        "teks": wb.add_format({"border": 1}),
        "teks_tebal": wb.add_format({"border": 1, "bold": True}),
        "uang": wb.add_format({"border": 1, "num_format": "#,##0"}),
        "uang_tebal": wb.add_format({"border": 1, "num_format": "#,##0", "bold": True}),
        "persen": wb.add_format({"border": 1, "num_format": "0.00"}),
    }
    _sheet_lra(wb, fmt, ktx)
    _sheet_kinerja_sekretariat(wb, fmt, ktx)
    wb.close()
    return [path]


# Anggaran, Realisasi Triwulan Ini, Realisasi s.d. Triwulan Ini (0-based columns).
UANG_KOLOM_LRA = (4, 5, 6)


def _sheet_lra(wb: xlsxwriter.Workbook, fmt: dict, ktx: Konteks) -> None:
    """The 'Realisasi Anggaran' sheet of the sekretariat workbook."""
    ws = wb.add_worksheet("Realisasi Anggaran")
    ws.set_column(0, 0, 5)
    ws.set_column(1, 2, 18)
    ws.set_column(3, 3, 60)
    ws.set_column(4, 6, 18)
    ws.set_column(7, 8, 12)
    judul = (
        "PEMERINTAH PROVINSI BANTEN",
        "DINAS KOPERASI, USAHA KECIL DAN MENENGAH",
        f"LAPORAN REALISASI ANGGARAN DAN FISIK TRIWULAN {ktx.romawi} TAHUN ANGGARAN {ktx.tahun}",
        ktx.nama_bidang.upper(),
    )
    for r, teks in enumerate(judul):
        ws.write_string(r, 0, teks, fmt["judul"])
    kepala = (
        "No",
        "Kode",
        "Kode Rekening",
        "Uraian",
        "Anggaran",
        "Realisasi Triwulan Ini",
        "Realisasi s.d. Triwulan Ini",
        "Realisasi Fisik (%)",
        "Keterangan",
    )
    for c, teks in enumerate(kepala):
        ws.write_string(5, c, teks, fmt["kepala"])
        ws.write_number(6, c, c + 1, fmt["nomor"])  # column numbers, as printed forms have

    row = 7
    program_rows = []
    for nomor, (kode_program, baris_program) in enumerate(kelompok(ktx.baris, 3).items(), 1):
        program_row, row = row, row + 1
        kegiatan_rows = []
        kegiatan = kelompok(baris_program, 5).items()
        for nomor_kegiatan, (kode_kegiatan, baris_kegiatan) in enumerate(kegiatan, 1):
            kegiatan_row, row = row, row + 1
            sub_rows = []
            for b in baris_kegiatan:
                sub_rows.append(row)
                row = _sub_kegiatan_rows(ws, fmt, ktx, b, row)
            nilai = jumlah(baris_kegiatan)
            no = f"{nomor}.{nomor_kegiatan}"
            uraian = ktx.uraian[kode_kegiatan]
            _roll_up_row(ws, fmt, kegiatan_row, (no, kode_kegiatan, uraian), sub_rows, nilai)
            kegiatan_rows.append(kegiatan_row)
        nilai = jumlah(baris_program)
        uraian = ktx.uraian[kode_program]
        _roll_up_row(ws, fmt, program_row, (str(nomor), kode_program, uraian), kegiatan_rows, nilai)
        program_rows.append(program_row)

    # JUMLAH: the sum of the program rows (here one program), value cached.
    ws.write_blank(row, 0, None, fmt["teks_tebal"])
    ws.write_blank(row, 1, None, fmt["teks_tebal"])
    ws.write_blank(row, 2, None, fmt["teks_tebal"])
    ws.write_string(row, 3, "JUMLAH", fmt["teks_tebal"])
    for c, v in zip(UANG_KOLOM_LRA, jumlah(ktx.baris), strict=True):
        huruf = xlsxwriter.utility.xl_col_to_name(c)
        rumus = "=" + "+".join(f"{huruf}{p + 1}" for p in program_rows)
        ws.write_formula(row, c, rumus, fmt["uang_tebal"], v)
    ws.write_blank(row, 7, None, fmt["teks_tebal"])
    ws.write_blank(row, 8, None, fmt["teks_tebal"])
    row += 2

    ttd = (
        tanggal_tanda_tangan(ktx.tahun, ktx.triwulan),
        "Sekretaris,",
        "",
        "Drs. H. Contoh Nama, M.Si",
        "NIP. 19700101 199503 1 001",
    )
    for i, teks in enumerate(ttd):
        if teks:
            ws.write_string(row + i, 6, teks)


def _roll_up_row(ws, fmt, row: int, label: tuple[str, str, str], rows: list[int], nilai) -> None:
    """A program or kegiatan row: No, Kode, Uraian and sums of the given rows (value cached)."""
    no, kode, uraian = label
    ws.write_string(row, 0, no, fmt["teks_tebal"])
    ws.write_string(row, 1, kode, fmt["teks_tebal"])
    ws.write_blank(row, 2, None, fmt["teks_tebal"])
    ws.write_string(row, 3, uraian, fmt["teks_tebal"])
    for c, v in zip(UANG_KOLOM_LRA, nilai, strict=True):
        huruf = xlsxwriter.utility.xl_col_to_name(c)
        rumus = "=SUM(" + ",".join(f"{huruf}{r + 1}" for r in rows) + ")"
        ws.write_formula(row, c, rumus, fmt["uang_tebal"], v)
    # Fisik is not summed over lines of different size: left empty on roll-ups.
    ws.write_blank(row, 7, None, fmt["teks_tebal"])
    ws.write_blank(row, 8, None, fmt["teks_tebal"])


def _sub_kegiatan_rows(ws, fmt, ktx: Konteks, b: BarisTriwulan, row: int) -> int:
    """A sub kegiatan subtotal row and its kode rekening rows; returns the next free row."""
    n = len(b.rekening)
    ws.write_blank(row, 0, None, fmt["teks"])
    ws.write_string(row, 1, b.kode_sub_kegiatan, fmt["teks"])
    ws.write_blank(row, 2, None, fmt["teks"])
    ws.write_string(row, 3, ktx.uraian[b.kode_sub_kegiatan], fmt["teks"])
    nilai = (b.anggaran, b.realisasi_triwulan, b.realisasi_kumulatif)
    for c, v in zip(UANG_KOLOM_LRA, nilai, strict=True):
        huruf = xlsxwriter.utility.xl_col_to_name(c)
        ws.write_formula(row, c, f"=SUM({huruf}{row + 2}:{huruf}{row + 1 + n})", fmt["uang"], v)
    ws.write_number(row, 7, float(b.realisasi_fisik), fmt["persen"])
    ws.write_blank(row, 8, None, fmt["teks"])
    for i, rek in enumerate(b.rekening, start=1):
        r = row + i
        ws.write_blank(r, 0, None, fmt["teks"])
        ws.write_string(r, 1, b.kode_sub_kegiatan, fmt["teks"])
        ws.write_string(r, 2, rek.kode_rekening, fmt["teks"])
        ws.write_string(r, 3, rek.uraian, fmt["teks"])
        ws.write_number(r, 4, rek.anggaran, fmt["uang"])
        ws.write_number(r, 5, rek.realisasi_triwulan, fmt["uang"])
        ws.write_number(r, 6, rek.realisasi_kumulatif, fmt["uang"])
        ws.write_number(r, 7, float(b.realisasi_fisik), fmt["persen"])
        ws.write_blank(r, 8, None, fmt["teks"])
    return row + 1 + n


def _sheet_kinerja_sekretariat(wb: xlsxwriter.Workbook, fmt: dict, ktx: Konteks) -> None:
    """The 'Kinerja' sheet of the sekretariat workbook."""
    ws = wb.add_worksheet("Kinerja")
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, 16)
    ws.set_column(2, 2, 70)
    ws.set_column(3, 6, 14)
    ws.write_string(0, 0, f"CAPAIAN KINERJA TRIWULAN {ktx.romawi} TAHUN {ktx.tahun}", fmt["judul"])
    ws.write_string(1, 0, ktx.nama_bidang.upper(), fmt["judul"])
    kepala = (
        "No",
        "Kode",
        "Indikator Kinerja",
        "Satuan",
        "Target",
        "Realisasi s.d. Triwulan Ini",
        "Keterangan",
    )
    for c, teks in enumerate(kepala):
        ws.write_string(3, c, teks, fmt["kepala"])
    for i, ind in enumerate(ktx.indikator):
        r = 4 + i
        ws.write_number(r, 0, i + 1, fmt["teks"])
        ws.write_string(r, 1, ind.kode, fmt["teks"])
        ws.write_string(r, 2, ind.indikator, fmt["teks"])
        ws.write_string(r, 3, ind.satuan, fmt["teks"])
        ws.write_string(r, 4, ind.target, fmt["teks"])  # agreed target text, e.g. "70-80"
        if ind.realisasi is None:
            ws.write_blank(r, 5, None, fmt["teks"])
        else:
            ws.write_number(r, 5, angka_xlsx(ind.realisasi), fmt["teks"])
        ws.write_blank(r, 6, None, fmt["teks"])


def write_kelembagaan(ktx: Konteks, folder: Path) -> list[Path]:
    """Shape B: cp1252 ';' CSVs with CRLF, Indonesian amounts, accounts under each kegiatan."""
    kolom = 7
    judul = (
        f"LAPORAN REALISASI KEUANGAN BIDANG KELEMBAGAAN DAN PENGAWASAN KOPERASI "
        f"\u2013 TRIWULAN {ktx.romawi} {ktx.tahun}"
    )
    rows: list[list[str]] = [
        [judul] + [""] * (kolom - 1),
        [""] * kolom,
        ["Kode", "Uraian", "Akun", "Anggaran", "Realisasi TW", "Realisasi s/d TW", "Fisik (%)"],
    ]
    for kode_program, baris_program in kelompok(ktx.baris, 3).items():
        rows.append(_baris_jumlah_b(kode_program, ktx.uraian[kode_program], baris_program))
        for kode_kegiatan, baris_kegiatan in kelompok(baris_program, 5).items():
            rows.append(_baris_jumlah_b(kode_kegiatan, ktx.uraian[kode_kegiatan], baris_kegiatan))
            for b in baris_kegiatan:
                for rek in b.rekening:
                    rows.append(
                        [
                            b.kode_sub_kegiatan,
                            rek.uraian,
                            rek.kode_rekening,
                            uang_titik_koma(rek.anggaran),
                            uang_titik_koma(rek.realisasi_triwulan),
                            uang_titik_koma(rek.realisasi_kumulatif),
                            persen_koma(b.realisasi_fisik),
                        ]
                    )
    rows.append(_baris_jumlah_b("", "TOTAL", ktx.baris))

    keuangan = folder / f"realisasi_keuangan_tw{ktx.triwulan}.csv"
    keuangan.write_bytes(csv_text(rows, ";", "\r\n").encode("cp1252"))

    kinerja_rows = [["Kode", "Indikator", "Satuan", "Target", "Realisasi"]]
    for ind in ktx.indikator:
        realisasi = "" if ind.realisasi is None else angka_id(ind.realisasi)
        kinerja_rows.append([ind.kode, ind.indikator, ind.satuan, ind.target, realisasi])
    kinerja = folder / f"capaian_kinerja_tw{ktx.triwulan}.csv"
    kinerja.write_bytes(csv_text(kinerja_rows, ";", "\r\n").encode("cp1252"))
    return [keuangan, kinerja]


def _baris_jumlah_b(kode: str, uraian: str, baris: Sequence[BarisTriwulan]) -> list[str]:
    """A roll-up or TOTAL row of the kelembagaan CSV (no account, no fisik)."""
    a, t, k = jumlah(baris)
    return [kode, uraian, "", uang_titik_koma(a), uang_titik_koma(t), uang_titik_koma(k), ""]


JENIS_PANJANG = {"operasi": "Belanja Operasi", "modal": "Belanja Modal"}


def write_pemberdayaan(ktx: Konteks, folder: Path) -> list[Path]:
    """Shape C: UTF-8-with-BOM ',' CSVs, amounts as 'Rp 1.234.567', roll-ups per program."""
    rows: list[list[str]] = [
        [
            "Kode Kegiatan/Sub Kegiatan",
            "Program/Kegiatan/Sub Kegiatan",
            "Jenis Belanja",
            "Pagu Anggaran",
            "Realisasi",
            "Realisasi Kumulatif",
            "Keterangan",
        ]
    ]
    nomor = 0
    for kode_program, baris_program in kelompok(ktx.baris, 3).items():
        rows.append(_baris_jumlah_c(kode_program, ktx.uraian[kode_program], baris_program))
        for kode_kegiatan, baris_kegiatan in kelompok(baris_program, 5).items():
            rows.append(_baris_jumlah_c(kode_kegiatan, ktx.uraian[kode_kegiatan], baris_kegiatan))
            for b in baris_kegiatan:
                nomor += 1
                # A staff member's occasional remark; deterministic so the bytes are stable.
                keterangan = "Sesuai jadwal" if (nomor + ktx.triwulan) % 3 == 0 else ""
                rows.append(
                    [
                        b.kode_sub_kegiatan,
                        ktx.uraian[b.kode_sub_kegiatan],
                        JENIS_PANJANG[b.jenis_belanja],
                        uang_rp(b.anggaran),
                        uang_rp(b.realisasi_triwulan),
                        uang_rp(b.realisasi_kumulatif),
                        keterangan,
                    ]
                )
    rows.append(_baris_jumlah_c("", "JUMLAH", ktx.baris))

    keuangan = folder / f"Realisasi TW {ktx.triwulan} Pemberdayaan Koperasi.csv"
    # A web-app style export: BOM for Excel, LF line ends.
    keuangan.write_bytes(csv_text(rows, ",", "\n").encode("utf-8-sig"))

    kinerja_rows = [["Kode", "Indikator Kinerja", "Satuan", "Target", "Realisasi"]]
    for ind in ktx.indikator:
        realisasi = "" if ind.realisasi is None else angka_id(ind.realisasi)
        kinerja_rows.append([ind.kode, ind.indikator, ind.satuan, ind.target, realisasi])
    kinerja = folder / f"Capaian Kinerja TW {ktx.triwulan}.csv"
    kinerja.write_bytes(csv_text(kinerja_rows, ",", "\n").encode("utf-8-sig"))
    return [keuangan, kinerja]


def _baris_jumlah_c(kode: str, uraian: str, baris: Sequence[BarisTriwulan]) -> list[str]:
    """A roll-up or JUMLAH row of the pemberdayaan CSV (Jenis Belanja left empty)."""
    a, t, k = jumlah(baris)
    return [kode, uraian, "", uang_rp(a), uang_rp(t), uang_rp(k), ""]


JENIS_PENDEK = {"operasi": "Operasi", "modal": "Modal"}


def write_usaha_kecil(ktx: Konteks, folder: Path) -> list[Path]:
    """Shape D: a plain xlsx, sub kegiatan x jenis lines only, a TOTAL row, a Kinerja sheet."""
    path = folder / f"usaha_kecil_tw{ktx.triwulan}_{ktx.tahun}.xlsx"
    wb = new_workbook(path)
    uang = wb.add_format({"num_format": "#,##0"})
    persen = wb.add_format({"num_format": "0.00"})
    tebal = wb.add_format({"bold": True})

    ws = wb.add_worksheet("Keuangan")
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 70)
    ws.set_column(2, 6, 16)
    ws.write_string(
        0, 0, f"REALISASI ANGGARAN BIDANG USAHA KECIL TW {ktx.romawi} {ktx.tahun}", tebal
    )
    kepala = (
        "Kode Sub Kegiatan",
        "Nama Sub Kegiatan",
        "Jenis Belanja",
        "Pagu",
        "Realisasi TW",
        "Realisasi s/d TW",
        "Fisik (%)",
    )
    for c, teks in enumerate(kepala):
        ws.write_string(2, c, teks, tebal)
    pertama = 3
    for i, b in enumerate(ktx.baris):
        r = pertama + i
        ws.write_string(r, 0, b.kode_sub_kegiatan)
        ws.write_string(r, 1, ktx.uraian[b.kode_sub_kegiatan])
        ws.write_string(r, 2, JENIS_PENDEK[b.jenis_belanja])
        ws.write_number(r, 3, b.anggaran, uang)
        ws.write_number(r, 4, b.realisasi_triwulan, uang)
        ws.write_number(r, 5, b.realisasi_kumulatif, uang)
        ws.write_number(r, 6, float(b.realisasi_fisik), persen)
    r_total = pertama + len(ktx.baris)
    ws.write_string(r_total, 0, "TOTAL", tebal)
    for c, v in zip((3, 4, 5), jumlah(ktx.baris), strict=True):
        huruf = xlsxwriter.utility.xl_col_to_name(c)
        ws.write_formula(r_total, c, f"=SUM({huruf}{pertama + 1}:{huruf}{r_total})", uang, v)

    wk = wb.add_worksheet("Kinerja")
    wk.set_column(0, 0, 16)
    wk.set_column(1, 1, 70)
    wk.set_column(2, 4, 14)
    for c, teks in enumerate(("Kode", "Indikator", "Satuan", "Target", "Realisasi")):
        wk.write_string(0, c, teks, tebal)
    for i, ind in enumerate(ktx.indikator, start=1):
        wk.write_string(i, 0, ind.kode)
        wk.write_string(i, 1, ind.indikator)
        wk.write_string(i, 2, ind.satuan)
        wk.write_string(i, 3, ind.target)
        if ind.realisasi is not None:
            wk.write_number(i, 4, angka_xlsx(ind.realisasi))
    wb.close()
    return [path]


WRITERS = {
    "sekretariat": write_sekretariat,
    "kelembagaan-pengawasan": write_kelembagaan,
    "pemberdayaan-koperasi": write_pemberdayaan,
    "usaha-kecil": write_usaha_kecil,
}


# --- driver -----------------------------------------------------------------------------------
def generate(out: Path, tahun: int, referensi: Path) -> list[Path]:
    """Write <out>/<tahun>/referensi and TW1..TW4 exports; return the files written."""
    if tahun not in KOREKSI:
        raise SystemExit(f"no demo recipe for tahun {tahun} (known: {sorted(KOREKSI)})")
    koreksi = KOREKSI[tahun]
    root = out / str(tahun)
    written = copy_referensi(referensi, root / "referensi")
    written.append(write_opd(root / "referensi"))

    dpa = load_dpa(referensi / "dpa.csv", tahun)
    tahunan = allocate_year(dpa, load_tabel_3_6(referensi / "lkjip_tabel_3_6.csv"), koreksi)
    per_triwulan = build_triwulan(dpa, tahunan, tahun)
    uraian = {r["kode"]: r["uraian"] for r in read_csv(referensi / "hierarki.csv")}
    indikator = read_csv(referensi / "indikator.csv")

    for kode_bidang, (nama_bidang, programs) in bidang_programs(referensi / "bidang.csv").items():
        for q in TRIWULAN:
            baris = [
                anggaran_tertulis(b, q, kode_bidang, koreksi)
                for b in per_triwulan[q].values()
                if kode_induk(b.kode_sub_kegiatan, 3) in programs
            ]
            ktx = Konteks(
                tahun=tahun,
                triwulan=q,
                kode_bidang=kode_bidang,
                nama_bidang=nama_bidang,
                uraian=uraian,
                baris=baris,
                indikator=indikator_bidang(indikator, tahun, kode_bidang, q),
            )
            folder = root / f"TW{q}" / kode_bidang
            folder.mkdir(parents=True, exist_ok=True)
            written += WRITERS[kode_bidang](ktx, folder)
    return written


# The reference office: who it is comes from this reference file, never from the pipeline's
# code. The head of office and the place of signing are not in the shared reference data.
OPD = (
    "kode_opd,nama_opd,pemerintah_daerah,kepala,nip_kepala,kota\n"
    '2.17.0.00.0.00.01.0000,"Dinas Koperasi, Usaha Kecil dan Menengah",Provinsi Banten,,,\n'
)


def write_opd(tujuan: Path) -> Path:
    """Write <tujuan>/opd.csv: the office of the demo; return its path."""
    path = tujuan / "opd.csv"
    path.write_text(OPD, encoding="utf-8")
    return path


def copy_referensi(referensi: Path, tujuan: Path) -> list[Path]:
    """Copy the reference files byte for byte (not Tabel 3.6: that is the generator's input)."""
    tujuan.mkdir(parents=True, exist_ok=True)
    written = []
    for nama in REFERENSI_DISALIN:
        shutil.copyfile(referensi / nama, tujuan / nama)
        written.append(tujuan / nama)
    return written


def bidang_programs(path: Path) -> dict[str, tuple[str, frozenset[str]]]:
    """kode_bidang -> (nama_bidang, programs it owns), in file order."""
    hasil: dict[str, tuple[str, set[str]]] = {}
    for r in read_csv(path):
        hasil.setdefault(r["kode_bidang"], (r["nama_bidang"], set()))[1].add(r["kode_program"])
    return {k: (nama, frozenset(p)) for k, (nama, p) in hasil.items()}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "raw", help="raw folder")
    parser.add_argument("--tahun", type=int, default=2023)
    parser.add_argument(
        "--referensi",
        type=Path,
        default=None,
        help="reference folder (default: ../shared/reference/<tahun> beside the repo)",
    )
    args = parser.parse_args(argv)
    referensi = args.referensi or REPO_ROOT.parent / "shared" / "reference" / str(args.tahun)
    written = generate(args.out, args.tahun, referensi)
    print(f"{len(written)} files written under {args.out / str(args.tahun)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
