"""The quarterly consolidation as a Prefect flow.

It reads like the process a steward would describe: load the year's references, read
each bidang's files for each quarter, validate them, reconcile against the DPA, check
the result, publish, and leave a summary in the Prefect UI. Tasks are coarse (a whole
bidang-quarter, the whole year's reconciliation) and only the I/O tasks retry.

Reading and validating a bidang's quarter are cached on the content of its files (and
on the code): a corrected file is read again, an unchanged folder comes from the cache.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import shutil
import subprocess
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
from pandera.errors import SchemaErrors
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import TaskRunContext
from prefect.task_runners import ThreadPoolTaskRunner

from flows import raw_folder, releases
from flows.quality_gate import GateOutcome, run_gate
from flows.raw_folder import Discovery, LkjipError, SubmissionFolder
from flows.release_store import (
    DATA_DOCS,
    MANIFEST,
    CuratedTable,
    PublishError,
    active_manifest,
    active_release,
    docs_link,
    keep_rejected_docs,
    new_release_name,
    os_error_text,
    publish_year,
    refuse_less,
    run_lock,
    staging_dir,
)
from schemas.curated import MODELS, PARTISI
from transforms import run_summary
from transforms.ingest import Submission
from transforms.reference_files import Reference
from transforms.sheets import ReadResult
from transforms.year_tables import YearTables, consolidate

PROJECT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("flows", "schemas", "transforms")
MAX_WORKERS = 2  # polars parallelises inside a task; more threads only add memory
ZONA = ZoneInfo("Asia/Jakarta")
CACHE_DAYS = 400  # a quarter's files stay cached for the rest of the year and the next


@functools.cache
def source_sha256() -> str:
    """-> sha256 over the pipeline's source files (the code part of every cache key)."""
    digest = hashlib.sha256()
    for folder in SOURCE_DIRS:
        for path in sorted((PROJECT / folder).rglob("*.py")):
            digest.update(path.relative_to(PROJECT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def code_version() -> dict[str, str | None]:
    """-> package version, git commit (when in a checkout) and sha256 of the source code."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(PROJECT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = None
    try:
        version = metadata.version("lkjip")
    except metadata.PackageNotFoundError:
        version = None
    return {"paket": version, "git": commit, "sha256": source_sha256()}


def quarter_before(moment: dt.datetime) -> tuple[int, int]:
    """A date and time -> (tahun, triwulan) of the last quarter that ended before it."""
    local = moment.astimezone(ZONA) if moment.tzinfo else moment
    q = (local.month - 1) // 3  # quarters fully over in this year
    return (local.year, q) if q else (local.year - 1, 4)


def input_files(raw: Path, tahun: int, found: Discovery) -> list[Path]:
    """-> every input file of the run: references and each bidang's files, sorted."""
    refs = [
        p
        for nama in raw_folder.REFERENSI
        if (p := raw_folder.reference_path(raw, tahun, nama)) is not None
    ]
    exports = [p for sub in found.submissions for p in sub.files]
    return sorted({*refs, *exports, *(p for _, p in found.misplaced)})


def run_identity(inputs: dict[str, str], code: dict, tahun: int, triwulan: int) -> str:
    """Inputs' sha256 + code + parameters -> the run id: same inputs, same id, same tables."""
    digest = hashlib.sha256(f"{tahun}|{triwulan}|{code['sha256']}".encode())
    for berkas, sha in sorted(inputs.items()):
        digest.update(f"|{berkas}={sha}".encode("utf-8", "surrogateescape"))
    return f"{tahun}-tw{triwulan}-{digest.hexdigest()[:12]}"


def submission_key(context: TaskRunContext, parameters: dict) -> str:
    """A bidang-quarter task's parameters -> its cache key: the files' content and the code.

    File names and times do not decide: a file corrected under the same name changes
    the key, a folder whose bytes did not change keeps it.
    """
    sub: SubmissionFolder = parameters["sub"]

    def text(value: str) -> bytes:
        # A file name from an old Windows zip may not be UTF-8: its bytes, as they are.
        return value.encode("utf-8", "surrogateescape")

    digest = hashlib.sha256(
        text(f"{context.task.name}|{source_sha256()}|{sub.tahun}|{sub.triwulan}|{sub.kode_bidang}")
    )
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
def load_references(raw: Path, tahun: int) -> dict[str, Reference]:
    """raw/<tahun>/referensi -> validated reference tables."""
    refs = raw_folder.load_references(raw, tahun)
    get_run_logger().info(
        "Referensi %s: %s",
        tahun,
        ", ".join(f"{n} {r.baris.height} baris" for n, r in refs.items()),
    )
    return refs


@task(
    name="temukan-berkas",
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=retry_io,
    cache_policy=NO_CACHE,
)
def discover(raw: Path, tahun: int, triwulan: int) -> Discovery:
    """Raw folder -> each bidang's files per quarter."""
    found = raw_folder.discover(raw, tahun, triwulan)
    get_run_logger().info(
        "%s folder bidang, %s berkas",
        len(found.submissions),
        sum(len(s.files) for s in found.submissions),
    )
    return found


@task(
    name="baca-berkas-bidang",
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=retry_io,
    cache_key_fn=submission_key,
    cache_expiration=dt.timedelta(days=CACHE_DAYS),
    persist_result=True,
    task_run_name="baca-TW{sub.triwulan}-{sub.kode_bidang}",
)
def read_bidang(sub: SubmissionFolder, raw: Path) -> list[ReadResult]:
    """A bidang's folder for a quarter -> its files read as text grids."""
    files = raw_folder.read_submission(sub, raw)
    get_run_logger().info("TW%s %s: %s berkas dibaca", sub.triwulan, sub.kode_bidang, len(files))
    return files


@task(
    name="validasi-bidang",
    cache_key_fn=submission_key,
    cache_expiration=dt.timedelta(days=CACHE_DAYS),
    persist_result=True,
    task_run_name="validasi-TW{sub.triwulan}-{sub.kode_bidang}",
)
def validate_bidang(sub: SubmissionFolder, files: list[ReadResult], known: set[str]) -> Submission:
    """A bidang's read files -> its ingested submission (rows with status, findings)."""
    kiriman = raw_folder.validate_submission(sub, files, known)
    get_run_logger().info(
        "TW%s %s: %s baris keuangan, %s baris kinerja, %s temuan",
        sub.triwulan,
        sub.kode_bidang,
        kiriman.keuangan.height,
        kiriman.kinerja.height,
        kiriman.temuan.height,
    )
    return kiriman


@task(name="rekonsiliasi", cache_policy=NO_CACHE)
def reconcile_year(
    refs: dict[str, Reference],
    kiriman: list[Submission],
    found: Discovery,
    raw: Path,
    tahun: int,
    triwulan: int,
    run_id: str,
    inputs: dict[str, str] | None = None,
    sebelumnya: dict | None = None,
) -> YearTables:
    """References + submissions (+ each input's sha256, the current release's findings)
    -> every curated table of the year."""
    sent = {(s.triwulan, s.kode_bidang) for s in found.submissions if s.files}
    sebelumnya = sebelumnya or {}
    result = consolidate(
        refs,
        kiriman,
        tahun=tahun,
        triwulan=triwulan,
        run_id=run_id,
        sent=sent,
        other_drafts=raw_folder.misplaced_findings(found, raw),
        sha256=inputs,
        temuan_sebelumnya=sebelumnya.get("temuan"),
        selesai_sebelumnya=sebelumnya.get("temuan_selesai"),
        ulangan=bool(sebelumnya.get("ulangan")),
    )
    get_run_logger().info(
        "Rekonsiliasi %s TW%s: %s baris realisasi, %s capaian, %s temuan",
        tahun,
        triwulan,
        result.realisasi_anggaran.height,
        result.capaian_kinerja.height,
        result.temuan.height,
    )
    return result


@task(name="gerbang-mutu", cache_policy=NO_CACHE)
def gate(result: YearTables, curated: Path, tahun: int, rilis: str) -> GateOutcome:
    """Curated tables -> their declared types (pandera), then the Great Expectations gate.

    The Data Docs are written into the staging folder of release `rilis`, so they are
    switched with its tables; when the gate fails they are kept in data_docs/<tahun>-ditolak.
    """
    for name, frame in result.tables().items():
        try:
            MODELS[name].validate(frame, lazy=True)
        except SchemaErrors as errors:
            cases = errors.failure_cases
            what = ", ".join(
                sorted({f"{c} {k}" for c, k in cases.select("column", "check").iter_rows()})
            )
            raise LkjipError(
                f"tabel {name} tidak sesuai skemanya ({cases.height} kegagalan: {what}); "
                "tidak diterbitkan"
            ) from None
    staging = staging_dir(curated, tahun, rilis)
    passed = False
    try:
        outcome = run_gate(result.tables(), staging / DATA_DOCS, tahun)
        passed = outcome.passed
        if not passed:
            kept = keep_rejected_docs(curated, tahun, staging / DATA_DOCS)
            outcome = replace(outcome, data_docs=kept / "index.html")
    except OSError as error:
        doing = f"menulis Data Docs gerbang mutu tahun {tahun} ke {curated}"
        raise PublishError(
            os_error_text(error, doing) + "; rilis yang berlaku tidak berubah"
        ) from None
    finally:
        if not passed:  # a failed or refused gate leaves no staging behind
            shutil.rmtree(staging, ignore_errors=True)
    logger = get_run_logger()
    (logger.info if outcome.passed else logger.error)("%s", outcome.summary())
    return outcome


@task(name="terbitkan", cache_policy=NO_CACHE)
def publish(
    curated: Path,
    tahun: int,
    triwulan: int,
    run_id: str,
    result: YearTables,
    manifest: dict,
    paksa: bool = False,
    rilis: str | None = None,
) -> Path:
    """Curated tables (+ the gate's Data Docs in its staging) -> release `rilis`, made current.

    Unless `paksa`, it refuses (PublishError) a release holding less than the current one.
    Not retried: a failed publication removes its staging, Data Docs included.
    """
    quarters = tuple(range(1, triwulan + 1))
    tables = {
        name: CuratedTable(frame, partisi=tuple(PARTISI[name]), triwulan=quarters)
        for name, frame in result.tables().items()
    }
    logger = get_run_logger()
    release = publish_year(
        curated, tahun, run_id, tables, manifest, paksa=paksa, name=rilis, say=logger.warning
    )
    logger.info("Terbit: %s", release)
    return release


@task(name="ringkasan-untuk-steward", cache_policy=NO_CACHE)
def summarise(
    run_id: str,
    tahun: int,
    triwulan: int,
    result: YearTables,
    checked: GateOutcome,
    curated: Path,
) -> None:
    """Run -> a Markdown summary and a findings table in the Prefect UI, under stable keys.

    The findings page is written beside the release's Data Docs; the summary links both
    over HTTP when `lkjip serve` serves them (LKJIP_BERKAS_URL), else names their paths.
    """
    data_docs, findings = _summary_links(run_id, tahun, result, checked)
    create_markdown_artifact(
        key=run_summary.artifact_key(tahun, triwulan, "ringkasan"),
        markdown=run_summary.summary_markdown(
            run_id=run_id,
            tahun=tahun,
            triwulan=triwulan,
            hitungan=result.hitungan,
            temuan=result.temuan,
            serapan=result.serapan_anggaran,
            gate_line=checked.summary(),
            data_docs=data_docs,
            findings_path=findings,
            selesai=result.temuan_selesai,
        ),
        description=f"Ringkasan konsolidasi {tahun} TW{triwulan}",
    )
    create_table_artifact(
        key=run_summary.artifact_key(tahun, triwulan, "temuan"),
        table=run_summary.findings_rows(result.temuan),
        description=f"Temuan konsolidasi {tahun} TW{triwulan} ({result.temuan.height} temuan)",
    )


def _summary_links(
    run_id: str, tahun: int, result: YearTables, checked: GateOutcome
) -> tuple[str, str]:
    """Write the findings page beside the Data Docs; -> (Data Docs, findings page) links."""
    import os

    from flows.findings_page import write_page
    from flows.serve import BERKAS_URL

    docs = checked.data_docs.absolute()
    page = docs.parent / "temuan.html"
    try:
        page = write_page(result.temuan, tahun, docs.parent, run_id)
    except OSError as error:
        get_run_logger().warning("Halaman temuan tidak dapat ditulis ke %s: %s", page, error)
    base = os.environ.get(BERKAS_URL)
    if base:
        return f"{base}/data_docs/{tahun}/{docs.name}", f"{base}/temuan/{tahun}.html"
    return str(docs), str(page)


def _manifest(
    run_id: str,
    tahun: int,
    triwulan: int,
    inputs: dict[str, str],
    sizes: dict[str, int],
    result: YearTables,
    previous: dict | None,
) -> dict:
    """-> the run's manifest: identity, code, every input with sha256 and rows read."""
    per_file: dict[str, dict[str, int]] = {}
    for row in result.hitungan.iter_rows(named=True):
        per_file.setdefault(row["berkas"], {})[row["status"]] = row["baris"]
    before = {m["berkas"]: m["sha256"] for m in (previous or {}).get("masukan", [])}
    masukan = []
    for berkas, sha in sorted(inputs.items()):
        status = per_file.get(berkas, {})
        masukan.append(
            {
                "berkas": berkas,
                "sha256": sha,
                "ukuran": sizes[berkas],
                "baris_dibaca": sum(status.values()),
                "baris_per_status": status,
                "berubah": None if previous is None else before.get(berkas) != sha,
            }
        )
    return {
        "run_id": run_id,
        "tahun": tahun,
        "triwulan": triwulan,
        "dibuat": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versi_kode": code_version(),
        "masukan": masukan,
        "berubah_sejak_sebelumnya": sorted(m["berkas"] for m in masukan if m["berubah"]),
        "dihapus_sejak_sebelumnya": sorted(set(before) - set(inputs)),
        releases.KIRIMAN: releases.submission_rows(masukan),
        "temuan": dict(result.temuan.group_by("tingkat").len().rows()),
    }


def previous_findings(curated: Path, tahun: int, inputs: dict[str, str]) -> dict:
    """-> `temuan` and `temuan_selesai` of the year's current release (those it has), and
    `ulangan`: whether that release was made from these very inputs (same sha256 each).
    """
    release = active_release(curated, tahun)
    out: dict = {}
    if release is None:
        return out
    manifest = active_manifest(curated, tahun) or {}
    before = {m["berkas"]: m["sha256"] for m in manifest.get("masukan", [])}
    out["ulangan"] = before == inputs
    for name in ("temuan", "temuan_selesai"):
        files = sorted((release / name).rglob("*.parquet"))
        if files:
            out[name] = pl.concat(
                [pl.read_parquet(f) for f in files], how="diagonal_relaxed"
            ).with_columns(tahun=pl.lit(tahun, pl.Int32))
    return out


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
    if not 1 <= triwulan <= 4:
        raise LkjipError(f"triwulan harus 1 sampai 4, bukan {triwulan}")
    raw, curated = Path(raw), Path(curated)
    if not (raw / str(tahun)).is_dir():
        raise LkjipError(f"folder {raw / str(tahun)} tidak ada")
    about = f"konsolidasi {tahun} TW{triwulan}"
    with run_lock(curated, tunggu, say=get_run_logger().warning, tentang=about) as waited:
        outcome = _consolidate(tahun, triwulan, raw, curated, paksa)
        report = None
        if laporan is not None and triwulan == 4:
            from flows.annual_report import laporan_tahunan

            report = laporan_tahunan(tahun=tahun, curated=curated, out=Path(laporan))
    return {**outcome, "laporan": report, "menunggu": waited}


def _consolidate(tahun: int, triwulan: int, raw: Path, curated: Path, paksa: bool) -> dict:
    """The steps of a run, under its lock: read, validate, reconcile, gate, publish, summarise."""
    refs = load_references(raw, tahun)
    found = discover(raw, tahun, triwulan)
    known = set(refs["bidang"].baris.get_column("kode_bidang").to_list())
    reads = [(sub, read_bidang.submit(sub, raw)) for sub in found.submissions]
    validated = [validate_bidang.submit(sub, future, known) for sub, future in reads]
    kiriman = [future.result() for future in validated]

    files = input_files(raw, tahun, found)
    inputs = {raw_folder.relative(p, raw): raw_folder.sha256(p) for p in files}
    sizes = {raw_folder.relative(p, raw): p.stat().st_size for p in files}
    code = code_version()
    run_id = run_identity(inputs, code, tahun, triwulan)
    result = reconcile_year(
        refs,
        kiriman,
        found,
        raw,
        tahun,
        triwulan,
        run_id,
        inputs,
        previous_findings(curated, tahun, inputs),
    )
    manifest = _manifest(
        run_id, tahun, triwulan, inputs, sizes, result, active_manifest(curated, tahun)
    )
    manifest["ditolak"] = raw_folder.refused_inputs(found, raw)
    if not paksa:  # early, so a refused run does not even run the gate; again at switch
        refuse_less(curated, tahun, manifest)
    rilis = new_release_name(run_id)
    checked = gate(result, curated, tahun, rilis)
    if not checked.passed:
        raise LkjipError(
            f"{checked.summary()}; lihat {checked.data_docs}; rilis yang berlaku tidak berubah"
        )
    manifest["gerbang_mutu"] = {"lulus": checked.passed, "harapan": checked.results}
    release = publish(curated, tahun, triwulan, run_id, result, manifest, paksa, rilis)
    checked = replace(checked, data_docs=docs_link(curated, tahun) / "index.html")
    summarise(run_id, tahun, triwulan, result, checked, curated)
    published = json.loads((release / MANIFEST).read_text(encoding="utf-8"))
    return {
        "run_id": run_id,
        "tahun": tahun,
        "triwulan": triwulan,
        "rilis": str(release),
        "menggantikan": published.get("menggantikan"),
        "data_docs": str(checked.data_docs),
        "temuan": result.temuan,
        "hitungan": result.hitungan,
        "realisasi_anggaran": result.realisasi_anggaran,
    }


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
