"""Ingest throughput on a synthetic large export: prints figures, asserts nothing.

    .venv/bin/python benchmark/ingest.py --rows 90000

Writes one `;`-separated Windows-1252 CSV of kode rekening rows (the heaviest shape a
bidang sends: Indonesian number text, a roll-up per sub kegiatan, a TOTAL row), then
times each stage of the ingest on it: reading the file into a grid, staging and
classifying rows, pandera validation with V008/V006, and the whole submission.
Performance is watched here, never by a timed assertion in the test suite.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from flows.readers import read_file
from transforms.ingest import ingest


def write_export(path: Path, rows: int) -> int:
    """-> writes `rows` kode rekening rows (+ roll-ups and a TOTAL) to `path`; -> lines written."""
    per_sub = 20
    lines = ["Kode;Uraian;Akun;Anggaran;Realisasi TW;Realisasi s/d TW;Fisik (%)"]
    total = 0
    for n in range(rows):
        sub, rek = divmod(n, per_sub)
        code = f"2.17.{sub // 10000 % 100:02d}.1.{sub // 100 % 100:02d}.{sub % 100:02d}"
        if rek == 0:
            lines.append(f"{code};Sub kegiatan {sub} – subtotal;;;;;")
        amount = 1_000_000 + (n % 997) * 1_000
        total += amount
        lines.append(
            f"{code};Belanja {n};5.1.02.01.01.{rek:04d};{amount * 4:,}".replace(",", ".")
            + ",00;"
            + f"{amount:,}".replace(",", ".")
            + ",00;-;45,50"
        )
    lines.append(f";TOTAL;;;{total:,};;".replace(",", "."))
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    return len(lines)


def timed(label: str, action):
    """Run `action`, print its wall time; -> its result."""
    start = time.perf_counter()
    result = action()
    print(f"{label:<28} {time.perf_counter() - start:8.2f} s", flush=True)
    return result


def main() -> None:
    """Parse --rows, build the export, time the stages, print rows per second and memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=90_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "realisasi.csv"
        lines = timed("write synthetic export", lambda: write_export(path, args.rows))
        size = path.stat().st_size / 1e6
        print(f"{'export':<28} {lines:,} lines, {size:.1f} MB")
        start = time.perf_counter()
        hasil = timed("read into a grid", lambda: read_file(path, "2023/TW1/x/realisasi.csv"))
        kiriman = timed(
            "stage + validate + V006/8",
            lambda: ingest([hasil], tahun=2023, triwulan=1, kode_bidang="x"),
        )
        elapsed = time.perf_counter() - start
        statuses = dict(kiriman.keuangan.group_by("status").len().iter_rows())
        print(f"{'rows by status':<28} {statuses}")
        print(f"{'findings':<28} {kiriman.temuan.height}")
        print(f"{'ingest throughput':<28} {args.rows / elapsed:,.0f} data rows/s")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{'peak memory':<28} {peak:,.0f} MB")


if __name__ == "__main__":
    main()
