"""The quarterly consolidation as a Prefect flow: the library core (flows/consolidation.py)
run as tasks.

It reads like the process a steward would describe: load the year's references, read
each bidang's files for each quarter, validate them, reconcile against the DPA, check
the result, publish, and leave a summary in the Prefect UI. What Prefect adds: tasks are
coarse (a whole bidang-quarter, the whole year's reconciliation), the I/O tasks retry,
bidang-quarters are read two at a time, and reading and validating a bidang's quarter are
cached on the content of its files (and on the code): a corrected file is read again, an
unchanged folder comes from the cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import TaskRunContext
from prefect.task_runners import ThreadPoolTaskRunner

from flows import consolidation, raw_folder
from flows.consolidation import Consolidation, OfficePart, OfficeYear, YearPlan
from flows.quality_gate import GateOutcome
from flows.raw_folder import Discovery, LkjipError, Office, SubmissionFolder
from flows.release_store import (
    MANIFEST,
    PublishError,
    docs_link,
    new_release_name,
    run_lock,
    spill_dir,
)
from flows.run_manifest import source_sha256
from transforms import run_summary
from transforms.ingest import Submission
from transforms.reference_files import Reference

MAX_WORKERS = 2  # polars parallelises inside a task; more threads only add memory
ZONA = ZoneInfo("Asia/Jakarta")
CACHE_DAYS = 400  # a quarter's files stay cached for the rest of the year and the next


def quarter_before(moment: dt.datetime) -> tuple[int, int]:
    """A date and time -> (tahun, triwulan) of the last quarter that ended before it."""
    local = moment.astimezone(ZONA) if moment.tzinfo else moment
    q = (local.month - 1) // 3  # quarters fully over in this year
    return (local.year, q) if q else (local.year - 1, 4)


def submission_key(context: TaskRunContext, parameters: dict) -> str:
    """A bidang-quarter task's parameters -> its cache key: the files' content and the code.

    File names and times do not decide: a file corrected under the same name changes
    the key, a folder whose bytes did not change keeps it.
    """
    sub: SubmissionFolder = parameters["sub"]

    def text(value: str) -> bytes:
        # A file name from an old Windows zip may not be UTF-8: its bytes, as they are.
        return value.encode("utf-8", "surrogateescape")

    digest = hashlib.sha256(text(f"{context.task.name}|{source_sha256()}|{sub.tahun}|{sub.label}"))
    for name in sorted(parameters.get("known") or ()):
        digest.update(text(f"|bidang={name}"))
    for path in sub.files:
        digest.update(text(f"|{path.name}={raw_folder.sha256(path)}"))
    return f"{context.task.name}-{digest.hexdigest()[:40]}"


def retry_io(task, task_run, state) -> bool:  # noqa: ARG001 (Prefect's signature)
    """-> retry a failed I/O task, except when it failed for a reason a retry cannot fix."""
    try:
        state.result()
    except (LkjipError, PublishError):
        return False
    except Exception:
        return True
    return True


@task(
    name="muat-referensi",
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=retry_io,
    cache_policy=NO_CACHE,
)
def load_references(
    raw: Path, tahun: int, office: Office, offices: Reference | None
) -> dict[str, Reference]:
    """An office's referensi folder of the year -> validated reference tables."""
    refs = raw_folder.load_references(raw, tahun, office, offices)
    get_run_logger().info(
        "Referensi %s%s: %s",
        tahun,
        f" {office.kode_opd}" if office.folder else "",
        ", ".join(f"{n} {r.rows.height} baris" for n, r in refs.items()),
    )
    return refs


@task(
    name="temukan-berkas",
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=retry_io,
    cache_policy=NO_CACHE,
)
def discover(raw: Path, tahun: int, triwulan: int, office: Office) -> Discovery:
    """An office's year folder -> each bidang's files per quarter."""
    found = raw_folder.discover(raw, tahun, triwulan, office)
    get_run_logger().info(
        "%s folder bidang, %s berkas",
        len(found.submissions),
        sum(len(s.files) for s in found.submissions),
    )
    return found


