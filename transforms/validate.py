"""Run a pandera model over staged rows and turn its failure cases into findings.

All failures of a sheet come out of one lazy validation. pandera reports the failing
row by its position (`index`); the staged rows carry file, sheet and spreadsheet row,
so every failure maps back to the cell a steward has to fix.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.codes import jenis_from_rekening
from schemas.header_spellings import LABEL
from schemas.rules import CEK, SARAN
from transforms.findings import draft, empty_draft, fill, placeholders
from transforms.sheets import column_letter

# Dataframe-wide checks name no column: the column their finding points at.
_CHECK_FIELD = {
    "V005:bertentangan": "jenis_belanja",
    "V005:kosong": "jenis_belanja",
    "V003:lebar": None,
}


def failure_cases(rows: pl.DataFrame, model: type[pa.DataFrameModel]) -> pl.DataFrame:
    """Collected rows + model -> pandera's failure cases (empty frame when all rows pass)."""
    try:
        model.validate(rows, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        schema_level = cases.filter(pl.col("index").is_null())
        if schema_level.height:
            raise TypeError(f"staged rows do not fit {model.__name__}: {schema_level}") from None
        return cases
    return pl.DataFrame(
        schema={
            "column": pl.String,
            "check": pl.String,
            "index": pl.Int32,
            "failure_case": pl.String,
        }
    )


def _check_key(cases: pl.DataFrame, model_name: str) -> pl.DataFrame:
    """Failure cases -> the same with `cek` (a key of CEK) and `field` (the column at fault)."""
    is_frame_check = pl.col("column") == model_name
    return cases.with_columns(
        cek=pl.when(pl.col("check") == "not_nullable")
        .then(pl.lit("not_nullable:") + pl.col("column"))
        .otherwise(pl.col("check")),
        field=pl.when(is_frame_check)
        .then(pl.col("check").replace_strict(_CHECK_FIELD, default=None, return_dtype=pl.String))
        .otherwise(pl.col("column").str.strip_suffix("_teks")),
    )


def to_findings(
    rows: pl.DataFrame,
    cases: pl.DataFrame,
    model_name: str,
    *,
    grid_kolom: dict[str, str] | None = None,
    judul: dict[str, str] | None = None,
    context: dict[str, str] | None = None,
) -> pl.DataFrame:
    """Validated rows + their failure cases -> draft findings, one per failing cell.

    `grid_kolom` (column -> grid column "c5") and `judul` (column -> header as written)
    place the finding in the sheet; `context` adds constant placeholder values.
    """
    if cases.height == 0:
        return empty_draft()
    cases = _check_key(cases, model_name).with_columns(
        cek=pl.when(pl.col("cek").is_in(list(CEK)) | ~pl.col("cek").str.starts_with("not_nullable"))
        .then(pl.col("cek"))
        .otherwise(pl.lit("not_nullable"))
    )
    unknown = set(cases.get_column("cek").unique()) - set(CEK)
    if unknown:
        raise KeyError(f"checks without a message in schemas.rules.CEK: {sorted(unknown)}")
    grid_kolom = grid_kolom or {}
    judul = judul or {}
    indexed = rows.with_row_index("index").with_columns(pl.col("index").cast(pl.Int32))
    joined = cases.select("index", "cek", "field").join(indexed, on="index", how="left")
    parts = []
    for (cek, field), group in joined.group_by(["cek", "field"], maintain_order=True):
        parts.append(_one_check(group, cek, field, grid_kolom, judul, context or {}))
    return pl.concat(parts, how="vertical_relaxed") if parts else empty_draft()


def _one_check(
    group: pl.DataFrame,
    cek: str,
    field: str | None,
    grid_kolom: dict[str, str],
    judul: dict[str, str],
    context: dict[str, str],
) -> pl.DataFrame:
    """Rows failing one check on one column -> their draft findings."""
    aturan, template = CEK[cek]
    advice = SARAN.get(cek)
    cell = None
    if field is not None:
        cell = f"{field}_teks" if f"{field}_teks" in group.columns else field
    nilai = pl.col(cell).cast(pl.String) if cell in group.columns else pl.lit(None, pl.String)
    letter = column_letter(int(grid_kolom[field][1:])) if field in grid_kolom else None
    frame = group.with_columns(
        aturan=pl.lit(aturan),
        saran=pl.lit(advice, pl.String),
        nilai=nilai,
        kolom=pl.lit(judul.get(field, LABEL.get(field, field)) if field else None, pl.String),
        sel=(pl.lit(letter) + pl.col("baris").cast(pl.String)) if letter else pl.lit(None),
        kode=pl.coalesce([pl.col(c) for c in ("kode_sub_kegiatan", "kode") if c in group.columns])
        if any(c in group.columns for c in ("kode_sub_kegiatan", "kode"))
        else pl.lit(None, pl.String),
        jenis_rekening=jenis_from_rekening(pl.col("kode_rekening"))
        if "kode_rekening" in group.columns
        else pl.lit(None, pl.String),
        **{k: pl.lit(v) for k, v in context.items()},
    )
    missing = [n for n in placeholders(template) if n not in frame.columns]
    frame = frame.with_columns([pl.lit(None, pl.String).alias(n) for n in missing])
    return draft(frame.with_columns(keterangan=fill(template)))
