"""Publication: all tables of a year or none, reruns, readers, and the manifest.

(a) a publisher killed with SIGKILL while it writes a release leaves the previous release
current, complete and readable, and the next run publishes; (b) two runs over the same
raw folder publish the same tables; (c) DuckDB, pandas and polars read every curated table
as published and agree; (d) the manifest traces every figure to its inputs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal
from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "raw"
TAHUN = 2023
TABLES = ("dpa", "realisasi_anggaran", "capaian_kinerja", "temuan", "karantina")
PER_TRIWULAN = ("realisasi_anggaran", "capaian_kinerja")


# --- helpers ----------------------------------------------------------------------------------
def manifest_of(curated: Path) -> dict:
    """The year's manifest, through the analysts' path."""
    return json.loads((curated / "manifest" / f"tahun={TAHUN}.json").read_text(encoding="utf-8"))


def table_names(curated: Path) -> list[str]:
    names = [k["tabel"] for k in manifest_of(curated)["keluaran"]]
    assert set(TABLES) <= set(names), names
    return names


def is_split(curated: Path, name: str) -> bool:
    """Whether the table is partitioned by triwulan as well as by tahun."""
    (entry,) = [k for k in manifest_of(curated)["keluaran"] if k["tabel"] == name]
    return any(b.startswith("triwulan=") for b in entry["berkas"])


def read_polars(curated: Path, name: str) -> pl.DataFrame:
    return pl.scan_parquet(curated / name, hive_partitioning=True).collect()


def sorted_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Frame -> the same rows in one order (every column a sort key), columns by name."""
    frame = frame.select(sorted(frame.columns))
    return frame.sort(frame.columns, nulls_last=True) if frame.height else frame


def snapshot(curated: Path) -> dict[str, pl.DataFrame]:
    """Every published table of the year, read as an analyst reads it, in a stable order."""
    return {name: sorted_frame(read_polars(curated, name)) for name in table_names(curated)}


def decimal_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c, t in frame.schema.items() if isinstance(t, pl.Decimal)]


def totals(frame: pl.DataFrame) -> dict[str, Decimal]:
    """Exact sum of every Decimal column of a frame."""
    return {
        c: sum(frame.get_column(c).drop_nulls().to_list(), Decimal(0))
        for c in decimal_columns(frame)
    }


def active(curated: Path) -> str:
    return os.readlink(curated / ".rilis" / str(TAHUN) / "aktif")


def leftovers(curated: Path) -> list[Path]:
    """Half-written releases (`<rilis>.tmp` folders) of the year."""
    year = curated / ".rilis" / str(TAHUN)
    return [p for p in year.glob("*.tmp") if p.is_dir() and not p.name.startswith(".")]


def copy_curated(source: Path, target: Path) -> Path:
    """A curated folder copied with its (relative) symlinks, so it stays a publication."""
    shutil.copytree(source, target, symlinks=True)
    return target


def assert_same_tables(
    before: dict[str, pl.DataFrame], after: dict[str, pl.DataFrame], ignore: tuple[str, ...] = ()
) -> None:
    """Same tables, rows, Decimal totals and values (columns in `ignore` left out)."""
    assert sorted(before) == sorted(after)
    for name in before:
        old = sorted_frame(before[name].drop(ignore, strict=False))
        new = sorted_frame(after[name].drop(ignore, strict=False))
        assert old.height == new.height, name
        assert totals(old) == totals(new), name
        assert_frame_equal(old, new, check_dtypes=True, check_exact=True)


RUN_FLOW = (
    "import sys\n"
    "from pathlib import Path\n"
    "from flows.prefect_flow import konsolidasi\n"
    "r = konsolidasi(tahun=2023, triwulan=4, raw=Path(sys.argv[1]), curated=Path(sys.argv[2]))\n"
    "print('RUN_ID=' + r['run_id'])\n"
    "print('RILIS=' + r['rilis'])\n"
)

