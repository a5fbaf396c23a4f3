"""Generate a synthetic multi-office raw root in the contract's formats (for `make bench`).

    .venv/bin/python benchmark/generate.py --size 100k --out benchmark/out/100k

Layout written (DATA-CONTRACT.md sections 1 and 5):

    <root>/referensi/opd.csv                          kode_opd,nama_opd,pemerintah_daerah
    <root>/<kode_opd>/<tahun>/referensi/              dpa, hierarki, bidang, indikator (.csv)
    <root>/<kode_opd>/<tahun>/TW<q>/<kode_bidang>/    one realisation export per bidang-quarter

Each office folder `<root>/<kode_opd>` is itself a valid single-office root (today's
layout, `raw/<tahun>/...`). Every office has five bidang; each bidang owns one program
(the last one two) and sends one export per quarter with `sub kegiatan x 20` kode rekening
detail lines under a sub kegiatan roll-up row, with program and kegiatan roll-ups in most
shapes and a JUMLAH/TOTAL row. The five bidang use four real-life shapes:

- A: xlsx (xlsxwriter), four title rows, a column-number row, numbers as number cells,
  roll-ups as =SUM formulas with their values cached, a signature block;
- B: `;` Windows-1252 CSV with CRLF, `1.234.567,00`, `-` for zero, `Fisik (%)` as `45,50`;
- C: `,` UTF-8-with-BOM CSV with LF, `Rp 1.234.567`;
- D: `;` UTF-8 CSV, the sub kegiatan code only on its roll-up row and the kode rekening
  rows below it with an empty Kode cell, no program or kegiatan roll-ups, a `Jumlah` row.

The first bidang (sekretariat) always sends shape A, so one file in five is an xlsx.
Quarters are consistent: each kode rekening has a cumulative realisation that never
falls and stays below its pagu; `Realisasi TW` is the difference of two cumulatives.
The DPA has both versions (murni from 1 January, perubahan from 1 October, which raises
some lines by 10 %); the stated Anggaran is the pagu in force.

Planted faults, by the file's position `f` in (office, quarter, bidang) order:
- `f % 7 == 3`: one kode rekening row has a negative Realisasi TW (V004);
- `f % 11 == 5`: one sub kegiatan roll-up row states Realisasi TW 1.000 too high (V008).

Output is deterministic for a given seed (xlsx document properties are fixed too).
Nothing here imports the pipeline: the files are written as text, the way a bidang's
software would.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import shutil
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import xlsxwriter

TAHUN = 2023
QUARTERS = (1, 2, 3, 4)
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
REKENING_PER_SUB = 20
SUB_PER_KEGIATAN = 10
SEED = 20231231
GENERATOR_VERSION = 1  # bump when the output changes, so cached roots are regenerated

# Size presets: offices x 5 bidang x 4 quarters files, `rows_per_file` detail rows each.
SIZES: dict[str, tuple[int, int]] = {
    "100k": (5, 1000),
    "1m": (50, 1000),
    "10m": (200, 2500),
}

BIDANG = (
    ("sekretariat", "Sekretariat"),
    ("perencanaan", "Bidang Perencanaan dan Pengendalian"),
    ("pengembangan", "Bidang Pengembangan Usaha"),
    ("pengawasan", "Bidang Pengawasan dan Pembinaan"),
    ("pelayanan", "Bidang Pelayanan dan Pemberdayaan"),
)
REGIONS = (
    "Provinsi Banten",
    "Kabupaten Serang",
    "Kabupaten Lebak",
    "Kabupaten Pandeglang",
    "Kabupaten Tangerang",
    "Kota Serang",
    "Kota Cilegon",
    "Kota Tangerang",
    "Kota Tangerang Selatan",
)
OPERASI = (
    "Belanja Alat Tulis Kantor",
    "Belanja Makanan dan Minuman Rapat",
    "Belanja Perjalanan Dinas Biasa",
    "Belanja Jasa Tenaga Administrasi",
    "Honorarium Narasumber",
    "Belanja Bahan Cetak",
    "Belanja Sewa Gedung",
    "Belanja Jasa Publikasi",
)
MODAL = (
    "Belanja Modal Alat Kantor Lainnya",
    "Belanja Modal Personal Computer",
    "Belanja Modal Mebel",
)

# The header rows of the reference files, exactly as in the bundled raw/2023/referensi/.
DPA_HEADER = ("tahun", "versi", "tanggal_berlaku", "kode_sub_kegiatan", "jenis_belanja", "pagu")
HIERARKI_HEADER = ("kode", "level", "uraian")
BIDANG_HEADER = ("kode_bidang", "nama_bidang", "kode_program")
INDIKATOR_HEADER = (
    "tahun",
    "level",
    "kode",
    "sasaran",
    "indikator",
    "satuan",
    "target",
    "polaritas",
    "kode_bidang",
    "realisasi_tahunan",
)
OPD_HEADER = ("kode_opd", "nama_opd", "pemerintah_daerah")


# --- the plan of one office: every figure of the year, before any file is written ---------
@dataclass(frozen=True)
class Rekening:
    """One kode rekening detail line of a sub kegiatan, for the whole year."""

    kode: str
    uraian: str
    jenis: str  # operasi (5.1...) or modal (5.2...)
    murni: int  # anggaran in the original DPA
    perubahan: int  # anggaran in the revised DPA (in force from 1 October)
    kumulatif: tuple[int, int, int, int]  # realisation at the end of TW1..TW4

    def anggaran(self, q: int) -> int:
        """Anggaran in force at the end of quarter q."""
        return self.perubahan if q == 4 else self.murni

    def triwulan(self, q: int) -> int:
        """Realisation of quarter q alone."""
        return self.kumulatif[q - 1] - (self.kumulatif[q - 2] if q > 1 else 0)


@dataclass(frozen=True)
class Sub:
    """A sub kegiatan with its kode rekening lines."""

    kode: str
    uraian: str
    rekening: tuple[Rekening, ...]

    def fisik(self, q: int) -> float:
        """Cumulative physical progress (%) at the end of quarter q: the money share + 3."""
        share = [
            sum(r.kumulatif[i] for r in self.rekening)
            / sum(r.anggaran(i + 1) for r in self.rekening)
            for i in range(q)
        ]
        return round(min(100.0, max(share) * 100 + 3), 2)


@dataclass(frozen=True)
class Bidang:
    """A bidang of an office: its programs, its sub kegiatan and the shape of its exports."""

    kode: str
    nama: str
    programs: tuple[str, ...]
    subs: tuple[Sub, ...]
    shape: str


@dataclass(frozen=True)
class Office:
    """One office (perangkat daerah) and its year."""

    index: int
    kode_opd: str
    nama: str
    daerah: str
    urusan: str  # "2"
    bidang_urusan: str  # "2.17"
    uraian: dict[str, str]  # program and kegiatan code -> uraian
    bidang: tuple[Bidang, ...]


def office_codes(index: int) -> tuple[str, str, str]:
    """Office index -> (kode_opd, urusan, bidang urusan): distinct for the first 240 offices."""
    urusan = str(1 + (index // 40) % 3)
    bidang_urusan = f"{urusan}.{1 + index % 40:02d}"
    kode_opd = f"{bidang_urusan}.0.00.0.00.{1 + index // 120:02d}.0000"
    return kode_opd, urusan, bidang_urusan


def plan_office(index: int, subs_per_bidang: int, seed: int) -> Office:
    """The whole year of one office, drawn from a generator seeded by (seed, office)."""
    rng = random.Random(f"{seed}:{index}")
    kode_opd, urusan, bidang_urusan = office_codes(index)
    uraian: dict[str, str] = {}
    bidang = []
    for b, (kode_bidang, nama_bidang) in enumerate(BIDANG):
        programs = [f"{bidang_urusan}.{b + 1:02d}"]
        if b == len(BIDANG) - 1:
            programs.append(f"{bidang_urusan}.{b + 2:02d}")
        subs = []
        for s in range(subs_per_bidang):
            program = programs[s * len(programs) // subs_per_bidang]
            kegiatan = f"{program}.1.{1 + s // SUB_PER_KEGIATAN:02d}"
            kode = f"{kegiatan}.{1 + s % SUB_PER_KEGIATAN:02d}"
            uraian.setdefault(program, f"PROGRAM {nama_bidang.upper()} {program}")
            uraian.setdefault(kegiatan, f"Kegiatan {kegiatan} {nama_bidang}")
            raised = rng.random() < 0.15  # the perubahan raises this line by 10 %
            with_modal = s % 4 == 3  # every 4th sub kegiatan also buys capital goods
            subs.append(
                Sub(
                    kode=kode,
                    uraian=f"Sub Kegiatan {kode} {nama_bidang}",
                    rekening=tuple(_rekening(rng, s, raised, with_modal)),
                )
            )
        shape = "A" if b == 0 else "BCD"[(b - 1 + index) % 3] if b == 4 else "BCD"[b - 1]
        bidang.append(Bidang(kode_bidang, nama_bidang, tuple(programs), tuple(subs), shape))
    return Office(
        index=index,
        kode_opd=kode_opd,
        nama=f"Dinas Contoh {index + 1:03d}",
        daerah=REGIONS[index % len(REGIONS)],
        urusan=urusan,
        bidang_urusan=bidang_urusan,
        uraian=uraian,
        bidang=tuple(bidang),
    )


def _rekening(rng: random.Random, s: int, raised: bool, with_modal: bool) -> Iterable[Rekening]:
    """The kode rekening lines of one sub kegiatan (the last 4 are capital where `with_modal`)."""
    for r in range(REKENING_PER_SUB):
        modal = with_modal and r >= REKENING_PER_SUB - 4
        if modal:
            kode = f"5.2.02.05.{1 + r % 3:02d}.{r + 1:04d}"
            nama = MODAL[r % len(MODAL)]
        else:
            kode = f"5.1.02.{1 + r % 4:02d}.01.{r + 1:04d}"
            nama = OPERASI[(r + s) % len(OPERASI)]
        murni = rng.randrange(1_000, 50_000) * 1_000
        perubahan = murni * 11 // 10 if raised else murni
        # Cumulative share of the murni anggaran, in thousandths, rising every quarter.
        f1 = 0 if rng.random() < 0.1 else rng.randrange(100, 250)
        f2 = f1 + rng.randrange(100, 250)
        f3 = f2 + rng.randrange(100, 200)
        f4 = min(950, f3 + rng.randrange(50, 150))
        kumulatif = tuple(murni * f // 1000 for f in (f1, f2, f3, f4))
        yield Rekening(
            kode,
            f"{nama} {r + 1:02d}",
            "modal" if modal else "operasi",
            murni,
            perubahan,
            kumulatif,
        )


# --- one bidang-quarter as the rows a bidang writes --------------------------------------------
@dataclass(frozen=True)
class Line:
    """A row of an export: its kind, code, kode rekening, uraian and the three amounts."""

    kind: str  # program, kegiatan, sub, rekening, total
    kode: str
    rekening: str
    uraian: str
    anggaran: int
    triwulan: int
    kumulatif: int
    fisik: float | None = None


def export_lines(office: Office, bidang: Bidang, q: int, f: int) -> list[Line]:
    """Rows of one bidang-quarter in print order, with the planted faults of file `f`.

    Roll-up and total rows hold the sums of the rows printed below them, so only a
    planted fault makes them disagree.
    """
    subs = bidang.subs
    negative_sub = f % len(subs) if f % 7 == 3 else None
    wrong_sub = (f + len(subs) // 2) % len(subs) if f % 11 == 5 else None
    if wrong_sub is not None and wrong_sub == negative_sub:
        wrong_sub = (wrong_sub + 1) % len(subs)
    per_sub: dict[str, list[Line]] = {}
    for s, sub in enumerate(subs):
        fisik = sub.fisik(q)
        details = []
        for r, rek in enumerate(sub.rekening):
            tw = rek.triwulan(q)
            if s == negative_sub and r == 1:
                tw = -(tw or 1_000)
            details.append(
                Line(
                    "rekening",
                    sub.kode,
                    rek.kode,
                    rek.uraian,
                    rek.anggaran(q),
                    tw,
                    rek.kumulatif[q - 1],
                    fisik,
                )
            )
        head = _sum_line("sub", sub.kode, sub.uraian, details, fisik=fisik)
        if s == wrong_sub:
            head = Line(**{**asdict(head), "triwulan": head.triwulan + 1_000})
        per_sub[sub.kode] = [head, *details]
    lines: list[Line] = []
    for program in bidang.programs:
        in_program = [k for k in per_sub if k.startswith(program + ".")]
        lines.append(
            _sum_line("program", program, office.uraian[program], _details(per_sub, in_program))
        )
        for kegiatan in dict.fromkeys(k.rsplit(".", 1)[0] for k in in_program):
            in_kegiatan = [k for k in in_program if k.startswith(kegiatan + ".")]
            uraian = office.uraian[kegiatan]
            lines.append(_sum_line("kegiatan", kegiatan, uraian, _details(per_sub, in_kegiatan)))
            for k in in_kegiatan:
                lines.extend(per_sub[k])
    lines.append(_sum_line("total", "", "JUMLAH", _details(per_sub, list(per_sub))))
    return lines


def _details(per_sub: dict[str, list[Line]], kodes: Sequence[str]) -> list[Line]:
    return [line for k in kodes for line in per_sub[k][1:]]


def _sum_line(kind: str, kode: str, uraian: str, lines: Sequence[Line], fisik=None) -> Line:
    return Line(
        kind,
        kode,
        "",
        uraian,
        sum(x.anggaran for x in lines),
        sum(x.triwulan for x in lines),
        sum(x.kumulatif for x in lines),
        fisik,
    )


# --- number texts ----------------------------------------------------------------------------
def ribuan(n: int) -> str:
    """1234567 -> '1.234.567' (a negative in parentheses, as the contract writes it)."""
    text = f"{abs(n):,}".replace(",", ".")
    return f"({text})" if n < 0 else text


def uang_b(n: int) -> str:
    """Shape B amount: 1.234.567,00, zero as '-'."""
    if n == 0:
        return "-"
    return f"({ribuan(-n)},00)" if n < 0 else f"{ribuan(n)},00"


def uang_c(n: int) -> str:
    """Shape C amount: Rp 1.234.567 (a negative in parentheses, without Rp)."""
    return ribuan(n) if n < 0 else f"Rp {ribuan(n)}"


def persen(p: float) -> str:
    """45.5 -> '45,50'."""
    return f"{p:.2f}".replace(".", ",")


# --- writers ---------------------------------------------------------------------------------
def csv_text(rows: Iterable[Sequence[str]], delimiter: str, lineterminator: str) -> str:
    """Rows as CSV text with minimal quoting."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator).writerows(rows)
    return buf.getvalue()


