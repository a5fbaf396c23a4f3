"""Orchestration: a real Prefect server and deployment, Dask scale-out, corrected resubmission.

These start real components the way an operator starts them: `prefect server start` on
a free loopback port, `lkjip serve` against it, a Dask LocalCluster of two worker
processes. They are the slow part of the suite, so each runs once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from flows.prefect_flow import konsolidasi, quarter_before
from flows.serve import CRON, DEPLOYMENT, TIMEZONE, free_port, prefect_server

ROOT = Path(__file__).resolve().parents[1]
LKJIP = ROOT / ".venv" / "bin" / "lkjip"
TABLES = ("dpa", "realisasi_anggaran", "capaian_kinerja", "temuan", "karantina", "kode")
JAKARTA = dt.timezone(dt.timedelta(hours=7))


def read_table(curated: Path, name: str) -> pl.DataFrame:
    """Published table -> its rows in a stable order."""
    frame = pl.scan_parquet(curated / name, hive_partitioning=True).collect()
    return frame.sort(frame.columns)


def task_states(flow_run_id) -> dict[str, str]:
    """Flow run id -> {task run name: state name} read through the API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read():
        async with get_client() as client:
            runs = await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            )
            return {r.name: r.state.name for r in runs}

    return asyncio.run(read())


# ------------------------------------------------------------------ the quarter of a run


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (dt.datetime(2024, 1, 10, 7, tzinfo=JAKARTA), (2023, 4)),
        (dt.datetime(2024, 4, 10, 7, tzinfo=JAKARTA), (2024, 1)),
        (dt.datetime(2024, 7, 10, 7, tzinfo=JAKARTA), (2024, 2)),
        (dt.datetime(2024, 10, 10, 7, tzinfo=JAKARTA), (2024, 3)),
        # 9 January 23:30 UTC is already 10 January 06:30 in Jakarta
        (dt.datetime(2024, 1, 9, 23, 30, tzinfo=dt.UTC), (2023, 4)),
        (dt.datetime(2024, 3, 31, 18, 0, tzinfo=dt.UTC), (2024, 1)),
    ],
)
def test_a_scheduled_run_consolidates_the_quarter_that_just_ended(moment, expected):
    assert quarter_before(moment) == expected


# ------------------------------------------------------------------ a real Prefect server


