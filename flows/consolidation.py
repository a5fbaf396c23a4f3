"""The library core: a year's consolidation and its publication as plain functions.

    result = consolidate_year(Path("raw"), 2023, 4)     # read, validate, reconcile
    publish(result, Path("curated"))                    # check, then switch the release

No Prefect here. The Prefect flow (flows/prefect_flow.py) runs these same steps as tasks,
adding caching of each bidang's files, retries of the I/O steps, parallel reading and the
summary artifacts; an analyst, a notebook or a test calls them directly. The steps:

1. `raw_folder.load_references`, `raw_folder.discover`: the year's reference tables and
   each bidang's files per quarter.
2. `raw_folder.read_submission`, `raw_folder.validate_submission`: one bidang-quarter.
3. `reconcile_year`: every curated table (transforms/year_tables.py), the run's identity
   and its manifest (flows/run_manifest.py).
4. `check`: the pandera models of the curated tables, then the quality gate
   (flows/quality_gate.py) with its Data Docs in the release being staged.
5. `write_release`: the tables, Data Docs and manifest as the year's current release
   (flows/release_store.py).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl
from pandera.errors import SchemaErrors

from flows.quality_gate import GateOutcome, run_gate
from flows.raw_folder import (
    Discovery,
    LkjipError,
    discover,
    load_references,
    misplaced_findings,
    read_submission,
    refused_inputs,
    validate_submission,
)
from flows.release_store import (
    DATA_DOCS,
    CuratedTable,
    PublishError,
    active_manifest,
    active_release,
    keep_rejected_docs,
    new_release_name,
    os_error_text,
    publish_year,
    refuse_less,
    run_lock,
    staging_dir,
)
from flows.run_manifest import build_manifest, code_version, input_digests, run_identity
from schemas.curated import MODELS, PARTISI
from transforms.ingest import Submission
from transforms.reference_files import Reference
from transforms.year_tables import YearTables, consolidate


@dataclass(frozen=True)
class Consolidation:
    """A consolidated year up to a quarter: its curated tables, identity and manifest."""

    tahun: int
    triwulan: int
    run_id: str
    tables: YearTables
    manifest: dict


def known_bidang(refs: dict[str, Reference]) -> set[str]:
    """-> the kode_bidang of bidang.csv (a folder named otherwise is a V001)."""
    return set(refs["bidang"].rows.get_column("kode_bidang").to_list())


def consolidate_year(
    raw: Path, tahun: int, triwulan: int, *, curated: Path | None = None
) -> Consolidation:
    """raw/<tahun> -> every curated table of quarters 1..triwulan, its run id and manifest.

    With `curated`, each finding's status (baru, masih_ada, selesai) and the manifest's
    changes are taken against the year's current release there; nothing is written.
    """
    check_quarter(raw, tahun, triwulan)
    refs = load_references(raw, tahun)
    found = discover(raw, tahun, triwulan)
    known = known_bidang(refs)
    submissions = [
        validate_submission(sub, read_submission(sub, raw), known) for sub in found.submissions
    ]
    return reconcile_year(refs, submissions, found, raw, tahun, triwulan, curated)


def check_quarter(raw: Path, tahun: int, triwulan: int) -> None:
    """LkjipError in one line for a quarter outside 1-4 or a year with no raw folder."""
    if not 1 <= triwulan <= 4:
        raise LkjipError(f"triwulan harus 1 sampai 4, bukan {triwulan}")
    if not (raw / str(tahun)).is_dir():
        raise LkjipError(f"folder {raw / str(tahun)} tidak ada")


def reconcile_year(
    refs: dict[str, Reference],
    submissions: list[Submission],
    found: Discovery,
    raw: Path,
    tahun: int,
    triwulan: int,
    curated: Path | None = None,
) -> Consolidation:
    """References + each bidang-quarter's validated submission -> the consolidated year."""
    inputs, sizes = input_digests(raw, tahun, found)
    run_id = run_identity(inputs, code_version(), tahun, triwulan)
    previous = previous_findings(curated, tahun, inputs) if curated is not None else {}
    tables = consolidate(
        refs,
        submissions,
        tahun=tahun,
        triwulan=triwulan,
        run_id=run_id,
        sent={(s.triwulan, s.kode_bidang) for s in found.submissions if s.files},
        other_drafts=misplaced_findings(found, raw),
        sha256=inputs,
        temuan_sebelumnya=previous.get("temuan"),
        selesai_sebelumnya=previous.get("temuan_selesai"),
        ulangan=bool(previous.get("ulangan")),
    )
    before = active_manifest(curated, tahun) if curated is not None else None
    manifest = build_manifest(
        run_id, tahun, triwulan, inputs, sizes, tables.hitungan, tables.temuan, before
    )
    manifest["ditolak"] = refused_inputs(found, raw)
    return Consolidation(tahun, triwulan, run_id, tables, manifest)


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


def check_types(tables: YearTables) -> None:
    """Every curated table against its pandera model (schemas/curated.py): types, values,
    keys and the rules within a row. LkjipError in one line naming what is off."""
    for name, frame in tables.tables().items():
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


def check(result: Consolidation, curated: Path, rilis: str, *, paksa: bool = False) -> GateOutcome:
    """A consolidated year -> the gate's outcome, Data Docs staged in release `rilis`.

    Refused first (unless `paksa`) when it would publish less than the current release,
    then the pandera models, then the quality gate. A failed gate raises LkjipError naming
    it, its Data Docs kept in data_docs/<tahun>-ditolak; nothing is left staged.
    """
    tahun = result.tahun
    if not paksa:
        refuse_less(curated, tahun, result.manifest)
    check_types(result.tables)
    staging = staging_dir(curated, tahun, rilis)
    passed = False
    try:
        outcome = run_gate(result.tables.tables(), staging / DATA_DOCS, tahun)
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
    if not outcome.passed:
        raise LkjipError(
            f"{outcome.summary()}; lihat {outcome.data_docs}; rilis yang berlaku tidak berubah"
        )
    return outcome


def write_release(
    result: Consolidation,
    curated: Path,
    checked: GateOutcome,
    rilis: str,
    *,
    paksa: bool = False,
    say=None,
) -> Path:
    """A checked year (its Data Docs staged in `rilis`) -> release `rilis`, made current.

    Unless `paksa`, refuses (PublishError) a release holding less than the current one at
    the moment of the switch. A failed publication removes its staging, Data Docs included.
    """
    quarters = tuple(range(1, result.triwulan + 1))
    tables = {
        name: CuratedTable(frame, partition=tuple(PARTISI[name]), triwulan=quarters)
        for name, frame in result.tables.tables().items()
    }
    manifest = {
        **result.manifest,
        "gerbang_mutu": {"lulus": checked.passed, "harapan": checked.results},
    }
    return publish_year(
        curated, result.tahun, result.run_id, tables, manifest, paksa=paksa, name=rilis, say=say
    )


def publish(
    result: Consolidation, curated: Path, *, paksa: bool = False, tunggu: float = 0, say=None
) -> Path:
    """A consolidated year -> checked and published as the year's current release in
    `curated`, under the folder's run lock (waiting up to `tunggu` seconds for another run).
    -> the release folder. LkjipError / PublishError in one line when refused."""
    about = f"terbitkan {result.tahun} TW{result.triwulan}"
    with run_lock(curated, tunggu, say=say, tentang=about):
        rilis = new_release_name(result.run_id)
        checked = check(result, curated, rilis, paksa=paksa)
        return write_release(result, curated, checked, rilis, paksa=paksa, say=say)