def write_b(path: Path, office: Office, bidang: Bidang, q: int, lines: list[Line]) -> int:
    """Shape B: `;` cp1252 CSV with CRLF, a title row and a blank row above the header."""
    width = 7
    rows = [
        [f"LAPORAN REALISASI KEUANGAN {bidang.nama.upper()} \u2013 TRIWULAN {ROMAN[q]} {TAHUN}"]
        + [""] * (width - 1),
        [""] * width,
        ["Kode", "Uraian", "Akun", "Anggaran", "Realisasi TW", "Realisasi s/d TW", "Fisik (%)"],
    ]
    for x in lines:
        kode = "" if x.kind == "total" else x.kode
        uraian = "TOTAL" if x.kind == "total" else x.uraian
        fisik = persen(x.fisik) if x.kind == "rekening" else ""
        rows.append(
            [
                kode,
                uraian,
                x.rekening,
                uang_b(x.anggaran),
                uang_b(x.triwulan),
                uang_b(x.kumulatif),
                fisik,
            ]
        )
    path.write_bytes(csv_text(rows, ";", "\r\n").encode("cp1252"))
    return len(rows)


def write_c(path: Path, office: Office, bidang: Bidang, q: int, lines: list[Line]) -> int:
    """Shape C: `,` UTF-8-with-BOM CSV with LF, one title row, `Rp` amounts."""
    width = 7
    rows = [
        [f"Realisasi Anggaran TW {q} {TAHUN} {bidang.nama} {office.nama}"] + [""] * (width - 1),
        [
            "Kode Kegiatan/Sub Kegiatan",
            "Program/Kegiatan/Sub Kegiatan",
            "Kode Rekening",
            "Pagu Anggaran",
            "Realisasi",
            "Realisasi Kumulatif",
            "Keterangan",
        ],
    ]
    for i, x in enumerate(lines):
        kode = "" if x.kind == "total" else x.kode
        keterangan = "Sesuai jadwal" if x.kind == "sub" and (i + q) % 3 == 0 else ""
        rows.append(
            [
                kode,
                x.uraian,
                x.rekening,
                uang_c(x.anggaran),
                uang_c(x.triwulan),
                uang_c(x.kumulatif),
                keterangan,
            ]
        )
    path.write_bytes(csv_text(rows, ",", "\n").encode("utf-8-sig"))
    return len(rows)


