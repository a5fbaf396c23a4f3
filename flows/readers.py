"""Reading files as the bidang send them: CSV in any accepted dialect, and workbooks.

Every file becomes a list of `SheetGrid` (text grids) or a `UnreadableFile` saying, in the
steward's language, why it could not be read. Nothing here interprets the cells;
transforms/ does that.

Workbooks are read with python-calamine, the Python binding of the calamine reader
that fastexcel also wraps: it gives every cell with its own type, which the contract's
number rules need (a number cell 1234.567 and a text cell "1234.567" mean different
amounts), where fastexcel types whole columns. calamine runs in a child process with
its own memory and CPU caps (flows/workbook_child.py): it allocates a sheet's whole
rectangle before its size can be asked.

Every limit of schemas/limits.py is checked before the cells it bounds are built: a file
or sheet over one is refused (`OverLimit`, reported as V001:batas), never read.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import polars as pl

from schemas.limits import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_SHEETS,
    MAX_UNCOMPRESSED_BYTES,
    MIB,
    WORKBOOK_CPU_SECONDS,
    WORKBOOK_MEMORY_BYTES,
)
from schemas.types import grouped
from transforms.numbers import format_cell_number
from transforms.sheets import ReadResult, SheetGrid, column_letter, faithful

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
# Workbook formats calamine could open but whose size cannot be checked before it does.
UNSUPPORTED_WORKBOOKS = {".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}
# Operating-system and editor litter that is never a bidang's data.
IGNORED_NAMES = {".ds_store", "thumbs.db", "desktop.ini", ".gitkeep"}
BATAS = "V001:batas"  # the check a file or sheet over a limit of schemas/limits.py reports

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_CHILD = Path(__file__).with_name("workbook_child.py")

# The csv module's own cell limit, made explicit: a longer CSV cell breaks only its line.
csv.field_size_limit(MAX_CELL_CHARS)


class UnreadableFile(Exception):
    """A file that cannot be read; the message is for the steward, in Bahasa Indonesia."""


class OverLimit(UnreadableFile):
    """A file over one of the limits of schemas/limits.py, refused before it is read."""


def is_ignored(path: Path) -> bool:
    """Path -> True for OS litter and Excel's lock files (~$name.xlsx)."""
    name = path.name.lower()
    return name in IGNORED_NAMES or name.startswith("~$") or name.startswith("._")


def read_file(path: Path, berkas: str) -> ReadResult:
    """File on disk -> its sheets as text grids, or the reason it cannot be read."""
    berkas = faithful(berkas)
    try:
        return ReadResult(berkas, tuple(_read(path, berkas)))
    except OverLimit as problem:
        return ReadResult(berkas, problem=str(problem), check=BATAS)
    except UnreadableFile as problem:
        return ReadResult(berkas, problem=str(problem))
    except (OSError, ValueError, csv.Error, MemoryError) as problem:
        # Whatever a hostile or damaged file does to a reader, it is that file's finding;
        # the other files of the run go on.
        return ReadResult(berkas, problem=f"berkas tidak dapat dibaca ({type(problem).__name__})")


