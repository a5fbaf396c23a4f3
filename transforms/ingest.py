"""One bidang's submission for one quarter: every sheet recognised, staged, validated.

Every non-blank row below a header ends with a `status`:
- `diterima`: a clean data row, on its way to the curated facts;
- `karantina`: a data row with an error finding, held back with its content;
- `ganda`: an identical copy of another row (V006 peringatan), counted once;
- `rollup`, `total`, `nomor_kolom`, `keterangan`: not data, counted apart.
Rows of a sheet that is not recognised at all are kept as `tak_dikenal` beside a V001.
So rows read = diterima + karantina + ganda + the non-data kinds, for every file.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, replace

import polars as pl

from schemas.header_spellings import KEUANGAN, KINERJA, KOLOM, LABEL
from schemas.inputs import KeuanganRow, KinerjaRow
from schemas.rules import CEK, ERROR, RULES, SARAN
from schemas.types import ROW
from transforms import duplicates
from transforms.budget_rows import stage_keuangan
from transforms.findings import draft, empty_draft, fill
from transforms.indicator_rows import stage_kinerja
from transforms.sheet_totals import check_sheet_totals
from transforms.sheets import (
    HEADER_SCAN_ROWS,
    Header,
    ReadResult,
    SheetGrid,
    column_letter,
    faithful,
    grid_columns,
    locate_header,
    nearest_header,
)
from transforms.validate import failure_cases, to_findings

STATUS_DATA = ("diterima", "karantina", "ganda")
# Rules whose finding on a data row holds that row back (V006 decides on its own).
_ROW_ERRORS = [
    k for k, r in RULES.items() if r.tingkat == ERROR and k.startswith("V") and k != "V006"
]
BATAS_LEMBAR = "V001:batas"  # a file or sheet over a reader limit (schemas/limits.py)


@dataclass(frozen=True)
class Submission:
    """A submission, ingested: staged rows of each table kind, unrecognised rows, findings."""

    keuangan: pl.DataFrame
    kinerja: pl.DataFrame
    tak_dikenal: pl.DataFrame
    temuan: pl.DataFrame
    kolom: pl.DataFrame = None  # berkas, lembar, nama_kolom, judul, huruf of every sheet

    def __post_init__(self) -> None:
        if self.kolom is None:
            object.__setattr__(self, "kolom", pl.DataFrame(schema=KOLOM_MAP))


def note(cek: str, **values: object) -> pl.DataFrame:
    """A check name of schemas.rules.CEK + the finding's fields -> one draft finding."""
    aturan, template = CEK[cek]
    row = pl.DataFrame([dict(values)]) if values else pl.DataFrame({"_": [0]})
    return draft(
        row.with_columns(
            aturan=pl.lit(aturan),
            keterangan=fill(template),
            saran=pl.lit(SARAN.get(cek), pl.String),
        )
    )


def _unrecognised_rows(lembar: SheetGrid, context: dict) -> pl.DataFrame:
    """A sheet no header was found in -> its rows, each cell keyed by its column letter."""
    cells = grid_columns(lembar.grid)
    isi = pl.struct(
        [pl.col(c).alias(column_letter(int(c[1:]))) for c in cells]
    ).struct.json_encode()
    return lembar.grid.select(
        pl.col("baris"),
        isi=isi if cells else pl.lit("{}"),
    ).with_columns(
        berkas=pl.lit(lembar.berkas),
        lembar=pl.lit(lembar.lembar, dtype=pl.String),
        **{k: pl.lit(v) for k, v in context.items()},
    )


def container(lembar: SheetGrid) -> str:
    """-> what the steward calls it: "berkas" for a CSV, "lembar" for a worksheet."""
    return "berkas" if lembar.lembar is None else "lembar"


def _missing_text(header: Header) -> str:
    """A header -> its missing required columns as the steward knows them, comma-separated."""
    return ", ".join(
        " atau ".join(LABEL.get(n, n) for n in group.split(" atau ")) for group in header.missing
    )


def _found_text(header: Header) -> str:
    """A header -> the columns it has, as written in the file: "'Kode', 'Uraian'"."""
    return ", ".join(f"'{title}'" for title in header.judul.values())


def _unrecognised(lembar: SheetGrid, context: dict) -> pl.DataFrame:
    """A sheet without a recognised header -> its V001 draft: the columns missing from the
    row that comes nearest to a header, or that no such row is in the top rows."""
    where = {"berkas": lembar.berkas, "lembar": lembar.lembar, **context}
    nearest = nearest_header(lembar.grid)
    if nearest is None:
        return note("V001:tak_dikenal", wadah=container(lembar), batas=HEADER_SCAN_ROWS, **where)
    return note(
        "V001:judul_kurang",
        wadah=container(lembar),
        jenis_tabel=nearest.kind,
        kolom_kurang=_missing_text(nearest),
        kolom_ada=_found_text(nearest),
        baris_judul=nearest.baris,
        baris=nearest.baris,
        **where,
    )


