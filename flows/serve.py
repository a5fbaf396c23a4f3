"""The quarterly deployment, and running it: a local Prefect server plus `serve`.

The deployment runs the consolidation on the 10th day after each quarter's end at
07:00 Asia/Jakarta (10 January, April, July and October); a run without tahun and
triwulan takes the quarter that just ended, and after TW4 it builds the annual report.
`lkjip serve` (and `make serve`) start a real Prefect server bound to 127.0.0.1 when no
PREFECT_API_URL is set, then serve the deployment from this process: a scheduled or
triggered run executes here.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flows.pipeline import LkjipError

DEPLOYMENT = "triwulanan"
CRON = "0 7 10 1,4,7,10 *"
TIMEZONE = "Asia/Jakarta"
HOST = "127.0.0.1"


def deployment(raw: Path, curated: Path, laporan: Path):
    """-> the quarterly RunnerDeployment of the consolidation flow (report after TW4)."""
    from prefect.schedules import Cron

    from flows.consolidate import konsolidasi

    return konsolidasi.to_deployment(
        name=DEPLOYMENT,
        schedules=[Cron(CRON, timezone=TIMEZONE)],
        parameters={
            "raw": str(raw.absolute()),
            "curated": str(curated.absolute()),
            "laporan": str(laporan.absolute()),
        },
        description=(
            "Konsolidasi triwulanan: tanggal 10 setelah akhir triwulan, 07.00 WIB. "
            "Tanpa tahun/triwulan, triwulan yang baru berakhir yang dikonsolidasi; "
            "sesudah TW4 laporan LKjIP tahunan dibuat."
        ),
        tags=["lkjip", "triwulanan"],
    )


def free_port() -> int:
    """-> a TCP port free on the loopback interface."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_healthy(api_url: str, timeout: float = 120.0) -> None:
    """Block until the Prefect API answers /health (LkjipError after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise LkjipError(f"server Prefect di {api_url} tidak siap dalam {timeout:.0f} detik")


@contextmanager
def prefect_server(port: int, log: Path, env: dict | None = None) -> Iterator[str]:
    """Start `prefect server start` on 127.0.0.1:port; yield its API URL; stop it after.

    Its database is SQLite in PREFECT_HOME, or PostgreSQL when
    PREFECT_API_DATABASE_CONNECTION_URL (or PREFECT_SERVER_DATABASE_CONNECTION_URL) is set.
    """
    prefect = Path(sys.executable).with_name("prefect")
    server_env = {
        **(env or os.environ),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_API_URL": f"http://{HOST}:{port}/api",
    }
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [str(prefect), "server", "start", "--host", HOST, "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=server_env,
            start_new_session=True,
        )
    api_url = f"http://{HOST}:{port}/api"
    try:
        wait_healthy(api_url)
        yield api_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def serve(
    raw: Path,
    curated: Path,
    laporan: Path = Path("laporan"),
    port: int | None = None,
    log: Path | None = None,
) -> None:
    """Serve the quarterly deployment; start a local server first when none is configured."""
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        _serve(raw, curated, laporan, configured)
        return
    port = port or 4200
    log = log or Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect")) / "server.log"
    with prefect_server(port, log) as api_url:
        print(f"Server Prefect: http://{HOST}:{port} (log: {log})", flush=True)
        _serve(raw, curated, laporan, api_url)


def _serve(raw: Path, curated: Path, laporan: Path, api_url: str) -> None:
    """Register the deployment with the server at `api_url` and run its flow runs here."""
    os.environ["PREFECT_API_URL"] = api_url  # for anything this process starts
    from prefect import serve as prefect_serve
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        prefect_serve(deployment(raw, curated, laporan), print_starting_message=True)


@contextmanager
def api_for_workers() -> Iterator[str]:
    """Yield a Prefect API URL that processes started now (Dask workers) will use.

    With PREFECT_API_URL set that is the configured server; otherwise a local server is
    started for the duration, since each worker would else start a temporary one.
    """
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        yield configured
        return
    port = free_port()
    log = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect")) / "server-dask.log"
    with prefect_server(port, log) as api_url:
        os.environ["PREFECT_API_URL"] = api_url
        try:
            yield api_url
        finally:
            os.environ.pop("PREFECT_API_URL", None)
