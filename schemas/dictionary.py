"""The data dictionary of the curated tables, rendered from schemas/curated.py.

`python -m schemas.dictionary > curated/README.md` writes it; a test checks the committed
file equals this rendering, so the dictionary cannot drift from the code.
"""

from __future__ import annotations

import re

import polars as pl

from schemas.curated import MODELS, PARTISI
from schemas.types import MONEY, PERCENT

_INTRO = """# Curated tables (data dictionary)

Generated from `schemas/curated.py` by `python -m schemas.dictionary > curated/README.md`;
do not edit by hand. Contract: `DATA-CONTRACT.md` section 3.

Every table is a hive-partitioned Parquet dataset under this folder. Money is
`<MONEY>` (exact Rupiah), codes are strings. Partition keys (`tahun`, `triwulan`)
are in the folder names only, not inside the files, so every reader agrees on them.
A year is published as a whole: `<table>/tahun=<tahun>` is a link into the year's
current release under `.rilis/`, switched atomically; `manifest/tahun=<tahun>.json`
describes that release (run id, code version, every input with its sha256 and rows
read, every output with its row count, the publish gate's results). The publish
gate's Data Docs are in `data_docs/<tahun>/index.html`.

## Reading the tables

```python
import polars as pl
ra = pl.scan_parquet("curated/realisasi_anggaran", hive_partitioning=True).collect()

import pandas as pd  # Arrow types keep decimals exact and summable
ra = pd.read_parquet("curated/realisasi_anggaran", dtype_backend="pyarrow")

import pyarrow.dataset as ds
ra = ds.dataset("curated/realisasi_anggaran", format="parquet", partitioning="hive").to_table()

import duckdb  # one * per partition level: DuckDB's ** does not follow the year link
duckdb.sql("select * from read_parquet('curated/realisasi_anggaran/*/*/*.parquet', "
           "hive_partitioning=true)")
```
"""

_RATIO = '''## Computing a percentage from Decimal columns

`serapan_anggaran` already holds the report's sums and percentages (per program,
kegiatan, bidang, jenis belanja and quarter). To compute a ratio of your own from the
`<MONEY>` columns, do not divide them as they are:

- polars keeps the scale of the operands: `sum(realisasi_kumulatif) / sum(pagu) * 100`
  gives 19,00 where the answer is 18,54, and a zero pagu raises an error;
- pandas with Arrow types raises "Decimal precision out of range" on summed columns, and
  "Divide by zero" on a zero pagu;
- DuckDB divides decimals as binary floats (DOUBLE), and gives `inf` for a zero pagu.

The percentages here are computed exactly and rounded once, half away from zero, to two
decimals (as the office prints them); a zero pagu gives an empty (null) percentage. The
examples compute the absorption (serapan) per program at TW4, equal to the
`serapan_anggaran` rows with `tingkat = 'program'`, `jenis_belanja = 'semua'`; a test
runs them. polars: divide whole cents as integers.

```python
import polars as pl

ra = pl.scan_parquet("curated/realisasi_anggaran", hive_partitioning=True).collect()
sums = (
    ra.filter(pl.col("triwulan") == 4)
    .group_by("kode_program")
    .agg(pl.col("realisasi_kumulatif").sum(), pl.col("pagu").sum())
)
part = (pl.col("realisasi_kumulatif") * 100).cast(pl.Int128)  # whole cents
whole = pl.when(pl.col("pagu") != 0).then((pl.col("pagu") * 100).cast(pl.Int128))
hundredths = (2 * part.abs() * 10_000 + whole) // (2 * whole) * part.sign()  # half away
per_program_polars = sums.with_columns(
    serapan=(hundredths.cast(pl.Decimal(38, 2)) / 100).cast(pl.Decimal(<PERCENT p, s>))
).sort("kode_program")
```

pandas: Python's `Decimal` (28 significant digits, more than any ratio of two
`<MONEY>` amounts needs; `ROUND_HALF_UP` rounds half away from zero).

```python
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pyarrow as pa

ra = pd.read_parquet("curated/realisasi_anggaran", dtype_backend="pyarrow")
sums = (
    ra[ra["triwulan"] == 4]
    .groupby("kode_program", as_index=False)[["realisasi_kumulatif", "pagu"]]
    .sum()
)


def persen(bagian, total):
    """part / whole x 100, exact, 2 decimals half away from zero; None for a zero whole."""
    if total == 0:
        return None
    return (bagian * 100 / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


sums["serapan"] = pd.array(
    [persen(r, p) for r, p in zip(sums["realisasi_kumulatif"], sums["pagu"])],
    dtype=pd.ArrowDtype(pa.decimal128(<PERCENT p, s>)),
)
per_program_pandas = sums.sort_values("kode_program")
```

DuckDB: whole cents as `HUGEINT`, the same integer division.

```python
import duckdb

per_program_duckdb = duckdb.sql("""
    with sums as (
        select kode_program,
               sum(realisasi_kumulatif) as realisasi_kumulatif,
               sum(pagu) as pagu
        from read_parquet('curated/realisasi_anggaran/*/*/*.parquet', hive_partitioning=true)
        where triwulan = 4
        group by kode_program
    ), cents as (
        select kode_program, realisasi_kumulatif, pagu,
               cast(realisasi_kumulatif * 100 as hugeint) as part,
               cast(nullif(pagu, 0) * 100 as hugeint) as whole
        from sums
    )
    select kode_program, realisasi_kumulatif, pagu,
           cast(cast((2 * abs(part) * 10000 + whole) // (2 * whole) * sign(part)
                     as decimal(18, 0)) * 0.01 as decimal(<PERCENT p, s>)) as serapan
    from cents
    order by kode_program
""").fetchall()
```

Where a figure comes from: `asal_angka` names, for every fact of `realisasi_anggaran` and
`capaian_kinerja`, the files, sheets and rows that made it (with the file's sha256 and the
run id), e.g. `select * from asal_angka where triwulan = 4 and kode = '2.17.06.1.01.01'
and jenis_belanja = 'operasi'`.
'''


