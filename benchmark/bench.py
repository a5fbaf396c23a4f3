"""`make bench`: lkjip end to end against a polars floor and a pandas + pandera baseline.

    .venv/bin/python benchmark/bench.py --sizes 100k 1m 10m [--profile] [--lkjip-mode auto]

For each size it generates (or reuses) a multi-office raw root (benchmark/generate.py,
under benchmark/out/<size>/, gitignored), then measures, on the same files:

- **floor**: `benchmark/floor.py`, polars reading every file as text and writing Parquet;
- **lkjip**: `lkjip run --tahun 2023 --triwulan 4` as a subprocess, against a Prefect server
  this script starts once per size (`prefect server start` in a temporary PREFECT_HOME, so
  the API can be asked afterwards); each measurement's client gets a fresh PREFECT_HOME
  of its own, so no task result comes from Prefect's cache;
- **pandas**: `benchmark/pandas_baseline.py`, the same core checks in pandas + pandera.

Every measurement is a subprocess timed on the wall clock from start to exit (interpreter
start and imports included). Peak RSS is that of the whole process tree (the process and
every descendant, e.g. lkjip's workbook children), polled every 50 ms with psutil and
summed; beside it the largest single process, from the kernel (`wait4` ru_maxrss). The
files are in the page cache for all three (they were just written or read).

**Prefect overhead.** After the run the script asks the server for the flow run and its
task runs. A task run's span (start to end, as Prefect records it) covers the task body
and what Prefect does inside the task run (the cache key, result persistence); the union
of the task spans is the time at least one task ran. What the flow run spent outside any
task span (its orchestration: creating task runs, state changes, waiting for futures,
logging to the API) over lkjip's wall time is the share reported as "Prefect outside
tasks". The rest of the wall time outside the flow run (interpreter start, imports, the
CLI's own checks, connecting, shutting down) is reported separately. The fixed costs are
the Prefect server's start (until /api/health answers; `lkjip run` without
PREFECT_API_URL pays about this for its temporary server) and the quality-gate task
(`gerbang-mutu`).

**Multi-office.** With `--lkjip-mode auto` (the default) lkjip first gets the whole
root; while the CLI refuses a multi-office root (it exits with a layout error) the
measurement loops over the offices, one `lkjip run --raw <root>/<kode_opd>` each (the same
server, a curated folder per office) and says so. `--lkjip-mode whole` or `loop` forces
one. Results are printed and appended, dated, to benchmark/RESULTS.md. Nothing asserts.

`--profile` also profiles one `lkjip run` (the first office, or the whole root once
supported, of the first size) with pyinstrument into benchmark/profiles/ (gitignored) and
prints its hot spots.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import generate
import httpx
import psutil

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
BIN = Path(sys.executable).parent
LKJIP = BIN / "lkjip"
PREFECT = BIN / "prefect"
RESULTS = BENCH / "RESULTS.md"
PROFILES = BENCH / "profiles"
OUT = BENCH / "out"
TAHUN = generate.TAHUN
TRIWULAN = 4
FLOW_NAME = "konsolidasi-triwulan"
GATE_TASK = "gerbang-mutu"
POLL_SECONDS = 0.05
BUSY = 0.10  # other work above this share of the CPUs marks a measurement as contended
HOST = "127.0.0.1"
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


# --- measuring a process --------------------------------------------------------------------
@dataclass
class Measured:
    """One subprocess: wall time, peak memory, exit code and where its output went."""

    wall: float
    peak_tree_mb: float
    peak_single_mb: float
    returncode: int
    stdout: str
    stderr: str
    other_cpu: float = 0.0  # share of the machine's CPU used by anything else meanwhile


def busy_cpu_seconds() -> float:
    """-> CPU seconds the whole machine has spent busy (all CPUs, since boot)."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def tree_cpu_seconds(pid: int | None) -> float:
    """-> CPU seconds used so far by a process and its live descendants (0 without one)."""
    if pid is None:
        return 0.0
    total = 0.0
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pid)
        for p in (root, *root.children(recursive=True)):
            with contextlib.suppress(psutil.Error):
                c = p.cpu_times()
                total += c.user + c.system
    return total


