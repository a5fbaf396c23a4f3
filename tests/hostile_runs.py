"""Faults on runs, processes and publication (issue 9, items 4, 5, 6, 7 and 9).

Each fault is one named function: a builder plants something in a copy of raw/, a driver
runs the real `lkjip` into the fault as an operator (or bad luck) would and returns what
happened (`Hasil`). The tests in test_hostile_runs.py assert on those outcomes.

Processes a run starts are found by MARKER_VAR, a variable the driver puts in the run's
environment with a value of its own: every process the run starts inherits it, so the
drivers see (and clean up) exactly the processes they caused, never anyone else's.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cli_runner import LKJIP, run_lkjip

MARKER_VAR = "LKJIP_UJI_PENANDA"
TAHUN = 2023
RUN_ARGS = ["run", "--tahun", str(TAHUN), "--triwulan", "4"]
GONE_WITHIN = 10.0  # seconds a killed run's processes may take to go
PLANTED_BIDANG = "usaha\x1b[31m[bold]x"  # a bidang folder name with ESC and markup
PLANTED_FILE = "koreksi\x1b[31m[bold]merah\x1b]8;;x\x1b\\.csv"  # no '/' fits a file name
PLANTED_CELLS = ("2.17.[/bold]\x1b[31m", "[link=http://x]klik[/link]", "\x1b]8;;http://x\x1b\\5")


@dataclass
class Hasil:
    """What a driver saw: the processes' results, and what each check needs."""

    runs: dict[str, subprocess.CompletedProcess] = field(default_factory=dict)
    facts: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- processes


def marked_processes(marker: str) -> dict[int, str]:
    """-> {pid: command line} of the live processes whose environment carries `marker`."""
    needle = f"{MARKER_VAR}={marker}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
                found[int(entry.name)] = command.decode(errors="replace").strip()
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def wait_until_gone(marker: str, timeout: float = GONE_WITHIN) -> dict[int, str]:
    """-> the marked processes still alive after waiting up to `timeout` for them to go."""
    deadline = time.monotonic() + timeout
    while (left := marked_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def kill_marked(marker: str) -> None:
    """SIGKILL every process still carrying `marker` (all were started by a driver's run)."""
    for pid in marked_processes(marker):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def own_server_env(env: dict[str, str], home: Path, marker: str) -> dict[str, str]:
    """-> `env` without PREFECT_API_URL (the run starts its own server), its own PREFECT_HOME
    and the marker."""
    home.mkdir(parents=True, exist_ok=True)
    own = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
    return {**own, "PREFECT_HOME": str(home), MARKER_VAR: marker, "COLUMNS": "200"}


@dataclass
class Proses:
    """A `lkjip` started in the background, its output going to files."""

    popen: subprocess.Popen
    out: Path
    err: Path

    def stdout(self) -> str:
        """-> what it printed on stdout so far."""
        return self.out.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        """-> what it printed on stderr so far."""
        return self.err.read_text(encoding="utf-8", errors="replace")

    def finish(self, timeout: float = 600) -> subprocess.CompletedProcess:
        """Wait for it to end -> its completed process."""
        self.popen.wait(timeout=timeout)
        return subprocess.CompletedProcess(
            self.popen.args, self.popen.returncode, self.stdout(), self.stderr()
        )


def start_lkjip(args: list[str], env: dict[str, str], cwd: Path, name: str) -> Proses:
    """Start `lkjip <args>` in the background, stdout and stderr to files named `name`."""
    out, err = cwd / f"{name}.out", cwd / f"{name}.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        popen = subprocess.Popen(
            [str(LKJIP), *args],
            env={"COLUMNS": "200", **env},
            cwd=cwd,
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
        )
    return Proses(popen, out, err)


