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
    Office,
    discover,
    find_offices,
    load_references,
    misplaced_findings,
    read_submission,
    refused_inputs,
    unlisted_offices,
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
    read_table,
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
    """A consolidated year up to a quarter: its curated tables, identity and manifest.
    `by_office`: the raw folder held many offices (the tables partition by kode_opd)."""

    tahun: int
    triwulan: int
    run_id: str
    tables: YearTables
    manifest: dict
    by_office: bool = False


@dataclass(frozen=True)
class OfficeYear:
    """One office's inputs of a year, read and validated, ready to reconcile."""

    office: Office
    refs: dict[str, Reference]
    found: Discovery
    submissions: list[Submission]


def known_bidang(refs: dict[str, Reference]) -> set[str]:
    """-> the kode_bidang of bidang.csv (a folder named otherwise is a V001)."""
    return set(refs["bidang"].rows.get_column("kode_bidang").to_list())


def check_quarter(triwulan: int) -> None:
    """LkjipError in one line for a quarter outside 1-4."""
    if not 1 <= triwulan <= 4:
        raise LkjipError(f"triwulan harus 1 sampai 4, bukan {triwulan}")


def consolidate_year(
    raw: Path, tahun: int, triwulan: int, *, curated: Path | None = None
) -> Consolidation:
    """raw -> every curated table of quarters 1..triwulan, its run id and manifest.

    `raw` holds one office (raw/<tahun>/...) or many (raw/<kode_opd>/<tahun>/..., listed in
    raw/referensi/opd.csv): each office is consolidated alone, its rows marked by kode_opd.
    With `curated`, each finding's status (baru, masih_ada, selesai) and the manifest's
    changes are taken against the year's current release there; nothing is written.
    """
    check_quarter(triwulan)
    offices, listing = find_offices(raw, tahun)
    years = []
    for office in offices:
        refs = load_references(raw, tahun, office, listing)
        found = discover(raw, tahun, triwulan, office)
        known = known_bidang(refs)
        submissions = [
            validate_submission(sub, read_submission(sub, raw), known) for sub in found.submissions
        ]
        years.append(OfficeYear(office, refs, found, submissions))
    return reconcile_year(years, raw, tahun, triwulan, curated, by_office=listing is not None)


def reconcile_year(
    years: list[OfficeYear],
    raw: Path,
    tahun: int,
    triwulan: int,
    curated: Path | None = None,
    *,
    by_office: bool = False,
) -> Consolidation:
    """Each office's references and validated submissions -> the consolidated year."""
    inputs, sizes = input_digests(raw, tahun, [(y.office, y.found) for y in years])
    run_id = run_identity(inputs, code_version(), tahun, triwulan)
    before = active_manifest(curated, tahun) if curated is not None else None
    previous = previous_findings(curated, tahun, inputs, before) if curated is not None else {}
    unlisted = unlisted_offices(raw, tahun, [y.office for y in years]) if by_office else None
    parts = [
        reconcile_office(
            y, raw, tahun, triwulan, run_id, inputs, previous, unlisted if i == 0 else None
        )
        for i, y in enumerate(years)
    ]
    tables = YearTables.combine(parts)
    manifest = build_manifest(
        run_id, tahun, triwulan, inputs, sizes, tables.hitungan, tables.temuan, before
    )
    manifest["ditolak"] = [r for y in years for r in refused_inputs(y.found, raw)]
    if by_office:
        manifest["kantor"] = [y.office.kode_opd for y in years]
    return Consolidation(tahun, triwulan, run_id, tables, manifest, by_office)


def reconcile_office(
    year: OfficeYear,
    raw: Path,
    tahun: int,
    triwulan: int,
    run_id: str,
    inputs: dict[str, str],
    previous: dict,
    extra: pl.DataFrame | None = None,
) -> YearTables:
    """One office's year -> its curated tables (findings' status against its own previous
    ones); `extra`: findings about the raw folder itself, kept with this office."""
    kode_opd = year.office.kode_opd

    def own(frame: pl.DataFrame | None) -> pl.DataFrame | None:
        if frame is None or kode_opd is None or "kode_opd" not in frame.columns:
            return frame
        return frame.filter(pl.col("kode_opd") == kode_opd)

    found = year.found
    other = misplaced_findings(found, raw)
    if extra is not None and extra.height:
        other = pl.concat([other, extra], how="vertical_relaxed")
    return consolidate(
        year.refs,
        year.submissions,
        tahun=tahun,
        triwulan=triwulan,
        run_id=run_id,
        sent={(s.triwulan, s.kode_bidang) for s in found.submissions if s.files},
        other_drafts=other,
        sha256=inputs,
        temuan_sebelumnya=own(previous.get("temuan")),
        selesai_sebelumnya=own(previous.get("temuan_selesai")),
        ulangan=bool(previous.get("ulangan")),
        kode_opd=kode_opd,
    )


def previous_findings(
    curated: Path, tahun: int, inputs: dict[str, str], manifest: dict | None
) -> dict:
    """-> `temuan` and `temuan_selesai` of the year's current release (those it has), and
    `ulangan`: whether that release (its `manifest`) was made from these very inputs (same
    sha256 each).
    """
    release = active_release(curated, tahun)
    out: dict = {}
    if release is None:
        return out
    manifest = manifest or {}
    before = {m["berkas"]: m["sha256"] for m in manifest.get("masukan", [])}
    out["ulangan"] = before == inputs
    for name in ("temuan", "temuan_selesai"):
        frame = read_table(release / name, tahun) if (release / name).is_dir() else None
        if frame is not None:
            out[name] = frame
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


def _partition(name: str, by_office: bool) -> tuple[str, ...]:
    """-> a table's partition keys: tahun, kode_opd for a raw folder of many offices, then
    triwulan for the quarterly tables (a single office keeps today's layout)."""
    keys = list(PARTISI[name])
    if by_office:
        keys.insert(1, "kode_opd")
    return tuple(keys)


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
        name: CuratedTable(frame, partition=_partition(name, result.by_office), triwulan=quarters)
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