def measure(cmd: list[str], env: dict[str, str], log: Path, side: int | None = None) -> Measured:
    """Run `cmd` to its end; -> wall time, peak RSS of its process tree and its largest process.

    The tree's RSS (the process and all its descendants, summed) is polled by a thread
    while this one blocks in wait4, so the wall time is exact to the exit. `other_cpu` is
    the share of the machine's CPU time meanwhile that neither the process (with the
    children it reaped) nor `side` (the Prefect server it talks to) used: another
    session's work competing for the CPUs, which makes the figures slower than they are.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    out, err = log.with_suffix(".out"), log.with_suffix(".err")
    busy0, side0 = busy_cpu_seconds(), tree_cpu_seconds(side)
    with out.open("wb") as stdout, err.open("wb") as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, env=env, cwd=REPO)
        done = threading.Event()
        peak = [0]

        def poll() -> None:
            try:
                root = psutil.Process(proc.pid)
            except psutil.Error:
                return
            while not done.is_set():
                total = 0
                try:
                    for p in (root, *root.children(recursive=True)):
                        with contextlib.suppress(psutil.Error):
                            total += p.memory_info().rss
                except psutil.Error:
                    break
                peak[0] = max(peak[0], total)
                done.wait(POLL_SECONDS)

        sampler = threading.Thread(target=poll, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    ours = usage.ru_utime + usage.ru_stime + tree_cpu_seconds(side) - side0
    other = (busy_cpu_seconds() - busy0 - ours) / (wall * (os.cpu_count() or 1))
    return Measured(
        wall=wall,
        peak_tree_mb=peak[0] / 2**20,
        peak_single_mb=usage.ru_maxrss / 1024,
        returncode=proc.returncode,
        stdout=out.read_text(errors="replace"),
        stderr=err.read_text(errors="replace"),
        other_cpu=max(0.0, other),
    )


# --- the Prefect server ------------------------------------------------------------------------
def free_port() -> int:
    """-> a free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class PrefectServer:
    """`prefect server start` (no UI) in a PREFECT_HOME of its own, stopped on exit."""

    def __init__(self, home: Path, log: Path) -> None:
        self.home, self.log = home, log
        self.port = free_port()
        self.api = f"http://{HOST}:{self.port}/api"
        self.start_seconds = 0.0
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        """The server's process id (its children are its workers)."""
        return self.process.pid if self.process else None

    def env(self) -> dict[str, str]:
        """The environment of every process of the benchmark that talks to this server."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        return {
            **env,
            "PREFECT_HOME": str(self.home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "false",
            "COLUMNS": "200",  # rich wraps lkjip's summary at 80 columns otherwise
        }

    def client_env(self, home: Path) -> dict[str, str]:
        """The environment of an `lkjip run` on this server, with a PREFECT_HOME of its own.

        Prefect keeps task results, and with them the cache of reading and validating a
        bidang's quarter, in PREFECT_HOME/storage: a fresh one per measurement means
        nothing comes from an earlier run over the same files.
        """
        home.mkdir(parents=True, exist_ok=True)
        return {**self.env(), "PREFECT_HOME": str(home), "PREFECT_API_URL": self.api}

    def __enter__(self) -> PrefectServer:
        cmd = [str(PREFECT), "server", "start", "--host", HOST, "--port", str(self.port)]
        cmd += ["--analytics-off", "--no-ui"]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        with self.log.open("wb") as sink:
            self.process = subprocess.Popen(
                cmd, stdout=sink, stderr=subprocess.STDOUT, env=self.env(), start_new_session=True
            )
        deadline = start + 180
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"prefect server exited early; see {self.log}")
            try:
                if httpx.get(f"{self.api}/health", timeout=1).status_code == 200:
                    self.start_seconds = time.perf_counter() - start
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.__exit__(None, None, None)
        raise SystemExit(f"prefect server did not answer in 180 s; see {self.log}")

    def __exit__(self, *exc) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        pgid = self.process.pid  # its own session: the group holds only what it started
        os.killpg(pgid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait()

    def post(self, path: str, body: dict) -> list[dict]:
        """POST a filter to the API, every page; -> all objects."""
        found: list[dict] = []
        while True:
            page = {**body, "limit": 200, "offset": len(found)}
            answer = httpx.post(f"{self.api}{path}", json=page, timeout=30)
            answer.raise_for_status()
            items = answer.json()
            found += items
            if len(items) < 200:
                return found

    def runs_since(self, since: dt.datetime, expected: int) -> tuple[list[dict], list[dict]]:
        """-> (flow runs of the consolidation started since `since`, their task runs), once
        the server has recorded them all (task states reach it as events, a little later)."""
        flows: list[dict] = []
        tasks: list[dict] = []
        last = -1
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            flows = self.post(
                "/flow_runs/filter",
                {
                    "flows": {"name": {"any_": [FLOW_NAME]}},
                    "flow_runs": {"start_time": {"after_": since.isoformat()}},
                    "sort": "START_TIME_ASC",
                },
            )
            ids = [f["id"] for f in flows]
            tasks = []
            for chunk in range(0, len(ids), 50):
                tasks += self.post(
                    "/task_runs/filter", {"flow_runs": {"id": {"any_": ids[chunk : chunk + 50]}}}
                )
            settled = (
                len(flows) >= expected
                and all(_state(f) in TERMINAL and f.get("end_time") for f in flows)
                and all(_state(t) in TERMINAL and t.get("end_time") for t in tasks)
            )
            if settled and len(tasks) == last:
                return flows, tasks
            last = len(tasks) if settled else -1
            time.sleep(1)
        print(
            f"  (the server still had unsettled runs after 120 s: {len(flows)} flow runs, "
            f"{len(tasks)} task runs; figures use what it had)"
        )
        return flows, tasks


def _state(run: dict) -> str:
    return (run.get("state") or {}).get("type") or run.get("state_type") or ""


def _time(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@dataclass
class Orchestration:
    """What the Prefect API says about the flow runs of one measurement."""

    flow_runs: int = 0
    task_runs: int = 0
    flow_wall: float = 0.0  # sum over flow runs of end - start
    task_sum: float = 0.0  # sum of task-run spans
    task_union: float = 0.0  # per flow run, time covered by at least one task run; summed
    gate: list[float] = field(default_factory=list)
    by_task: Counter = field(default_factory=Counter)

    def add(self, flows: list[dict], tasks: list[dict]) -> None:
        """Add flow runs and their task runs."""
        per_flow: dict[str, list[tuple[float, float]]] = {}
        for t in tasks:
            if not (t.get("start_time") and t.get("end_time")):
                continue
            span = (_time(t["start_time"]), _time(t["end_time"]))
            per_flow.setdefault(t["flow_run_id"], []).append(span)
            self.task_sum += span[1] - span[0]
            name = t["name"].rsplit("-", 1)[0] if t["name"].count("-") else t["name"]
            kind = re.sub(r"-TW\d.*$", "", name)
            self.by_task[kind] += span[1] - span[0]
            if t["name"].startswith(GATE_TASK):
                self.gate.append(span[1] - span[0])
        for f in flows:
            if not (f.get("start_time") and f.get("end_time")):
                continue
            self.flow_runs += 1
            self.flow_wall += _time(f["end_time"]) - _time(f["start_time"])
            self.task_union += union(per_flow.get(f["id"], []))
        self.task_runs += len(tasks)


def union(spans: list[tuple[float, float]]) -> float:
    """-> the length of the union of the intervals."""
    total, end = 0.0, float("-inf")
    for a, b in sorted(spans):
        if b <= end:
            continue
        total += b - max(a, end)
        end = b
    return total


# --- one size ---------------------------------------------------------------------------------
@dataclass
class LkjipResult:
    """The lkjip measurement of one size (one run, or one per office)."""

    mode: str
    note: str
    wall: float = 0.0
    peak_tree_mb: float = 0.0
    peak_single_mb: float = 0.0
    runs: int = 0
    other_cpu: float = 0.0  # the largest share of CPU other work took during a run
    failed: list[str] = field(default_factory=list)
    findings: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)
    orchestration: Orchestration = field(default_factory=Orchestration)

    def add(self, m: Measured, label: str) -> None:
        """Add one `lkjip run`."""
        self.runs += 1
        self.other_cpu = max(self.other_cpu, m.other_cpu)
        self.wall += m.wall
        self.peak_tree_mb = max(self.peak_tree_mb, m.peak_tree_mb)
        self.peak_single_mb = max(self.peak_single_mb, m.peak_single_mb)
        text = " ".join(m.stdout.split())
        for rule, count in re.findall(r"\b([VR]\d{3}) \((?:error|peringatan)\) (\d+)", text):
            self.findings[rule] += int(count)
        baris = re.search(r"Baris dibaca: (.*?) \(jumlah", text)
        for name, count in re.findall(r"(\w+) (\d+)", baris.group(1) if baris else ""):
            self.rows[name] += int(count)
        if m.returncode != 0:
            self.failed.append(f"{label}: exit {m.returncode}: {error_line(m.stderr)}")


def error_line(stderr: str) -> str:
    """-> the line that says why a run failed: lkjip's own, else the exception's, else the last."""
    lines = [x.strip() for x in stderr.splitlines() if x.strip()]
    for line in reversed(lines):
        if line.startswith("lkjip"):
            return line
    for line in reversed(lines):
        if re.match(r"^[\w.]+(Error|Exception|Exit)\b", line):
            return line
    return lines[-1] if lines else "(no output)"


def lkjip_cmd(raw: Path, curated: Path) -> list[str]:
    """The measured command."""
    return [
        str(LKJIP),
        "run",
        "--tahun",
        str(TAHUN),
        "--triwulan",
        str(TRIWULAN),
        "--raw",
        str(raw),
        "--curated",
        str(curated),
    ]


def offices(root: Path) -> list[str]:
    """kode_opd of every office of a root, from referensi/opd.csv."""
    with (root / "referensi" / "opd.csv").open(encoding="utf-8", newline="") as f:
        return [r["kode_opd"] for r in csv.DictReader(f)]


def measure_lkjip(root: Path, work: Path, server: PrefectServer, mode: str) -> LkjipResult:
    """`lkjip run` on the whole root, or once per office while the CLI refuses that."""
    env = server.client_env(work / "home-lkjip-whole")
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    if mode in ("auto", "whole"):
        m = measure(
            lkjip_cmd(root, work / "curated"), env, work / "logs" / "lkjip-whole", server.pid
        )
        refused = m.returncode != 0
        if not refused or mode == "whole":
            result = LkjipResult("whole", "one `lkjip run` over the multi-office root")
            result.add(m, "whole root")
            flows, tasks = server.runs_since(since, 1)
            result.orchestration.add(flows, tasks)
            return result
        why = error_line(m.stderr)
        flows, _ = server.runs_since(since, 0)
        if flows:  # the flow ran: the CLI took the layout, the run failed
            print(f"  lkjip run over the whole root FAILED after {m.wall:.1f} s: {why}")
            note = (
                f"`lkjip run` over the multi-office root failed after {fmt_s(m.wall)} "
                f"(exit {m.returncode}: `{why}`; log {work / 'logs' / 'lkjip-whole.err'}), "
                "so the figures are looped"
            )
        else:
            print(f"  lkjip refused the multi-office root ({m.wall:.1f} s): {why}")
            note = f"the CLI refused the multi-office root (`{why}`), so the figures are looped"
    else:
        note = "looped (--lkjip-mode loop)"
    codes = offices(root)
    result = LkjipResult("loop", f"{note} over {len(codes)} offices as single-office roots")
    env = server.client_env(work / "home-lkjip-loop")
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    for n, kode in enumerate(codes, 1):
        m = measure(
            lkjip_cmd(root / kode, work / "curated" / kode),
            env,
            work / "logs" / f"lkjip-{kode}",
            server.pid,
        )
        result.add(m, kode)
        print(
            f"  lkjip {n}/{len(codes)} {kode}: {m.wall:.1f} s, "
            f"peak {m.peak_tree_mb:,.0f} MB, exit {m.returncode}",
            flush=True,
        )
    flows, tasks = server.runs_since(since, len(codes))
    result.orchestration.add(flows, tasks)
    return result


def run_json(m: Measured) -> dict:
    """The JSON line a helper script printed last (its counts)."""
    for line in reversed(m.stdout.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {}


@dataclass
class SizeResult:
    """Everything measured for one size."""

    size: str
    meta: dict
    load: float = 0.0  # 1-minute load average before measuring (other work on the machine)
    server_start: float = 0.0
    floor: Measured | None = None
    floor_counts: dict = field(default_factory=dict)
    lkjip: LkjipResult | None = None
    pandas: Measured | None = None
    pandas_counts: dict = field(default_factory=dict)
    profile: str = ""

    def other_cpu(self) -> dict[str, float]:
        """Share of the machine's CPU other work took during each measurement."""
        found = {"floor": self.floor, "lkjip": self.lkjip, "pandas": self.pandas}
        return {k: m.other_cpu for k, m in found.items() if m is not None}

    def contended(self) -> bool:
        """-> whether other work took more than a tenth of the CPUs during a measurement."""
        return any(share > BUSY for share in self.other_cpu().values())