def wait_for(condition, what: str, timeout: float = 300.0, process: Proses | None = None) -> None:
    """Poll `condition()` until true (AssertionError after `timeout`, or if `process` ends)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.popen.poll() is not None:
            raise AssertionError(f"ended before {what}: {process.stderr()[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout:.0f} s")
        time.sleep(0.01)


def stop(process: Proses) -> None:
    """SIGKILL a background lkjip if it still runs, and reap it."""
    if process.popen.poll() is None:
        process.popen.kill()
    process.popen.wait(timeout=60)


# --------------------------------------------------------------------------- item 4


def kill_run_mid_flow(raw: Path, work: Path, env: dict[str, str]) -> Hasil:
    """SIGKILL `lkjip run` (no PREFECT_API_URL: it starts its own server) once its flow runs;
    -> the processes it had started, and those still alive GONE_WITHIN seconds later."""
    marker = uuid.uuid4().hex
    run_env = own_server_env(env, work / "prefect", marker)
    args = [*RUN_ARGS, "--raw", str(raw), "--curated", str(work / "curated")]
    run = start_lkjip(args, run_env, work, "dibunuh")
    try:
        wait_for(lambda: "Beginning flow run" in run.stderr(), "flow run", process=run)
        started = {p: c for p, c in marked_processes(marker).items() if p != run.popen.pid}
        run.popen.send_signal(signal.SIGKILL)
        run.popen.wait(timeout=60)
        left = wait_until_gone(marker)
    finally:
        stop(run)
        kill_marked(marker)
    return Hasil(facts={"started": started, "left": left, "returncode": run.popen.returncode})


def kill_serve(work: Path, env: dict[str, str], port: int) -> Hasil:
    """SIGKILL `lkjip serve` (no PREFECT_API_URL) once its server answers; -> the processes it
    had started, and those still alive GONE_WITHIN seconds later."""
    marker = uuid.uuid4().hex
    serve_env = own_server_env(env, work / "prefect", marker)
    where = ["--raw", str(work / "raw"), "--curated", str(work / "curated")]
    served = start_lkjip(["serve", "--port", str(port), *where], serve_env, work, "serve")
    try:
        wait_for(lambda: "Server Prefect:" in served.stdout(), "server", process=served)
        started = {p: c for p, c in marked_processes(marker).items() if p != served.popen.pid}
        served.popen.send_signal(signal.SIGKILL)
        served.popen.wait(timeout=60)
        left = wait_until_gone(marker)
    finally:
        stop(served)
        kill_marked(marker)
    return Hasil(facts={"started": started, "left": left})


# --------------------------------------------------------------------------- item 9


@contextlib.contextmanager
def foreign_health_server() -> Iterator[int]:
    """A plain HTTP server of ours on a free loopback port answering 200 to anything
    (as an old or foreign server answers /health); yield its port."""

    class Always200(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"true")

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Always200)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def serve_on_a_foreign_port(work: Path, env: dict[str, str]) -> Hasil:
    """`lkjip serve --port P` while another process answers /health on P; -> what it did."""
    marker = uuid.uuid4().hex
    serve_env = own_server_env(env, work / "prefect", marker)
    with foreign_health_server() as port:
        where = ["--raw", str(work / "raw"), "--curated", str(work / "curated")]
        served = start_lkjip(["serve", "--port", str(port), *where], serve_env, work, "asing")
        try:
            done = served.finish(timeout=180)
        finally:
            stop(served)
            kill_marked(marker)
    return Hasil(runs={"serve": done}, facts={"port": port})


# --------------------------------------------------------------------------- item 5


def terminal_markup_and_escapes(raw: Path) -> str:
    """Rich markup ([/bold], [link=...]) and ESC sequences (colour, OSC 8 hyperlink) planted
    in the cells of a CSV, in its file name and in a bidang folder's name."""
    folder = raw / str(TAHUN) / "TW4" / "kelembagaan-pengawasan"
    code, link, osc = PLANTED_CELLS
    rows = [
        "Kode;Uraian;Akun;Anggaran;Realisasi TW;Realisasi s/d TW;Fisik (%)",
        f'2.17.03.1.01.01;Belanja Rapat;5.1.02.01.01.0052;829.737.000,00;"{link}";-;21,49',
        f"{code};Belanja Rapat;5.1.02.01.01.0052;829.737.000,00;1.000,00;-;21,49",
        f'2.17.03.1.01.01;Belanja Rapat;5.1.02.01.01.0053;829.737.000,00;"{osc}";-;21,49',
    ]
    (folder / PLANTED_FILE).write_bytes(("\r\n".join(rows) + "\r\n").encode("utf-8"))
    odd = raw / str(TAHUN) / "TW4" / PLANTED_BIDANG
    shutil.copytree(raw / str(TAHUN) / "TW4" / "usaha-kecil", odd)
    return "rich markup and ESC sequences in cells, a file name and a bidang folder name"


