"""V008: every roll-up and total row of a sheet against the sum of the lines it covers.

Roll-up rows are never data, but a wrong one shows the bidang's own arithmetic is off
somewhere. Each data row adds to all its ancestors at once (code prefixes, its sub
kegiatan subtotal, its kode rekening groups), so the roll-up check is one group-by,
linear in the sheet however many levels it has.
"""

from __future__ import annotations

import polars as pl

from schemas.codes import jenis_from_rekening, jenis_from_text, normalized_words, parts
from schemas.rules import CEK
from schemas.types import MONEY, MONEY_FIELDS
from transforms.findings import draft, empty_draft, fill, rupiah
from transforms.sheets import column_letter

_ANY = "*"


def _prefixes(frame: pl.DataFrame, column: str, tag: str, base: pl.Expr) -> pl.DataFrame:
    """Rows -> one row per proper prefix of a dotted `column`, keyed tag + base + prefix."""
    pieces = pl.col(column).str.split(".")
    return (
        frame.filter(pl.col(column).is_not_null())
        .with_columns(length=pl.int_ranges(1, pieces.list.len()))
        .explode("length")
        .drop_nulls("length")
        .with_columns(key=pl.lit(tag) + base + pieces.list.head(pl.col("length")).list.join("."))
    )


def ancestor_sums(data: pl.DataFrame) -> pl.DataFrame:
    """Data rows -> sums per (ancestor key, jenis key): what each roll-up row should read.

    `ditahan` tells whether a row an error held back is among the lines of that key.
    """
    kode = pl.col("kode_sub_kegiatan")
    # Only what the sums need is exploded: each line stands for all its ancestors.
    data = data.select(
        "kode_sub_kegiatan", "kode_rekening", "jenis_belanja", "_tahan", *MONEY_FIELDS
    )
    keyed = pl.concat(
        [
            f.select("key", "jenis_belanja", "_tahan", *MONEY_FIELDS)
            for f in (
                _prefixes(data, "kode_sub_kegiatan", "K:", pl.lit("")),
                data.filter(kode.is_not_null()).with_columns(key="S:" + kode),
                _prefixes(data, "kode_rekening", "R:", kode + "|"),
            )
        ]
    )
    by_jenis = keyed.filter(pl.col("jenis_belanja").is_not_null()).with_columns(
        jenis_key=pl.col("jenis_belanja")
    )
    any_jenis = keyed.with_columns(jenis_key=pl.lit(_ANY))
    return (
        pl.concat([by_jenis, any_jenis])
        .group_by("key", "jenis_key")
        .agg(
            *[pl.col(f).fill_null(0).sum().cast(MONEY) for f in MONEY_FIELDS],
            ditahan=pl.col("_tahan").any(),
        )
    )


def _rollup_keys(rollups: pl.DataFrame) -> pl.DataFrame:
    """Roll-up rows -> the same with the ancestor key and jenis key they stand for."""
    kode = pl.col("kode_sub_kegiatan")
    rek = pl.col("kode_rekening")
    stated = jenis_from_text(pl.col("jenis_belanja_teks"))
    return rollups.with_columns(
        key=pl.when(rek.is_not_null())
        .then("R:" + kode + "|" + rek)
        .when(parts(kode) == 6)
        .then("S:" + kode)
        .otherwise("K:" + kode),
        jenis_key=pl.when(rek.is_not_null()).then(pl.lit(_ANY)).otherwise(stated.fill_null(_ANY)),
        uraian_jumlah=_describe_rollup(),
    )


def _describe_rollup() -> pl.Expr:
    """-> "Baris jumlah kegiatan 2.17.01.1.01" for a roll-up row."""
    kode = pl.col("kode_sub_kegiatan")
    level = (
        pl.when(pl.col("kode_rekening").is_not_null())
        .then(pl.lit("kode rekening ") + pl.col("kode_rekening") + " pada sub kegiatan")
        .when(parts(kode) == 6)
        .then(pl.lit("sub kegiatan"))
        .when(parts(kode) == 5)
        .then(pl.lit("kegiatan"))
        .when(parts(kode) == 3)
        .then(pl.lit("program"))
        .otherwise(pl.lit("kode"))
    )
    return pl.lit("Baris jumlah ") + level + " " + kode


def _expected_rollups(rows: pl.DataFrame, data: pl.DataFrame) -> pl.DataFrame:
    """Sheet rows -> roll-up rows with `<kolom>_harapan`: the sum of their lines.

    A roll-up over a line an error held back is left out: that line's finding is the one
    to fix, and the roll-up may well be right.
    """
    rollups = _rollup_keys(rows.filter(pl.col("jenis_baris") == "rollup"))
    sums = ancestor_sums(data).rename({f: f"{f}_harapan" for f in MONEY_FIELDS})
    return (
        rollups.join(sums, on=["key", "jenis_key"], how="left")
        .filter(~pl.col("ditahan").fill_null(False))
        .with_columns([pl.col(f"{f}_harapan").fill_null(0) for f in MONEY_FIELDS])
    )


def _sums(frame: pl.DataFrame, by: str, suffix: str) -> pl.DataFrame:
    """Data rows -> per `by`: each money field summed (`<field><suffix>`) and `ditahan<suffix>`."""
    return frame.group_by(by).agg(
        *[pl.col(f).fill_null(0).sum().cast(MONEY).alias(f + suffix) for f in MONEY_FIELDS],
        pl.col("_tahan").any().alias("ditahan" + suffix),
    )