def bench_size(size: str, args: argparse.Namespace, profile: bool) -> SizeResult:
    """Generate (or reuse) one size and measure floor, lkjip and pandas on it."""
    preset_offices, preset_rows = generate.SIZES[size]
    print(f"\n== {size}: generating (or reusing) benchmark/out/{size}/raw", flush=True)
    meta = generate.ensure(
        OUT / size,
        args.offices or preset_offices,
        args.rows_per_file or preset_rows,
        jobs=args.jobs,
    )
    root = OUT / size / "raw"
    print(
        f"  {meta['data_rows']:,} data rows in {meta['files']:,} files "
        f"({meta['xlsx']} xlsx, {meta['offices']} offices, {meta['bytes'] / 1e6:,.0f} MB); "
        + ("reused" if meta["reused"] else f"generated in {meta['seconds']:.1f} s")
    )
    result = SizeResult(size, meta, load=os.getloadavg()[0])
    work = Path(tempfile.mkdtemp(prefix=f"lkjip-bench-{size}-"))
    try:
        with PrefectServer(work / "prefect-home", work / "logs" / "prefect-server.log") as server:
            result.server_start = server.start_seconds
            print(f"  Prefect server up in {server.start_seconds:.1f} s at {server.api}")
            env = server.env()
            if "floor" in args.parts:
                result.floor = measure(
                    [
                        sys.executable,
                        str(BENCH / "floor.py"),
                        "--raw",
                        str(root),
                        "--out",
                        str(work / "floor"),
                    ],
                    env,
                    work / "logs" / "floor",
                    server.pid,
                )
                result.floor_counts = run_json(result.floor)
                print(
                    f"  floor: {result.floor.wall:.1f} s, peak {result.floor.peak_tree_mb:,.0f} MB"
                )
            if "lkjip" in args.parts:
                result.lkjip = measure_lkjip(root, work, server, args.lkjip_mode)
                print(
                    f"  lkjip: {result.lkjip.wall:.1f} s in {result.lkjip.runs} run(s), "
                    f"peak {result.lkjip.peak_tree_mb:,.0f} MB"
                )
            if "pandas" in args.parts:
                result.pandas = measure(
                    [
                        sys.executable,
                        str(BENCH / "pandas_baseline.py"),
                        "--raw",
                        str(root),
                        "--out",
                        str(work / "pandas"),
                    ],
                    env,
                    work / "logs" / "pandas",
                    server.pid,
                )
                result.pandas_counts = run_json(result.pandas)
                print(
                    f"  pandas+pandera: {result.pandas.wall:.1f} s, "
                    f"peak {result.pandas.peak_tree_mb:,.0f} MB"
                )
            if profile:
                result.profile = profile_one(
                    root, work, server, result.lkjip, size, args.lkjip_mode
                )
    finally:
        if args.keep:
            print(f"  work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return result


def profile_one(
    root: Path, work: Path, server: PrefectServer, lk: LkjipResult | None, size: str, mode: str
) -> str:
    """Profile one `lkjip run` (the first office, or the whole root once the CLI takes it)."""
    whole = lk.mode == "whole" if lk is not None else mode == "whole"
    raw = root if whole else root / offices(root)[0]
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    stem = PROFILES / f"lkjip-{size}-{'whole' if whole else 'office'}-{stamp}"
    cmd = [
        sys.executable,
        str(BENCH / "profile_run.py"),
        "--out",
        str(stem.relative_to(REPO)),
        "--",
        *lkjip_cmd(raw, work / "curated-profile")[1:],
    ]
    print(f"\n  profiling one lkjip run on {raw} ...", flush=True)
    env = server.client_env(work / "home-profile")
    done = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)
    marker = done.stdout.find("lkjip exit code")
    tail = done.stdout[marker:] if marker >= 0 else done.stdout[-3000:]
    if done.returncode:
        tail += f"\n(profiled run exited {done.returncode}: {error_line(done.stderr)})"
    print("\n".join("  " + line for line in tail.splitlines()))
    return tail


