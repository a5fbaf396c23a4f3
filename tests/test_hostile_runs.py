"""Faults on runs, processes and publication (issue 9, items 4, 5, 6, 7 and 9).

Every fault is driven through the real `lkjip` by a named function of hostile_runs.py.
A run killed with SIGKILL leaves no Prefect server behind; text from a file prints inert;
two runs on one curated folder never mix, and the second says it waited or refused; a
full disk ends in one `lkjip:` line with the previous release intact and nothing left
over; `serve` never takes another process on its port for its server.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from conftest import RAW, TAHUN
from fault_ledger import CASES, release_rows_lost, table_rows_read
from hostile_runs import (
    PLANTED_BIDANG,
    PLANTED_FILE,
    concurrent_runs,
    disk_full,
    fill_for,
    foreign_health_server,
    kill_during_gate,
    kill_run_mid_flow,
    kill_serve,
    mount_tmpfs,
    read_only_curated,
    resize_tmpfs,
    run_and_list_findings,
    serve_on_a_foreign_port,
    terminal_markup_and_escapes,
    unmount,
    used_kib,
)
from polars.testing import assert_frame_equal

from flows.raw_folder import LkjipError
from flows.serve import free_port, owns_port, wait_ours
from transforms.gate_checks import EXPECTATIONS

ESC = "\x1b"


# --------------------------------------------------------------------------- helpers


def lkjip_lines(result: subprocess.CompletedProcess) -> list[str]:
    """-> the `lkjip:` lines a command printed on stderr."""
    return [line for line in result.stderr.splitlines() if line.startswith("lkjip:")]


def squeezed(text: str) -> str:
    """Printed text -> without whitespace and table borders (rich wraps and frames cells)."""
    return re.sub(r"[\s\u2502\u2503\u2500-\u257f]", "", text)


def year(curated: Path) -> Path:
    """-> curated/.rilis/<tahun>."""
    return curated / ".rilis" / str(TAHUN)


def active(curated: Path) -> str:
    """-> the name of the year's current release."""
    return os.readlink(year(curated) / "aktif")


def releases(curated: Path) -> list[str]:
    """-> the names of the year's complete release folders."""
    return sorted(
        p.name
        for p in year(curated).iterdir()
        if p.is_dir() and not p.is_symlink() and not p.name.endswith(".tmp")
    )


def leftovers(curated: Path) -> list[Path]:
    """-> half-written releases and temporary links anywhere under the curated folder."""
    staging = list(year(curated).glob("*.tmp"))
    links = [p for p in curated.rglob(".*.tmp") if p.is_symlink()]
    rejected = list((curated / "data_docs").glob("*-ditolak"))
    return staging + links + rejected


def snapshot(curated: Path) -> dict:
    """What a failed run must leave alone: the current release, its tables and Data Docs."""
    manifest = json.loads((curated / "manifest" / f"tahun={TAHUN}.json").read_text())
    tables = {}
    for entry in manifest["keluaran"]:
        frame = pl.scan_parquet(curated / entry["tabel"], hive_partitioning=True).collect()
        tables[entry["tabel"]] = frame.sort(frame.columns, nulls_last=True)
    return {
        "aktif": active(curated),
        "releases": releases(curated),
        "manifest": manifest,
        "tables": tables,
        "docs": (curated / "data_docs" / str(TAHUN) / "index.html").read_bytes(),
    }


def assert_unchanged(before: dict, after: dict) -> None:
    """Nothing of the publication changed between two snapshots."""
    assert after["aktif"] == before["aktif"]
    assert after["releases"] == before["releases"]
    assert after["manifest"] == before["manifest"]
    assert after["docs"] == before["docs"]
    for name, frame in before["tables"].items():
        assert_frame_equal(after["tables"][name], frame, check_exact=True)


def docs_complete(release: Path) -> list[str]:
    """A release folder -> what its Data Docs lack (empty when complete): the index, one
    validation page and one expectation page per gate table, every page the index links."""
    docs = release / "data_docs"
    missing = [] if (docs / "index.html").is_file() else ["index.html"]
    for kind in ("validations", "expectations"):
        pages = list((docs / kind).rglob("*.html")) if (docs / kind).is_dir() else []
        if len(pages) != len(EXPECTATIONS):
            missing.append(f"{kind}: {len(pages)} of {len(EXPECTATIONS)} pages")
    index = (docs / "index.html").read_text() if not missing else ""
    for href in re.findall(r'href="((?:validations|expectations)/[^"#?]+)"', index):
        if not (docs / href).is_file():
            missing.append(href)
    return missing


def published_run(raw: Path, curated: Path, env: dict[str, str]) -> None:
    """One `lkjip run` that publishes (the state a fault then meets)."""
    from cli_runner import run_lkjip

    args = ["run", "--tahun", str(TAHUN), "--triwulan", "4", "--raw", str(raw)]
    done = run_lkjip([*args, "--curated", str(curated)], env, curated.parent)
    assert done.returncode == 0, done.stderr[-3000:]


# --------------------------------------------------------------------------- item 4