def _expected_totals(rows: pl.DataFrame, data: pl.DataFrame) -> pl.DataFrame:
    """Sheet rows -> total rows with `<kolom>_harapan` and the sums they may also stand for.

    A total may cover everything above it, its block (the data rows since the previous
    total) or, when its label names one ("Jumlah Belanja Modal"), one jenis belanja.
    Linear in the sheet: block sums and their running sums, never row against row. A
    total over a line an error held back is left out, as roll-ups are.
    """
    is_total = pl.col("jenis_baris") == "total"
    blok = (is_total.cum_sum() - is_total.cast(pl.UInt32)).alias("blok")
    totals = (
        rows.with_columns(blok)
        .filter(is_total)
        .with_columns(
            jenis_key=pl.when(normalized_words(pl.col("uraian_teks")).str.contains("modal"))
            .then(pl.lit("modal"))
            .when(normalized_words(pl.col("uraian_teks")).str.contains("operasi"))
            .then(pl.lit("operasi")),
            uraian_jumlah=pl.lit("Baris ") + pl.coalesce("uraian_teks", "kode_sub_kegiatan_teks"),
        )
    )
    lines = rows.with_columns(blok).join(data.select("baris", "_tahan"), on="baris", how="inner")
    blocks = _sums(lines, "blok", "_blok").sort("blok")
    running = blocks.select(
        "blok",
        *[pl.col(f + "_blok").cum_sum().alias(f + "_harapan") for f in MONEY_FIELDS],
        ditahan_harapan=pl.col("ditahan_blok").cum_max(),
    )
    by_jenis = _sums(lines.rename({"jenis_belanja": "jenis_key"}), "jenis_key", "_jenis")
    out = (
        totals.sort("blok")
        .join_asof(running, on="blok", strategy="backward")
        .join(blocks, on="blok", how="left")
        .join(by_jenis, on="jenis_key", how="left", nulls_equal=False)
    )
    held = pl.col("ditahan_harapan").fill_null(False) | pl.col("ditahan_jenis").fill_null(False)
    zero = pl.lit(0).cast(MONEY)
    return out.filter(~held).with_columns(
        [
            pl.col(f"{f}{s}").fill_null(zero)
            for f in MONEY_FIELDS
            for s in ("_harapan", "_blok", "_jenis")
        ]
    )


def _mismatches(expected: pl.DataFrame, field: str) -> pl.DataFrame:
    """Roll-up/total rows with expectations -> those whose `field` disagrees, with their texts."""
    stated = pl.col(field)
    text = pl.col(f"{field}_teks")
    harapan = pl.col(f"{field}_harapan")
    matches = stated == harapan
    for alternative in (f"{field}_blok", f"{field}_jenis"):
        if alternative in expected.columns:
            matches = matches | (stated == pl.col(alternative))
    unreadable = text.is_not_null() & stated.is_null()
    return expected.filter(unreadable | (stated.is_not_null() & ~matches)).with_columns(
        cek=pl.when(unreadable).then(pl.lit("V008:tak_terbaca")).otherwise(pl.lit("V008")),
        nilai=pl.when(unreadable).then(text).otherwise(rupiah(stated)),
        nilai_diharapkan=rupiah(harapan),
        selisih=(stated - harapan).cast(MONEY),
        field=pl.lit(field),
    )


def _lines(rows: pl.DataFrame) -> pl.DataFrame:
    """Staged rows of a sheet -> its data rows counted in the sums, with `_tahan`.

    `_tahan`: an error held the row back (status karantina, or a broken CSV line whose
    cells shifted). An identical copy (status ganda) counts once, so it is left out.
    """
    data = rows.filter(pl.col("jenis_baris") == "data")
    held = pl.col("kolom_berlebih").fill_null(False)
    if "status" in data.columns:
        data = data.filter(pl.col("status") != "ganda")
        held = held | (pl.col("status") == "karantina")
    return data.with_columns(_tahan=held)


def check_sheet_totals(
    rows: pl.DataFrame,
    *,
    grid_kolom: dict[str, str] | None = None,
    judul: dict[str, str] | None = None,
) -> pl.DataFrame:
    """Staged keuangan rows of one sheet -> V008 draft findings (one per row and column).

    Run once the rows have their status: a roll-up or total over a row an error held back
    (or a broken CSV line, whose cells shifted) stands down, so one mistake gives one
    finding; an identical copy counts once.
    """
    data = _lines(rows)
    checked = [_expected_rollups(rows, data), _expected_totals(rows, data)]
    grid_kolom = grid_kolom or {}
    judul = judul or {}
    found = []
    for expected in checked:
        for field in MONEY_FIELDS:
            if field not in grid_kolom and grid_kolom:
                continue
            bad = _mismatches(expected, field)
            if bad.height == 0:
                continue
            letter = column_letter(int(grid_kolom[field][1:])) if field in grid_kolom else None
            for cek in bad.get_column("cek").unique(maintain_order=True):
                part = bad.filter(pl.col("cek") == cek)
                found.append(
                    draft(
                        part.with_columns(
                            aturan=pl.lit("V008"),
                            kolom=pl.lit(judul.get(field, field)),
                            sel=(pl.lit(letter) + pl.col("baris").cast(pl.String))
                            if letter
                            else pl.lit(None, pl.String),
                            kode=pl.col("kode_sub_kegiatan"),
                            jenis_belanja=pl.coalesce(
                                jenis_from_text(pl.col("jenis_belanja_teks")),
                                jenis_from_rekening(pl.col("kode_rekening")),
                            ),
                            keterangan=fill(CEK[cek][1]),
                        )
                    )
                )
    return pl.concat(found) if found else empty_draft()
