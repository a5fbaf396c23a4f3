"""Reading files as the bidang send them: CSV in any accepted dialect, and workbooks.

Every file becomes a list of `Lembar` (text grids) or a `BerkasRusak` saying, in the
steward's language, why it could not be read. Nothing here interprets the cells;
transforms/ does that.

Workbooks are read with python-calamine, the Python binding of the calamine reader
that fastexcel also wraps: it gives every cell with its own type, which the contract's
number rules need (a number cell 1234.567 and a text cell "1234.567" mean different
amounts), where fastexcel types whole columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import polars as pl
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from transforms.numbers import format_cell_number
from transforms.sheets import HasilBaca, Lembar

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}
# Operating-system and editor litter that is never a bidang's data.
IGNORED_NAMES = {".ds_store", "thumbs.db", "desktop.ini", ".gitkeep"}

MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024  # a zip bomb stops here, not in memory
MAX_CSV_BYTES = 2 * 1024 * 1024 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


class BerkasRusak(Exception):
    """A file that cannot be read; the message is for the steward, in Bahasa Indonesia."""


def is_ignored(path: Path) -> bool:
    """Path -> True for OS litter and Excel's lock files (~$name.xlsx)."""
    name = path.name.lower()
    return name in IGNORED_NAMES or name.startswith("~$") or name.startswith("._")


def read_file(path: Path, berkas: str) -> HasilBaca:
    """File on disk -> its sheets as text grids, or the reason it cannot be read."""
    try:
        return HasilBaca(berkas, tuple(_read(path, berkas)))
    except BerkasRusak as problem:
        return HasilBaca(berkas, masalah=str(problem))
    except (OSError, ValueError, csv.Error, MemoryError) as problem:
        # Whatever a hostile or damaged file does to a reader, it is that file's finding;
        # the other files of the run go on.
        return HasilBaca(berkas, masalah=f"berkas tidak dapat dibaca ({type(problem).__name__})")


def _read(path: Path, berkas: str) -> list[Lembar]:
    """File -> sheets; raises BerkasRusak."""
    suffix = path.suffix.lower()
    if suffix not in WORKBOOK_SUFFIXES | CSV_SUFFIXES:
        raise BerkasRusak(
            f"format berkas '{path.suffix or path.name}' tidak didukung "
            "(yang diterima: .xlsx, .xls, .csv)"
        )
    size = path.stat().st_size
    if size == 0:
        raise BerkasRusak("berkas kosong (0 byte)")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic in (_ZIP_MAGIC, _OLE_MAGIC) or suffix in WORKBOOK_SUFFIXES:
        return read_workbook(path, berkas)
    return [read_csv(path, berkas)]


# ---------------------------------------------------------------- workbooks


def _check_zip(path: Path) -> None:
    """Refuse an .xlsx whose parts would unpack beyond MAX_UNCOMPRESSED_BYTES."""
    if not zipfile.is_zipfile(path):
        return
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise BerkasRusak(f"berkas rusak atau terpotong ({exc})") from exc
    if total > MAX_UNCOMPRESSED_BYTES:
        raise BerkasRusak(
            f"isi berkas terlalu besar setelah dibuka ({total // (1024 * 1024)} MB); "
            "pecah menjadi beberapa berkas"
        )


def _cell_text(value: object) -> str | None:
    """One workbook cell -> its text; numbers in canonical Indonesian form, empty -> None."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, (bool, int, float)):
        return format_cell_number(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def read_workbook(path: Path, berkas: str) -> list[Lembar]:
    """Workbook -> one text grid per worksheet (chart sheets skipped)."""
    _check_zip(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several error types for broken files
        raise BerkasRusak(f"berkas tidak dapat dibuka sebagai buku kerja Excel ({exc})") from exc
    sheets: list[Lembar] = []
    for meta in workbook.sheets_metadata:
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        try:
            rows = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise BerkasRusak(f"lembar '{meta.name}' tidak dapat dibaca ({exc})") from exc
        grid = to_grid([[_cell_text(v) for v in row] for row in rows])
        hidden = meta.visible != SheetVisibleEnum.Visible
        sheets.append(Lembar(berkas, meta.name, grid, tersembunyi=hidden))
    return sheets


# ---------------------------------------------------------------- CSV


def decode(raw: bytes) -> str:
    """CSV bytes -> text: UTF-8 (with or without BOM), else Windows-1252."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BerkasRusak(
            "berkas tersimpan sebagai Unicode (UTF-16); simpan ulang sebagai "
            "'CSV UTF-8' atau 'CSV (dipisah koma)'"
        )
    if b"\x00" in raw[:4096]:
        raise BerkasRusak("berkas bukan teks CSV (berisi data biner)")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise BerkasRusak(
            "pengodean karakter tidak dikenal (simpan sebagai CSV UTF-8 atau Windows-1252)"
        ) from exc


def sniff_separator(text: str) -> str:
    """CSV text -> ";" or ",": the one that splits the first lines into more, steadier fields."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]

    def score(sep: str) -> tuple[int, int]:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=sep)]
        except csv.Error:  # a damaged line: count separators instead
            counts = [line.count(sep) + 1 for line in lines]
        widest = max(counts, default=0)
        return (sum(1 for c in counts if c == widest and c > 1), widest)

    return max([";", ","], key=score)


def split_csv(text: str, separator: str) -> tuple[list[list[str]], set[int]]:
    """CSV text -> its rows, and the numbers of rows that could not be split with certainty.

    A well-formed file is read record by record (a quoted cell may hold a line break).
    A stray quote anywhere makes that impossible; the file is then read line by line,
    each broken line split leniently and marked, so one bad line never blocks the rest.
    """
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
        return list(reader), set()
    except csv.Error:
        pass
    rows: list[list[str]] = []
    broken: set[int] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            row = next(csv.reader([line], delimiter=separator, strict=True), [])
        except csv.Error:
            try:
                row = next(csv.reader([line], delimiter=separator, strict=False), [])
            except csv.Error:  # e.g. a cell beyond csv's field size limit: keep the line whole
                row = [line]
            broken.add(number)
        rows.append(row)
    return rows, broken


def read_csv(path: Path, berkas: str) -> Lembar:
    """CSV file -> one text grid; `baris` is the row number Excel shows when it opens it."""
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise BerkasRusak(f"berkas terlalu besar ({size // (1024 * 1024)} MB)")
    text = decode(path.read_bytes())
    if not text.strip():
        raise BerkasRusak("berkas kosong")
    separator = sniff_separator(text)
    rows, broken = split_csv(text, separator)
    grid = to_grid([[c.strip() or None for c in row] for row in rows])
    return Lembar(berkas, None, grid.with_columns(rusak=pl.col("baris").is_in(sorted(broken))))


# ---------------------------------------------------------------- grid


def to_grid(rows: list[list[str | None]]) -> pl.DataFrame:
    """Rows of text cells (row i is spreadsheet row i+1) -> grid without blank rows."""
    width = max((len(r) for r in rows), default=0)
    while width and all(len(r) < width or r[width - 1] is None for r in rows):
        width -= 1
    data: dict[str, list] = {"baris": []}
    for c in range(1, width + 1):
        data[f"c{c}"] = []
    for number, row in enumerate(rows, start=1):
        cells = (list(row) + [None] * width)[:width]
        if all(c is None for c in cells):
            continue
        data["baris"].append(number)
        for c, value in enumerate(cells, start=1):
            data[f"c{c}"].append(value)
    schema = {"baris": pl.Int32, **{f"c{c}": pl.String for c in range(1, width + 1)}}
    return pl.DataFrame(data, schema=schema)