# Republishes the current tables of the curated folder with realisasi_anggaran made large
# (the demo rows many times over), so that writing the release takes a while.
PUBLISH_LARGE = """
import sys
from pathlib import Path

import polars as pl

from flows.release_store import CuratedTable, active_manifest, publish_year

curated, times = Path(sys.argv[1]), int(sys.argv[2])
manifest = active_manifest(curated, 2023)
tables = {}
for entry in manifest["keluaran"]:
    name = entry["tabel"]
    frame = pl.scan_parquet(curated / name, hive_partitioning=True).collect()
    split = any(b.startswith("triwulan=") for b in entry["berkas"])
    if name == "realisasi_anggaran":
        frame = pl.concat([frame] * times).with_columns(
            uraian=pl.col("uraian") + " #" + pl.int_range(pl.len()).cast(pl.String)
        )
    partition = ("tahun", "triwulan") if split else ("tahun",)
    tables[name] = CuratedTable(frame, partition=partition, triwulan=(1, 2, 3, 4))
print("MULAI", flush=True)
publish_year(curated, 2023, manifest["run_id"] + "-besar", tables, manifest)
print("SELESAI", flush=True)
"""


# --- (a) a real kill during publication -------------------------------------------------------
def test_kill_during_publish_keeps_previous_release_and_rerun_succeeds(
    demo_run, subprocess_env, tmp_path
):
    curated = copy_curated(demo_run["curated"], tmp_path / "curated")
    before = snapshot(curated)
    manifest_bytes = (curated / "manifest" / f"tahun={TAHUN}.json").read_bytes()
    previous = active(curated)
    assert not leftovers(curated)

    proc = subprocess.Popen(
        [sys.executable, "-c", PUBLISH_LARGE, str(curated), "5000"],
        cwd=ROOT,
        env=subprocess_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not leftovers(curated):
            assert proc.poll() is None, f"publisher ended before writing: {proc.communicate()}"
            assert time.monotonic() < deadline, "no release was started within 120 s"
            time.sleep(0.002)
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert "SELESAI" not in out
    # It died mid-write: the new release is a half-written folder without its manifest.
    (half,) = leftovers(curated)
    assert not (half / "manifest.json").exists()

    # The previous release is still the current one, whole.
    assert active(curated) == previous
    assert (curated / "manifest" / f"tahun={TAHUN}.json").read_bytes() == manifest_bytes
    assert_same_tables(before, snapshot(curated))

    # A rerun (the flow, in its own process) publishes and becomes current.
    rerun = subprocess.run(
        [sys.executable, "-c", RUN_FLOW, str(RAW), str(curated)],
        cwd=ROOT,
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    rilis = re.search(r"^RILIS=(.+)$", rerun.stdout, re.MULTILINE).group(1)
    run_id = re.search(r"^RUN_ID=(.+)$", rerun.stdout, re.MULTILINE).group(1)
    assert active(curated) == Path(rilis).name != previous
    assert not leftovers(curated)
    manifest = manifest_of(curated)
    assert manifest["run_id"] == run_id
    assert all(m["berubah"] is False for m in manifest["masukan"])  # the same raw inputs
    after = snapshot(curated)
    # The same data (run_id also names the code, which (b) holds fixed).
    assert_same_tables(before, after, ignore=("run_id",))
    assert set(after["temuan"].get_column("run_id").to_list()) == {run_id}


# --- (b) the same raw folder twice gives the same tables --------------------------------------
def test_publishing_twice_from_the_same_raw_gives_identical_tables(demo_run, tmp_path):
    from flows.prefect_flow import konsolidasi

    curated = copy_curated(demo_run["curated"], tmp_path / "curated")
    before = snapshot(curated)
    first = active(curated)
    result = konsolidasi(tahun=TAHUN, triwulan=4, raw=RAW, curated=curated)
    assert result["run_id"] == demo_run["run_id"]
    assert active(curated) == Path(result["rilis"]).name != first
    after = snapshot(curated)
    assert_same_tables(before, after)
    assert set(after["temuan"].get_column("run_id").to_list()) == {demo_run["run_id"]}


def test_publishing_the_same_run_again_at_once_succeeds(tmp_path):
    """Reruns are idempotent: the same run published three times in a row, each one current."""
    from flows.release_store import CuratedTable, publish_year

    frame = pl.DataFrame({"kode": ["2.17.06.1.01.01"], "pagu": [Decimal("678380100.00")]})
    tables = {"dpa": CuratedTable(frame.with_columns(pl.col("pagu").cast(pl.Decimal(18, 2))))}
    releases = []
    for _ in range(3):
        release = publish_year(
            tmp_path, TAHUN, "2023-tw4-sama", tables, {"run_id": "2023-tw4-sama"}
        )
        assert active(tmp_path) == release.name
        releases.append(release.name)
    assert len(set(releases)) == 3
    assert_frame_equal(read_polars(tmp_path, "dpa").drop("tahun"), tables["dpa"].frame)


# --- (c) DuckDB, pandas and polars read every table as published -------------------------------
def key_counts(rows) -> list[tuple]:
    """(tahun[, triwulan]) rows -> sorted ((tahun[, triwulan]), count) with plain ints."""
    counted = Counter(tuple(None if v is None else int(v) for v in r) for r in rows)
    return sorted(counted.items(), key=str)


def read_all(curated: Path, name: str) -> dict[str, dict]:
    """Rows, (tahun, triwulan) counts and Decimal totals of a table, per reader."""
    split = is_split(curated, name)
    frame = read_polars(curated, name)
    money = decimal_columns(frame)
    keys = ["tahun", "triwulan"] if split or "triwulan" in frame.columns else ["tahun"]
    out = {
        "polars": {
            "rows": frame.height,
            "keys": key_counts(frame.select(keys).rows()),
            "totals": totals(frame),
        }
    }

    source = f"read_parquet('{curated / name}/{'*/*/*.parquet' if split else '*/*.parquet'}', "
    source += "hive_partitioning=true)"
    relation = duckdb.sql(f"select * from {source}")
    assert set(relation.columns) == set(frame.columns), name
    sums = ", ".join(f"sum({c})" for c in money) or "1"
    (n, *sum_values) = duckdb.sql(f"select count(*), {sums} from {source}").fetchall()[0]
    out["duckdb"] = {
        "rows": n,
        "keys": key_counts(duckdb.sql(f"select {', '.join(keys)} from {source}").fetchall()),
        "totals": {
            c: Decimal(0) if v is None else v for c, v in zip(money, sum_values, strict=False)
        },
    }

    df = pd.read_parquet(curated / name, dtype_backend="pyarrow")
    assert set(df.columns) == set(frame.columns), name
    out["pandas"] = {
        "rows": len(df),
        "keys": key_counts(zip(*(df[k].tolist() for k in keys), strict=True)),
        "totals": {c: sum((v for v in df[c] if not pd.isna(v)), Decimal(0)) for c in money},
    }
    for reader, got in out.items():
        for c, v in got["totals"].items():
            assert isinstance(v, Decimal), (reader, name, c, type(v))
    return out


@pytest.mark.parametrize("name", TABLES)
def test_duckdb_pandas_polars_agree_on_each_table(demo_run, name):
    curated = demo_run["curated"]
    got = read_all(curated, name)
    assert got["duckdb"] == got["polars"], name
    assert got["pandas"] == got["polars"], name
    expected_rows = {"dpa": 120, "realisasi_anggaran": 240, "temuan": 1, "karantina": 0}
    if name in expected_rows:
        assert got["polars"]["rows"] == expected_rows[name]
    if name in PER_TRIWULAN:
        per_quarter = {key[1]: n for key, n in got["polars"]["keys"]}
        assert sorted(per_quarter) == [1, 2, 3, 4]
        assert len(set(per_quarter.values())) == 1  # every line / indicator in every quarter
    for reader, r in got.items():
        assert {key[0] for key, _ in r["keys"]} <= {TAHUN}, reader


def test_readers_agree_on_the_money_of_realisasi(demo_run):
    got = read_all(demo_run["curated"], "realisasi_anggaran")
    for reader, r in got.items():
        assert r["totals"]["realisasi_triwulan"] == Decimal(25_035_654_473), reader
        assert r["totals"]["pagu"] == 3 * Decimal(27_394_781_000) + Decimal(26_883_994_400), reader


def test_every_published_table_is_read_by_all_three(demo_run):
    curated = demo_run["curated"]
    for name in table_names(curated):
        got = read_all(curated, name)
        assert got["duckdb"] == got["polars"] == got["pandas"], name


def test_partition_keys_are_in_folder_names_and_decimal_money_in_files(demo_run):
    release = Path(demo_run["rilis"])
    for path in sorted(release.rglob("*.parquet")):
        schema = pq.read_schema(path)
        assert "tahun" not in schema.names, path  # a key in both places makes readers clash
        if "triwulan=" in path.parent.name:
            assert "triwulan" not in schema.names, path
        for field in schema:
            assert not pa.types.is_floating(field.type), (path, field.name)


# --- (d) the manifest -------------------------------------------------------------------------
HEADER_FIRST_CELLS = {"kode", "kode sub kegiatan", "kode kegiatan/sub kegiatan"}


def rows_below_header(rows: list[list]) -> int:
    """Non-blank rows under a table's header row (title rows above it are not table rows)."""
    cells = [["" if c is None else str(c).strip() for c in r] for r in rows]
    start = next(i for i, r in enumerate(cells) if any(c.lower() in HEADER_FIRST_CELLS for c in r))
    return sum(1 for r in cells[start + 1 :] if any(r))


def csv_rows(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    first = text.splitlines()[0]
    separator = ";" if first.count(";") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))


def expected_rows_read(path: Path) -> int:
    """Rows read from an input file, counted here with plain readers."""
    if path.parent.name == "referensi":
        with path.open(encoding="utf-8", newline="") as f:
            return len(list(csv.DictReader(f)))
    if path.suffix == ".csv":
        return rows_below_header(csv_rows(path))
    workbook = CalamineWorkbook.from_path(str(path))
    return sum(
        rows_below_header(workbook.get_sheet_by_name(name).to_python())
        for name in workbook.sheet_names
    )


def test_manifest_names_the_run_and_the_code(demo_run):
    manifest = manifest_of(demo_run["curated"])
    assert manifest["run_id"] == demo_run["run_id"]
    assert re.fullmatch(r"2023-tw4-[0-9a-f]{12}", manifest["run_id"])
    assert (manifest["tahun"], manifest["triwulan"]) == (TAHUN, 4)
    assert manifest["dibuat"]
    versi = manifest["versi_kode"]
    assert re.fullmatch(r"[0-9a-f]{64}", versi["sha256"])
    assert re.fullmatch(r"[0-9a-f]{40}", versi["git"])
    known = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{versi['git']}^{{commit}}"], check=False
    )
    assert known.returncode == 0, f"{versi['git']} is not a commit of this repository"