def write_d(path: Path, office: Office, bidang: Bidang, q: int, lines: list[Line]) -> int:
    """Shape D: `;` UTF-8 CSV, two title rows, kode rekening rows under their sub kegiatan
    row with an empty Kode cell, no program or kegiatan roll-ups, a `Jumlah` row."""
    width = 7
    rows = [
        [office.nama.upper()] + [""] * (width - 1),
        [f"Realisasi {bidang.nama} Triwulan {ROMAN[q]} Tahun {TAHUN}"] + [""] * (width - 1),
        [
            "Kode Sub Kegiatan",
            "Uraian",
            "Kode Rekening",
            "Pagu",
            "Realisasi Triwulan Ini",
            "Realisasi s.d. Triwulan Ini",
            "Keterangan",
        ],
    ]
    for x in lines:
        if x.kind in ("program", "kegiatan"):
            continue
        kode = x.kode if x.kind == "sub" else ""
        uraian = "Jumlah" if x.kind == "total" else x.uraian
        rows.append(
            [
                kode,
                uraian,
                x.rekening,
                ribuan(x.anggaran),
                ribuan(x.triwulan),
                ribuan(x.kumulatif),
                "",
            ]
        )
    path.write_bytes(csv_text(rows, ";", "\n").encode("utf-8"))
    return len(rows)