# --- reporting -------------------------------------------------------------------------------
def machine() -> str:
    """One line about this machine and the versions measured."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "flows", "schemas", "transforms"],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout
    code = f"{commit}{' + uncommitted changes in flows/schemas/transforms' if dirty else ''}"
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {psutil.virtual_memory().total / 2**30:.1f} GiB RAM, "
        f"Python {platform.python_version()}, polars {version('polars')}, "
        f"prefect {version('prefect')}, pandas {version('pandas')}, "
        f"pandera {version('pandera')}; lkjip code {code}"
    )


def fmt_s(seconds: float | None) -> str:
    """Seconds with a decimal comma, as the README writes figures."""
    return (
        "–"
        if seconds is None
        else f"{seconds:,.1f} s".replace(",", "_").replace(".", ",").replace("_", ".")
    )


def fmt_n(n: float) -> str:
    """An integer with Indonesian thousands dots."""
    return f"{n:,.0f}".replace(",", ".")


def fmt_pct(share: float | None) -> str:
    """A share as a percentage with a decimal comma."""
    return "–" if share is None else f"{100 * share:.1f} %".replace(".", ",")


HEADER = (
    "| size | rows | files | floor | lkjip run | peak RSS (tree) | lkjip / floor | rows/s "
    "| Prefect outside tasks | server start | gerbang-mutu | pandas + pandera |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def table_row(r: SizeResult) -> str:
    """The result table's row of one size."""
    rows, files = r.meta["data_rows"], r.meta["files"]
    floor = r.floor.wall if r.floor else None
    lk = r.lkjip
    size = r.size + (" (busy machine, see notes)" if r.contended() else "")
    cells = [size, fmt_n(rows), fmt_n(files), fmt_s(floor)]
    if lk:
        o = lk.orchestration
        share = (o.flow_wall - o.task_union) / lk.wall if lk.wall and o.flow_runs else None
        gate = f"{fmt_s(sum(o.gate) / len(o.gate))} per run" if o.gate else "–"
        if len(o.gate) > 1:
            gate += f" ({fmt_s(sum(o.gate))} in all)"
        cells += [
            fmt_s(lk.wall) + (f" ({lk.runs} runs)" if lk.runs > 1 else ""),
            f"{fmt_n(lk.peak_tree_mb)} MB",
            f"{lk.wall / floor:,.0f}×".replace(",", ".") if floor else "–",
            fmt_n(rows / lk.wall),
            fmt_pct(share),
            fmt_s(r.server_start),
            gate,
        ]
    else:
        cells += ["–"] * 5 + [fmt_s(r.server_start), "–"]
    pandas = r.pandas.wall if r.pandas else None
    cells.append(fmt_s(pandas) + (f" ({pandas / floor:.0f}× floor)" if pandas and floor else ""))
    return "| " + " | ".join(cells) + " |"


