"""The quarterly consolidation as a Prefect flow.

It reads like the process a steward would describe: load the year's references, read
each bidang's files for each quarter, validate them, reconcile against the DPA, check
the result, publish. Tasks are coarse (a whole bidang-quarter, the whole year's
reconciliation) and only the I/O tasks retry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
from importlib import metadata
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from flows import pipeline
from flows.gate import DATA_DOCS, HasilGerbang, run_gate
from flows.pipeline import FolderKiriman, LkjipError, Penemuan
from flows.publish import Tabel, active_manifest, publish_year
from schemas.curated import MODELS, PARTISI
from transforms.consolidate import Konsolidasi, consolidate
from transforms.ingest import Kiriman
from transforms.referensi import Referensi
from transforms.sheets import HasilBaca

PROJECT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("flows", "schemas", "transforms")
MAX_WORKERS = 2  # polars parallelises inside a task; more threads only add memory


def code_version() -> dict[str, str | None]:
    """-> package version, git commit (when in a checkout) and sha256 of the source code."""
    digest = hashlib.sha256()
    for folder in SOURCE_DIRS:
        for path in sorted((PROJECT / folder).rglob("*.py")):
            digest.update(path.relative_to(PROJECT).as_posix().encode())
            digest.update(path.read_bytes())
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
    return {"paket": version, "git": commit, "sha256": digest.hexdigest()}


def input_files(raw: Path, tahun: int, found: Penemuan) -> list[Path]:
    """-> every input file of the run: references and each bidang's files, sorted."""
    refs = [
        p
        for nama in pipeline.REFERENSI
        if (p := pipeline.reference_path(raw, tahun, nama)) is not None
    ]
    exports = [p for sub in found.kiriman for p in sub.berkas]
    return sorted({*refs, *exports, *(p for _, p in found.salah_tempat)})


def run_identity(inputs: dict[str, str], code: dict, tahun: int, triwulan: int) -> str:
    """Inputs' sha256 + code + parameters -> the run id: same inputs, same id, same tables."""
    digest = hashlib.sha256(f"{tahun}|{triwulan}|{code['sha256']}".encode())
    for berkas, sha in sorted(inputs.items()):
        digest.update(f"|{berkas}={sha}".encode())
    return f"{tahun}-tw{triwulan}-{digest.hexdigest()[:12]}"


