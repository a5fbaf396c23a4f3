"""Realistic small exports, written the way the bidang send them, for the ingestion tests.

Each builder returns rows as the spreadsheet shows them (row 1 first); `put` changes one
cell by its spreadsheet address ("F11"), so a test reads like the fault a steward sees.
Writers put the rows to disk as .xlsx (xlsxwriter: numbers as number cells, text as text)
or as CSV bytes in a given dialect, without quoting so a broken line stays broken.
"""

from __future__ import annotations

import re
from pathlib import Path

import xlsxwriter

Cell = str | int | float | None
Rows = list[list[Cell]]

# The sekretariat LRA layout: columns A..I (see raw/2023/TW1/sekretariat).
LRA_HEADER = [
    "No",
    "Kode",
    "Kode Rekening",
    "Uraian",
    "Anggaran",
    "Realisasi Triwulan Ini",
    "Realisasi s.d. Triwulan Ini",
    "Realisasi Fisik (%)",
    "Keterangan",
]
LRA_HEADER_ROW = 6


def lra_rows() -> Rows:
    """-> the sekretariat's TW I sheet: 4 title rows, header on row 6, numbering on row 7.

    Figures are hand-summed: every roll-up and the JUMLAH row equal their lines.
      row 8  program 2.17.01              145.000.000  35.000.000
      row 9  kegiatan 2.17.01.1.01         45.000.000  10.000.000
      row 10 sub 2.17.01.1.01.01 subtotal  30.000.000   7.000.000
      row 11   5.1.02.01.01.0024           20.000.000   5.000.000  (data)
      row 12   5.1.02.01.01.0052           10.000.000   2.000.000  (data)
      row 13 sub 2.17.01.1.01.02 subtotal  15.000.000   3.000.000
      row 14   5.1.02.04.01.0001           15.000.000   3.000.000  (data)
      row 15 kegiatan 2.17.01.1.02        100.000.000  25.000.000
      row 16 sub 2.17.01.1.02.01 subtotal 100.000.000  25.000.000
      row 17   5.1.01.01.01.0001          100.000.000  25.000.000  (data)
      row 18 JUMLAH                       145.000.000  35.000.000
      rows 20, 21, 23, 24: the signature block
    """
    rows: Rows = [
        ["PEMERINTAH PROVINSI BANTEN"],
        ["DINAS KOPERASI, USAHA KECIL DAN MENENGAH"],
        ["LAPORAN REALISASI ANGGARAN DAN FISIK TRIWULAN I TAHUN ANGGARAN 2023"],
        ["SEKRETARIAT"],
        [],
        list(LRA_HEADER),
        [1, 2, 3, 4, 5, 6, 7, 8, 9],
        [
            "1",
            "2.17.01",
            None,
            "PROGRAM PENUNJANG URUSAN PEMERINTAHAN DAERAH PROVINSI",
            145_000_000,
            35_000_000,
            35_000_000,
        ],
        [
            "1.1",
            "2.17.01.1.01",
            None,
            "Perencanaan, Penganggaran, dan Evaluasi Kinerja",
            45_000_000,
            10_000_000,
            10_000_000,
        ],
        [
            None,
            "2.17.01.1.01.01",
            None,
            "Penyusunan Dokumen Perencanaan Perangkat Daerah",
            30_000_000,
            7_000_000,
            7_000_000,
            25,
        ],
        [
            None,
            "2.17.01.1.01.01",
            "5.1.02.01.01.0024",
            "Belanja Alat/Bahan untuk Kegiatan Kantor-Alat Tulis Kantor",
            20_000_000,
            5_000_000,
            5_000_000,
            25,
        ],
        [
            None,
            "2.17.01.1.01.01",
            "5.1.02.01.01.0052",
            "Belanja Makanan dan Minuman Rapat",
            10_000_000,
            2_000_000,
            2_000_000,
            25,
        ],
        [
            None,
            "2.17.01.1.01.02",
            None,
            "Koordinasi dan Penyusunan Dokumen RKA-SKPD",
            15_000_000,
            3_000_000,
            3_000_000,
            20,
        ],
        [
            None,
            "2.17.01.1.01.02",
            "5.1.02.04.01.0001",
            "Belanja Perjalanan Dinas Biasa",
            15_000_000,
            3_000_000,
            3_000_000,
            20,
        ],
        [
            "1.2",
            "2.17.01.1.02",
            None,
            "Administrasi Keuangan Perangkat Daerah",
            100_000_000,
            25_000_000,
            25_000_000,
        ],
        [
            None,
            "2.17.01.1.02.01",
            None,
            "Penyediaan Gaji dan Tunjangan ASN",
            100_000_000,
            25_000_000,
            25_000_000,
            25,
        ],
        [
            None,
            "2.17.01.1.02.01",
            "5.1.01.01.01.0001",
            "Belanja Gaji Pokok PNS",
            100_000_000,
            25_000_000,
            25_000_000,
            25,
        ],
        [None, None, None, "JUMLAH", 145_000_000, 35_000_000, 35_000_000],
        [],
        [None, None, None, None, None, None, "Serang, 10 April 2023"],
        [None, None, None, None, None, None, "Sekretaris,"],
        [],
        [None, None, None, None, None, None, "Drs. H. Contoh Nama, M.Si"],
        [None, None, None, None, None, None, "NIP. 19700101 199503 1 001"],
    ]
    return rows