def test_a_run_killed_with_sigkill_leaves_no_prefect_server_behind(raw_copy, tmp_path):
    outcome = kill_run_mid_flow(raw_copy, tmp_path, dict(os.environ))
    started = outcome.facts["started"]
    # It had started its own server (so there was something to leave behind) ...
    assert any("prefect.server.api.server:create_app" in c for c in started.values()), started
    # ... and nothing it started outlives it by GONE_WITHIN seconds.
    assert outcome.facts["returncode"] == -9
    assert outcome.facts["left"] == {}


def test_serve_killed_with_sigkill_leaves_no_prefect_server_behind(tmp_path):
    (tmp_path / "raw").mkdir()
    outcome = kill_serve(tmp_path, dict(os.environ), free_port())
    started = outcome.facts["started"]
    assert any("server start" in c for c in started.values()), started
    assert outcome.facts["left"] == {}


# --------------------------------------------------------------------------- item 9


def test_serve_refuses_a_port_another_process_answers_on(tmp_path):
    (tmp_path / "raw").mkdir()
    outcome = serve_on_a_foreign_port(tmp_path, dict(os.environ))
    done = outcome.runs["serve"]
    assert done.returncode == 1, (done.stdout, done.stderr)
    (line,) = lkjip_lines(done)
    assert f"port {outcome.facts['port']}" in line and "--port" in line
    assert "Server Prefect:" not in done.stdout


def test_a_server_is_taken_only_when_the_process_we_started_holds_its_port(tmp_path):
    with foreign_health_server() as port:
        assert owns_port(os.getpid(), port) is True  # the foreign server runs in this process
        sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        try:
            assert owns_port(sleeper.pid, port) is False
            with pytest.raises(LkjipError, match="tidak siap"):
                wait_ours(sleeper, port, tmp_path / "log", timeout=3)
        finally:
            sleeper.kill()
            sleeper.wait()


def test_a_server_that_exits_before_it_is_ready_is_an_error_naming_its_exit_code(tmp_path):
    quitter = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    quitter.wait()
    with pytest.raises(LkjipError, match="berhenti sebelum siap \\(kode keluar 3\\)"):
        wait_ours(quitter, free_port(), tmp_path / "log", timeout=600)


# --------------------------------------------------------------------------- item 5


@pytest.fixture(scope="module")
def inert_outputs(subprocess_env, tmp_path_factory) -> dict:
    """`lkjip run` and `lkjip failures` on a raw copy full of markup and ESC sequences."""
    work = tmp_path_factory.mktemp("inert")
    raw = work / "raw"
    shutil.copytree(RAW / str(TAHUN), raw / str(TAHUN))
    terminal_markup_and_escapes(raw)
    return run_and_list_findings(raw, work, subprocess_env).runs


@pytest.mark.parametrize("command", ["run", "failures", "failures_narrow"])
def test_text_from_files_never_reaches_the_terminal_as_escapes_or_markup(inert_outputs, command):
    done = inert_outputs[command]
    assert done.returncode == 0, done.stderr[-3000:]
    assert ESC not in done.stdout and ESC not in done.stderr
    assert "Traceback" not in done.stderr


def test_failures_shows_the_planted_markup_and_escapes_as_text(inert_outputs):
    shown = squeezed(inert_outputs["failures"].stdout)
    assert "2.17.[/bold]\\x1b[31m" in shown
    assert "[link=http://x]klik[/link]" in shown  # printed, not rendered as a link
    assert "\\x1b]8;;http://x\\x1b\\5" in shown
    assert squeezed(PLANTED_FILE.replace(ESC, "\\x1b")) in shown


def test_the_run_log_shows_a_planted_folder_name_as_text(inert_outputs):
    log = inert_outputs["run"].stderr
    assert PLANTED_BIDANG.replace(ESC, "\\x1b") in log


# --------------------------------------------------------------------------- item 6


@pytest.fixture(scope="module")
def concurrent(subprocess_env, tmp_path_factory):
    """Two runs started at once on one curated folder, and a third refused meanwhile."""
    work = tmp_path_factory.mktemp("bersamaan")
    raw = work / "raw"
    shutil.copytree(RAW / str(TAHUN), raw / str(TAHUN))
    outcome = concurrent_runs(raw, work, subprocess_env)
    return {**outcome.runs, **outcome.facts, "curated": work / "curated"}


def test_a_run_on_a_held_folder_without_tunggu_is_refused_at_once_in_one_line(concurrent):
    refused = concurrent["refused"]
    assert refused.returncode == 1
    (line,) = lkjip_lines(refused)
    assert "sedang dipakai run lain" in line and "--tunggu" in line, line
    assert re.search(r"\(pid (\d+) ", line).group(1) in map(str, concurrent["pids"]), line
    assert "Traceback" not in refused.stderr and refused.stdout == ""