def write_a(path: Path, office: Office, bidang: Bidang, q: int, lines: list[Line]) -> int:
    """Shape A: an xlsx sheet with title rows, a column-number row, =SUM roll-ups with cached
    values, a JUMLAH row and a signature block (written in constant-memory mode)."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties({"created": datetime(2023, 1, 1), "author": "lkjip benchmark"})
    bold = wb.add_format({"bold": True})
    money = wb.add_format({"num_format": "#,##0"})
    ws = wb.add_worksheet("Realisasi Anggaran")
    titles = (
        f"PEMERINTAH {office.daerah.upper()}",
        office.nama.upper(),
        f"LAPORAN REALISASI ANGGARAN DAN FISIK TRIWULAN {ROMAN[q]} TAHUN ANGGARAN {TAHUN}",
        bidang.nama.upper(),
    )
    for r, text in enumerate(titles):
        ws.write_string(r, 0, text, bold)
    header = (
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
    for c, text in enumerate(header):
        ws.write_string(5, c, text, bold)
    for c in range(len(header)):
        ws.write_number(6, c, c + 1)
    row = 7
    for i, x in enumerate(lines):
        values = (x.anggaran, x.triwulan, x.kumulatif)
        if x.kind == "rekening":
            ws.write_string(row, 1, x.kode)
            ws.write_string(row, 2, x.rekening)
            ws.write_string(row, 3, x.uraian)
            for c, v in zip((4, 5, 6), values, strict=True):
                ws.write_number(row, c, v, money)
            ws.write_number(row, 7, x.fisik)
        elif x.kind == "sub":
            n = len(bidang.subs[0].rekening)
            ws.write_string(row, 1, x.kode)
            ws.write_string(row, 3, x.uraian)
            for c, v in zip((4, 5, 6), values, strict=True):
                col = "EFG"[c - 4]
                ws.write_formula(row, c, f"=SUM({col}{row + 2}:{col}{row + 1 + n})", money, v)
            ws.write_number(row, 7, x.fisik)
        else:
            label = "JUMLAH" if x.kind == "total" else x.uraian
            if x.kind != "total":
                ws.write_string(row, 0, str(i + 1), bold)
                ws.write_string(row, 1, x.kode, bold)
            ws.write_string(row, 3, label, bold)
            for c, v in zip((4, 5, 6), values, strict=True):
                ws.write_number(row, c, v, money)
        row += 1
    row += 1
    for i, text in enumerate((f"Serang, 10 {ROMAN[q]} {TAHUN}", "Kepala", "", "Nama Pejabat")):
        if text:
            ws.write_string(row + i, 6, text)
    wb.close()
    return row + 4


WRITERS = {"A": write_a, "B": write_b, "C": write_c, "D": write_d}


def file_name(bidang: Bidang, q: int) -> str:
    """The name a bidang gives its export of quarter q."""
    return {
        "A": f"LRA_{bidang.kode}_TW{ROMAN[q]}_{TAHUN}.xlsx",
        "B": f"realisasi_keuangan_tw{q}.csv",
        "C": f"Realisasi TW {q} {bidang.nama}.csv",
        "D": f"realisasi_{bidang.kode}_tw{q}.csv",
    }[bidang.shape]


# --- reference files ---------------------------------------------------------------------------
def reference_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A reference CSV as in raw/2023/referensi/: UTF-8, `,`, CRLF, minimal quoting."""
    path.write_text(
        csv_text([header, *([str(v) for v in r] for r in rows)], ",", "\r\n"),
        encoding="utf-8",
        newline="",
    )