# The usaha-kecil layout: one line per sub kegiatan and jenis belanja, no kode rekening.
PLAIN_HEADER = [
    "Kode Sub Kegiatan",
    "Nama Sub Kegiatan",
    "Jenis Belanja",
    "Pagu",
    "Realisasi TW",
    "Realisasi s/d TW",
    "Fisik (%)",
]


def plain_rows() -> Rows:
    """-> a plain keuangan sheet: title on row 1, header on row 3, lines on rows 4-6, TOTAL 7."""
    return [
        ["REALISASI ANGGARAN SEKRETARIAT TW I 2023"],
        [],
        list(PLAIN_HEADER),
        ["2.17.01.1.07.05", "Pengadaan Mebel", "Modal", 50_000_000, 10_000_000, 10_000_000, 20],
        [
            "2.17.01.1.07.06",
            "Pengadaan Peralatan dan Mesin Lainnya",
            "Belanja Operasi",
            8_000_000,
            2_000_000,
            2_000_000,
            25,
        ],
        [
            "2.17.01.1.07.06",
            "Pengadaan Peralatan dan Mesin Lainnya",
            "Belanja Modal",
            40_000_000,
            0,
            0,
            0,
        ],
        ["TOTAL", None, None, 98_000_000, 12_000_000, 12_000_000],
    ]


# The kelembagaan CSV layout (';', cp1252, decimal commas, '-' for zero).
CSV_SEMICOLON_HEADER = [
    "Kode",
    "Uraian",
    "Akun",
    "Anggaran",
    "Realisasi TW",
    "Realisasi s/d TW",
    "Fisik (%)",
]


def semicolon_rows() -> Rows:
    """-> a ';' CSV: title row 1, empty row 2, header row 3, 2 roll-ups, 3 lines, TOTAL row 9.

    row 4 program 2.17.01                    67.500.000,00  12.500.000,00
    row 5 kegiatan 2.17.01.1.08              67.500.000,00  12.500.000,00
    row 6 2.17.01.1.08.02 5.1.02.02.01.0061  40.000.000,00  10.000.000,00
    row 7 2.17.01.1.08.02 5.1.02.02.01.0063  20.000.000,00   2.500.000,00
    row 8 2.17.01.1.08.04 5.1.02.02.01.0026   7.500.000,00   -  (no spending yet)
    row 9 TOTAL                              67.500.000,00  12.500.000,00
    """
    return [
        ["LAPORAN REALISASI KEUANGAN SEKRETARIAT \u2013 TRIWULAN I 2023", "", "", "", "", "", ""],
        ["", "", "", "", "", "", ""],
        list(CSV_SEMICOLON_HEADER),
        [
            "2.17.01",
            "PROGRAM PENUNJANG URUSAN PEMERINTAHAN DAERAH PROVINSI",
            "",
            "67.500.000,00",
            "12.500.000,00",
            "12.500.000,00",
            "",
        ],
        [
            "2.17.01.1.08",
            "Penyediaan Jasa Penunjang Urusan Pemerintahan Daerah",
            "",
            "67.500.000,00",
            "12.500.000,00",
            "12.500.000,00",
            "",
        ],
        [
            "2.17.01.1.08.02",
            "Belanja Tagihan Listrik",
            "5.1.02.02.01.0061",
            "40.000.000,00",
            "10.000.000,00",
            "10.000.000,00",
            "25,00",
        ],
        [
            "2.17.01.1.08.02",
            "Belanja Kawat/Faksimili/Internet/TV Berlangganan \u2013 Ruang Rapat",
            "5.1.02.02.01.0063",
            "20.000.000,00",
            "2.500.000,00",
            "2.500.000,00",
            "25,00",
        ],
        [
            "2.17.01.1.08.04",
            "Belanja Jasa Tenaga Administrasi",
            "5.1.02.02.01.0026",
            "7.500.000,00",
            "-",
            "-",
            "0,00",
        ],
        ["", "TOTAL", "", "67.500.000,00", "12.500.000,00", "12.500.000,00", ""],
    ]


