"""The quarterly deployment, and running it: a local Prefect server plus `serve`.

The deployment runs the consolidation on the 10th day after each quarter's end at
07:00 Asia/Jakarta (10 January, April, July and October); a run without tahun and
triwulan takes the quarter that just ended, and after TW4 it builds the annual report.
`lkjip serve` (and `make serve`) start a real Prefect server bound to 127.0.0.1 when no
PREFECT_API_URL is set, then serve the deployment from this process: a scheduled or
triggered run executes here. `lkjip run` without PREFECT_API_URL starts a temporary API
server for the run alone (`temporary_api`).

`serve` also serves, read-only over HTTP on 127.0.0.1 (its own port), the current Data
Docs (`/data_docs/<tahun>/...`, only files inside the curated folder) and the findings
page (`/temuan/<tahun>.html`); runs it executes link there (LKJIP_BERKAS_URL).

Every server started here is a child in its own process group that dies with the process
that started it, even when that one is killed by SIGKILL or the OOM killer (a Linux
parent-death signal), and is taken for our server only while the child is alive and
holds the port itself: another process answering /health on the port never is.
"""

from __future__ import annotations

import http.server
import mimetypes
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flows.raw_folder import LkjipError

DEPLOYMENT = "triwulanan"
CRON = "0 7 10 1,4,7,10 *"
TIMEZONE = "Asia/Jakarta"
HOST = "127.0.0.1"
WAIT = 1800  # a scheduled run that finds another run on its curated folder waits this long
BERKAS_URL = "LKJIP_BERKAS_URL"  # set by `serve`: where its runs' summaries link to