def _header_problems(lembar: SheetGrid, header: Header, context: dict) -> pl.DataFrame:
    """A located header -> V001 drafts for missing required or repeated columns."""
    where = {"berkas": lembar.berkas, "lembar": lembar.lembar, "baris": header.baris, **context}
    found = []
    if header.missing:
        found.append(
            note(
                "V001:kolom_kurang",
                wadah=container(lembar),
                jenis_tabel=header.kind,
                kolom_kurang=_missing_text(header),
                kolom_ada=_found_text(header),
                baris_judul=header.baris,
                **where,
            )
        )
    if header.duplicated:
        twice = ", ".join(LABEL.get(n, n) for n in header.duplicated)
        found.append(note("V001:kolom_ganda", kolom_ganda=twice, baris_judul=header.baris, **where))
    return pl.concat(found) if found else empty_draft()


def _validate_sheet(staged: pl.DataFrame, header: Header, context: dict) -> pl.DataFrame:
    """Staged rows of one sheet -> drafts of the pandera checks on its data rows."""
    model = KeuanganRow if header.kind == KEUANGAN else KinerjaRow
    data = staged.filter(pl.col("jenis_baris") == "data")
    cases = failure_cases(data, model)
    found = to_findings(
        data,
        cases,
        model.__name__,
        grid_kolom=header.kolom,
        judul=header.judul,
        context=context,
    )
    # A broken CSV line gets the one finding that says so, not one per cell it shifted.
    broken = data.filter(pl.col("kolom_berlebih")).get_column("baris").implode()
    says_broken = (pl.col("aturan") == "V003") & pl.col("kolom").is_null()
    return found.filter(~pl.col("baris").is_in(broken) | says_broken)


def _rollup_findings(
    rows: pl.DataFrame, headers: dict[tuple[str, str | None], Header], context: dict
) -> pl.DataFrame:
    """Keuangan rows with their final status + each sheet's header -> V008 drafts.

    Checked once every row's status is known, so a roll-up over a row held back by an
    error (in this sheet or by V006 across the submission) stands down.
    """
    # One pass splits the rows by sheet: filtering once per sheet was sheets x rows.
    parts = rows.partition_by("berkas", "lembar", as_dict=True) if rows.height else {}
    found = [
        check_sheet_totals(parts[place], grid_kolom=header.kolom, judul=header.judul)
        for place, header in headers.items()
        if place in parts
    ]
    if not found:
        return empty_draft()
    return pl.concat(found).with_columns(**{k: pl.lit(v) for k, v in context.items()})


def _with_status(staged: pl.DataFrame, errors: pl.DataFrame, held: pl.DataFrame) -> pl.DataFrame:
    """Staged rows + rows with error findings + rows V006 held back -> rows with `status`."""
    flagged = errors.select(ROW).unique().with_columns(_salah=pl.lit(True))
    out = staged.join(flagged, on=ROW, how="left", nulls_equal=True).join(
        held.rename({"status": "_tahan"}), on=ROW, how="left", nulls_equal=True
    )
    return out.with_columns(
        status=pl.when(pl.col("jenis_baris") != "data")
        .then(pl.col("jenis_baris"))
        .when(pl.col("_salah").fill_null(False))
        .then(pl.lit("karantina"))
        .when(pl.col("_tahan").is_not_null())
        .then(pl.col("_tahan"))
        .otherwise(pl.lit("diterima"))
    ).drop("_salah", "_tahan")


KOLOM_MAP: dict[str, pl.DataType] = {
    "berkas": pl.String(),
    "lembar": pl.String(),
    "nama_kolom": pl.String(),
    "judul": pl.String(),
    "huruf": pl.String(),
}


def column_map(lembar: SheetGrid, header: Header) -> pl.DataFrame:
    """A sheet's header -> rows (berkas, lembar, nama_kolom, judul, huruf) for placing findings."""
    return pl.DataFrame(
        [
            {
                "berkas": lembar.berkas,
                "lembar": lembar.lembar,
                "nama_kolom": nama,
                "judul": header.judul[nama],
                "huruf": column_letter(int(grid_col[1:])),
            }
            for nama, grid_col in header.kolom.items()
        ],
        schema=KOLOM_MAP,
    )


TAK_DIKENAL: dict[str, pl.DataType] = {
    "baris": pl.Int32(),
    "isi": pl.String(),
    "berkas": pl.String(),
    "lembar": pl.String(),
    "tahun": pl.Int32(),
    "triwulan": pl.Int8(),
    "kode_bidang": pl.String(),
}


def empty_staged(jenis: str) -> pl.DataFrame:
    """Table kind -> a staged frame with no rows but every column (and `status`)."""
    return pl.DataFrame(schema=_staged_schema(jenis))


@functools.cache
def _staged_schema(jenis: str) -> pl.Schema:
    """Table kind -> the columns a staged frame has (staged once from a header-only sheet)."""
    kolom = KOLOM[jenis]
    grid = pl.DataFrame(
        {"baris": [1], **{f"c{i}": [k.spellings[0]] for i, k in enumerate(kolom, start=1)}},
        schema={"baris": pl.Int32, **{f"c{i}": pl.String for i in range(1, len(kolom) + 1)}},
    )
    header = locate_header(grid)
    stage = stage_keuangan if jenis == KEUANGAN else stage_kinerja
    staged = stage(SheetGrid("", None, grid), header, tahun=0, triwulan=0, kode_bidang="")
    return staged.with_columns(status=pl.lit("", pl.String)).schema