def test_of_two_runs_started_together_one_waits_saying_so_then_publishes(concurrent):
    for done in concurrent["pair"]:
        assert done.returncode == 0, done.stderr[-3000:]
    assert len(concurrent["waited"]) == 1  # exactly one of them waited
    first, second = concurrent["first"], concurrent["waited"][0]
    assert concurrent["holder_while_waiting"] == concurrent["pids"][first]
    waiting = concurrent["pair"][second].stderr
    waited = rf"Menunggu run lain selesai \(pid {concurrent['pids'][first]} .*\): 0 dari 600 detik"
    assert re.search(waited, waiting), waiting[-3000:]
    assert "Rilis pertama tahun 2023" in concurrent["pair"][first].stdout


def test_concurrent_runs_give_one_release_each_and_the_second_names_the_one_it_replaced(
    concurrent,
):
    curated = concurrent["curated"]
    names = releases(curated)
    assert len(names) == 2  # one per publication; the refused run published nothing
    manifests = {n: json.loads((year(curated) / n / "manifest.json").read_text()) for n in names}
    (first,) = [n for n, m in manifests.items() if m["menggantikan"] is None]
    (second,) = [n for n in names if n != first]
    assert manifests[second]["menggantikan"]["rilis"] == first
    assert active(curated) == second
    said = concurrent["pair"][concurrent["waited"][0]].stdout
    replaced = rf"^Setelah menunggu run lain \d+ detik: menggantikan rilis {first} "
    assert re.search(replaced, said, re.M), said
    assert not leftovers(curated)


def test_concurrent_runs_keep_each_releases_data_docs_whole_and_switch_them(concurrent):
    curated = concurrent["curated"]
    for name in releases(curated):
        assert docs_complete(year(curated) / name) == [], name
    link = curated / "data_docs" / str(TAHUN)
    assert link.is_symlink()
    assert link.resolve() == (year(curated) / active(curated) / "data_docs").resolve()


# --------------------------------------------------------------------------- item 7


def test_a_kill_during_the_gate_keeps_the_current_data_docs(
    raw_copy, subprocess_env, tmp_path, record_fault
):
    curated = tmp_path / "curated"
    published_run(raw_copy, curated, subprocess_env)
    before = snapshot(curated)
    rows = table_rows_read(curated)
    outcome = kill_during_gate(raw_copy, curated, tmp_path, subprocess_env)
    assert outcome.facts["returncode"] == -9
    assert outcome.facts["half"], "the kill came before the gate wrote anything"
    assert_unchanged(before, snapshot(curated))
    lost = release_rows_lost(rows, curated)
    assert lost == 0
    record_fault(CASES[4], 1, lost)
    published_run(raw_copy, curated, subprocess_env)  # the next run clears the half release
    assert active(curated) != before["aktif"] and not leftovers(curated)


@pytest.fixture(scope="module")
def small_disk(subprocess_env, tmp_path_factory):
    """A published curated folder on a small tmpfs (or, without root, on a plain folder
    where the failing writes are simulated); unmounted after the module."""
    work = tmp_path_factory.mktemp("disk-penuh")
    raw = work / "raw"
    shutil.copytree(RAW / str(TAHUN), raw / str(TAHUN))
    disk = work / "disk"
    mounted = mount_tmpfs(disk, 64 * 1024)
    disk.mkdir(exist_ok=True)
    try:
        published_run(raw, disk / "curated", subprocess_env)
        yield {"raw": raw, "curated": disk / "curated", "disk": disk, "mounted": mounted}
    finally:
        if mounted:
            unmount(disk)


@pytest.mark.parametrize("stage", ["gerbang", "terbit"])
def test_a_full_disk_ends_in_one_line_with_the_previous_release_intact(
    small_disk, subprocess_env, stage, record_fault
):
    curated = small_disk["curated"]
    before = snapshot(curated)
    rows = table_rows_read(curated)
    if small_disk["mounted"]:
        resize_tmpfs(small_disk["disk"], used_kib(small_disk["disk"]) + fill_for(stage, curated))
    simulated = not small_disk["mounted"]
    outcome = disk_full(stage, small_disk["raw"], curated, subprocess_env, simulated)
    done = outcome.runs[stage]
    assert done.returncode == 1, done.stderr[-3000:]
    (line,) = lkjip_lines(done)
    assert "disk penuh" in line and "rilis yang berlaku tidak berubah" in line, line
    doing = "Data Docs" if stage == "gerbang" else "menerbitkan"
    assert doing in line, line
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert_unchanged(before, snapshot(curated))
    assert leftovers(curated) == []
    lost = release_rows_lost(rows, curated)
    assert lost == 0
    record_fault(CASES[5], 1, lost)


def test_a_read_only_curated_folder_ends_in_one_line_saying_what_to_do(
    raw_copy, subprocess_env, tmp_path
):
    outcome = read_only_curated(raw_copy, tmp_path, subprocess_env)
    done = outcome.runs["run"]
    assert done.returncode == 1, done.stderr[-3000:]
    (line,) = lkjip_lines(done)
    if outcome.facts["mounted"]:
        assert "disk hanya-baca" in line and "pakai --curated" in line, line
    else:
        assert "tidak ada izin tulis" in line and "beri izin tulis" in line, line
    assert "Traceback" not in done.stderr