def details(r: SizeResult) -> str:
    """The notes under the table for one size: how lkjip ran, where its time went."""
    m = r.meta
    lines = [
        f"**{r.size}**: {fmt_n(m['data_rows'])} kode rekening rows "
        f"({fmt_n(m['lines'])} lines with titles, headers, roll-ups and totals) in "
        f"{fmt_n(m['files'])} exports ({m['xlsx']} xlsx) of {m['offices']} offices, "
        f"{m['bytes'] / 1e6:,.0f} MB. Load average before measuring: {r.load:.2f} "
        f"on {os.cpu_count()} CPUs.",
    ]
    shares = ", ".join(f"{k} {fmt_pct(v)}" for k, v in r.other_cpu().items())
    if shares:
        lines.append(
            f"- CPU taken by other work on the machine while measuring: {shares}"
            + (
                ". **Another process competed for the CPUs: these figures are slower than "
                "on a quiet machine.**"
                if r.contended()
                else "."
            )
        )
    if r.floor:
        c = r.floor_counts
        lines.append(
            f"- floor: {fmt_s(r.floor.wall)} wall ({fmt_s(c.get('seconds_inside'))} after "
            f"imports), {c.get('files', '?')} files incl. reference CSVs, xlsx via "
            f"{c.get('xlsx_reader', '?')}; peak {fmt_n(r.floor.peak_tree_mb)} MB."
        )
    lk = r.lkjip
    if lk:
        o = lk.orchestration
        lines.append(f"- lkjip: {lk.note}.")
        if lk.failed:
            lines.append(f"- lkjip runs that failed: {'; '.join(lk.failed[:5])}")
        if o.flow_runs:
            outside_flow = (lk.wall - o.flow_wall) / lk.wall
            lines.append(
                f"- Prefect API: {o.flow_runs} flow run(s), {fmt_n(o.task_runs)} task runs; "
                f"flow runs {fmt_s(o.flow_wall)}, task spans {fmt_s(o.task_sum)} summed "
                f"({fmt_s(o.task_union)} with at least one task running). Outside any task "
                f"span: {fmt_s(o.flow_wall - o.task_union)} "
                f"({fmt_pct((o.flow_wall - o.task_union) / lk.wall)} of lkjip's wall); outside "
                f"the flow run (start, imports, CLI checks, shutdown): "
                f"{fmt_s(lk.wall - o.flow_wall)} ({fmt_pct(outside_flow)}), "
                f"{fmt_s((lk.wall - o.flow_wall) / lk.runs)} per run."
            )
            spent = ", ".join(f"{k} {fmt_s(v)}" for k, v in o.by_task.most_common())
            lines.append(f"- task spans by task: {spent}.")
        lines.append(
            f"- memory: peak {fmt_n(lk.peak_tree_mb)} MB for the process tree, largest "
            f"single process {fmt_n(lk.peak_single_mb)} MB"
            + (" (the largest of the runs)." if lk.runs > 1 else ".")
        )
        planted = {"V004": m["negatif"], "V008": m["rollup_salah"]}
        seen = ", ".join(f"{k} {v}" for k, v in sorted(lk.findings.items())) or "none"
        unexpected = sorted(set(lk.findings) - set(planted))
        lines.append(
            f"- findings: {seen} (planted: V004 {planted['V004']}, V008 {planted['V008']})"
            + (f"; not planted: {', '.join(unexpected)}" if unexpected else "")
            + f"; rows: {', '.join(f'{k} {fmt_n(v)}' for k, v in lk.rows.items())}."
        )
    if r.pandas:
        c = r.pandas_counts
        lines.append(
            f"- pandas + pandera: {fmt_s(r.pandas.wall)} wall "
            f"({fmt_s(c.get('seconds_inside'))} after imports), peak "
            f"{fmt_n(r.pandas.peak_tree_mb)} MB; {fmt_n(c.get('data_rows', 0))} data rows, "
            f"{c.get('quarantined', '?')} quarantined ({c.get('checks_failed', {})}), "
            f"{fmt_n(c.get('facts', 0))} fact rows, {c.get('not_in_dpa', '?')} not in the DPA."
        )
    return "\n".join(lines)