# The pemberdayaan CSV layout (',', UTF-8 with BOM, "Rp 1.234.567").
CSV_COMMA_HEADER = [
    "Kode Kegiatan/Sub Kegiatan",
    "Program/Kegiatan/Sub Kegiatan",
    "Jenis Belanja",
    "Pagu Anggaran",
    "Realisasi",
    "Realisasi Kumulatif",
    "Keterangan",
]


def comma_rows() -> Rows:
    """-> a ',' CSV: header row 1, program row 2, kegiatan row 3, lines 4-5, JUMLAH row 6."""
    return [
        list(CSV_COMMA_HEADER),
        [
            "2.17.01",
            "PROGRAM PENUNJANG URUSAN PEMERINTAHAN DAERAH PROVINSI",
            "",
            "Rp 35.000.000",
            "Rp 6.000.000",
            "Rp 6.000.000",
            "",
        ],
        [
            "2.17.01.1.05",
            "Administrasi Kepegawaian Perangkat Daerah",
            "",
            "Rp 35.000.000",
            "Rp 6.000.000",
            "Rp 6.000.000",
            "",
        ],
        [
            "2.17.01.1.05.02",
            "Pengadaan Pakaian Dinas beserta Atribut Kelengkapannya",
            "Belanja Operasi",
            "Rp 25.000.000",
            "Rp 5.000.000",
            "Rp 5.000.000",
            "Sesuai jadwal",
        ],
        [
            "2.17.01.1.05.09",
            "Pendidikan dan Pelatihan Pegawai Berdasarkan Tugas dan Fungsi",
            "Belanja Operasi",
            "Rp 10.000.000",
            "Rp 1.000.000",
            "Rp 1.000.000",
            "",
        ],
        ["", "JUMLAH", "", "Rp 35.000.000", "Rp 6.000.000", "Rp 6.000.000", ""],
    ]


def _address(cell: str) -> tuple[int, int]:
    """ "F11" -> (row index 10, column index 5)."""
    match = re.fullmatch(r"([A-Z]+)(\d+)", cell)
    assert match, cell
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - 64
    return int(match.group(2)) - 1, column - 1


def put(rows: Rows, cell: str, value: Cell) -> Rows:
    """Rows + spreadsheet address + value -> the same rows with that cell set (rows grow)."""
    r, c = _address(cell)
    while len(rows) <= r:
        rows.append([])
    row = rows[r]
    while len(row) <= c:
        row.append(None)
    row[c] = value
    return rows


def write_xlsx(path: Path, sheets: dict[str, Rows]) -> Path:
    """Sheets of rows -> an .xlsx: numbers as number cells, text as text cells."""
    workbook = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, (int, float)):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, value)
    workbook.close()
    return path


def write_csv(path: Path, rows: Rows, *, sep: str, encoding: str, newline: str = "\r\n") -> Path:
    """Rows -> CSV bytes joined with `sep` and no quoting at all (as a hand-made export)."""
    text = newline.join(sep.join("" if v is None else str(v) for v in row) for row in rows)
    path.write_bytes((text + newline).encode(encoding))
    return path


def write_semicolon_csv(path: Path, rows: Rows) -> Path:
    """Rows -> a ';' separated, Windows-1252, CRLF file (the kelembagaan export)."""
    return write_csv(path, rows, sep=";", encoding="cp1252", newline="\r\n")


def write_comma_csv(path: Path, rows: Rows) -> Path:
    """Rows -> a ',' separated, UTF-8 with BOM, LF file (the pemberdayaan web export)."""
    return write_csv(path, rows, sep=",", encoding="utf-8-sig", newline="\n")
