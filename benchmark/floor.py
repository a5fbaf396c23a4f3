"""The floor of `make bench`: polars reads every input file as text and writes it as Parquet.

    .venv/bin/python benchmark/floor.py --raw benchmark/out/100k/raw --out /tmp/floor

No header search, no number parsing, no checks: only what any pipeline over these files
must do at least. Each CSV is read with `pl.read_csv` (all columns as text, no header,
its separator and encoding sniffed from its first bytes; Windows-1252 is read as lossy
UTF-8, which polars does natively), each workbook's first sheet with
`pl.read_excel(engine="calamine")`. That engine needs `fastexcel`, which is not in
requirements.txt: without it the sheet is read with python-calamine (the reader
fastexcel wraps, and the one lkjip uses) and every cell turned into text, the way lkjip
keeps it. Each file is written to its own Parquet file. Prints one JSON line of counts
(the wall time and memory are measured by benchmark/bench.py around this process).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

import polars as pl

CSV_SUFFIXES = (".csv",)
XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xls")
HAS_FASTEXCEL = importlib.util.find_spec("fastexcel") is not None


def sniff(path: Path) -> tuple[str, str]:
    """CSV -> (separator, polars encoding) from its first 8 KB."""
    head = path.open("rb").read(8192)
    try:
        text = head.decode("utf-8-sig")
        encoding = "utf8"
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the 8 KB boundary is still UTF-8.
        encoding = "utf8" if error.start > len(head) - 4 else "utf8-lossy"
        text = head.decode("utf-8", errors="replace")
    lines = text.splitlines()[:5]
    separator = ";" if sum(x.count(";") for x in lines) > sum(x.count(",") for x in lines) else ","
    return separator, encoding


def read_csv(path: Path) -> pl.DataFrame:
    """A CSV as a frame of text columns, every line a row (title rows included)."""
    separator, encoding = sniff(path)
    return pl.read_csv(
        path,
        separator=separator,
        encoding=encoding,
        has_header=False,
        infer_schema=False,
        truncate_ragged_lines=True,
    )


def read_workbook(path: Path) -> pl.DataFrame:
    """A workbook's first sheet as a frame of text columns."""
    if HAS_FASTEXCEL:
        return pl.read_excel(
            path, engine="calamine", has_header=False, infer_schema_length=0, sheet_id=1
        )
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    width = max((len(r) for r in rows), default=0)
    text = [[None if c == "" else str(c) for c in r] + [None] * (width - len(r)) for r in rows]
    return pl.DataFrame(
        text, schema={f"column_{i + 1}": pl.String for i in range(width)}, orient="row"
    )


def run(raw: Path, out: Path) -> dict:
    """Read every input file under `raw` and write it to `out`; -> counts."""
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    counts = {"files": 0, "csv": 0, "xlsx": 0, "rows": 0, "bytes_written": 0}
    for n, path in enumerate(sorted(p for p in raw.rglob("*") if p.is_file())):
        suffix = path.suffix.lower()
        if suffix in CSV_SUFFIXES:
            frame = read_csv(path)
            counts["csv"] += 1
        elif suffix in XLSX_SUFFIXES:
            frame = read_workbook(path)
            counts["xlsx"] += 1
        else:
            continue
        target = out / f"{n:06d}.parquet"
        frame.write_parquet(target)
        counts["files"] += 1
        counts["rows"] += frame.height
        counts["bytes_written"] += target.stat().st_size
    counts["seconds_inside"] = round(time.perf_counter() - start, 3)
    counts["xlsx_reader"] = "pl.read_excel(calamine)" if HAS_FASTEXCEL else "python-calamine"
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command line: --raw ROOT --out FOLDER; prints the counts as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.raw, args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