@task(
    name="baca-validasi-bidang",
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=retry_io,
    cache_key_fn=submission_key,
    cache_expiration=dt.timedelta(days=CACHE_DAYS),
    persist_result=True,
    cache_result_in_memory=False,
    task_run_name="bidang-{sub.label}",
)
def ingest_bidang(sub: SubmissionFolder, raw: Path, known: set[str]) -> Submission:
    """A bidang's folder for a quarter -> its files read and validated: its ingested
    submission (rows with status, findings). One task per bidang-quarter: the files' text
    grids live only inside it, and only the submission is kept (and cached)."""
    files = raw_folder.read_submission(sub, raw)
    submission = raw_folder.validate_submission(sub, files, known)
    get_run_logger().info(
        "%s: %s berkas, %s baris keuangan, %s baris kinerja, %s temuan",
        sub.label,
        len(files),
        submission.keuangan.height,
        submission.kinerja.height,
        submission.temuan.height,
    )
    return submission


@task(name="rencana-run", cache_policy=NO_CACHE)
def plan_year(
    raw: Path,
    tahun: int,
    triwulan: int,
    found: list[tuple[Office, Discovery]],
    curated: Path,
    by_office: bool,
) -> YearPlan:
    """Every office's discovered files -> the run's identity from their content, and the
    current release's findings every office's are compared with."""
    plan = consolidation.plan_year(raw, tahun, triwulan, found, curated, by_office=by_office)
    get_run_logger().info("Run %s: %s berkas masukan", plan.run_id, len(plan.inputs))
    return plan


@task(name="rekonsiliasi-kantor", cache_policy=NO_CACHE, task_run_name="kantor-{label}")
def reconcile_office(
    office: Office,
    refs: dict[str, Reference],
    found: Discovery,
    submissions: list[Submission],
    plan: YearPlan,
    first: bool,
    spill: Path | None,
    label: str,
) -> OfficePart:
    """One office's validated submissions -> its curated tables (asal_angka written to
    `spill` when given). The office's rows are let go when this task ends."""
    year = OfficeYear(office, refs, found, submissions)
    part = consolidation.reconcile_office(year, plan, first=first, spill=spill)
    get_run_logger().info(
        "Rekonsiliasi %s: %s baris realisasi, %s temuan",
        label,
        part.tables.realisasi_anggaran.height,
        part.tables.temuan.height,
    )
    return part


@task(name="rekonsiliasi", cache_policy=NO_CACHE)
def finish_year(
    plan: YearPlan,
    found: list[tuple[Office, Discovery]],
    parts: list[OfficePart],
    spill: Path | None,
) -> Consolidation:
    """Each office's tables -> every curated table of the year, its run id and manifest."""
    result = consolidation.finish_year(plan, found, parts, spill=spill)
    get_run_logger().info(
        "Rekonsiliasi %s TW%s: %s kantor, %s baris realisasi, %s capaian, %s temuan",
        plan.tahun,
        plan.triwulan,
        len(parts),
        result.tables.realisasi_anggaran.height,
        result.tables.capaian_kinerja.height,
        result.tables.temuan.height,
    )
    return result


@task(name="gerbang-mutu", cache_policy=NO_CACHE)
def gate(result: Consolidation, curated: Path, rilis: str, paksa: bool) -> GateOutcome:
    """A consolidated year -> its pandera models and the quality gate passed, Data Docs in
    the staging of release `rilis` (switched with its tables); raises when refused."""
    outcome = consolidation.check(result, curated, rilis, paksa=paksa)
    get_run_logger().info("%s", outcome.summary())
    return outcome


@task(name="terbitkan", cache_policy=NO_CACHE)
def publish(
    result: Consolidation, curated: Path, checked: GateOutcome, rilis: str, paksa: bool
) -> Path:
    """A checked year -> release `rilis`, made current. Not retried: a failed publication
    removes its staging, Data Docs included."""
    logger = get_run_logger()
    release = consolidation.write_release(
        result, curated, checked, rilis, paksa=paksa, say=logger.warning
    )
    logger.info("Terbit: %s", release)
    return release