def deployment(raw: Path, curated: Path, laporan: Path):
    """-> the quarterly RunnerDeployment of the consolidation flow (report after TW4)."""
    from prefect.schedules import Cron

    from flows.prefect_flow import konsolidasi

    return konsolidasi.to_deployment(
        name=DEPLOYMENT,
        schedules=[Cron(CRON, timezone=TIMEZONE)],
        parameters={
            "raw": str(raw.absolute()),
            "curated": str(curated.absolute()),
            "laporan": str(laporan.absolute()),
            "tunggu": WAIT,
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


def port_taken(port: int) -> bool:
    """-> whether something already listens on HOST:port (as `prefect server start` checks)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return True
    return False


# The first thing a server child runs: ask the kernel to SIGKILL it when the lkjip process
# that started it dies (even by SIGKILL or the OOM killer), check that parent is still
# there, then become the server (the death signal survives exec).
_BOOT = """
import ctypes, os, signal, sys
if ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0) != 0:  # PR_SET_PDEATHSIG
    raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")
if os.getppid() != int(sys.argv[1]):
    sys.exit("lkjip: proses induk server sudah berhenti")
os.execv(sys.argv[2], sys.argv[2:])
"""
OWNER = "LKJIP_SERVER_FOR"  # in a server's environment: the pid of the lkjip that started it


def dies_with_parent(argv: list[str]) -> list[str]:
    """Command -> the same command run so that it dies with this process (Linux; else as is).

    Start it from the main thread: Linux sends the death signal when the thread that
    started the child ends, which for a worker thread may be long before the process.
    """
    if not sys.platform.startswith("linux"):
        return argv
    return [sys.executable, "-c", _BOOT, str(os.getpid()), *argv]


def owns_port(pid: int, port: int) -> bool | None:
    """-> whether process `pid` holds the socket listening on TCP `port` (None: cannot tell).

    Read from /proc: the listening socket's inode must be one of the process's open files.
    """
    listening = set()
    readable = False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        readable = True
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                listening.add(f"socket:[{fields[9]}]")
    if not readable:
        return None
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # gone, or /proc without fd listings
        return False if Path("/proc/self/fd").is_dir() else None
    return any(_link(fd) in listening for fd in descriptors)


def _link(path: Path) -> str:
    """-> where symlink `path` points ('' when it vanished meanwhile: a file just closed)."""
    try:
        return os.readlink(path)
    except OSError:
        return ""


def _answers_health(api_url: str) -> bool:
    """-> whether `api_url`/health answers 200 now."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def check_reachable(api_url: str) -> None:
    """A configured server (PREFECT_API_URL) -> nothing, or LkjipError when it does not answer."""
    if not _answers_health(api_url.rstrip("/")):
        raise LkjipError(
            f"server Prefect di {api_url} (PREFECT_API_URL) tidak menjawab; jalankan server itu, "
            "atau hapus PREFECT_API_URL agar lkjip memulai server sementara sendiri"
        )


def wait_ours(process: subprocess.Popen, port: int, log: Path, timeout: float = 120.0) -> str:
    """Block until the server `process` we started answers on HOST:port; -> its API URL.

    It must be alive, hold the port itself and answer /health: another process that
    answers on the port (a server left over from an earlier run) is never taken for it.
    """
    api_url = f"http://{HOST}:{port}/api"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = process.poll()
        if code is not None:
            raise LkjipError(
                f"server Prefect berhenti sebelum siap (kode keluar {code}); lihat {log}"
            )
        if owns_port(process.pid, port) is not False and _answers_health(api_url):
            return api_url
        time.sleep(0.3)
    raise LkjipError(
        f"server Prefect di {api_url} tidak siap dalam {timeout:.0f} detik; lihat {log}"
    )


def _start(argv: list[str], port: int, log: Path, env: dict, timeout: float):
    """Start a server child (own process group, dies with us); -> (process, its API URL)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as sink:
        process = subprocess.Popen(
            dies_with_parent(argv),
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**env, OWNER: str(os.getpid())},
            start_new_session=True,
        )
    try:
        return process, wait_ours(process, port, log, timeout)
    except BaseException:
        _stop(process)
        raise


def _stop(process: subprocess.Popen) -> None:
    """Stop a server child: SIGTERM, then SIGKILL after 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def prefect_server(port: int, log: Path, env: dict | None = None) -> Iterator[str]:
    """Start `prefect server start` on 127.0.0.1:port; yield its API URL; stop it after.

    Its database is SQLite in PREFECT_HOME, or PostgreSQL when
    PREFECT_API_DATABASE_CONNECTION_URL (or PREFECT_SERVER_DATABASE_CONNECTION_URL) is set.
    A port already in use is refused: whatever listens there is not our server.
    """
    if port_taken(port):
        raise LkjipError(
            f"port {port} di {HOST} sudah dipakai proses lain, bukan server yang dimulai "
            "lkjip ini; hentikan proses itu (mis. server lama) atau pakai --port lain"
        )
    prefect = Path(sys.executable).with_name("prefect")
    server_env = {
        **(env or os.environ),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_API_URL": f"http://{HOST}:{port}/api",
    }
    argv = [str(prefect), "server", "start", "--host", HOST, "--port", str(port)]
    process, api_url = _start(argv, port, log, server_env, timeout=120.0)
    try:
        yield api_url
    finally:
        _stop(process)


def prefect_home() -> Path:
    """-> PREFECT_HOME (where Prefect keeps its database and where our server logs go)."""
    return Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")


@contextmanager
def temporary_server() -> Iterator[str]:
    """Start Prefect's API server for this run only, on a free port; yield its API URL.

    The same server Prefect starts by itself when no PREFECT_API_URL is set (uvicorn,
    no UI), but started by us: a child that dies with this process, never reused.
    """
    from importlib.util import find_spec

    site = Path(find_spec("prefect").origin).parent.parent
    env = {
        **os.environ,
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
    }
    timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", 120))
    log = prefect_home() / "server-sementara.log"
    for attempt in range(3):
        port = free_port()
        argv = [
            sys.executable,
            *("-m", "uvicorn", "--app-dir", str(site)),
            *("--factory", "prefect.server.api.server:create_app"),
            *("--host", HOST, "--port", str(port)),
            *("--log-level", "error", "--lifespan", "on"),
        ]
        try:
            process, api_url = _start(argv, port, log, env, timeout)
            break
        except LkjipError:
            if attempt == 2 or not port_taken(port):  # retried only when the port was taken
                raise
    try:
        yield api_url
    finally:
        _stop(process)


@contextmanager
def temporary_api(say=None) -> Iterator[str]:
    """Yield the Prefect API URL this run (and every process it starts) uses.

    With PREFECT_API_URL set that is the configured server. Otherwise a temporary server
    is started for the run's duration, and dies with it (`say` is told where it is).
    """
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        check_reachable(configured)
        yield configured
        return
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_server() as api_url:
        if say is not None:
            say(f"Server Prefect sementara: {api_url} (berhenti bersama run ini)")
        os.environ["PREFECT_API_URL"] = api_url  # for the processes this run starts (Dask)
        try:
            with temporary_settings(updates={PREFECT_API_URL: api_url}):
                try:
                    yield api_url
                finally:
                    if _answers_health(api_url):  # a lost server would only make it hang
                        drain_prefect_workers()
        finally:
            os.environ.pop("PREFECT_API_URL", None)


def drain_prefect_workers() -> None:
    """Send the logs and events Prefect still holds, while the server is there to take them.

    Without this they are sent at exit, to a server already stopped: the command then
    hangs on retries and ends with "Error logging to API".
    """
    import inspect

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        try:
            result = APILogWorker.instance().drain()
            if inspect.isawaitable(result):
                await result
        except RuntimeError:  # the worker was never started
            pass
        result = EventsWorker.drain_all()
        if inspect.isawaitable(result):
            await result

    run_coro_as_sync(drain())


def serve(
    raw: Path,
    curated: Path,
    laporan: Path = Path("laporan"),
    port: int | None = None,
    log: Path | None = None,
    port_berkas: int | None = None,
) -> None:
    """Serve the quarterly deployment; start a local server first when none is configured.

    With `port_berkas` (0: any free port) the Data Docs and findings page are served too.
    """
    configured = os.environ.get("PREFECT_API_URL")
    port = port or 4200
    with file_server(curated, port_berkas) as files_url:
        if files_url is not None:
            os.environ[BERKAS_URL] = files_url  # the runs executed here link to it
            print(f"Data Docs dan halaman temuan: {files_url}/", flush=True)
        if configured:
            check_reachable(configured)
            _serve(raw, curated, laporan, configured)
            return
        log = log or prefect_home() / "server.log"
        with prefect_server(port, log) as api_url:
            print(f"Server Prefect: http://{HOST}:{port} (log: {log})", flush=True)
            _serve(raw, curated, laporan, api_url)


@contextmanager
def file_server(curated: Path, port: int | None) -> Iterator[str | None]:
    """Serve `curated`'s Data Docs and findings pages on HOST:port in a thread; yield its URL.

    None as port serves nothing (yields None). A port in use is refused (LkjipError).
    """
    if port is None:
        yield None
        return
    handler = type("Berkas", (_FilesHandler,), {"root": curated.absolute()})
    try:
        server = http.server.ThreadingHTTPServer((HOST, port), handler)
    except (OSError, OverflowError):
        raise LkjipError(
            f"port {port} di {HOST} tidak dapat dipakai (sudah dipakai proses lain?); "
            "pilih --port-berkas lain"
        ) from None
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="lkjip-berkas", daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


DOCS_PATH = re.compile(r"/data_docs/(?P<tahun>\d{4}(?:-ditolak)?)(?P<rest>/.*)?")
FINDINGS_PATH = re.compile(r"/temuan/(?P<tahun>\d{4})\.html")


class _FilesHandler(http.server.BaseHTTPRequestHandler):
    """Read-only: Data Docs under the curated folder, and the findings page of a year."""

    root: Path  # the curated folder (absolute), set per server
    server_version = "lkjip-berkas"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        """Answer a GET with the file or page asked for, or 404."""
        self._answer(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802 (http.server's name)
        """Answer a HEAD as a GET without its body."""
        self._answer(with_body=False)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's name)
        """Keep requests out of the terminal (the operator watches the runs there)."""

    def _answer(self, with_body: bool) -> None:
        """Route the request path -> (status, content type, body), and send it."""
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        try:
            found = self._findings(path) or self._docs(path)
        except OSError:
            found = None
        status, kind, body = found or (404, "text/plain; charset=utf-8", b"Tidak ditemukan.\n")
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _findings(self, path: str) -> tuple[int, str, bytes] | None:
        """/temuan/<tahun>.html -> the findings page of the year's current release."""
        from flows.findings_page import read_findings, render
        from flows.release_store import active_manifest

        match = FINDINGS_PATH.fullmatch(path)
        if match is None:
            return None
        tahun = int(match["tahun"])
        temuan = read_findings(self.root, tahun)
        if temuan is None:
            return None
        run_id = (active_manifest(self.root, tahun) or {}).get("run_id")
        return 200, "text/html; charset=utf-8", render(temuan, tahun, run_id).encode("utf-8")

    def _docs(self, path: str) -> tuple[int, str, bytes] | None:
        """/data_docs/<tahun>/... -> that file, only when it lies inside the curated folder."""
        match = DOCS_PATH.fullmatch(path)
        if match is None or ".." in path.split("/") or "\0" in path:
            return None
        target = self.root / "data_docs" / match["tahun"] / (match["rest"] or "/").lstrip("/")
        target = target.resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(self.root.resolve()) or not target.is_file():
            return None
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind == "application/javascript":
            kind += "; charset=utf-8"
        return 200, kind, target.read_bytes()


def _serve(raw: Path, curated: Path, laporan: Path, api_url: str) -> None:
    """Register the deployment with the server at `api_url` and run its flow runs here."""
    os.environ["PREFECT_API_URL"] = api_url  # for anything this process starts
    from prefect import serve as prefect_serve
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        prefect_serve(deployment(raw, curated, laporan), print_starting_message=True)
