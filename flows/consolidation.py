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

import io
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl
from pandera.errors import SchemaErrors

from flows.quality_gate import GateOutcome, check_frames_anywhere, run_gate
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
    write_table,
)
from flows.run_manifest import build_manifest, code_version, input_digests, run_identity
from schemas.curated import MODELS, PARTISI
from transforms.gate_checks import gate_frames
from transforms.ingest import Submission
from transforms.reference_files import Reference
from transforms.year_tables import YearTables, consolidate


@dataclass(frozen=True)
class Consolidation:
    """A consolidated year up to a quarter: its curated tables, identity and manifest.
    `by_office`: the raw folder held many offices (the tables partition by kode_opd).

    `spill`: when set, asal_angka (a row per figure read, the one table that grows with
    the input) was written office by office to Parquet under this folder as each office
    was reconciled, partitioned as it is published: `tables.asal_angka` is then empty,
    `spilled` counts its rows by table, `gate` holds the quality gate's frames computed
    per office from the whole tables, and `table(name)` reads a table back whole.
    """

    tahun: int
    triwulan: int
    run_id: str
    tables: YearTables
    manifest: dict
    by_office: bool = False
    spill: Path | None = None
    spilled: dict[str, int] | None = None
    gate: dict[str, pl.DataFrame] | None = None

    def table(self, name: str) -> pl.DataFrame:
        """-> a curated table whole, read back from the spill folder when it was spilled."""
        frame = self.tables.tables()[name]
        if self.spill is None or name not in (self.spilled or {}):
            return frame
        back = read_table(self.spill / name, self.tahun) if self.spilled[name] else None
        if back is None:
            return frame
        return back.select(frame.columns).cast(frame.schema)


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
    raw: Path,
    tahun: int,
    triwulan: int,
    *,
    curated: Path | None = None,
    spill: Path | None = None,
) -> Consolidation:
    """raw -> every curated table of quarters 1..triwulan, its run id and manifest.

    `raw` holds one office (raw/<tahun>/...) or many (raw/<kode_opd>/<tahun>/..., listed in
    raw/referensi/opd.csv): each office is read, validated and reconciled alone, its rows
    marked by kode_opd, before the next office is read. With `curated`, each finding's
    status (baru, masih_ada, selesai) and the manifest's changes are taken against the
    year's current release there; nothing is written there. With `spill` (a folder, for
    many offices), each office's `asal_angka` rows (one per figure read) go to Parquet
    there as they are made instead of staying in memory (see `Consolidation.spill`).
    """
    check_quarter(triwulan)
    offices, listing = find_offices(raw, tahun)
    found = [(office, discover(raw, tahun, triwulan, office)) for office in offices]
    plan = plan_year(raw, tahun, triwulan, found, curated, by_office=listing is not None)
    parts = []
    for office, discovery in found:
        refs = load_references(raw, tahun, office, listing)
        known = known_bidang(refs)
        submissions = [
            validate_submission(sub, read_submission(sub, raw), known)
            for sub in discovery.submissions
        ]
        year = OfficeYear(office, refs, discovery, submissions)
        parts.append(reconcile_office(year, plan, first=not parts, spill=spill))
    return finish_year(plan, found, parts, spill=spill)


@dataclass(frozen=True)
class YearPlan:
    """What every office's reconciliation of a run shares: the run's identity, its inputs'
    digests, the current release's manifest and findings, and the raw folder's own findings."""

    raw: Path
    tahun: int
    triwulan: int
    run_id: str
    inputs: dict[str, str]
    sizes: dict[str, int]
    before: dict | None
    previous: dict
    unlisted: pl.DataFrame | None
    by_office: bool


def plan_year(
    raw: Path,
    tahun: int,
    triwulan: int,
    found: list[tuple[Office, Discovery]],
    curated: Path | None = None,
    *,
    by_office: bool = False,
) -> YearPlan:
    """Each office's discovered files -> the run's plan (identity from the inputs' content)."""
    inputs, sizes = input_digests(raw, tahun, found)
    run_id = run_identity(inputs, code_version(), tahun, triwulan)
    before = active_manifest(curated, tahun) if curated is not None else None
    previous = previous_findings(curated, tahun, inputs, before) if curated is not None else {}
    unlisted = unlisted_offices(raw, tahun, [o for o, _ in found]) if by_office else None
    return YearPlan(
        raw, tahun, triwulan, run_id, inputs, sizes, before, previous, unlisted, by_office
    )


@dataclass(frozen=True)
class OfficePart:
    """One office's reconciled tables. When spilled, `tables.asal_angka` is empty: its
    `spilled` rows are in Parquet under the spill folder, and `gate` holds the gate's
    frames (transforms/gate_checks.py) computed from the office's whole tables."""

    tables: YearTables
    spilled: int = 0
    gate: dict[str, pl.DataFrame] | None = None


SPILLED = "asal_angka"  # the one table with a row per figure read: written as it is made