def _sql(dtype: pl.Decimal) -> str:
    """Decimal type -> how SQL and the dictionary name it: DECIMAL(18,2)."""
    return f"DECIMAL({dtype.precision},{dtype.scale})"


def _typed(text: str) -> str:
    """Text with the placeholders <MONEY> and <PERCENT p, s> -> with the declared types
    (schemas/types.py): the examples store what the tables hold."""
    return text.replace("<MONEY>", _sql(MONEY)).replace(
        "<PERCENT p, s>", f"{PERCENT.precision}, {PERCENT.scale}"
    )


def _type(dtype: object) -> str:
    """pandera/polars dtype -> how the dictionary names it."""
    text = str(dtype).replace("DataType(", "").replace(")", "")
    return re.sub(r"Decimal\(precision=(\d+), scale=(\d+)", r"DECIMAL(\1,\2)", text)


def duckdb_glob(name: str) -> str:
    """Table name -> the DuckDB glob that reads it through the year link."""
    return f"curated/{name}/" + "/".join("*" for _ in PARTISI[name]) + "/*.parquet"


def render() -> str:
    """-> the data dictionary as Markdown."""
    parts = [_typed(_INTRO), _typed(_RATIO)]
    for name, model in MODELS.items():
        schema = model.to_schema()
        keys = ", ".join(f"`{k}=`" for k in PARTISI[name])
        parts.append(f"## `{name}`\n\n{model.__doc__.strip()}\n")
        parts.append(
            f"Partitioned by {keys}. DuckDB: `read_parquet('{duckdb_glob(name)}', "
            "hive_partitioning=true)`.\n"
        )
        parts.append("| column | type | null | meaning |\n|---|---|---|---|")
        for column_name, column in schema.columns.items():
            null = "yes" if column.nullable else "no"
            kind = "integer (folder)" if column_name in PARTISI[name] else _type(column.dtype)
            parts.append(f"| `{column_name}` | {kind} | {null} | {column.description} |")
        parts.append("")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