@task(name="ringkasan-untuk-steward", cache_policy=NO_CACHE)
def summarise(result: Consolidation, checked: GateOutcome) -> None:
    """Run -> a Markdown summary and a findings table in the Prefect UI, under stable keys.

    The findings page is written beside the release's Data Docs; the summary links both
    over HTTP when `lkjip serve` serves them (LKJIP_BERKAS_URL), else names their paths.
    """
    tahun, triwulan, tables = result.tahun, result.triwulan, result.tables
    data_docs, findings = _summary_links(result, checked)
    create_markdown_artifact(
        key=run_summary.artifact_key(tahun, triwulan, "ringkasan"),
        markdown=run_summary.summary_markdown(
            run_id=result.run_id,
            tahun=tahun,
            triwulan=triwulan,
            hitungan=tables.hitungan,
            temuan=tables.temuan,
            serapan=tables.serapan_anggaran,
            gate_line=checked.summary(),
            data_docs=data_docs,
            findings_path=findings,
            selesai=tables.temuan_selesai,
        ),
        description=f"Ringkasan konsolidasi {tahun} TW{triwulan}",
    )
    create_table_artifact(
        key=run_summary.artifact_key(tahun, triwulan, "temuan"),
        table=run_summary.findings_rows(tables.temuan),
        description=f"Temuan konsolidasi {tahun} TW{triwulan} ({tables.temuan.height} temuan)",
    )


def _summary_links(result: Consolidation, checked: GateOutcome) -> tuple[str, str]:
    """Write the findings page beside the Data Docs; -> (Data Docs, findings page) links."""
    import os

    from flows.findings_page import write_page
    from flows.serve import BERKAS_URL

    tahun = result.tahun
    docs = checked.data_docs.absolute()
    page = docs.parent / "temuan.html"
    try:
        page = write_page(result.tables.temuan, tahun, docs.parent, result.run_id)
    except OSError as error:
        get_run_logger().warning("Halaman temuan tidak dapat ditulis ke %s: %s", page, error)
    base = os.environ.get(BERKAS_URL)
    if base:
        return f"{base}/data_docs/{tahun}/{docs.name}", f"{base}/temuan/{tahun}.html"
    return str(docs), str(page)


def _scheduled_quarter() -> tuple[int, int]:
    """-> the quarter a run without tahun/triwulan is for: the last one ended before its time."""
    from prefect.runtime import flow_run

    moment = flow_run.scheduled_start_time or dt.datetime.now(dt.UTC)
    return quarter_before(moment)


@flow(
    name="konsolidasi-triwulan",
    task_runner=ThreadPoolTaskRunner(max_workers=MAX_WORKERS),
    log_prints=True,
)
def konsolidasi(
    tahun: int | None = None,
    triwulan: int | None = None,
    raw: Path = Path("raw"),
    curated: Path = Path("curated"),
    laporan: Path | None = None,
    paksa: bool = False,
    tunggu: float = 0,
) -> dict:
    """Consolidate quarters 1..triwulan of a year from raw and publish the curated tables.

    Without tahun and triwulan (a scheduled run) it takes the last quarter that ended
    before the run's scheduled time. With `laporan`, a TW4 run then builds the year's
    LKjIP report there (the subflow laporan-tahunan). A run that would publish less than
    the current release (a bidang-quarter that had accepted rows has none) is refused
    unless `paksa`. One run at a time per curated folder: while another holds it, the
    run waits up to `tunggu` seconds (saying so every few seconds), else is refused.
    """
    if tahun is None or triwulan is None:
        tahun, triwulan = _scheduled_quarter()
        get_run_logger().info("Triwulan terjadwal: %s TW%s", tahun, triwulan)
    raw, curated = Path(raw), Path(curated)
    consolidation.check_quarter(triwulan)
    about = f"konsolidasi {tahun} TW{triwulan}"
    with run_lock(curated, tunggu, say=get_run_logger().warning, tentang=about) as waited:
        outcome = _consolidate(tahun, triwulan, raw, curated, paksa)
        report = None
        if laporan is not None and triwulan == 4:
            from flows.annual_report import laporan_tahunan

            report = laporan_tahunan(tahun=tahun, curated=curated, out=Path(laporan))
    return {**outcome, "laporan": report, "menunggu": waited}