def run_and_list_findings(raw: Path, work: Path, env: dict[str, str]) -> Hasil:
    """`lkjip run` on `raw`, then `lkjip failures` (wide and narrow) -> their outputs."""
    curated = work / "curated"
    where = ["--curated", str(curated)]
    runs = {"run": run_lkjip([*RUN_ARGS, "--raw", str(raw), *where], env, work)}
    failures = ["failures", "--tahun", str(TAHUN), *where]
    runs["failures"] = run_lkjip(failures, env, work, columns=200)
    runs["failures_narrow"] = run_lkjip(failures, env, work, columns=80)
    return Hasil(runs=runs)


# --------------------------------------------------------------------------- item 6


def run_lock_holder(curated: Path) -> int | None:
    """-> the pid recorded in the curated folder's run lock (None when nobody wrote one)."""
    try:
        return json.loads((curated / ".rilis" / ".run.lock").read_text(encoding="utf-8"))["pid"]
    except (OSError, ValueError, KeyError):
        return None


def concurrent_runs(raw: Path, work: Path, env: dict[str, str]) -> Hasil:
    """Two `lkjip run --tunggu 600` started at once on one curated folder, and a third
    without --tunggu while one of them holds the folder and the other waits for it."""
    curated = work / "curated"
    args = [*RUN_ARGS, "--raw", str(raw), "--curated", str(curated)]
    pair = [start_lkjip([*args, "--tunggu", "600"], env, work, name) for name in ("a", "b")]
    try:

        def someone_waits() -> bool:
            return any("Menunggu run lain" in p.stderr() for p in pair)

        wait_for(someone_waits, "wait message")
        holder = run_lock_holder(curated)
        refused = run_lkjip(args, env, work)
        done = [p.finish() for p in pair]
    finally:
        for process in pair:
            stop(process)
    waited = [i for i, d in enumerate(done) if "Menunggu run lain" in d.stderr]
    first = 1 - waited[0] if len(waited) == 1 else None
    return Hasil(
        runs={"pair": done, "refused": refused},
        facts={
            "pids": [p.popen.pid for p in pair],
            "waited": waited,
            "first": first,
            "holder_while_waiting": holder,
        },
    )


# --------------------------------------------------------------------------- item 7


def kill_during_gate(raw: Path, curated: Path, work: Path, env: dict[str, str]) -> Hasil:
    """SIGKILL `lkjip run` on a published curated folder while the gate writes its Data
    Docs into the new release's staging folder; -> what the gate had written."""
    year = curated / ".rilis" / str(TAHUN)
    before = set(year.glob("*.tmp"))

    def writing_docs() -> bool:
        return any((p / "data_docs").is_dir() for p in year.glob("*.tmp") if p not in before)

    args = [*RUN_ARGS, "--raw", str(raw), "--curated", str(curated)]
    run = start_lkjip(args, env, work, "gerbang")
    try:
        wait_for(writing_docs, "Data Docs being written", process=run)
        run.popen.send_signal(signal.SIGKILL)
        run.popen.wait(timeout=60)
    finally:
        stop(run)
    half = [p for p in year.glob("*.tmp") if p not in before]
    return Hasil(facts={"returncode": run.popen.returncode, "half": half})