@pytest.fixture(scope="module")
def real_server(tmp_path_factory, raw_copy_module):
    """A real `prefect server start` on a free loopback port, and `lkjip serve` against it."""
    home = tmp_path_factory.mktemp("prefect-server-home")
    curated = tmp_path_factory.mktemp("curated-served")
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_DATABASE_TIMEOUT": "60",
    }
    with prefect_server(port, home / "server.log", env=env) as api_url:
        log = (home / "serve.log").open("wb")
        laporan = tmp_path_factory.mktemp("laporan-served")
        served = subprocess.Popen(
            [
                str(LKJIP),
                "serve",
                *("--raw", str(raw_copy_module)),
                *("--curated", str(curated)),
                *("--out", str(laporan)),
                *("--port-berkas", "0"),  # any free port: never clash with a running serve
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield {"api": api_url, "curated": curated, "home": home, "laporan": laporan}
        finally:
            served.terminate()
            served.wait(timeout=30)
            log.close()


@pytest.fixture(scope="module")
def raw_copy_module(tmp_path_factory):
    """-> a private copy of the bundled raw folder for this module."""
    import shutil

    target = tmp_path_factory.mktemp("raw-served")
    shutil.copytree(ROOT / "raw" / "2023", target / "2023")
    return target


def _api(api_url: str):
    """-> a context in which Prefect clients talk to `api_url`."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    return temporary_settings(updates={PREFECT_API_URL: api_url})


async def _wait_for_deployment(client, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await client.read_deployment_by_name(f"konsolidasi-triwulan/{DEPLOYMENT}")
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1)


async def _wait_final(client, flow_run_id, timeout: float = 300.0):
    deadline = time.monotonic() + timeout
    while True:
        run = await client.read_flow_run(flow_run_id)
        if run.state and run.state.is_final():
            return run
        if time.monotonic() > deadline:
            raise TimeoutError(f"flow run {flow_run_id} still {run.state.name}")
        await asyncio.sleep(2)


def test_quarterly_deployment_on_a_real_server(real_server):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.server.schemas.schedules import CronSchedule

    async def scenario():
        async with get_client() as client:
            deployment = await _wait_for_deployment(client)
            schedule = deployment.schedules[0].schedule
            assert (schedule.cron, schedule.timezone) == (CRON, TIMEZONE)
            dates = await CronSchedule(cron=schedule.cron, timezone=schedule.timezone).get_dates(
                n=4, start=dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
            )
            assert [dt.datetime.fromisoformat(d.isoformat()) for d in dates] == [
                dt.datetime(2027, 1, 10, 7, tzinfo=JAKARTA),
                dt.datetime(2027, 4, 10, 7, tzinfo=JAKARTA),
                dt.datetime(2027, 7, 10, 7, tzinfo=JAKARTA),
                dt.datetime(2027, 10, 10, 7, tzinfo=JAKARTA),
            ]
            run = await client.create_flow_run_from_deployment(
                deployment.id, parameters={"tahun": 2023, "triwulan": 4}
            )
            finished = await _wait_final(client, run.id)
            assert finished.state.is_completed(), finished.state
            keys = ["lkjip-2023-tw4-ringkasan", "lkjip-2023-tw4-temuan"]
            artifacts = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys))
            )
            return {a.key: a for a in artifacts if a.flow_run_id == run.id}

    with _api(real_server["api"]):
        artifacts = asyncio.run(scenario())
    summary = artifacts["lkjip-2023-tw4-ringkasan"]
    assert summary.type == "markdown"
    assert "# Konsolidasi 2023 TW4" in summary.data
    assert "| JUMLAH | 26.883.994.400 | 25.035.654.473 | 93,12 |" in summary.data
    assert "Data Docs" in summary.data
    table = artifacts["lkjip-2023-tw4-temuan"]
    assert table.type == "table"
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert [(r["aturan"], r["kode_bidang"], r["triwulan"]) for r in rows] == [
        ("R004", "pemberdayaan-koperasi", 4)
    ]
    # A TW4 run of the deployment also leaves the year's report.
    assert (real_server["laporan"] / "lkjip_2023.html").is_file()
    assert (real_server["laporan"] / "lkjip_2023.xlsx").is_file()
    published = read_table(real_server["curated"], "realisasi_anggaran")
    at_tw4 = published.filter(pl.col("triwulan") == 4)
    assert at_tw4.get_column("realisasi_kumulatif").sum() == Decimal("25035654473")


def test_the_server_schedules_the_next_quarters(real_server):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    async def scheduled():
        async with get_client() as client:
            deployment = await _wait_for_deployment(client)
            deadline = time.monotonic() + 120
            while True:
                runs = await client.read_flow_runs(
                    deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
                    flow_run_filter=FlowRunFilter(
                        state=FlowRunFilterState(
                            type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])
                        )
                    ),
                )
                if runs or time.monotonic() > deadline:
                    return sorted(r.expected_start_time for r in runs)
                await asyncio.sleep(2)

    with _api(real_server["api"]):
        times = asyncio.run(scheduled())
    assert times, "the scheduler created no run for the deployment"
    assert times[0].astimezone(JAKARTA) == next_quarterly_run(dt.datetime.now(JAKARTA))


def next_quarterly_run(now: dt.datetime) -> dt.datetime:
    """-> the first 10 January/April/July/October 07:00 WIB after `now` (by hand, not cron)."""
    candidates = [
        dt.datetime(year, month, 10, 7, tzinfo=JAKARTA)
        for year in (now.year, now.year + 1)
        for month in (1, 4, 7, 10)
    ]
    return min(c for c in candidates if c > now)


# ------------------------------------------------------------------ a corrected file


def test_a_corrected_file_is_picked_up_by_the_next_run(raw_copy, tmp_path, prefect_api):
    name = "2023/TW2/pemberdayaan-koperasi/Realisasi TW 2 Pemberdayaan Koperasi.csv"
    path = raw_copy / name
    original = path.read_bytes()
    # The corrected file carries a note, so its bytes are new to the cache.
    corrected = original.replace(b"Rp 125.893.618,\n", b"Rp 125.893.618,Dikoreksi\n", 1)
    assert corrected != original
    # The first version the bidang sent: one realisation written in words.
    sent_first = corrected.replace(b"Rp 69.940.899", b"Rp enam puluh sembilan juta", 1)
    assert sent_first != corrected
    path.write_bytes(sent_first)
    curated = tmp_path / "curated"

    first = konsolidasi(tahun=2023, triwulan=4, raw=raw_copy, curated=curated, return_state=True)
    assert first.is_completed()
    temuan = read_table(curated, "temuan")
    v003 = temuan.filter(pl.col("aturan") == "V003")
    assert v003.select("berkas", "triwulan", "kode").rows() == [(name, 2, "2.17.06.1.01.02")]
    line = (pl.col("kode_sub_kegiatan") == "2.17.06.1.01.02") & (pl.col("triwulan") == 2)
    before = read_table(curated, "realisasi_anggaran").filter(line)
    # The held-back quarter comes from the cumulative the bidang stated in TW3.
    assert before.select("realisasi_triwulan", "kelengkapan").rows() == [
        (Decimal("69940899"), "dari_kumulatif")
    ]

    path.write_bytes(corrected)
    second = konsolidasi(tahun=2023, triwulan=4, raw=raw_copy, curated=curated, return_state=True)
    assert second.is_completed()
    after = read_table(curated, "realisasi_anggaran").filter(line)
    assert after.select("realisasi_triwulan", "kelengkapan").rows() == [
        (Decimal("69940899"), "lengkap")
    ]
    assert read_table(curated, "temuan").filter(pl.col("aturan") == "V003").height == 0

    manifest = json.loads((curated / "manifest" / "tahun=2023.json").read_text())
    assert manifest["berubah_sejak_sebelumnya"] == [name]
    changed = {m["berkas"] for m in manifest["masukan"] if m["berubah"]}
    assert changed == {name}

    states = task_states(second.state_details.flow_run_id)
    assert states["bidang-TW2-pemberdayaan-koperasi"] == "Completed"
    others = {
        n: s
        for n, s in states.items()
        if n.startswith("bidang-") and "TW2-pemberdayaan-koperasi" not in n
    }
    assert len(others) == 15 and set(others.values()) == {"Cached"}