def test_manifest_lists_every_input_with_its_sha256(demo_run):
    manifest = manifest_of(demo_run["curated"])
    files = sorted(p for p in (RAW / str(TAHUN)).rglob("*") if p.is_file())
    listed = {m["berkas"]: m for m in manifest["masukan"]}
    assert sorted(listed) == [p.relative_to(RAW).as_posix() for p in files]
    for path in files:
        entry = listed[path.relative_to(RAW).as_posix()]
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), path
        assert entry["ukuran"] == path.stat().st_size


def test_manifest_rows_read_per_export_file(demo_run):
    manifest = manifest_of(demo_run["curated"])
    for entry in manifest["masukan"]:
        if "/referensi/" in entry["berkas"]:
            continue
        path = RAW / entry["berkas"]
        assert entry["baris_dibaca"] == expected_rows_read(path), entry["berkas"]
        assert entry["baris_dibaca"] == sum(entry["baris_per_status"].values())


def test_manifest_rows_read_per_reference_file(demo_run):
    manifest = manifest_of(demo_run["curated"])
    got = {
        m["berkas"]: m["baris_dibaca"] for m in manifest["masukan"] if "/referensi/" in m["berkas"]
    }
    expected = {
        p.relative_to(RAW).as_posix(): expected_rows_read(p)
        for p in sorted((RAW / str(TAHUN) / "referensi").iterdir())
    }
    assert expected["2023/referensi/dpa.csv"] == 120
    assert got == expected


def test_manifest_row_count_of_every_output(demo_run):
    curated = demo_run["curated"]
    manifest = manifest_of(curated)
    release = Path(demo_run["rilis"])
    assert {k["tabel"] for k in manifest["keluaran"]} >= set(TABLES)
    for entry in manifest["keluaran"]:
        name = entry["tabel"]
        assert entry["baris"] == read_polars(curated, name).height, name
        for berkas in entry["berkas"]:
            assert (release / name / berkas).is_file(), (name, berkas)
        files = sorted((release / name).rglob("*.parquet"))
        assert sum(pq.read_metadata(f).num_rows for f in files) == entry["baris"], name
    assert manifest["temuan"] == {"peringatan": 1}
