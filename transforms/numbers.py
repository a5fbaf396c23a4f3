"""Numbers as the bidang write them, read exactly into Decimal.

The contract (DATA-CONTRACT.md section 1) accepts `1234567`, `1234567.5`, `1.234.567`,
`1.234.567,50`, `Rp 1.234.567`, `(1.875.900)` for a negative and `-` for zero. A text
with a comma is Indonesian (dots group thousands, the comma starts the decimals); a
text with dots only is Indonesian when every group after the first has three digits,
and otherwise a decimal point. Clarifications of ours: a first group of `0` can never
start a thousands grouping, so `0.354` is a decimal; "Rp" is read only in front of the
amount ("1 Rp 234" is unreadable); the common `Rp 1.000.000,-` means whole Rupiah.

Everything here is a polars expression, so a column of ten million cells is parsed in
one vectorised pass; `parse_text` is the same parser for a single Python string.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

MONEY = pl.Decimal(18, 2)
"""Parquet DECIMAL(18,2): every Rupiah amount of the pipeline."""

MEASURE = pl.Decimal(18, 4)
"""Indicator values, targets and percentages (not money: rounded half-to-even to 4 places)."""

_WIDE = pl.Decimal(38, 10)
_MAX_INTEGER_DIGITS = 16  # DECIMAL(18,2) holds 16 digits before the decimal point

_SPACES = r"[\s\u00a0\u2007\u202f]"
_SPACES_IN_NUMBER = r"(\d)[\s\u00a0\u2007\u202f]+(\d)"
_CURRENCY = r"^([(\-\u2212]?)(?i:rp\.?)"  # "Rp" leads the text (maybe after "(" or "-")
_NO_CENTS = r",-+$"  # "Rp 1.000.000,-": the dash stands for ",00"
_DASH_ONLY = r"^\(?[-\u2013\u2014\u2212]\)?$"
_PARENS = r"^\((.+)\)$"
_MINUS = r"^[-\u2212](.+)$"

# Bodies without sign or currency, each with the rewrite to a plain "1234567.50".
_COMMA_DECIMAL = r"^(?:\d{1,3}(?:\.\d{3})+|\d+),\d+$"
_DOT_THOUSANDS = r"^[1-9]\d*(?:\.\d{3})+$"
_DOT_DECIMAL = r"^\d+\.\d+$"
_INTEGER = r"^\d+$"


def _strip(text: pl.Expr) -> pl.Expr:
    """Text -> text without spaces and currency marks (null stays null).

    A space between two digits is not a separator of the contract: it is turned into a
    character no convention accepts, so "12 5" is unreadable rather than 125.
    """
    return (
        text.str.replace_all(_SPACES_IN_NUMBER, "$1\x00$2")
        .str.replace_all(_SPACES, "")
        .str.replace(_CURRENCY, "$1")
        .str.replace(_NO_CENTS, "")
    )


def _plain(body: pl.Expr) -> pl.Expr:
    """Unsigned body in any accepted convention -> "1234567.50" style text, null if unreadable."""
    return (
        pl.when(body.str.contains(_COMMA_DECIMAL))
        .then(body.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .when(body.str.contains(_DOT_THOUSANDS))
        .then(body.str.replace_all(".", "", literal=True))
        .when(body.str.contains(_DOT_DECIMAL) | body.str.contains(_INTEGER))
        .then(body)
        .otherwise(None)
    )


def _fraction_digits(plain: pl.Expr) -> pl.Expr:
    """Plain number text -> how many digits follow the decimal point."""
    return plain.str.extract(r"\.(\d+)$", 1).str.len_chars().fill_null(0)


def _integer_digits(plain: pl.Expr) -> pl.Expr:
    """Plain number text -> how many digits precede the decimal point, leading zeros aside."""
    return plain.str.extract(r"^0*(\d*)", 1).str.len_chars()


def parse_number(text: pl.Expr, *, max_decimals: int | None = 2, percent: bool = False) -> pl.Expr:
    """Text column -> Decimal(38,10) column; null where empty or unreadable.

    `max_decimals` rejects (null) a value with more decimals than that, which is how a
    money column refuses "1.234,567" instead of rounding it; `None` accepts any and
    rounds at the tenth decimal. `percent` allows a trailing "%".
    """
    s = _strip(text)
    if percent:
        s = s.str.replace(r"%$", "")
    is_zero_dash = s.str.contains(_DASH_ONLY)
    negative_parens = s.str.contains(_PARENS)
    s = s.str.replace(_PARENS, "$1")
    negative_minus = s.str.contains(_MINUS)
    body = s.str.replace(_MINUS, "$1")
    plain = _plain(body)
    readable = plain.is_not_null() & (_integer_digits(plain) <= _MAX_INTEGER_DIGITS)
    if max_decimals is not None:
        readable = readable & (_fraction_digits(plain) <= max_decimals)
    magnitude = plain.cast(_WIDE, strict=False)
    readable = readable & ~(negative_parens & negative_minus)
    value = pl.when(negative_parens | negative_minus).then(-magnitude).otherwise(magnitude)
    return (
        pl.when(is_zero_dash)
        .then(pl.lit(Decimal(0), dtype=_WIDE))
        .when(readable)
        .then(value)
        .otherwise(pl.lit(None, dtype=_WIDE))
    )


def parse_money(text: pl.Expr) -> pl.Expr:
    """Text column -> DECIMAL(18,2) Rupiah; null where empty, unreadable or finer than a sen."""
    return parse_number(text, max_decimals=2).cast(MONEY)


def parse_measure(text: pl.Expr, *, percent: bool = False) -> pl.Expr:
    """Text column -> DECIMAL(18,4) indicator value or percentage; null if empty or unreadable."""
    return parse_number(text, max_decimals=None, percent=percent).round(4).cast(MEASURE)


def is_unreadable(text: pl.Expr, parsed: pl.Expr) -> pl.Expr:
    """True where a cell holds text that did not parse (an empty cell is not unreadable)."""
    return text.is_not_null() & parsed.is_null()


def parse_text(text: str | None, *, max_decimals: int | None = 2) -> Decimal | None:
    """One string -> Decimal, or None where empty or unreadable (same rules as `parse_number`)."""
    frame = pl.DataFrame({"t": [text]}, schema={"t": pl.String})
    return frame.select(parse_number(pl.col("t"), max_decimals=max_decimals)).item()


def format_cell_number(value: float | int) -> str:
    """A spreadsheet's numeric cell -> canonical Indonesian text ("1234567,5"), as Excel shows it.

    Excel keeps 15 significant digits, so a float is first rounded to those (0.1+0.2 is
    0.3 in the cell a user sees). The comma makes the text unambiguous for `parse_number`:
    a number cell 1234.567 must not be read back as the Indonesian text "1.234.567".
    """
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    exact = Decimal(format(value, ".15g"))
    text = format(exact, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")