def mount_tmpfs(folder: Path, size_kib: int) -> bool:
    """Mount a tmpfs of `size_kib` KiB on `folder` -> whether it worked (root only)."""
    if os.geteuid() != 0:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def resize_tmpfs(folder: Path, size_kib: int) -> None:
    """Give the tmpfs on `folder` a new size (it must still hold what is on it)."""
    subprocess.run(["mount", "-o", f"remount,size={size_kib}k", str(folder)], check=True)


def unmount(folder: Path) -> None:
    """Unmount `folder` (lazily when something still holds it)."""
    done = subprocess.run(["umount", str(folder)], capture_output=True, check=False)
    if done.returncode != 0:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def used_kib(folder: Path) -> int:
    """-> KiB in use on the file system holding `folder`."""
    stat = os.statvfs(folder)
    return (stat.f_blocks - stat.f_bfree) * stat.f_frsize // 1024


def tree_kib(folder: Path) -> int:
    """-> KiB the files under `folder` take (as tmpfs counts them, in whole pages)."""
    pages = sum(-(-p.stat().st_size // 4096) for p in folder.rglob("*") if p.is_file())
    return pages * 4


# Runs the real CLI with every disk write of a stage failing with ENOSPC: the fallback
# where no tmpfs can be mounted (not root). argv: stage ("gerbang" | "terbit"), lkjip args.
_ENOSPC_CHILD = """
import errno, os, sys
import flows.consolidation as consolidate
import flows.release_store as publish

def full(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

stage = sys.argv[1]
if stage == "gerbang":
    consolidate.run_gate = full
else:
    publish._write_parquet = full
from flows.cli import main
main(sys.argv[2:])
"""


def disk_full(stage: str, raw: Path, curated: Path, env: dict[str, str], simulated: bool) -> Hasil:
    """`lkjip run` on a published curated folder whose disk fills up at `stage` ("gerbang":
    the Data Docs, "terbit": the tables). The tmpfs must already be sized for it, unless
    `simulated`, where a child process makes those writes fail with ENOSPC instead."""
    args = [*RUN_ARGS, "--raw", str(raw), "--curated", str(curated)]
    if not simulated:
        return Hasil(runs={stage: run_lkjip(args, env, curated.parent)})
    done = subprocess.run(
        [sys.executable, "-c", _ENOSPC_CHILD, stage, *args],
        env={**env, "COLUMNS": "200"},
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return Hasil(runs={stage: done})


def fill_for(stage: str, curated: Path) -> int:
    """-> KiB to leave free on the tmpfs so the next run's disk fills up at `stage`.

    The gate's Data Docs are most of a release: with less free space than they take, the
    gate fails; with their size and a quarter of the tables, the tables fail.
    """
    release = (curated / ".rilis" / str(TAHUN) / "aktif").resolve()
    docs = tree_kib(release / "data_docs")
    tables = tree_kib(release) - docs
    return docs // 4 if stage == "gerbang" else docs + tables // 4


def read_only_curated(raw: Path, work: Path, env: dict[str, str]) -> Hasil:
    """`lkjip run` into a curated folder on a read-only file system (a tmpfs remounted
    read-only; without root, a folder without write permission)."""
    disk = work / "hanya-baca"
    mounted = mount_tmpfs(disk, 1024)
    try:
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        else:
            disk.mkdir(exist_ok=True)
            disk.chmod(0o555)
        args = [*RUN_ARGS, "--raw", str(raw), "--curated", str(disk / "curated")]
        done = run_lkjip(args, env, work)
    finally:
        if mounted:
            unmount(disk)
        else:
            disk.chmod(0o755)
    return Hasil(runs={"run": done}, facts={"mounted": mounted})