def _read(path: Path, berkas: str) -> list[SheetGrid]:
    """File -> sheets; raises UnreadableFile."""
    suffix = path.suffix.lower()
    if suffix in UNSUPPORTED_WORKBOOKS:
        raise UnreadableFile(
            f"format buku kerja '{suffix}' tidak diterima; buka di Excel lalu simpan ulang "
            "sebagai .xlsx"
        )
    if suffix not in WORKBOOK_SUFFIXES | CSV_SUFFIXES:
        raise UnreadableFile(
            f"format berkas '{path.suffix or path.name}' tidak didukung "
            "(yang diterima: .xlsx, .xls, .csv)"
        )
    head = read_bytes(path, 4)
    if not head:
        raise UnreadableFile("berkas kosong (0 byte)")
    if head in (_ZIP_MAGIC, _OLE_MAGIC) or suffix in WORKBOOK_SUFFIXES:
        return read_workbook(path, berkas)
    return [read_csv(path, berkas)]


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """Regular file -> its bytes (the first `limit` only); refuses anything else unread.

    Opened without blocking and checked on the open descriptor, so a FIFO or a device
    put in place of a file is refused, never waited on or read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile("bukan berkas biasa (mis. pipa atau perangkat)")
        if info.st_size > MAX_FILE_BYTES:
            raise OverLimit(
                f"berkas berukuran {size_text(info.st_size)}, melebihi batas "
                f"{size_text(MAX_FILE_BYTES)}"
            )
        data = handle.read(MAX_FILE_BYTES + 1 if limit is None else limit)
    if len(data) > MAX_FILE_BYTES:  # it grew after it was measured
        raise OverLimit(f"berkas melebihi batas {size_text(MAX_FILE_BYTES)}")
    return data


def size_text(size: int) -> str:
    """Bytes -> "80 MB" (whole MB from 1 MB up) or "131 byte", for a steward's message."""
    return f"{grouped(size // MIB)} MB" if size >= MIB else f"{grouped(size)} byte"


# ---------------------------------------------------------------- workbooks


def _cell_text(value: object) -> str | None:
    """One workbook cell -> its text; numbers in canonical Indonesian form, empty -> None.

    Dates and times arrive from the reading process as ISO text already.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, (bool, int, float)):
        return format_cell_number(value)
    return str(value)


def workbook_limits() -> dict[str, int]:
    """-> the limits the workbook reading process applies (schemas/limits.py)."""
    return {
        "baris": MAX_ROWS,
        "kolom": MAX_COLUMNS,
        "sel": MAX_CELLS,
        "panjang_sel": MAX_CELL_CHARS,
        "lembar": MAX_SHEETS,
        "isi_zip": MAX_UNCOMPRESSED_BYTES,
        "memori": WORKBOOK_MEMORY_BYTES,
        "detik": WORKBOOK_CPU_SECONDS,
    }


def _too_costly() -> OverLimit:
    """-> the refusal of a workbook whose reading process ran out of memory or time."""
    return OverLimit(
        f"buku kerja ini memerlukan lebih dari {size_text(WORKBOOK_MEMORY_BYTES)} "
        f"memori atau {WORKBOOK_CPU_SECONDS} detik untuk dibuka (mis. ada isi di sel yang "
        "sangat jauh seperti XFD1048576)"
    )


def open_in_child(path: Path) -> dict:
    """Workbook -> its sheets as read by flows/workbook_child.py, under its own limits."""
    try:
        done = subprocess.run(
            [sys.executable, "-I", str(_CHILD), str(path), json.dumps(workbook_limits())],
            capture_output=True,
            timeout=WORKBOOK_CPU_SECONDS + 60,
            env={**os.environ, "RUST_BACKTRACE": "0"},
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise _too_costly() from None
    if done.returncode != 0:
        raise _too_costly()
    return json.loads(done.stdout)


def _file_problem(result: dict) -> UnreadableFile | None:
    """The reading process's answer -> the refusal of the whole file, or None."""
    galat = result.get("galat")
    if galat is None:
        return None
    if galat == "isi_zip":
        return OverLimit(
            f"isi berkas terlalu besar setelah dibuka ({size_text(result['nilai'])}, batas "
            f"{size_text(MAX_UNCOMPRESSED_BYTES)}); pecah menjadi beberapa berkas"
        )
    if galat == "lembar":
        return OverLimit(
            f"buku kerja berisi {grouped(result['nilai'])} lembar, melebihi batas "
            f"{MAX_SHEETS} lembar; pindahkan lembar realisasi ke buku kerja tersendiri"
        )
    if galat == "zip":
        return UnreadableFile(f"berkas rusak atau terpotong ({result['rincian']})")
    if galat == "bukan_xlsx":
        return UnreadableFile(
            "berkas zip ini bukan buku kerja Excel .xlsx (mungkin .xlsb, .ods atau dokumen "
            "lain); buka di Excel lalu simpan ulang sebagai .xlsx"
        )
    if galat == "baca":
        return UnreadableFile(f"lembar '{result['nama']}' tidak dapat dibaca ({result['rincian']})")
    return UnreadableFile(
        f"berkas tidak dapat dibuka sebagai buku kerja Excel ({result['rincian']})"
    )


