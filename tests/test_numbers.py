"""The number parser against the conventions of DATA-CONTRACT.md section 1 ("Numbers").

Every expected value is written by hand here, or (in the property tests) derived from the
Decimal that hypothesis generated, never from the parser under test.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.numbers import format_cell_number, parse_money, parse_number, parse_text

NBSP = "\u00a0"


def money(text: str | None) -> Decimal | None:
    """One text -> parse_money of it (the money column reader), as a Python value."""
    frame = pl.DataFrame({"t": [text]}, schema={"t": pl.String})
    return frame.select(parse_money(pl.col("t"))).item()


# --------------------------------------------------------------------------- conventions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234567", Decimal("1234567")),
        ("1234567.5", Decimal("1234567.5")),
        ("1.234.567", Decimal("1234567")),
        ("1.234.567,50", Decimal("1234567.50")),
        ("1.234.567,5", Decimal("1234567.5")),
        ("Rp 1.234.567", Decimal("1234567")),
        ("Rp. 1.234,5", Decimal("1234.5")),
        ("Rp1.234.567", Decimal("1234567")),
        ("rp 1.234.567", Decimal("1234567")),
        ("(1.875.900)", Decimal("-1875900")),
        ("-1.875.900", Decimal("-1875900")),
        ("Rp (1.875.900)", Decimal("-1875900")),
        ("(Rp 1.875.900)", Decimal("-1875900")),
        ("-", Decimal("0")),
        ("Rp -", Decimal("0")),
        ("Rp. -", Decimal("0")),
        ("0", Decimal("0")),
        ("12,5", Decimal("12.5")),
        ("0,35", Decimal("0.35")),
    ],
)
def test_every_contract_convention_reads_exactly(text: str, expected: Decimal) -> None:
    assert parse_text(text) == expected
    assert money(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  1.234.567  ", Decimal("1234567")),
        (f"{NBSP}1.234.567,50{NBSP}", Decimal("1234567.50")),
        (f"Rp{NBSP}1.234.567", Decimal("1234567")),  # Excel's currency format puts an NBSP
        ("\t(1.875.900) ", Decimal("-1875900")),
        (f" Rp{NBSP}-{NBSP}", Decimal("0")),
    ],
)
def test_leading_and_trailing_spaces_and_nbsp_are_ignored(text: str, expected: Decimal) -> None:
    assert parse_text(text) == expected


@pytest.mark.parametrize("text", [None, "", "   ", NBSP])
def test_an_empty_cell_is_null_not_zero(text: str | None) -> None:
    assert parse_text(text) is None


# --------------------------------------------------------------------------- ambiguous texts


@pytest.mark.parametrize(
    ("text", "expected", "why"),
    [
        ("1.234", Decimal("1234"), "dots only, every group after the first has 3 digits"),
        ("1234.567", Decimal("1234567"), "the group after the first has 3 digits: thousands"),
        ("12.345.678", Decimal("12345678"), "all groups after the first have 3 digits"),
        ("12.50", Decimal("12.5"), "a 2-digit group: a decimal point"),
        ("1.5", Decimal("1.5"), "a 1-digit group: a decimal point"),
    ],
)
def test_dots_only_are_thousands_when_every_later_group_has_three_digits(
    text: str, expected: Decimal, why: str
) -> None:
    assert parse_text(text, max_decimals=None) == expected, why


def test_a_first_group_of_zero_is_a_decimal_point_not_thousands() -> None:
    # Our documented clarification: 0.354 is never 354.
    assert parse_text("0.354", max_decimals=None) == Decimal("0.354")
    # ... and as money it has three decimals, so it is refused rather than rounded.
    assert money("0.354") is None


def test_a_comma_alone_is_an_indonesian_decimal_comma() -> None:
    assert parse_text("1,234", max_decimals=None) == Decimal("1.234")
    assert money("1,234") is None  # three decimals are finer than a sen


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1,234,567", "two commas: English thousands, not a contract convention"),
        ("1,234.56", "English grouping with a decimal point"),
        ("1.234.5", "a later group without three digits among thousands groups"),
        ("12 5", "a space between digits is not a separator"),
        ("1 234 567", "space-grouped thousands are not a contract convention"),
        ("1e5", "scientific notation"),
        ("satu juta", "words"),
        ("12.000,", "a comma without decimals"),
        ("(-5)", "two minus signs at once"),
        ("Rp", "a currency mark without a number"),
    ],
)
def test_unreadable_texts_are_null_at_any_precision(text: str, why: str) -> None:
    assert parse_text(text) is None, why
    assert parse_text(text, max_decimals=None) is None, why


def test_three_decimals_are_unreadable_as_money_but_readable_as_a_measure() -> None:
    assert money("1.234,567") is None
    assert parse_text("1.234,567") is None
    assert parse_text("1.234,567", max_decimals=None) == Decimal("1234.567")


def test_money_beyond_the_declared_limit_is_unreadable_not_wrapped() -> None:
    # 14 integer digits (under Rp 100 triliun) per cell, so a sheet's sums still fit
    # DECIMAL(18,2); a 15-digit realisasi is a V003, never a wrapped or crashed figure.
    assert money("99.999.999.999.999,99") == Decimal("99999999999999.99")
    assert money("999.999.999.999.999") is None
    assert money("99.999.999.999.999.999") is None


# --------------------------------------------------------------------------- number cells


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.1 + 0.2, "0,3"),
        (513676300.3, "513676300,3"),
        (1234.567, "1234,567"),
        (1234567.0, "1234567"),
        (1234567, "1234567"),
        (25.5, "25,5"),
        (-1875900.0, "-1875900"),
        (0.0, "0"),
    ],
)
def test_a_number_cell_is_written_as_excel_shows_it(value: float | int, shown: str) -> None:
    assert format_cell_number(value) == shown


def test_a_number_cell_of_1234_567_is_read_back_as_1234_567_not_1234567() -> None:
    text = format_cell_number(1234.567)
    assert parse_text(text, max_decimals=None) == Decimal("1234.567")
    assert money(text) is None  # three decimals: refused as money, never rounded


def test_a_number_cell_of_0_1_plus_0_2_is_exactly_0_3() -> None:
    assert money(format_cell_number(0.1 + 0.2)) == Decimal("0.3")


@settings(deadline=None)
@given(
    st.decimals(
        min_value=Decimal("-99999999999.999"),
        max_value=Decimal("99999999999.999"),
        places=3,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_a_number_cell_round_trips_through_its_text(value: Decimal) -> None:
    # At most 14 significant digits, so the float Excel stores shows exactly this value.
    assert parse_text(format_cell_number(float(value)), max_decimals=None) == value


# --------------------------------------------------------------------------- properties

AMOUNTS = st.decimals(
    min_value=Decimal("-99999999999999.99"),
    max_value=Decimal("99999999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


def _grouped(integer: int) -> str:
    """Non-negative integer -> Indonesian thousands grouping ("1.234.567"), written by hand."""
    digits = str(integer)
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return ".".join(groups)


@st.composite
def written_amounts(draw: st.DrawFn) -> tuple[Decimal, str]:
    """-> (an amount, that amount as a bidang might type it in any accepted convention)."""
    value = draw(AMOUNTS)
    magnitude = abs(value)
    integer = int(magnitude)
    cents = int((magnitude - integer) * 100)  # exact: places=2
    fraction = f"{cents:02d}"
    if fraction.endswith("0") and draw(st.booleans()):
        fraction = fraction[:-1]  # "12,5" as well as "12,50"
    whole = cents == 0
    style = draw(st.sampled_from(["plain", "indonesian"]))
    if style == "plain":
        # 1 or 2 decimals after the point: never the "x.yyy" form, which is thousands.
        body = str(integer) if whole and draw(st.booleans()) else f"{integer}.{fraction}"
    else:
        grouped = _grouped(integer)
        body = grouped if whole and draw(st.booleans()) else f"{grouped},{fraction}"
    currency = draw(st.sampled_from(["", "Rp ", "Rp", "Rp. ", f"Rp{NBSP}", "rp "]))
    if value < 0:
        sign = draw(st.sampled_from(["parens", "minus", "parens outside", "minus outside"]))
        text = {
            "parens": f"{currency}({body})",
            "minus": f"{currency}-{body}",
            "parens outside": f"({currency}{body})",
            "minus outside": f"-{currency}{body}",
        }[sign]
    else:
        text = f"{currency}{body}"
    pad = draw(st.sampled_from(["", " ", NBSP, "  "]))
    return value, f"{pad}{text}{draw(st.sampled_from(['', ' ', NBSP]))}"


@settings(max_examples=300, deadline=None)
@given(written_amounts())
def test_any_amount_in_any_accepted_convention_parses_back_exactly(
    case: tuple[Decimal, str],
) -> None:
    value, text = case
    assert money(text) == value, text
    assert parse_text(text) == value, text


NUMBERISH = st.text(alphabet="0123456789.,-() Rp%e\u00a0", max_size=14)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), NUMBERISH, written_amounts().map(lambda c: c[1]))))
def test_the_vectorised_parse_equals_parse_text_per_element(texts: list[str | None]) -> None:
    column = pl.DataFrame({"t": texts}, schema={"t": pl.String})
    vectorised = column.select(parse_number(pl.col("t"))).to_series().to_list()
    assert vectorised == [parse_text(t) for t in texts]
    measured = column.select(parse_number(pl.col("t"), max_decimals=None)).to_series().to_list()
    assert measured == [parse_text(t, max_decimals=None) for t in texts]