def _consolidate(tahun: int, triwulan: int, raw: Path, curated: Path, paksa: bool) -> dict:
    """The steps of a run, under its lock: read, validate, reconcile, gate, publish, summarise.

    Office by office: an office's bidang-quarters are read and validated (two at a time),
    then reconciled in a task of its own that lets their rows go. In a run of many offices
    the one table that grows with the input (asal_angka) is written per office to a spill
    folder under `curated` as it is made, so memory holds a few offices, not the province.
    """
    warm_gate()
    try:
        return _consolidate_offices(tahun, triwulan, raw, curated, paksa)
    finally:
        from flows.quality_gate import stop_gate_process

        stop_gate_process()


def _consolidate_offices(tahun: int, triwulan: int, raw: Path, curated: Path, paksa: bool) -> dict:
    """Office by office, then the year: see _consolidate."""
    offices, listing = raw_folder.find_offices(raw, tahun)
    by_office = listing is not None
    submitted = [
        (
            office,
            load_references.submit(raw, tahun, office, listing),
            discover.submit(raw, tahun, triwulan, office),
        )
        for office in offices
    ]
    loaded = [(office, refs.result(), files.result()) for office, refs, files in submitted]
    found = [(office, discovery) for office, _, discovery in loaded]
    plan = plan_year(raw, tahun, triwulan, found, curated, by_office)
    spill = spill_dir(curated, tahun) if by_office else None
    try:
        pending = []
        for i, (office, refs, discovery) in enumerate(loaded):
            known = consolidation.known_bidang(refs)
            ingested = [ingest_bidang.submit(sub, raw, known) for sub in discovery.submissions]
            label = office.kode_opd or str(tahun)
            pending.append(
                reconcile_office.submit(
                    office, refs, discovery, ingested, plan, i == 0, spill, label
                )
            )
        parts = [future.result() for future in pending]
        del pending
        result = finish_year(plan, found, parts, spill)
        return _check_and_publish(result, curated, paksa)
    finally:
        if spill is not None:
            shutil.rmtree(spill, ignore_errors=True)


def _check_and_publish(result: Consolidation, curated: Path, paksa: bool) -> dict:
    """A consolidated year -> gated, published and summarised; -> the run's outcome."""
    tahun, triwulan = result.tahun, result.triwulan
    rilis = new_release_name(result.run_id)
    checked = gate(result, curated, rilis, paksa)
    release = publish(result, curated, checked, rilis, paksa)
    checked = replace(checked, data_docs=docs_link(curated, tahun) / "index.html")
    summarise(result, checked)
    published = json.loads((release / MANIFEST).read_text(encoding="utf-8"))
    return {
        "run_id": result.run_id,
        "tahun": tahun,
        "triwulan": triwulan,
        "rilis": str(release),
        "menggantikan": published.get("menggantikan"),
        "data_docs": str(checked.data_docs),
        "temuan": result.tables.temuan,
        "hitungan": result.tables.hitungan,
        "realisasi_anggaran": result.tables.realisasi_anggaran,
        "tables": result.tables,
    }


def warm_gate() -> None:
    """Start the gate's process now (flows/quality_gate.py): it imports Great Expectations
    (some 3 s) on the other core while the files are read, so the gate task at the end
    of the run does not wait for it, nor does the run's own Python wait behind it."""
    from flows.quality_gate import start_gate_process

    start_gate_process()


def flow_with_runner(dask: str | None = None):
    """-> the consolidation flow on the default thread pool, or on Dask.

    `dask` is the address of an existing Dask scheduler (tcp://host:8786), or "local"
    for a LocalCluster of two single-threaded worker processes. Workers must reach the
    same Prefect API (PREFECT_API_URL in their environment).
    """
    if not dask:
        return konsolidasi
    from prefect_dask import DaskTaskRunner

    if dask == "local":
        runner = DaskTaskRunner(
            cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True}
        )
    else:
        runner = DaskTaskRunner(address=dask)
    return konsolidasi.with_options(task_runner=runner)