def write_references(folder: Path, office: Office) -> None:
    """dpa.csv (both versions), hierarki.csv, bidang.csv and indikator.csv of one office."""
    folder.mkdir(parents=True, exist_ok=True)
    dpa = []
    for versi, tanggal in (("murni", f"{TAHUN}-01-01"), ("perubahan", f"{TAHUN}-10-01")):
        for bidang in office.bidang:
            for sub in bidang.subs:
                for jenis in ("operasi", "modal"):
                    part = [r for r in sub.rekening if r.jenis == jenis]
                    if part:
                        pagu = sum(r.murni if versi == "murni" else r.perubahan for r in part)
                        dpa.append((TAHUN, versi, tanggal, sub.kode, jenis, pagu))
    reference_csv(folder / "dpa.csv", DPA_HEADER, dpa)
    hierarki = [
        (office.urusan, "urusan", f"URUSAN PEMERINTAHAN {office.urusan}"),
        (
            office.bidang_urusan,
            "bidang_urusan",
            f"URUSAN PEMERINTAHAN BIDANG {office.nama.upper()}",
        ),
    ]
    for kode, uraian in office.uraian.items():
        hierarki.append((kode, "program" if kode.count(".") == 2 else "kegiatan", uraian))
    for bidang in office.bidang:
        hierarki.extend((sub.kode, "sub_kegiatan", sub.uraian) for sub in bidang.subs)
    reference_csv(folder / "hierarki.csv", HIERARKI_HEADER, hierarki)
    reference_csv(
        folder / "bidang.csv",
        BIDANG_HEADER,
        [(b.kode, b.nama, p) for b in office.bidang for p in b.programs],
    )
    # Regional goals only: they belong to no bidang, so no bidang has to report them.
    reference_csv(
        folder / "indikator.csv",
        INDIKATOR_HEADER,
        [
            (
                TAHUN,
                "tujuan_daerah",
                "T1",
                "Meningkatkan Kualitas Pertumbuhan Ekonomi",
                "Indeks Gini",
                "Nilai",
                "0,354",
                "negatif",
                "",
                "",
            ),
        ],
    )