def reconcile_office(
    year: OfficeYear, plan: YearPlan, *, first: bool = True, spill: Path | None = None
) -> OfficePart:
    """One office's year -> its curated tables (findings' status against its own previous
    ones). The `first` office also keeps the findings about the raw folder itself. With
    `spill`, its asal_angka is checked against its model and written there."""
    kode_opd = year.office.kode_opd
    previous = plan.previous

    def own(frame: pl.DataFrame | None) -> pl.DataFrame | None:
        if frame is None or kode_opd is None or "kode_opd" not in frame.columns:
            return frame
        return frame.filter(pl.col("kode_opd") == kode_opd)

    found = year.found
    other = misplaced_findings(found, plan.raw)
    if first and plan.unlisted is not None and plan.unlisted.height:
        other = pl.concat([other, plan.unlisted], how="vertical_relaxed")
    tables = consolidate(
        year.refs,
        year.submissions,
        tahun=plan.tahun,
        triwulan=plan.triwulan,
        run_id=plan.run_id,
        sent={(s.triwulan, s.kode_bidang) for s in found.submissions if s.files},
        other_drafts=other,
        sha256=plan.inputs,
        temuan_sebelumnya=own(previous.get("temuan")),
        selesai_sebelumnya=own(previous.get("temuan_selesai")),
        ulangan=bool(previous.get("ulangan")),
        kode_opd=kode_opd,
    )
    part = OfficePart(tables) if spill is None else _spill(tables, plan, spill)
    return _compacted(part)


def _compacted(part: OfficePart) -> OfficePart:
    """An office's part -> the same in buffers of its own. A filtered or joined polars
    frame can keep the whole buffers of the frames it came from (text columns are views):
    kept as they are, each office's few hundred result rows held its every staged row in
    memory, and a run's memory grew with the number of offices."""

    def copy(frame: pl.DataFrame) -> pl.DataFrame:
        buffer = io.BytesIO()
        frame.write_ipc(buffer, compression="uncompressed")
        buffer.seek(0)
        return pl.read_ipc(buffer)

    tables = part.tables
    fresh = {name: copy(frame) for name, frame in tables.tables().items()}
    if tables.temuan_selesai is None:
        fresh["temuan_selesai"] = None
    gate = {name: copy(frame) for name, frame in part.gate.items()} if part.gate else part.gate
    return replace(part, tables=replace(tables, **fresh, hitungan=copy(tables.hitungan)), gate=gate)


def _spill(tables: YearTables, plan: YearPlan, spill: Path) -> OfficePart:
    """An office's tables -> the same without asal_angka's rows, written under `spill`
    (partitioned as published) once they fit their model; the gate's frames computed first."""
    frame = getattr(tables, SPILLED)
    check_types({SPILLED: frame})
    gate = gate_frames(tables.tables())
    if frame.height:
        table = CuratedTable(
            frame,
            partition=_partition(SPILLED, plan.by_office),
            triwulan=tuple(range(1, plan.triwulan + 1)),
        )
        try:
            write_table(spill / SPILLED, table)
        except OSError as error:
            doing = f"menulis tabel {SPILLED} sementara ke {spill}"
            raise PublishError(os_error_text(error, doing)) from None
    return OfficePart(replace(tables, **{SPILLED: frame.clear()}), frame.height, gate)


def finish_year(
    plan: YearPlan,
    found: list[tuple[Office, Discovery]],
    parts: list[OfficePart],
    *,
    spill: Path | None = None,
) -> Consolidation:
    """Each office's reconciled part -> the consolidated year with its manifest."""
    tables = YearTables.combine([p.tables for p in parts])
    manifest = build_manifest(
        plan.run_id,
        plan.tahun,
        plan.triwulan,
        plan.inputs,
        plan.sizes,
        tables.hitungan,
        tables.temuan,
        plan.before,
    )
    manifest["ditolak"] = [r for _, d in found for r in refused_inputs(d, plan.raw)]
    if plan.by_office:
        manifest["kantor"] = [o.kode_opd for o, _ in found]
    spilled = None
    if spill is not None:
        spilled = {SPILLED: sum(p.spilled for p in parts)}
        gate = {
            name: pl.concat([p.gate[name] for p in parts], how="vertical_relaxed")
            for name in parts[0].gate
        }
    return Consolidation(
        plan.tahun,
        plan.triwulan,
        plan.run_id,
        tables,
        manifest,
        plan.by_office,
        spill=spill,
        spilled=spilled,
        gate=gate if spill is not None else None,
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


def check_types(tables: YearTables | dict[str, pl.DataFrame]) -> None:
    """Every curated table (or those given by name) against its pandera model
    (schemas/curated.py): types, values, keys and the rules within a row. LkjipError in
    one line naming what is off."""
    frames = tables.tables() if isinstance(tables, YearTables) else tables
    for name, frame in frames.items():
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
        docs = staging / DATA_DOCS
        if result.gate is not None:  # spilled: the gate's frames were made office by office
            outcome = check_frames_anywhere(result.gate, docs, tahun)
        else:
            outcome = run_gate(result.tables.tables(), docs, tahun)
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
    written = {  # spilled tables: their parts are already written, partitioned as published
        name: (result.spill / name, rows)
        for name, rows in (result.spilled or {}).items()
        if rows and result.spill is not None
    }
    manifest = {
        **result.manifest,
        "gerbang_mutu": {"lulus": checked.passed, "harapan": checked.results},
    }
    return publish_year(
        curated,
        result.tahun,
        result.run_id,
        tables,
        manifest,
        paksa=paksa,
        name=rilis,
        say=say,
        written=written,
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
