"""Running the installed `lkjip` as a user does, with a thread dump if it ever hangs."""

from __future__ import annotations

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
                f"lkjip {' '.join(args)} hung for {timeout:.0f} s; its threads:\n{stderr[-20000:]}"
            ) from None
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