def _combine(frames: list[pl.DataFrame], jenis: str) -> pl.DataFrame:
    """Staged frames of several sheets -> one frame (empty, with every column, when none)."""
    return (
        pl.concat(frames, how="diagonal_relaxed") if frames else empty_staged(jenis).drop("status")
    )


def empty_submission(temuan: pl.DataFrame | None = None) -> Submission:
    """-> a submission with no rows (and the given findings)."""
    return Submission(
        keuangan=empty_staged(KEUANGAN),
        kinerja=empty_staged(KINERJA),
        tak_dikenal=pl.DataFrame(schema=TAK_DIKENAL),
        temuan=empty_draft() if temuan is None else temuan,
    )


def ingest(
    files: Iterable[ReadResult], *, tahun: int, triwulan: int | None, kode_bidang: str | None
) -> Submission:
    """Read results of one submission's files -> the ingested submission."""
    bidang = None if kode_bidang is None else faithful(kode_bidang)
    context = {"tahun": tahun, "triwulan": triwulan, "kode_bidang": bidang}
    staged: dict[str, list[pl.DataFrame]] = {"keuangan": [], "kinerja": []}
    unknown: list[pl.DataFrame] = []
    drafts: list[pl.DataFrame] = []
    maps: list[pl.DataFrame] = []
    headers: dict[tuple[str, str | None], Header] = {}
    for hasil in files:
        if hasil.problem is not None:
            drafts.append(note(hasil.check, berkas=hasil.berkas, sebab=hasil.problem, **context))
            continue
        refused = [s for s in hasil.lembar if s.problem is not None]
        drafts.extend(
            note(BATAS_LEMBAR, berkas=s.berkas, lembar=s.lembar, sebab=s.problem, **context)
            for s in refused
        )
        sheets = [s for s in hasil.lembar if s.problem is None and s.grid.height > 0]
        if not sheets:
            if not refused:
                drafts.append(note("V001:kosong", berkas=hasil.berkas, **context))
            continue
        for lembar in sheets:
            header = locate_header(lembar.grid)
            if header is None:
                if not lembar.hidden:
                    drafts.append(_unrecognised(lembar, context))
                    unknown.append(_unrecognised_rows(lembar, context))
                continue
            problems = _header_problems(lembar, header, context)
            if problems.height:
                drafts.append(problems)
                unknown.append(_unrecognised_rows(lembar, context))
                continue
            stage = stage_keuangan if header.kind == KEUANGAN else stage_kinerja
            rows = stage(lembar, header, **context)
            drafts.append(_validate_sheet(rows, header, context))
            staged[header.kind].append(rows)
            maps.append(column_map(lembar, header))
            if header.kind == KEUANGAN:
                headers[(lembar.berkas, lembar.lembar)] = header
    kolom = pl.concat(maps) if maps else pl.DataFrame(schema=KOLOM_MAP)
    kiriman = _finish(staged, unknown, drafts, context, kolom)
    rollups = _rollup_findings(kiriman.keuangan, headers, context)
    return replace(kiriman, temuan=pl.concat([kiriman.temuan, rollups], how="vertical_relaxed"))


def _finish(
    staged: dict[str, list[pl.DataFrame]],
    unknown: list[pl.DataFrame],
    drafts: list[pl.DataFrame],
    context: dict,
    kolom: pl.DataFrame,
) -> Submission:
    """Per-sheet results -> the submission: V006 across its files, then every row's status."""
    found = pl.concat(drafts, how="vertical_relaxed") if drafts else empty_draft()
    errors = found.filter(pl.col("baris").is_not_null() & pl.col("aturan").is_in(_ROW_ERRORS))
    tables = {}
    checks = {KEUANGAN: duplicates.check_keuangan, KINERJA: duplicates.check_kinerja}
    for jenis, check in checks.items():
        rows = _combine(staged[jenis], jenis)
        clean = rows.filter(pl.col("jenis_baris") == "data").join(
            errors.select(ROW).unique(), on=ROW, how="anti", nulls_equal=True
        )
        repeat_drafts, held = check(clean)
        repeat_drafts = repeat_drafts.with_columns(**{k: pl.lit(v) for k, v in context.items()})
        found = pl.concat([found, repeat_drafts], how="vertical_relaxed")
        tables[jenis] = _with_status(rows, errors, held)
    return Submission(
        keuangan=tables["keuangan"],
        kinerja=tables["kinerja"],
        tak_dikenal=pl.concat(unknown, how="vertical_relaxed").select(
            [pl.col(c).cast(t) for c, t in TAK_DIKENAL.items()]
        )
        if unknown
        else pl.DataFrame(schema=TAK_DIKENAL),
        temuan=found,
        kolom=kolom,
    )
