"""A sheet as read: a grid of text cells, and where its header row is.

Readers (flows/readers.py) turn every CSV and every worksheet into a `SheetGrid`: text
cells in columns c1..cN (spreadsheet columns A..), blank rows dropped, and the row
number a spreadsheet user sees kept in `baris`. Numeric cells arrive as canonical
Indonesian text (see numbers.format_cell_number), so one parser serves every format.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import polars as pl

from schemas.cells import column_letter
from schemas.header_spellings import (
    KEUANGAN,
    KINERJA,
    KOLOM,
    PENGENAL,
    SALAH_SATU,
    aliases,
    normalize_header,
)

HEADER_SCAN_ROWS = 30


@dataclass(frozen=True)
class SheetGrid:
    """One CSV file or one worksheet: where it came from and its cells.

    `problem` says why a sheet over a reader limit was not read (its grid is then empty).
    """

    berkas: str
    lembar: str | None
    grid: pl.DataFrame
    hidden: bool = False
    problem: str | None = None


@dataclass(frozen=True)
class ReadResult:
    """What reading one file gave: its sheets, or why it could not be read.

    `cek` names the check (schemas.rules.CEK) a file that could not be read reports.
    """

    berkas: str
    lembar: tuple[SheetGrid, ...] = ()
    problem: str | None = None
    check: str = "V001:rusak"


def faithful(text: str) -> str:
    """A name that may hold bytes that are not UTF-8 (surrogate escapes, as Python decodes
    such file names) -> printable text with those bytes as \\xNN: b"R \\xe9.csv" -> "R \\xe9.csv".
    """
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class TableKind:
    """A kind of table a header row may name, and how its header is recognised.

    `spellings` maps each accepted header text (normalised by `normalize_header`) to its
    column's name. A row naming every `identifying` column is the table's header; the
    header must then also have every `required` column and one column of each `one_of`
    group (what it lacks is `Header.missing`).
    """

    name: str
    spellings: dict[str, str]
    identifying: tuple[str, ...]
    required: tuple[str, ...]
    one_of: tuple[tuple[str, ...], ...] = ()


def _export_kind(name: str) -> TableKind:
    """keuangan or kinerja -> its table kind (schemas/header_spellings.py)."""
    return TableKind(
        name=name,
        spellings=aliases(name),
        identifying=PENGENAL[name],
        required=tuple(k.name for k in KOLOM[name] if k.required),
        one_of=SALAH_SATU[name],
    )


EXPORTS = (_export_kind(KINERJA), _export_kind(KEUANGAN))
"""The realisation exports' tables. Kinerja is tried first: its header also has a "Kode"
and a "Realisasi" column, but only it has an indicator column."""


@dataclass(frozen=True)
class Header:
    """Where a table's header row is and which grid column holds which contract column.

    `all_titles` names every grid column as the header row writes it, a blank header cell
    by its column letter (as the steward sees it); `width` is the last column it names.
    """

    kind: str
    position: int
    baris: int
    kolom: dict[str, str]
    judul: dict[str, str]
    missing: tuple[str, ...] = ()
    duplicated: tuple[str, ...] = ()
    all_titles: dict[str, str] = field(default_factory=dict)
    width: int = 0


def grid_columns(grid: pl.DataFrame) -> list[str]:
    """Grid -> its cell columns c1..cN in order (not `baris`, nor a CSV's `rusak` mark)."""
    return [c for c in grid.columns if c.startswith("c") and c[1:].isdigit()]


def _match_row(cells: dict[str, str], kind: TableKind) -> tuple[dict[str, str], tuple[str, ...]]:
    """Header candidate cells -> ({column name: grid column}, names matched more than once)."""
    found: dict[str, str] = {}
    twice: list[str] = []
    for grid_col, text in cells.items():
        name = kind.spellings.get(normalize_header(text))
        if name is None:
            continue
        if name in found:
            twice.append(name)
        else:
            found[name] = grid_col
    return found, tuple(dict.fromkeys(twice))


def _missing(found: dict[str, str], kind: TableKind) -> tuple[str, ...]:
    """Matched columns -> the required columns of that table kind that are absent."""
    required = [name for name in kind.required if name not in found]
    for group in kind.one_of:
        if not any(name in found for name in group):
            required.append(" atau ".join(group))
    return tuple(required)


def locate_header(
    grid: pl.DataFrame, kinds: tuple[TableKind, ...] = EXPORTS, scan: int = HEADER_SCAN_ROWS
) -> Header | None:
    """Grid -> the first row among the top `scan` that names a table of one of `kinds` (tried
    in order on each row), or None."""
    for posisi, row, cells, kind, found, twice in _candidates(grid, kinds, scan):
        if all(name in found for name in kind.identifying):
            return _header(grid, posisi, row, cells, kind, found, twice)
    return None


def nearest_header(
    grid: pl.DataFrame,
    kinds: tuple[TableKind, ...] = EXPORTS,
    scan: int = HEADER_SCAN_ROWS,
    at_least: int = 2,
) -> Header | None:
    """Grid with no recognised header -> the top row naming the most columns of one table
    kind (at least `at_least`), with the required columns it lacks in `missing`; or None.

    It answers the steward's question "what is missing, and where did you look": a header
    on row 3 without its "Realisasi TW" column is reported as such, not as no header.
    """
    best: Header | None = None
    for posisi, row, cells, kind, found, twice in _candidates(grid, kinds, scan):
        if len(found) >= at_least and (best is None or len(found) > len(best.kolom)):
            best = _header(grid, posisi, row, cells, kind, found, twice)
    return best


def _candidates(grid: pl.DataFrame, kinds: tuple[TableKind, ...], scan: int) -> Iterator[tuple]:
    """Grid -> (posisi, row, cells, kind, found, twice) for each top row and table kind, in
    the order of `kinds`."""
    columns = grid_columns(grid)
    for posisi, row in enumerate(grid.head(scan).iter_rows(named=True)):
        cells = {c: row[c] for c in columns if row[c] is not None}
        for kind in kinds:
            found, twice = _match_row(cells, kind)
            yield posisi, row, cells, kind, found, twice


def _header(
    grid: pl.DataFrame, posisi: int, row: dict, cells: dict, kind: TableKind, found: dict, twice
) -> Header:
    """A candidate header row -> its Header (columns found, their titles, what is lacking)."""
    return Header(
        kind=kind.name,
        position=posisi,
        baris=row["baris"],
        kolom=found,
        judul={name: cells[c] for name, c in found.items()},
        missing=_missing(found, kind),
        duplicated=twice,
        all_titles={c: cells.get(c) or column_letter(int(c[1:])) for c in grid_columns(grid)},
        width=max(int(c[1:]) for c in cells),
    )


def body(grid: pl.DataFrame, header: Header) -> pl.DataFrame:
    """Grid -> the rows below its header row."""
    return grid.slice(header.position + 1)


def row_content(header: Header) -> pl.Expr:
    """-> JSON of a row's cells keyed by their header text: the quarantined row, as sent."""
    seen: set[str] = set()
    fields = []
    for grid_col, title in header.all_titles.items():
        key = title if title not in seen else f"{title} ({column_letter(int(grid_col[1:]))})"
        seen.add(key)
        fields.append(pl.col(grid_col).alias(key))
    return pl.struct(fields).struct.json_encode()


def overflow(lembar: SheetGrid, header: Header) -> pl.Expr:
    """-> True for a CSV row with cells right of its header's last column (a broken line).

    An unquoted "1.234,50" in a comma-separated file splits one amount into two cells
    and shifts every cell after it; such a row cannot be read with confidence. In a
    workbook, cells right of the table are notes, not a broken line.
    """
    if lembar.lembar is not None:
        return pl.lit(False)
    broken = pl.col("rusak") if "rusak" in lembar.grid.columns else pl.lit(False)
    beyond = [c for c in grid_columns(lembar.grid) if int(c[1:]) > header.width]
    if not beyond:
        return broken
    return broken | pl.any_horizontal([pl.col(c).is_not_null() for c in beyond])


def body_texts(lembar: SheetGrid, header: Header, fields: tuple[str, ...]) -> pl.DataFrame:
    """Sheet + header -> its body rows: `<field>_teks` per contract column (stripped text),
    the row as sent (`isi`), whether a CSV line is broken (`kolom_berlebih`), its layout
    kind (`tata_letak`) and its cells normalised and joined (`sel`)."""
    rows = body(lembar.grid, header).select(
        pl.col("baris").cast(pl.Int32),
        *[
            (pl.col(header.kolom[f]) if f in header.kolom else pl.lit(None, pl.String))
            .str.strip_chars()
            .alias(f"{f}_teks")
            for f in fields
        ],
        isi=row_content(header),
        kolom_berlebih=overflow(lembar, header),
        sel=joined_cells(lembar),
    )
    return rows.with_columns(tata_letak=layout_rows(lembar, header, pl.col("sel")))


def joined_cells(lembar: SheetGrid) -> pl.Expr:
    """-> per row, its non-empty cells normalised like headers (letters and digits, lower
    case) and joined with "|": one string per row that layout checks can look at."""
    cells = []
    for c in grid_columns(lembar.grid):
        folded = pl.col(c).str.to_lowercase().str.replace_all(r"[^0-9a-z]", "")
        cells.append(pl.when(folded != "").then(folded))
    if not cells:
        return pl.lit("")
    return pl.concat_str(cells, separator="|", ignore_nulls=True)


def layout_rows(lembar: SheetGrid, header: Header, joined: pl.Expr) -> pl.Expr:
    """Rows' `joined_cells` -> "nomor_kolom" for the column numbers printed under a header
    (1, 2, 3 ... or (1), (2), (3) ...), "judul_ulang" for the header printed again after a
    page break, else null.

    A numbering row is a prefix "1|2|3..." of one string of all the sheet's column numbers,
    ending at a "|": one comparison per row, whatever the sheet's width.
    """
    width = len(grid_columns(lembar.grid))
    numbers = "|".join(str(i) for i in range(1, width + 1)) + "|"
    numbering = (
        joined.str.starts_with("1|2|3")
        & pl.lit(numbers).str.starts_with(joined + "|")
        & (width >= 3)
    )
    header_row = lembar.grid.slice(header.position, 1).select(joined_cells(lembar)).item()
    return (
        pl.when(numbering)
        .then(pl.lit("nomor_kolom"))
        .when((joined == header_row) & (joined != ""))
        .then(pl.lit("judul_ulang"))
        .otherwise(pl.lit(None, pl.String))
    )
