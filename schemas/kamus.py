"""The data dictionary of the curated tables, rendered from schemas/curated.py.

`python -m schemas.kamus > curated/README.md` writes it; a test checks the committed
file equals this rendering, so the dictionary cannot drift from the code.
"""

from __future__ import annotations

from schemas.curated import MODELS, PARTISI

_INTRO = """# Curated tables (data dictionary)

Generated from `schemas/curated.py` by `python -m schemas.kamus > curated/README.md`;
do not edit by hand. Contract: `DATA-CONTRACT.md` section 3.

Every table is a hive-partitioned Parquet dataset under this folder. Money is
`DECIMAL(18,2)` (exact Rupiah), codes are strings. Partition keys (`tahun`, `triwulan`)
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


def _type(dtype: object) -> str:
    """pandera/polars dtype -> how the dictionary names it."""
    text = str(dtype)
    return (
        text.replace("DataType(", "")
        .replace(")", "")
        .replace("Decimal(precision=18, scale=2", "DECIMAL(18,2)")
        .replace("Decimal(precision=18, scale=4", "DECIMAL(18,4)")
        .replace("Decimal(precision=9, scale=2", "DECIMAL(9,2)")
    )


def duckdb_glob(name: str) -> str:
    """Table name -> the DuckDB glob that reads it through the year link."""
    return f"curated/{name}/" + "/".join("*" for _ in PARTISI[name]) + "/*.parquet"


def render() -> str:
    """-> the data dictionary as Markdown."""
    parts = [_INTRO]
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
