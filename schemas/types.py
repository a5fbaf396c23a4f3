"""The exact number types of the pipeline and the keys its tables share, declared once.

Every amount is an exact decimal, never a float: Rupiah are DECIMAL(18,2), indicator
values and targets DECIMAL(18,4), percentages DECIMAL(9,2). Each type is here twice,
from one (precision, scale): as the polars dtype the transforms cast to (`MONEY`,
`MEASURE`, `PERCENT`) and as the pandera dtype the models declare (`Money`, `Measure`,
`Percent`), so a model and the frame it checks cannot disagree.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl
from pandera.engines import polars_engine as pe

MONEY = pl.Decimal(18, 2)
"""Parquet DECIMAL(18,2): every Rupiah amount of the pipeline."""

MEASURE = pl.Decimal(18, 4)
"""Indicator values, targets and percentages (not money: rounded half-to-even to 4 places)."""

PERCENT = pl.Decimal(9, 2)
"""Published percentages (serapan, capaian): DECIMAL(9,2), rounded half away from zero."""

PERCENT_WIDE = pl.Decimal(38, 2)
"""A percentage of any size, exact to the hundredth: how one is computed or printed before
it is known to fit PERCENT."""

Money = pe.Decimal(MONEY.precision, MONEY.scale)
"""pandera type of a MONEY column."""

Measure = pe.Decimal(MEASURE.precision, MEASURE.scale)
"""pandera type of a MEASURE column."""

Percent = pe.Decimal(PERCENT.precision, PERCENT.scale)
"""pandera type of a PERCENT column."""


def integer_digits(dtype: pl.Decimal) -> int:
    """Decimal type -> the digits it holds before the decimal point: DECIMAL(18,4) -> 14."""
    return dtype.precision - dtype.scale


def grouped(value: int | Decimal) -> str:
    """Whole number -> Indonesian thousands grouping, as messages print it: 10^14 ->
    "100.000.000.000.000"."""
    return f"{int(value):,}".replace(",", ".")


MONEY_DIGITS = 14
"""Digits a Rupiah amount may have before the decimal point: from 100 triliun (10^14) up it
is refused (V003), never read. No line of a provincial budget comes near it (the whole
national budget is some 3.000 triliun a year), and a sum of a hundred such amounts still
fits DECIMAL(18,2): a 16-digit cell would overflow the first total it is added to."""

MEASURE_DIGITS = integer_digits(MEASURE)
"""Digits an indicator value or target may have before the decimal point (DECIMAL(18,4))."""

ROW = ("berkas", "lembar", "baris")
"""Where a row was sent: file (relative to raw), sheet (null for CSV), row number as the
spreadsheet shows it. The key of a staged row, a finding's place and a karantina row."""

LINE = ("kode_sub_kegiatan", "jenis_belanja")
"""A DPA line: a sub kegiatan and a jenis belanja (the grain of realisasi_anggaran)."""

MONEY_FIELDS = ("anggaran", "realisasi_triwulan", "realisasi_kumulatif")
"""The Rupiah columns of a keuangan row."""