def sheet_limit_message(sheet: dict) -> str:
    """A sheet the reading process refused -> which limit it passes and how to fix it."""
    batas, nilai, alamat = sheet["batas"], sheet["nilai"], sheet["alamat"]
    if batas == "baris":
        what = f"lembar ini sampai baris {grouped(nilai)} (sel {alamat}), melebihi batas "
        what += f"{grouped(MAX_ROWS)} baris"
    elif batas == "kolom":
        what = f"lembar ini sampai kolom {column_letter(nilai)} ({grouped(nilai)} kolom, sel "
        what += f"{alamat}), melebihi batas {grouped(MAX_COLUMNS)} kolom"
    elif batas == "sel":
        what = f"lembar ini mencakup {grouped(nilai)} sel (dari A1 sampai {alamat}), melebihi "
        what += f"batas {grouped(MAX_CELLS)} sel"
    elif batas == "panjang_sel":
        what = f"sel {alamat} berisi {grouped(nilai)} karakter, melebihi batas "
        what += f"{grouped(MAX_CELL_CHARS)} karakter per sel"
    else:
        what = "lembar ini terlalu besar untuk dibaca"
    return what


def read_workbook(path: Path, berkas: str) -> list[SheetGrid]:
    """Workbook -> one text grid per worksheet (chart sheets skipped).

    A sheet over a limit comes back empty with its `problem`; a file the reading process
    could not open at all raises UnreadableFile.
    """
    result = open_in_child(path)
    problem = _file_problem(result)
    if problem is not None:
        raise problem
    sheets: list[SheetGrid] = []
    for sheet in result["lembar"]:
        problem = _file_problem(sheet)
        if problem is not None:
            raise problem
        hidden = sheet["tersembunyi"]
        if "batas" in sheet:
            message = sheet_limit_message(sheet)
            sheets.append(SheetGrid(berkas, sheet["nama"], to_grid([]), hidden, problem=message))
            continue
        grid = to_grid([[_cell_text(v) for v in row] for row in sheet["baris"]])
        sheets.append(SheetGrid(berkas, sheet["nama"], grid, hidden=hidden))
    return sheets


# ---------------------------------------------------------------- CSV


def decode(raw: bytes) -> str:
    """CSV bytes -> text: UTF-8 (with or without BOM), else Windows-1252."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile(
            "berkas tersimpan sebagai Unicode (UTF-16); simpan ulang sebagai "
            "'CSV UTF-8' atau 'CSV (dipisah koma)'"
        )
    if b"\x00" in raw[:4096]:
        raise UnreadableFile("berkas bukan teks CSV (berisi data biner)")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            "pengodean karakter tidak dikenal (simpan sebagai CSV UTF-8 atau Windows-1252)"
        ) from exc


def sniff_separator(text: str) -> str:
    """CSV text -> ";" or ",": the one that splits the first lines into more, steadier fields."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]

    def score(sep: str) -> tuple[int, int]:
        raw = [line.count(sep) + 1 for line in lines]
        if max(raw, default=0) > MAX_COLUMNS:  # never split a line that wide into a list
            counts = raw
        else:
            try:
                counts = [len(row) for row in csv.reader(lines, delimiter=sep)]
            except csv.Error:  # a damaged line: count separators instead
                counts = raw
        widest = max(counts, default=0)
        return (sum(1 for c in counts if c == widest and c > 1), widest)

    return max([";", ","], key=score)