def write_office(root: Path, index: int, subs_per_bidang: int, seed: int) -> dict:
    """Write one office's folder; -> its counts (files, data rows, lines, planted faults)."""
    office = plan_office(index, subs_per_bidang, seed)
    year = root / office.kode_opd / str(TAHUN)
    write_references(year / "referensi", office)
    counts = {"files": 0, "xlsx": 0, "data_rows": 0, "lines": 0, "negatif": 0, "rollup_salah": 0}
    for q in QUARTERS:
        for b, bidang in enumerate(office.bidang):
            f = (index * len(QUARTERS) + q - 1) * len(office.bidang) + b
            folder = year / f"TW{q}" / bidang.kode
            folder.mkdir(parents=True, exist_ok=True)
            lines = export_lines(office, bidang, q, f)
            counts["lines"] += WRITERS[bidang.shape](
                folder / file_name(bidang, q), office, bidang, q, lines
            )
            counts["files"] += 1
            counts["xlsx"] += bidang.shape == "A"
            counts["data_rows"] += sum(x.kind == "rekening" for x in lines)
            counts["negatif"] += f % 7 == 3
            counts["rollup_salah"] += f % 11 == 5
    return {"kode_opd": office.kode_opd, "nama_opd": office.nama, "daerah": office.daerah, **counts}