@task(name="muat-referensi", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def load_references(raw: Path, tahun: int) -> dict[str, Referensi]:
    """raw/<tahun>/referensi -> validated reference tables."""
    refs = pipeline.load_references(raw, tahun)
    get_run_logger().info(
        "Referensi %s: %s",
        tahun,
        ", ".join(f"{n} {r.baris.height} baris" for n, r in refs.items()),
    )
    return refs


@task(name="temukan-berkas", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def discover(raw: Path, tahun: int, triwulan: int) -> Penemuan:
    """Raw folder -> each bidang's files per quarter."""
    return pipeline.discover(raw, tahun, triwulan)


@task(
    name="baca-berkas-bidang",
    retries=2,
    retry_delay_seconds=1,
    cache_policy=NO_CACHE,
    task_run_name="baca-TW{sub.triwulan}-{sub.kode_bidang}",
)
def read_bidang(sub: FolderKiriman, raw: Path) -> list[HasilBaca]:
    """A bidang's folder for a quarter -> its files read as text grids."""
    return pipeline.read_submission(sub, raw)


@task(
    name="validasi-bidang",
    cache_policy=NO_CACHE,
    task_run_name="validasi-TW{sub.triwulan}-{sub.kode_bidang}",
)
def validate_bidang(sub: FolderKiriman, files: list[HasilBaca], known: set[str]) -> Kiriman:
    """A bidang's read files -> its ingested submission (rows with status, findings)."""
    kiriman = pipeline.validate_submission(sub, files, known)
    get_run_logger().info(
        "TW%s %s: %s berkas, %s baris keuangan, %s baris kinerja, %s temuan",
        sub.triwulan,
        sub.kode_bidang,
        len(files),
        kiriman.keuangan.height,
        kiriman.kinerja.height,
        kiriman.temuan.height,
    )
    return kiriman


@task(name="rekonsiliasi", cache_policy=NO_CACHE)
def reconcile_year(
    refs: dict[str, Referensi],
    kiriman: list[Kiriman],
    found: Penemuan,
    raw: Path,
    tahun: int,
    triwulan: int,
    run_id: str,
) -> Konsolidasi:
    """References + submissions -> every curated table of the year up to the quarter."""
    sent = {(s.triwulan, s.kode_bidang) for s in found.kiriman if s.berkas}
    result = consolidate(
        refs,
        kiriman,
        tahun=tahun,
        triwulan=triwulan,
        run_id=run_id,
        sent=sent,
        other_drafts=pipeline.misplaced_findings(found, raw),
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
def gate(result: Konsolidasi, curated: Path, tahun: int) -> HasilGerbang:
    """Curated tables -> their declared types (pandera), then the Great Expectations gate."""
    for name, frame in result.tables().items():
        MODELS[name].validate(frame, lazy=True)
    outcome = run_gate(result.tables(), curated / DATA_DOCS / str(tahun), tahun)
    logger = get_run_logger()
    (logger.info if outcome.lulus else logger.error)("%s", outcome.summary())
    return outcome


@task(name="terbitkan", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def publish(
    curated: Path, tahun: int, triwulan: int, run_id: str, result: Konsolidasi, manifest: dict
) -> Path:
    """Curated tables -> a new release of the year, made current atomically."""
    quarters = tuple(range(1, triwulan + 1))
    tables = {
        name: Tabel(frame, partisi=tuple(PARTISI[name]), triwulan=quarters)
        for name, frame in result.tables().items()
    }
    release = publish_year(curated, tahun, run_id, tables, manifest)
    get_run_logger().info("Terbit: %s", release)
    return release


def _manifest(
    run_id: str,
    tahun: int,
    triwulan: int,
    inputs: dict[str, str],
    sizes: dict[str, int],
    result: Konsolidasi,
    previous: dict | None,
) -> dict:
    """-> the run's manifest: identity, code, every input with sha256 and rows read."""
    per_file = {}
    for row in result.hitungan.iter_rows(named=True):
        entry = per_file.setdefault(row["berkas"], {})
        entry[row["status"]] = row["baris"]
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
    tingkat = result.temuan.group_by("tingkat").len().rows()
    return {
        "run_id": run_id,
        "tahun": tahun,
        "triwulan": triwulan,
        "dibuat": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versi_kode": code_version(),
        "masukan": masukan,
        "dihapus_sejak_sebelumnya": sorted(set(before) - set(inputs)),
        "temuan": dict(tingkat),
    }


@flow(
    name="konsolidasi-triwulan",
    task_runner=ThreadPoolTaskRunner(max_workers=MAX_WORKERS),
    log_prints=True,
)
def konsolidasi(
    tahun: int,
    triwulan: int,
    raw: Path = Path("raw"),
    curated: Path = Path("curated"),
) -> dict:
    """Consolidate quarters 1..triwulan of a year from raw and publish the curated tables."""
    if not 1 <= triwulan <= 4:
        raise LkjipError(f"triwulan harus 1 sampai 4, bukan {triwulan}")
    raw, curated = Path(raw), Path(curated)
    if not (raw / str(tahun)).is_dir():
        raise LkjipError(f"folder {raw / str(tahun)} tidak ada")
    refs = load_references(raw, tahun)
    found = discover(raw, tahun, triwulan)
    known = set(refs["bidang"].baris.get_column("kode_bidang").to_list())
    reads = [(sub, read_bidang.submit(sub, raw)) for sub in found.kiriman]
    validated = [validate_bidang.submit(sub, future, known) for sub, future in reads]
    kiriman = [future.result() for future in validated]

    files = input_files(raw, tahun, found)
    inputs = {pipeline.relative(p, raw): pipeline.sha256(p) for p in files}
    sizes = {pipeline.relative(p, raw): p.stat().st_size for p in files}
    code = code_version()
    run_id = run_identity(inputs, code, tahun, triwulan)
    result = reconcile_year(refs, kiriman, found, raw, tahun, triwulan, run_id)
    checked = gate(result, curated, tahun)
    if not checked.lulus:
        raise LkjipError(f"{checked.summary()}; lihat {checked.data_docs}")
    manifest = _manifest(
        run_id, tahun, triwulan, inputs, sizes, result, active_manifest(curated, tahun)
    )
    manifest["gerbang_mutu"] = {"lulus": checked.lulus, "harapan": checked.hasil}
    release = publish(curated, tahun, triwulan, run_id, result, manifest)
    return {
        "run_id": run_id,
        "rilis": str(release),
        "data_docs": str(checked.data_docs),
        "temuan": result.temuan,
        "hitungan": result.hitungan,
        "realisasi_anggaran": result.realisasi_anggaran,
    }
