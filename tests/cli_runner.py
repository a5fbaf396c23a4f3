"""Running the installed `lkjip` as a user does, with a thread dump if it ever hangs."""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

LKJIP = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "lkjip"


def run_lkjip(
    args: list[str], env: dict[str, str], cwd: Path, *, columns: int = 200, timeout: float = 600
) -> subprocess.CompletedProcess:
    """`lkjip <args>` -> its completed process; a hang fails with every thread's traceback.

    PYTHONFAULTHANDLER makes Python print all threads' stacks on SIGABRT, which is sent
    when `timeout` passes: the failure then says where it stood, not just that it hung.
    """
    full_env = {**env, "COLUMNS": str(columns), "PYTHONFAULTHANDLER": "1"}
    with subprocess.Popen(
        [str(LKJIP), *args],
        env=full_env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)
            stdout, stderr = process.communicate(timeout=60)
            raise AssertionError(
                f"lkjip {' '.join(args)} hung for {timeout:.0f} s; where each thread stood:\n"
                f"{innermost_frames(stderr)}\n--- its stderr, last part:\n{stderr[-12000:]}"
            ) from None
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def innermost_frames(stderr: str, depth: int = 6) -> str:
    """faulthandler's dump in `stderr` -> each thread's `depth` innermost frames, compactly.

    A CI log keeps only so much of a failure: this puts what matters (where each thread
    waits) first, before the run's own log lines.
    """
    threads = re.split(r"\n(?=(?:Current thread|Thread) 0x)", stderr)
    lines = []
    for block in threads[1:]:
        head, *frames = block.strip().splitlines()
        frames = [f.strip() for f in frames if f.strip().startswith("File ")]
        lines.append(head.rstrip(":") + ": " + " <- ".join(_short(f) for f in frames[:depth]))
    return "\n".join(lines) or "(no thread dump)"


def _short(frame: str) -> str:
    """'File "/x/site-packages/polars/lazyframe/frame.py", line 2407 in collect' -> shorter."""
    match = re.match(r'File "(?P<path>[^"]+)", line (?P<line>\d+) in (?P<fn>.+)', frame)
    if match is None:
        return frame
    path = re.sub(r"^.*/(site-packages|lib/python3\.\d+)/", "", match["path"])
    path = re.sub(r"^.*/(flows|transforms|schemas)/", r"\1/", path)
    return f"{match['fn']}@{path}:{match['line']}"