def generate(root: Path, offices: int, rows_per_file: int, seed: int = SEED, jobs: int = 1) -> dict:
    """Write a multi-office raw root at `root` (replacing it); -> a summary of what is there."""
    if rows_per_file % REKENING_PER_SUB or rows_per_file > 90_000:
        raise SystemExit(f"--rows-per-file must be a multiple of {REKENING_PER_SUB} up to 90.000")
    subs = rows_per_file // REKENING_PER_SUB
    if subs > 99 * SUB_PER_KEGIATAN:
        raise SystemExit("too many sub kegiatan per bidang for 2-digit kegiatan codes")
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    start = time.perf_counter()
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            parts = list(
                pool.map(
                    write_office,
                    [root] * offices,
                    range(offices),
                    [subs] * offices,
                    [seed] * offices,
                )
            )
    else:
        parts = [write_office(root, i, subs, seed) for i in range(offices)]
    (root / "referensi").mkdir()
    reference_csv(
        root / "referensi" / "opd.csv",
        OPD_HEADER,
        [(p["kode_opd"], p["nama_opd"], p["daerah"]) for p in parts],
    )
    total = {
        k: sum(p[k] for p in parts)
        for k in ("files", "xlsx", "data_rows", "lines", "negatif", "rollup_salah")
    }
    return {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "offices": offices,
        "rows_per_file": rows_per_file,
        "tahun": TAHUN,
        **total,
        "bytes": sum(p.stat().st_size for p in root.rglob("*") if p.is_file()),
        "kode_opd": [p["kode_opd"] for p in parts],
        "seconds": round(time.perf_counter() - start, 2),
    }


def ensure(out: Path, offices: int, rows_per_file: int, seed: int = SEED, jobs: int = 1) -> dict:
    """The root under `out/raw`, generated unless `out/generated.json` says it is there
    already with the same parameters; -> its summary (written to out/generated.json)."""
    meta_path = out / "generated.json"
    wanted = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "offices": offices,
        "rows_per_file": rows_per_file,
    }
    if meta_path.exists() and (out / "raw").is_dir():
        meta = json.loads(meta_path.read_text())
        if all(meta.get(k) == v for k, v in wanted.items()):
            return {**meta, "reused": True}
    meta_path.unlink(missing_ok=True)
    meta = generate(out / "raw", offices, rows_per_file, seed, jobs)
    meta_path.write_text(json.dumps(meta, indent=1))
    return {**meta, "reused": False}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: generate one size (a preset, or --offices/--rows-per-file)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="100k")
    parser.add_argument("--offices", type=int, help="override the preset's office count")
    parser.add_argument("--rows-per-file", type=int, help="override the preset's rows per file")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--out", type=Path, required=True, help="folder; the root is OUT/raw")
    args = parser.parse_args(argv)
    offices, rows = SIZES[args.size]
    meta = ensure(
        args.out, args.offices or offices, args.rows_per_file or rows, args.seed, args.jobs
    )
    shown = {k: v for k, v in meta.items() if k != "kode_opd"}
    print(json.dumps(shown, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
