"""Hostile and unlucky inputs (issue 9), each planted by one small builder in a copy of raw/.

Every builder takes the copy's root (the `raw` folder holding 2023/), plants one input as
a careless or hostile user would, and returns a short English description of it. Entries
that point out of raw/ point at `outside(raw)`, a folder beside the copy whose files all
carry MARKER, so a test can look for any byte of them in what a run wrote.
"""

from __future__ import annotations

import os
from pathlib import Path

from fixtures_xlsx import write_xlsx

MARKER = "RAHASIA-DI-LUAR-RAW"
TW4 = Path("2023") / "TW4"
USAHA_KECIL = TW4 / "usaha-kecil"
KELEMBAGAAN_TW4 = TW4 / "kelembagaan-pengawasan" / "realisasi_keuangan_tw4.csv"
USAHA_KECIL_CODES = ("2.17.07.1.01.01", "2.17.07.1.01.02", "2.17.08.1.01.01", "2.17.08.1.01.02")
NON_UTF8_NAME = b"R \xe9\xff.csv"  # Windows-1252 bytes, as an old zip of Windows stores them
NON_UTF8_TEXT = "R \\xe9\\xff.csv"  # how findings and the manifest name it


def outside(raw: Path) -> Path:
    """-> a folder beside the raw copy (outside it) holding a keuangan CSV full of MARKER."""
    folder = raw.parent / "di-luar-raw"
    folder.mkdir(exist_ok=True)
    lines = ["Kode;Uraian;Jenis Belanja;Anggaran;Realisasi TW"]
    lines += [f"2.17.07.1.01.01;{MARKER} {i};Operasi;1.000;{i}" for i in range(1, 6)]
    (folder / "rahasia.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return folder


def symlink_out_of_raw(raw: Path) -> str:
    """A file in a bidang folder that is a symlink to a file outside raw/."""
    (raw / USAHA_KECIL / "x.csv").symlink_to(outside(raw) / "rahasia.csv")
    return "file symlinked to a file outside raw/ (ln -s /etc/shadow x.csv)"


def bidang_folder_symlink_out_of_raw(raw: Path) -> str:
    """A bidang folder that is a symlink to a folder outside raw/."""
    (raw / TW4 / "pemberdayaan-koperasi-arsip").symlink_to(outside(raw), target_is_directory=True)
    return "bidang folder symlinked to a folder outside raw/ (ln -s /etc TW4/x)"


def symlink_to_device(raw: Path) -> str:
    """A file in a bidang folder that is a symlink to a character device."""
    (raw / USAHA_KECIL / "nol.csv").symlink_to("/dev/zero")
    return "file symlinked to a device (/dev/zero)"


def fifo(raw: Path) -> str:
    """A named pipe (FIFO) in a bidang folder, named like an export."""
    os.mkfifo(raw / USAHA_KECIL / "antrian.csv")
    return "FIFO named like an export"


def symlink_loop(raw: Path) -> str:
    """A symlink in a bidang folder that points at itself."""
    (raw / USAHA_KECIL / "putar.xlsx").symlink_to("putar.xlsx")
    return "symlink loop"


def empty_folder_named_like_a_file(raw: Path) -> str:
    """An empty folder in a bidang folder, named like a workbook."""
    (raw / USAHA_KECIL / "realisasi_tw4.xlsx").mkdir()
    return "empty folder named like a workbook (x.xlsx/)"


def non_utf8_file_name(raw: Path) -> str:
    """The kelembagaan TW4 export renamed to a name whose bytes are not UTF-8."""
    source = raw / KELEMBAGAAN_TW4
    os.rename(bytes(source), bytes(source.parent) + b"/" + NON_UTF8_NAME)
    return "file name that is not UTF-8 (b'R \\xe9\\xff.csv')"


def repeated_key_xlsx(raw: Path, rows: int = 20_000) -> str:
    """An .xlsx in usaha-kecil TW4 of `rows` lines repeating its 4 sub kegiatan codes, each
    with another figure (V006 on every one)."""
    sheet = [["Kode Sub Kegiatan", "Nama Sub Kegiatan", "Jenis Belanja", "Pagu", "Realisasi TW"]]
    for i in range(rows):
        code = USAHA_KECIL_CODES[i % len(USAHA_KECIL_CODES)]
        sheet.append([code, "Sub kegiatan berulang", "Operasi", 1_000_000, 1_000 + i])
    write_xlsx(raw / USAHA_KECIL / "berulang.xlsx", {"Keuangan": sheet})
    return f"xlsx of {rows:,} rows repeating 4 sub kegiatan codes"


def wide_csv_line(raw: Path, fields: int = 25_000_000) -> str:
    """A CSV in usaha-kecil TW4 whose one line is `a,` repeated: 50 MB, 25 million fields."""
    (raw / USAHA_KECIL / "lebar.csv").write_bytes(b"a," * fields + b"\r\n")
    return f"CSV line of {fields:,} fields (`a,` x {fields:,}, {2 * fields // 10**6} MB)"


def far_cell_xlsx(raw: Path) -> str:
    """An .xlsx of a few KB with one cell in A1 and one at XFD1048576 (the last cell)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(raw / USAHA_KECIL / "jauh.xlsx"))
    sheet = workbook.add_worksheet("Keuangan")
    sheet.write_string(0, 0, "Kode Sub Kegiatan")
    sheet.write_string(1_048_575, 16_383, "z")
    workbook.close()
    return "xlsx of 6 KB with a cell at XFD1048576 (calamine would allocate 550 GB)"


def header_only_dpa(raw: Path) -> str:
    """dpa.csv with its header row and nothing below it (the run cannot go on)."""
    path = raw / "2023" / "referensi" / "dpa.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0]
    path.write_text(header + "\n", encoding="utf-8")
    return "dpa.csv with a header row only"


def reference_symlink_out_of_raw(raw: Path) -> str:
    """hierarki.csv replaced by a symlink to a file outside raw/ (the run cannot go on)."""
    path = raw / "2023" / "referensi" / "hierarki.csv"
    path.unlink()
    path.symlink_to(outside(raw) / "rahasia.csv")
    return "reference file symlinked out of raw/"


# The entries refused unread by discovery: each is one V001 naming it, nothing else.
REFUSED_ENTRIES = (
    symlink_out_of_raw,
    bidang_folder_symlink_out_of_raw,
    symlink_to_device,
    fifo,
    symlink_loop,
    empty_folder_named_like_a_file,
)
