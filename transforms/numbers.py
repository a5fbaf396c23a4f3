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

from schemas.types import MEASURE, MEASURE_DIGITS, MONEY, MONEY_DIGITS, integer_digits

_WIDE = pl.Decimal(38, 10)
_MAX_INTEGER_DIGITS = integer_digits(MONEY)  # DECIMAL(18,2) holds 16 digits before the point

_SPACES = r"[\s\u00a0\u2007\u202f]"
_SPACES_IN_NUMBER = r"(\d)[\s\u00a0\u2007\u202f]+(\d)"
_DASHES = "-\u2212\u2013\u2014"

# One pass splits a cell (spaces removed) into its parts: "(" and/or a minus, an "Rp"
# in front, the digits, a ",-" meaning whole Rupiah, ")" and "%".
_CELL = (
    rf"^(?P<lead>\(?[{_DASHES}]?\(?)(?i:rp\.?)?(?P<lead2>\(?[{_DASHES}]?\(?)"
    r"(?P<body>\d[\d.,]*)?(?:,-+)?(?P<close>\)?)(?P<pct>%?)$"
)
# A second pass reads the digits in the convention they are written in:
# ci,cf  Indonesian with a decimal comma (dots group thousands): 1.234.567,50 / 1234,5
# th     Indonesian thousands with dots only, every group after the first of three digits
#        (a first group of 0 is never a thousands group): 1.234.567 / 1234.567
# pi,pf  plain, with at most one decimal point: 1234567 / 12.50 / 0.354
_BODY = (
    r"^(?:(?P<ci>\d{1,3}(?:\.\d{3})+|\d+),(?P<cf>\d+)"
    r"|(?P<th>[1-9]\d*(?:\.\d{3})+)"
    r"|(?P<pi>\d+)(?:\.(?P<pf>\d+))?)$"
)


def _squeeze(text: pl.Expr) -> pl.Expr:
    """Text -> text without spaces (null stays null).

    A space between two digits is not a separator of the contract: it is turned into a
    character no convention accepts, so "12 5" is unreadable rather than 125.
    """
    return text.str.replace_all(_SPACES_IN_NUMBER, "$1\x00$2").str.replace_all(_SPACES, "")


def _read(
    text: pl.Expr,
    *,
    max_decimals: int | None,
    percent: bool,
    max_digits: int,
    scale: int | None = None,
) -> pl.Expr:
    """Text column -> struct of the parse steps, with `value` and `besar` among its fields.

    `value` is the number as Decimal(38,10), rounded to `scale` places when given; null
    where empty, unreadable, or at or above 10^max_digits. `besar` is True where the text
    is a well-formed number that is too large that way (so a finding can say so).

    A pure polars expression, never a Python callback: a callback that runs polars again
    from inside polars' thread pool can deadlock it when flows run several tasks at once
    (pola-rs/polars#27600). Each step is a field of one struct, computed once by
    `struct.with_fields`: as one flat expression polars would evaluate the regex passes
    again for every field read from them.
    """
    assert max_digits < _WIDE.precision - _WIDE.scale, max_digits
    cell = _squeeze(text.cast(pl.String)).str.extract_groups(_CELL)
    steps = cell.struct.with_fields(
        signs=pl.field("lead") + pl.field("lead2"),
        parts=pl.field("body").str.extract_groups(_BODY),
    ).struct.with_fields(
        opened=pl.field("signs").str.count_matches(r"\(", literal=False),
        minus=pl.field("signs").str.count_matches(rf"[{_DASHES}]"),
        closed=pl.field("close") == ")",
        whole=pl.coalesce(
            *(pl.field("parts").struct.field(g) for g in ("ci", "th", "pi"))
        ).str.replace_all(".", "", literal=True),
        fraction=pl.coalesce(*(pl.field("parts").struct.field(g) for g in ("cf", "pf"))),
    )
    opened, minus, closed = pl.field("opened"), pl.field("minus"), pl.field("closed")
    whole, fraction = pl.field("whole"), pl.field("fraction")
    balanced = (opened <= 1) & ((opened == 1) == closed)
    well_formed = (
        balanced
        & (minus <= 1)
        & ~((opened == 1) & (minus == 1))
        & (pl.lit(percent) | (pl.field("pct") == ""))
        & whole.is_not_null()
    )
    if max_decimals is not None:
        well_formed = well_formed & (fraction.str.len_chars().fill_null(0) <= max_decimals)
    digits = whole.str.strip_chars_start("0").str.len_chars()
    magnitude = pl.concat_str([whole, pl.lit("."), fraction.fill_null("0")]).cast(
        _WIDE, strict=False
    )
    if scale is not None:
        magnitude = magnitude.round(scale)
    ceiling = pl.lit(Decimal(10) ** max_digits, dtype=_WIDE)
    fits = (digits <= max_digits) & (magnitude < ceiling)
    readable = well_formed & fits
    dash_for_zero = pl.field("body").is_null() & (minus == 1) & balanced
    value = (
        pl.when(dash_for_zero)
        .then(pl.lit(Decimal(0), dtype=_WIDE))
        .when(readable & ((opened == 1) | (minus == 1)))
        .then(-magnitude)
        .when(readable)
        .then(magnitude)
        .otherwise(pl.lit(None, dtype=_WIDE))
    )
    return steps.struct.with_fields(value=value, besar=(well_formed & ~fits).fill_null(False))


