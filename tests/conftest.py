"""Shared fixtures: one Prefect test server per session, the demo consolidation, paths.

Prefect's home and result storage live in a temporary folder of this session, so runs
never share a SQLite file with anything else (the "database is locked" errors come
from sharing). Subprocesses (the CLI, a run killed mid-publish) are pointed at the same
server through PREFECT_API_URL instead of starting their own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_PREFECT_HOME = Path(tempfile.mkdtemp(prefix="lkjip-prefect-home-"))
os.environ["PREFECT_HOME"] = str(_PREFECT_HOME)
os.environ["PREFECT_LOCAL_STORAGE_PATH"] = str(_PREFECT_HOME / "storage")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_SERVER_DATABASE_TIMEOUT"] = "60"
os.environ["PREFECT_LOGGING_TO_API_BATCH_INTERVAL"] = "0.5"

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "raw"
REFERENSI = ROOT.parent / "shared" / "reference" / "2023"
TAHUN = 2023


_FAULT_LEDGER = _PREFECT_HOME / "kegagalan.jsonl"


def pytest_sessionfinish(session, exitstatus):  # noqa: ARG001
    """A session that measured every failure case rewrites the README's figures from them
    (each case records only once its own checks passed)."""
    import fault_ledger

    rows = fault_ledger.table_rows(_FAULT_LEDGER)
    if rows is not None and fault_ledger.write_readme(rows):
        print("\nREADME.md: tabel kegagalan diperbarui dari hasil uji ini")
    shutil.rmtree(_PREFECT_HOME, ignore_errors=True)


@pytest.fixture
def record_fault():
    """-> record(case, tried, lost): this test's figures for the README's failure table."""
    import fault_ledger

    def record(case: str, tried: int, lost: int) -> None:
        fault_ledger.record(_FAULT_LEDGER, case, tried, lost)

    return record


@pytest.fixture(scope="session")
def demo_manifest(demo_run: dict) -> dict:
    """-> the manifest of the bundled demo's publication (the baseline of rows read)."""
    import json

    path = demo_run["curated"] / "manifest" / f"tahun={TAHUN}.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def prefect_api() -> str:
    """-> the API URL of the session's Prefect test server (started once)."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield PREFECT_API_URL.value()


@pytest.fixture(scope="session")
def subprocess_env(prefect_api: str) -> dict[str, str]:
    """-> environment for a subprocess that must use the session's Prefect server."""
    return {**os.environ, "PREFECT_API_URL": prefect_api}


@pytest.fixture(scope="session")
def demo_run(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The bundled demo data consolidated to TW4 once per session: the flow's result + folder."""
    from flows.prefect_flow import konsolidasi

    curated = tmp_path_factory.mktemp("curated-demo")
    result = konsolidasi(tahun=TAHUN, triwulan=4, raw=RAW, curated=curated)
    return {**result, "curated": curated}


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """-> a private copy of the bundled raw folder that a test may break."""
    target = tmp_path / "raw"
    shutil.copytree(RAW / str(TAHUN), target / str(TAHUN))
    return target
