"""Profile one `lkjip run` with pyinstrument, every thread of it, and print its hot spots.

    .venv/bin/python benchmark/profile_run.py --out benchmark/profiles/lkjip-100k -- \\
        run --tahun 2023 --triwulan 4 --raw ROOT --curated CURATED

pyinstrument samples one thread per profiler, and lkjip does its work on Prefect's
worker threads (the flow runs tasks on a pool of two) while the main thread waits for
them, and Prefect talks to its API from an event-loop thread of its own. So every thread
gets its own profiler (`threading.Thread.run` is wrapped before anything starts a thread)
and the sessions are combined at the end: the combined view adds up thread time, not wall
time. Threads still running at the end (Prefect's daemon loops) are snapshotted.

Writes OUT.html (pyinstrument's interactive page), OUT.txt (its text tree),
OUT.pyisession (the samples, for `--analyse`) and OUT-hotspots.txt, and prints the hot
spots (see `hot_spots`). Time a thread spends waiting (locks, queues, selectors, sleeps)
is left out, except a wait on a child process, which is work (each workbook is opened in
`flows/workbook_child.py`, whose own time is not sampled here).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

from pyinstrument import Profiler
from pyinstrument.renderers import ConsoleRenderer, HTMLRenderer
from pyinstrument.session import Session

INTERVAL = 0.001
_lock = threading.Lock()
_finished: list[tuple[str, Session]] = []
_running: dict[int, tuple[str, Profiler]] = {}

# Leaf functions or files where a thread waits rather than works.
IDLE_FILES = (
    "threading.py",
    "queue.py",
    "selectors.py",
    "concurrent/futures/_base.py",
    "concurrent/futures/thread.py",
    "asyncio/base_events.py",
    "asyncio/locks.py",
    "asyncio/queues.py",
    "asyncio/tasks.py",
)
IDLE_FUNCTIONS = {"sleep", "select", "poll", "wait", "acquire", "epoll", "_wait_for_tstate_lock"}
PROJECT = ("flows/", "transforms/", "schemas/")


def _profiled_run(original):
    """Thread.run -> the same, under a profiler of its own for the thread's lifetime."""

    def run(self) -> None:
        profiler = Profiler(interval=INTERVAL, async_mode="disabled")
        profiler.start()
        with _lock:
            _running[threading.get_ident()] = (self.name, profiler)
        try:
            original(self)
        finally:
            with _lock:
                _running.pop(threading.get_ident(), None)
            session = profiler.stop()
            with _lock:
                _finished.append((self.name, session))

    return run


def snapshot(profiler: Profiler) -> Session | None:
    """A session of a profiler still running in another thread (its records so far)."""
    active = profiler._active_session  # noqa: SLF001 (pyinstrument has no public snapshot)
    if active is None or not active.frame_records:
        return None
    records = list(active.frame_records)
    return Session(
        frame_records=records,
        start_time=active.start_time,
        duration=time.time() - active.start_time,
        min_interval=active.interval,
        max_interval=active.interval,
        sample_count=len(records),
        target_description=active.target_description,
        start_call_stack=active.start_call_stack,
        cpu_time=0.0,
        sys_path=sys.path,
        sys_prefixes=Session.current_sys_prefixes(),
    )


def is_idle(frame, stack_files: tuple[str, ...]) -> bool:
    """-> whether self time in `frame` is a thread waiting (not on a child process).

    C functions (file `<built-in>`) are named like `lock.acquire` or `SimpleQueue.get`:
    they count as waiting by their own name or by the file of the Python frame calling them.
    """
    if any(f.endswith("subprocess.py") for f in stack_files):
        return False
    path = frame.file_path or ""
    if path.startswith("<"):
        name = frame.function.rsplit(".", 1)[-1]
        caller = stack_files[-1] if stack_files else ""
        return (
            name in IDLE_FUNCTIONS
            or frame.function == "SimpleQueue.get"
            or caller.endswith(IDLE_FILES)
        )
    return frame.function in IDLE_FUNCTIONS or path.endswith(IDLE_FILES)