def parse_number(
    text: pl.Expr,
    *,
    max_decimals: int | None = 2,
    percent: bool = False,
    max_digits: int = _MAX_INTEGER_DIGITS,
) -> pl.Expr:
    """Text column -> Decimal(38,10) column; null where empty, unreadable or too large.

    `max_decimals` rejects (null) a value with more decimals than that, which is how a
    money column refuses "1.234,567" instead of rounding it; `None` accepts any and
    rounds at the tenth decimal. `percent` allows a trailing "%". `max_digits` rejects
    a value of 10^max_digits or more.
    """
    parsed = _read(text, max_decimals=max_decimals, percent=percent, max_digits=max_digits)
    return parsed.struct.field("value").name.keep()


def parse_money(text: pl.Expr) -> pl.Expr:
    """Text column -> DECIMAL(18,2) Rupiah; null where empty, unreadable, finer than a sen or
    too large (see MONEY_DIGITS)."""
    return money_value(read_money(text)).name.keep()


def read_money(text: pl.Expr) -> pl.Expr:
    """Text column -> a struct read once for both `money_value` and `too_large`: one
    pass of the regex steps gives the amount and whether it is too large to hold."""
    return _read(text, max_decimals=2, percent=False, max_digits=MONEY_DIGITS)


def read_measure(text: pl.Expr, *, percent: bool = False) -> pl.Expr:
    """Text column -> a struct read once for both `measure_value` and `too_large`."""
    return _read(
        text, max_decimals=None, percent=percent, max_digits=MEASURE_DIGITS, scale=MEASURE.scale
    )


def money_value(read: pl.Expr) -> pl.Expr:
    """A `read_money` struct -> the DECIMAL(18,2) amount (as parse_money)."""
    return read.struct.field("value").cast(MONEY)


def measure_value(read: pl.Expr) -> pl.Expr:
    """A `read_measure` struct -> the DECIMAL(18,4) value (as parse_measure)."""
    return read.struct.field("value").cast(MEASURE)


def too_large(read: pl.Expr) -> pl.Expr:
    """A `read_money` or `read_measure` struct -> True where the number is too large."""
    return read.struct.field("besar")


def parse_measure(text: pl.Expr, *, percent: bool = False) -> pl.Expr:
    """Text column -> DECIMAL(18,4) indicator value or percentage; null if empty, unreadable
    or too large for DECIMAL(18,4)."""
    return measure_value(read_measure(text, percent=percent)).name.keep()


def ceiling(dtype: pl.Decimal) -> Decimal:
    """Decimal type -> the least magnitude it cannot hold: DECIMAL(9,2) -> 10^7."""
    return Decimal(10) ** integer_digits(dtype)


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
