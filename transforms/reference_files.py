"""Reference files (DPA, hierarki, bidang, indikator, renstra): staged, validated, typed.

A reference sheet's header is the first row that names all its required columns. Rows
that fail their model are held back with a finding (the rest of the file is used), the
same as for the exports.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from schemas.header_spellings import normalize_header
from schemas.reference_models import MODEL, REFERENSI, ReferenceColumn
from schemas.types import MEASURE
from transforms.findings import draft, empty_draft
from transforms.indicator_rows import parse_target
from transforms.numbers import parse_measure, parse_money
from transforms.sheets import (
    Header,
    SheetGrid,
    TableKind,
    body,
    locate_header,
    nearest_header,
    row_content,
)
from transforms.validate import failure_cases, to_findings


@dataclass(frozen=True)
class Reference:
    """One reference table: its clean rows, its held-back rows, and the findings."""

    name: str
    rows: pl.DataFrame
    karantina: pl.DataFrame
    temuan: pl.DataFrame


def reference_kind(nama: str) -> TableKind:
    """Reference file name -> its table kind: its columns, each spelled as its name; the
    header is the first row naming every required one."""
    columns = REFERENSI[nama]
    required = tuple(k.name for k in columns if k.required)
    return TableKind(
        name=nama,
        spellings={normalize_header(k.name): k.name for k in columns},
        identifying=required,
        required=required,
    )


def locate_reference_header(grid: pl.DataFrame, nama: str) -> Header | None:
    """Grid -> the first row naming every required column of reference `nama`, or None."""
    return locate_header(grid, (reference_kind(nama),))


def missing_columns(grid: pl.DataFrame, nama: str) -> list[str]:
    """Grid without a usable header -> the required columns its nearest row lacks (all of
    them when no row names any column), in the file's column order."""
    kind = reference_kind(nama)
    nearest = nearest_header(grid, (kind,), at_least=1)
    return list(kind.required if nearest is None else nearest.missing)


def _parsed(kolom: ReferenceColumn) -> list[pl.Expr]:
    """Reference column -> the expressions giving its typed value(s) from `<nama>_teks`."""
    text = pl.col(f"{kolom.name}_teks")
    if kolom.kind == "tahun":
        number = parse_measure(text)
        whole = number.is_not_null() & (number == number.round(0))
        return [pl.when(whole).then(number.cast(pl.Int32, strict=False)).alias(kolom.name)]
    if kolom.kind == "uang":
        return [parse_money(text).alias(kolom.name)]
    if kolom.kind == "angka":
        return [parse_measure(text).alias(kolom.name)]
    if kolom.kind == "tanggal":
        return [text.str.to_date("%Y-%m-%d", strict=False).alias(kolom.name)]
    if kolom.kind == "kategori":
        lowered = text.str.to_lowercase()
        return [pl.when(lowered.is_in(list(kolom.choices))).then(lowered).alias(kolom.name)]
    if kolom.kind == "target":
        bounds = parse_target(text)
        return [
            text.alias(kolom.name),
            bounds.struct.field("target_min").cast(MEASURE).alias("target_min"),
            bounds.struct.field("target_max").cast(MEASURE).alias("target_max"),
        ]
    return [text.alias(kolom.name)]


def stage_reference(lembar: SheetGrid, header: Header, nama: str) -> pl.DataFrame:
    """Reference sheet + its header -> one row per body row: text cells and typed values."""
    columns = REFERENSI[nama]
    rows = body(lembar.grid, header).select(
        pl.col("baris").cast(pl.Int32),
        *[
            (pl.col(header.kolom[k.name]) if k.name in header.kolom else pl.lit(None, pl.String))
            .str.strip_chars()
            .alias(f"{k.name}_teks")
            for k in columns
        ],
        isi=row_content(header),
    )
    typed = [e for k in columns for e in _parsed(k)]
    return rows.with_columns(typed).with_columns(
        berkas=pl.lit(lembar.berkas), lembar=pl.lit(lembar.lembar, dtype=pl.String)
    )


def validate_reference(lembar: SheetGrid, nama: str) -> Reference:
    """A reference file's sheet -> its clean rows, held-back rows and findings."""
    header = locate_reference_header(lembar.grid, nama)
    if header is None:
        return Reference(nama, pl.DataFrame(), pl.DataFrame(), empty_draft())
    rows = stage_reference(lembar, header, nama)
    model = MODEL[nama]
    cases = failure_cases(rows, model)
    found = to_findings(rows, cases, model.__name__, grid_kolom=header.kolom, judul=header.judul)
    bad = found.select("baris").unique()
    clean = rows.join(bad, on="baris", how="anti")
    held = rows.join(bad, on="baris", how="semi")
    return Reference(nama, clean, held, draft(found))
