"""Reference files (DPA, hierarki, bidang, indikator, renstra): staged, validated, typed.

A reference sheet's header is the first row that names all its required columns. Rows
that fail their model are held back with a finding (the rest of the file is used), the
same as for the exports.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from schemas.headers import normalize_header
from schemas.referensi import MODEL, REFERENSI, KolomReferensi
from transforms.findings import draft, empty_draft
from transforms.kinerja import parse_target
from transforms.numbers import MEASURE, parse_measure, parse_money
from transforms.sheets import HEADER_SCAN_ROWS, Header, Lembar, body, grid_columns, row_content
from transforms.validate import failure_cases, to_findings


@dataclass(frozen=True)
class Referensi:
    """One reference table: its clean rows, its held-back rows, and the findings."""

    nama: str
    baris: pl.DataFrame
    karantina: pl.DataFrame
    temuan: pl.DataFrame


def locate_reference_header(grid: pl.DataFrame, nama: str) -> Header | None:
    """Grid -> the first row naming every required column of reference `nama`, or None."""
    wanted = {normalize_header(k.nama): k.nama for k in REFERENSI[nama]}
    required = {k.nama for k in REFERENSI[nama] if k.wajib}
    columns = grid_columns(grid)
    for posisi, row in enumerate(grid.head(HEADER_SCAN_ROWS).iter_rows(named=True)):
        found: dict[str, str] = {}
        for c in columns:
            name = wanted.get(normalize_header(row[c]))
            if name is not None and name not in found:
                found[name] = c
        if required <= found.keys():
            return Header(
                jenis=nama,
                posisi=posisi,
                baris=row["baris"],
                kolom=found,
                judul={name: row[c] for name, c in found.items()},
                semua_judul={c: row[c] or c for c in columns},
                lebar=max(int(c[1:]) for c in columns if row[c] is not None),
            )
    return None


def missing_columns(grid: pl.DataFrame, nama: str) -> list[str]:
    """Grid without a usable header -> the required columns its best row lacks."""
    wanted = {normalize_header(k.nama) for k in REFERENSI[nama] if k.wajib}
    best: set[str] = set()
    for row in grid.head(HEADER_SCAN_ROWS).iter_rows():
        seen = {normalize_header(v) for v in row[1:] if isinstance(v, str)} & wanted
        if len(seen) > len(best):
            best = seen
    return sorted(
        k.nama for k in REFERENSI[nama] if k.wajib and normalize_header(k.nama) not in best
    )


def _parsed(kolom: KolomReferensi) -> list[pl.Expr]:
    """Reference column -> the expressions giving its typed value(s) from `<nama>_teks`."""
    text = pl.col(f"{kolom.nama}_teks")
    if kolom.jenis == "tahun":
        number = parse_measure(text)
        whole = number.is_not_null() & (number == number.round(0))
        return [pl.when(whole).then(number.cast(pl.Int32, strict=False)).alias(kolom.nama)]
    if kolom.jenis == "uang":
        return [parse_money(text).alias(kolom.nama)]
    if kolom.jenis == "angka":
        return [parse_measure(text).alias(kolom.nama)]
    if kolom.jenis == "tanggal":
        return [text.str.to_date("%Y-%m-%d", strict=False).alias(kolom.nama)]
    if kolom.jenis == "kategori":
        lowered = text.str.to_lowercase()
        return [pl.when(lowered.is_in(list(kolom.pilihan))).then(lowered).alias(kolom.nama)]
    if kolom.jenis == "target":
        bounds = parse_target(text)
        return [
            text.alias(kolom.nama),
            bounds.struct.field("target_min").cast(MEASURE).alias("target_min"),
            bounds.struct.field("target_max").cast(MEASURE).alias("target_max"),
        ]
    return [text.alias(kolom.nama)]


def stage_reference(lembar: Lembar, header: Header, nama: str) -> pl.DataFrame:
    """Reference sheet + its header -> one row per body row: text cells and typed values."""
    columns = REFERENSI[nama]
    rows = body(lembar.grid, header).select(
        pl.col("baris").cast(pl.Int32),
        *[
            (pl.col(header.kolom[k.nama]) if k.nama in header.kolom else pl.lit(None, pl.String))
            .str.strip_chars()
            .alias(f"{k.nama}_teks")
            for k in columns
        ],
        isi=row_content(header),
    )
    typed = [e for k in columns for e in _parsed(k)]
    return rows.with_columns(typed).with_columns(
        berkas=pl.lit(lembar.berkas), lembar=pl.lit(lembar.lembar, dtype=pl.String)
    )


def validate_reference(lembar: Lembar, nama: str) -> Referensi:
    """A reference file's sheet -> its clean rows, held-back rows and findings."""
    header = locate_reference_header(lembar.grid, nama)
    if header is None:
        return Referensi(nama, pl.DataFrame(), pl.DataFrame(), empty_draft())
    rows = stage_reference(lembar, header, nama)
    model = MODEL[nama]
    cases = failure_cases(rows, model)
    found = to_findings(rows, cases, model.__name__, grid_kolom=header.kolom, judul=header.judul)
    bad = found.select("baris").unique()
    clean = rows.join(bad, on="baris", how="anti")
    held = rows.join(bad, on="baris", how="semi")
    return Referensi(nama, clean, held, draft(found))