def report(results: list[SizeResult], args: argparse.Namespace) -> str:
    """The dated Markdown section of this run."""
    now = dt.datetime.now().astimezone()
    parts = [
        f"## {now:%Y-%m-%d %H:%M %Z}: sizes {', '.join(r.size for r in results)}",
        "",
        f"Machine: {machine()}.",
        "",
        "lkjip runs against a `prefect server start` the benchmark started (fresh PREFECT_HOME"
        ", no cache); its start time is the *server start* column. Wall times are whole "
        "subprocesses; peak RSS sums the process tree (polled every 50 ms).",
        "",
        HEADER,
        *[table_row(r) for r in results],
        "",
        *[details(r) + "\n" for r in results],
    ]
    for r in results:
        if r.profile:
            parts += [f"Profile ({r.size}):", "", "```", r.profile.strip(), "```", ""]
    return "\n".join(parts)


def append_results(text: str) -> None:
    """Append a section to benchmark/RESULTS.md (created with its title when missing)."""
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Benchmark results\n\nAppended by `make bench` (benchmark/bench.py), newest last. "
            "Figures are printed, never asserted.\n\n",
            encoding="utf-8",
        )
    with RESULTS.open("a", encoding="utf-8") as f:
        f.write(text.rstrip() + "\n\n")


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=["100k", "1m", "10m"],
        help="of " + ", ".join(generate.SIZES) + " (any case; commas too)",
    )
    parser.add_argument(
        "--parts",
        default="floor,lkjip,pandas",
        help="what to measure (comma-separated: floor,lkjip,pandas)",
    )
    parser.add_argument("--lkjip-mode", choices=("auto", "whole", "loop"), default="auto")
    parser.add_argument("--profile", action="store_true", help="profile one lkjip run")
    parser.add_argument("--offices", type=int, help="override the size's office count")
    parser.add_argument("--rows-per-file", type=int, help="override the size's rows per file")
    parser.add_argument(
        "--jobs", type=int, default=min(2, os.cpu_count() or 1), help="processes generating files"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary work folders")
    parser.add_argument("--no-results", action="store_true", help="do not append RESULTS.md")
    args = parser.parse_args(argv)
    sizes = [s.lower() for item in args.sizes for s in item.replace(",", " ").split()]
    unknown = [s for s in sizes if s not in generate.SIZES]
    if unknown:
        parser.error(f"unknown size {', '.join(unknown)} (known: {', '.join(generate.SIZES)})")
    args.parts = {p.strip() for p in args.parts.split(",") if p.strip()}

    results = []
    for n, size in enumerate(sizes):
        results.append(bench_size(size, args, profile=args.profile and n == 0))
    text = report(results, args)
    print("\n" + text)
    if not args.no_results:
        append_results(text)
        print(f"(appended to {RESULTS.relative_to(REPO)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
