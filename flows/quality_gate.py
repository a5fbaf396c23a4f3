"""The quality gate run by Great Expectations, and its Data Docs.

Runs the expectations of transforms/gate_checks.py on the frames built there (as pandas
with Arrow types, since Great Expectations has no polars support) and renders Data Docs
into the folder it is given, whether the gate passes or not. The library core gives it the
release being written (flows/release_store.py): the docs are switched with the tables, and
a steward opens `curated/data_docs/<tahun>/index.html` (a link into the current release) to
see them, or `curated/data_docs/<tahun>-ditolak/` for a refused run.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from transforms.gate_checks import EXPECTATIONS, gate_frames

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@dataclass(frozen=True)
class GateOutcome:
    """The gate's outcome: passed or not, each expectation's figures, where the docs are."""

    passed: bool
    results: list[dict] = field(default_factory=list)
    data_docs: Path | None = None

    def failures(self) -> list[dict]:
        """-> the expectations that failed."""
        return [h for h in self.results if not h["lulus"]]

    def summary(self) -> str:
        """-> one line naming the failed expectations (for an operator)."""
        failed = self.failures()
        if not failed:
            return f"gerbang mutu lulus ({len(self.results)} harapan)"
        names = "; ".join(f"{h['tabel']}: {h['harapan']} {h['kolom']}" for h in failed[:5])
        more = f" dan {len(failed) - 5} lainnya" if len(failed) > 5 else ""
        return f"gerbang mutu gagal pada {len(failed)} harapan: {names}{more}"


def _context(docs: Path):
    """-> an ephemeral Great Expectations context whose Data Docs go to `docs`."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    context.add_data_docs_site(
        site_name="lkjip",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    return context


def _column(kwargs: dict) -> str:
    """Expectation arguments -> the column(s) it is about, for people."""
    if "column" in kwargs:
        return kwargs["column"]
    if "column_list" in kwargs:
        return "+".join(kwargs["column_list"])
    return f"{kwargs.get('column_A')} ~ {kwargs.get('column_B')}"


def run_gate(tables: dict[str, pl.DataFrame], docs: Path, tahun: int) -> GateOutcome:
    """Curated tables -> the gate's outcome; Data Docs written afresh to `docs`."""
    return check_frames_anywhere(gate_frames(tables), docs, tahun)


# The gate's own process (start_gate_process): Great Expectations takes some 3 s of
# Python to import. Imported in a thread it holds the GIL against the run's own work;
# in a process of its own it uses the machine's other core while the files are read.
_process: ProcessPoolExecutor | None = None


def _start_worker(parent: int) -> None:
    """The gate process's first step: die with the lkjip process that started it (even one
    killed by SIGKILL: the kernel's parent-death signal, Linux), then import Great
    Expectations."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # it died before the signal was asked for
            os._exit(0)
    import great_expectations  # noqa: F401 (imported for its import time)


def start_gate_process() -> None:
    """Start the process the gate will run in, importing Great Expectations now. Without
    it (or if it dies) the gate runs in this process. Start it from the main thread: it is
    killed when the thread that started it ends."""
    global _process
    if _process is not None:
        return
    try:
        _process = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
        _process.submit(int)  # spawned on the first job: start it (and its import) now
    except OSError:
        _process = None


def stop_gate_process() -> None:
    """Stop the gate's process (at the end of a run)."""
    global _process
    process, _process = _process, None
    if process is not None:
        process.shutdown(wait=False, cancel_futures=True)


def check_frames_anywhere(frames: dict[str, pl.DataFrame], docs: Path, tahun: int) -> GateOutcome:
    """`check_frames`, in the gate's process when one was started, else here."""
    process = _process
    if process is not None:
        try:
            return process.submit(check_frames, frames, docs, tahun).result()
        except BrokenProcessPool:
            pass  # the process died (killed, out of memory): run the gate here
    return check_frames(frames, docs, tahun)


def check_frames(frames: dict[str, pl.DataFrame], docs: Path, tahun: int) -> GateOutcome:
    """Gate frames (transforms/gate_checks.py) -> each expectation's outcome, Data Docs."""
    import great_expectations as gx

    docs = docs.absolute()  # Great Expectations refuses a relative folder for its Data Docs
    if docs.exists():
        shutil.rmtree(docs)
    docs.mkdir(parents=True)
    context = _context(docs)
    source = context.data_sources.add_pandas(f"lkjip_{tahun}")
    outcomes: list[dict] = []
    for name, frame in frames.items():
        suite = context.suites.add(gx.ExpectationSuite(name=f"{name}_{tahun}"))
        for kind, kwargs in EXPECTATIONS[name]:
            suite.add_expectation(getattr(gx.expectations, kind)(**kwargs))
        batch = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe("semua")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{name}_{tahun}", data=batch, suite=suite)
        )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=f"gerbang_{name}_{tahun}",
                validation_definitions=[definition],
                actions=[
                    gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=["lkjip"])
                ],
                result_format="SUMMARY",
            )
        )
        pandas_frame = frame.to_pandas(use_pyarrow_extension_array=True)
        result = checkpoint.run(batch_parameters={"dataframe": pandas_frame})
        for run in result.run_results.values():
            for item in run.results:
                config = item.expectation_config
                outcomes.append(
                    {
                        "tabel": name,
                        "harapan": config.type,
                        "kolom": _column(config.kwargs),
                        "lulus": bool(item.success),
                        "baris": len(pandas_frame),
                        "tidak_sesuai": item.result.get("unexpected_count"),
                        "contoh": [
                            str(v) for v in item.result.get("partial_unexpected_list", [])[:5]
                        ],
                    }
                )
    return GateOutcome(all(o["lulus"] for o in outcomes), outcomes, docs / "index.html")