def hot_spots(session: Session, top: int = 15) -> str:
    """A session -> text: where the working (not waiting) thread time went.

    1. per innermost lkjip function on the stack (what polars, pandera or Prefect did for
       it counts to it; time with no lkjip frame on the stack goes to its package);
    2. lkjip functions by working time below them (each counted once per stack);
    3. functions by self time (C functions named with the Python line calling them);
    4. self time per package.
    """
    root = session.root_frame()
    self_time: dict[tuple[str, str], float] = defaultdict(float)
    inclusive: dict[tuple[str, str], float] = defaultdict(float)
    owner_time: dict[str, float] = defaultdict(float)
    package: dict[str, float] = defaultdict(float)
    idle = 0.0

    def walk(frame, files: tuple[str, ...], caller: str, owner: str | None) -> float:
        """-> the working time in and below `frame`; fills the tables on the way."""
        nonlocal idle
        path = frame.file_path or ""
        where = f"{frame.file_path_short or path}:{frame.line_no}"
        mine = False
        if path.startswith("<frozen importlib"):  # importing modules, for whoever asked
            where = f"called at {caller}"
            if owner is None or not owner.startswith("imports"):
                owner = f"imports of modules (at {caller})"
        elif path.startswith("<"):  # a C function: say which Python line called it
            where, path = f"called at {caller}", files[-1] if files else path
        else:
            caller = where
            mine = any(f"/{p}" in path for p in PROJECT) and "site-packages" not in path
            if mine and not frame.function.startswith("<"):
                owner = f"{frame.function}  ({where})"
        key = (frame.function, where)
        work = 0.0
        own = frame.total_self_time if not frame.is_synthetic else 0.0
        if own > 0:
            if is_idle(frame, files):
                idle += own
            else:
                work += own
                self_time[key] += own
                package[_package(path)] += own
                owner_time[owner or f"(no lkjip frame: {_package(path)})"] += own
        for child in frame.children:
            if not child.is_synthetic:
                work += walk(child, (*files, path), caller, owner)
        if mine:
            inclusive[key] += work
        return work

    if root is not None:
        walk(root, (), "", None)
    work = sum(self_time.values()) or 1.0

    def block(title: str, table: dict, n: int, share: bool = True) -> list[str]:
        rows = sorted(table.items(), key=lambda kv: -kv[1])[:n]
        out = ["", title]
        for name, seconds in rows:
            label = name if isinstance(name, str) else f"{name[0]}  ({name[1]})"
            pct = f" {100 * seconds / work:5.1f} %" if share else ""
            out.append(f"  {seconds:8.2f} s{pct}  {label}")
        return out

    lines = [
        f"Thread time sampled: {work + idle:,.1f} s over all threads; waiting (left out): "
        f"{idle:,.1f} s; working: {work:,.1f} s"
    ]
    lines += block(
        f"Top {top} hot spots: working time by innermost lkjip function", owner_time, top
    )
    lines += block(
        f"Top {top} lkjip functions by working time below them (nested: not additive)",
        {k: v for k, v in inclusive.items() if v > 0},
        top,
    )
    lines += block(f"Top {top} functions by self time", self_time, top)
    lines += block("Self time per package", package, 12)
    return "\n".join(lines)


def _package(path: str) -> str:
    """A file path -> the package it belongs to (lkjip's three, or the site-package)."""
    for p in PROJECT:
        if f"/{p}" in path and "site-packages" not in path:
            return f"lkjip {p.rstrip('/')}"
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    if "<" in path or not path:
        return "(built-in)"
    return "python stdlib"


def main(argv: list[str] | None = None) -> int:
    """Command line: --out STEM -- <lkjip arguments>; -> lkjip's exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output stem (no suffix)")
    parser.add_argument(
        "--analyse", type=Path, help="print the hot spots of a saved .pyisession and stop"
    )
    args = parser.parse_args(argv[:split])
    lkjip_args = argv[split + 1 :]
    if args.analyse:
        print(hot_spots(Session.load(str(args.analyse))))
        return 0

    threading.Thread.run = _profiled_run(threading.Thread.run)
    main_profiler = Profiler(interval=INTERVAL, async_mode="disabled")
    main_profiler.start()
    code = 0
    try:
        from flows.cli import main as lkjip_main

        lkjip_main(lkjip_args)
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    finally:
        sessions = [main_profiler.stop()]
        with _lock:
            sessions += [s for _, s in _finished]
            running = list(_running.values())
        sessions += [s for s in (snapshot(p) for _, p in running) if s is not None]
    combined = sessions[0]
    for session in sessions[1:]:
        combined = Session.combine(combined, session)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    html = args.out.with_name(args.out.name + ".html")
    text = args.out.with_name(args.out.name + ".txt")
    spots = args.out.with_name(args.out.name + "-hotspots.txt")
    combined.save(str(args.out.with_name(args.out.name + ".pyisession")))
    html.write_text(HTMLRenderer().render(combined), encoding="utf-8")
    text.write_text(
        ConsoleRenderer(unicode=True, color=False, short_mode=False).render(combined),
        encoding="utf-8",
    )
    report = hot_spots(combined)
    spots.write_text(report + "\n", encoding="utf-8")
    print(f"lkjip exit code {code}; {len(sessions)} thread sessions combined")
    print(f"profile: {html}\n         {text}\n         {spots}\n")
    print(report)
    return code


if __name__ == "__main__":
    sys.exit(main())
