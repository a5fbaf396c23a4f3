"""The library core (flows/consolidation.py): a year consolidated and published without
Prefect gives exactly the flow's tables."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from fixtures_faults import published_tables
from polars.testing import assert_frame_equal

from flows.consolidation import Consolidation, consolidate_year, publish
from flows.raw_folder import LkjipError

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "raw"


@pytest.fixture(scope="module")
def library_year() -> Consolidation:
    """The bundled demo consolidated to TW4 by the library core alone."""
    return consolidate_year(RAW, 2023, 4)


def test_the_library_core_runs_without_prefect(tmp_path: Path) -> None:
    # In a fresh interpreter: importing and running the core never imports Prefect.
    import subprocess

    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from flows.consolidation import consolidate_year\n"
        f"result = consolidate_year(Path({str(RAW)!r}), 2023, 1)\n"
        "assert result.tables.realisasi_anggaran.height > 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'prefect'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_the_library_core_gives_the_flows_tables(library_year: Consolidation, demo_run) -> None:
    flow_tables = demo_run["tables"].tables()
    mine = library_year.tables.tables()
    assert set(mine) == set(flow_tables)
    for name, frame in mine.items():
        assert_frame_equal(frame, flow_tables[name], check_exact=True)
    assert library_year.run_id == demo_run["run_id"]


def test_the_demo_total_from_the_library_core(library_year: Consolidation) -> None:
    ra = library_year.tables.realisasi_anggaran
    total = ra.filter(pl.col("triwulan") == 4).get_column("realisasi_kumulatif").sum()
    assert total == Decimal("25035654473")
    assert library_year.tables.temuan.get_column("aturan").to_list() == ["R004"]


def test_publish_from_the_library_core_equals_the_flows_release(
    library_year: Consolidation, demo_run, tmp_path: Path
) -> None:
    curated = tmp_path / "curated"
    release = publish(library_year, curated)
    assert release.is_dir()
    mine, theirs = published_tables(curated), published_tables(demo_run["curated"])
    for name, frame in theirs.items():
        assert_frame_equal(mine[name], frame, check_exact=True)
    assert (curated / "data_docs" / "2023" / "index.html").is_file()
    manifest = (curated / "manifest" / "tahun=2023.json").read_text(encoding="utf-8")
    assert library_year.run_id in manifest


def test_the_library_core_refuses_a_bad_quarter_in_one_line() -> None:
    with pytest.raises(LkjipError, match="triwulan harus 1 sampai 4, bukan 5"):
        consolidate_year(RAW, 2023, 5)
    with pytest.raises(LkjipError, match="tidak ada"):
        consolidate_year(RAW, 1999, 4)