def check_csv_size(lines: pl.Series, separator: str) -> None:
    """CSV lines -> nothing, or OverLimit before they are split: too many lines, a line with
    too many separators, or too many cells in all (counted on the text, so a 50 MB line of
    `a,` never becomes 25 million cells)."""
    if lines.len() and lines[-1] == "":  # the line break that ends the last line
        lines = lines.head(-1)
    count = lines.len()
    if count > MAX_ROWS:
        raise OverLimit(
            f"berkas CSV berisi {grouped(count)} baris, melebihi batas {grouped(MAX_ROWS)} baris"
        )
    widths = lines.str.count_matches(separator, literal=True) + 1
    wide = (widths > MAX_COLUMNS).arg_true()
    if wide.len():
        number, width = int(wide[0]) + 1, int(widths[int(wide[0])])
        raise OverLimit(
            f"baris {grouped(number)} berisi {grouped(width)} kolom (dipisah '{separator}'), "
            f"melebihi batas {grouped(MAX_COLUMNS)} kolom"
        )
    cells = int(widths.sum())
    if cells > MAX_CELLS:
        raise OverLimit(
            f"berkas CSV berisi {grouped(cells)} sel, melebihi batas {grouped(MAX_CELLS)} sel"
        )


def check_csv_records(rows: list[list[str]], separator: str) -> None:
    """Split CSV records -> nothing, or OverLimit for one wider than MAX_COLUMNS (quoted
    line breaks can join lines into one record)."""
    for number, row in enumerate(rows, start=1):
        if len(row) > MAX_COLUMNS:
            raise OverLimit(
                f"baris {grouped(number)} berisi {grouped(len(row))} kolom (dipisah "
                f"'{separator}'), melebihi batas {grouped(MAX_COLUMNS)} kolom"
            )


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


def read_csv(path: Path, berkas: str) -> SheetGrid:
    """CSV file -> one text grid; `baris` is the row number Excel shows when it opens it.

    A file without quotes (most machine exports) is split by polars' reader in one
    vectorised pass; a file with quotes goes through the csv module, which knows Excel's
    quoting (a separator or a line break inside quotes) and marks a line it cannot split
    with certainty."""
    text = decode(read_bytes(path))
    if not text.strip():
        raise UnreadableFile("berkas kosong")
    separator = sniff_separator(text)
    lines = pl.Series("line", text.split("\n"), dtype=pl.String)
    check_csv_size(lines, separator)
    if '"' not in text and "\r" not in text.replace("\r\n", "\n"):
        return SheetGrid(berkas, None, _plain_grid(text, separator, lines))
    rows, broken = split_csv(text, separator)
    check_csv_records(rows, separator)
    grid = to_grid([[c.strip() or None for c in row] for row in rows])
    return SheetGrid(berkas, None, grid.with_columns(rusak=pl.col("baris").is_in(sorted(broken))))


def _plain_grid(text: str, separator: str, lines: pl.Series) -> pl.DataFrame:
    """CSV text without quotes -> the same grid `to_grid` makes, split by polars: every
    record is one line, so a row's number is its line's."""
    width = int(lines.str.count_matches(separator, literal=True).max() or 0) + 1
    names = [f"c{c}" for c in range(1, width + 1)]
    frame = pl.read_csv(
        io.BytesIO(text.encode("utf-8")),
        separator=separator,
        has_header=False,
        quote_char=None,
        schema={name: pl.String for name in names},
        truncate_ragged_lines=True,
        missing_columns="insert",
    )
    cells = [pl.col(n).str.strip_chars().replace("", None).alias(n) for n in names]
    grid = frame.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int32).alias("baris"), *cells
    ).filter(pl.any_horizontal(pl.col(names).is_not_null()))
    used = [n for n in names if grid.get_column(n).null_count() < grid.height]
    last = max((names.index(n) for n in used), default=-1)
    return grid.select("baris", *names[: last + 1]).with_columns(rusak=pl.lit(False))


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
