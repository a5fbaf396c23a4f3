"""Reconciliation of accepted realisation rows against the DPA in force (R001-R005, R010).

From accepted kode rekening / jenis belanja rows to one figure per sub kegiatan ×
jenis belanja × triwulan, over every DPA line (zero where nothing was spent). Money is
Decimal from end to end; percentages are rounded half away from zero, as printed.
"""

from __future__ import annotations

import polars as pl

from schemas.headers import LABEL
from transforms.dpa import _prefix
from transforms.findings import draft, empty_draft, rupiah
from transforms.numbers import MONEY

LINE = ["kode_sub_kegiatan", "jenis_belanja"]
ROW = ["berkas", "lembar", "baris"]
_WIDE = pl.Decimal(38, 12)
PERCENT = pl.Decimal(9, 2)


def percent(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    """Two Decimal amounts -> part / whole × 100 as DECIMAL(9,2) (null where whole is 0)."""
    ratio = part.cast(_WIDE) * 100 / whole
    rounded = ratio.round(2, mode="half_away_from_zero")
    return pl.when(whole != 0).then(rounded).cast(PERCENT)


def lines_in_force(dpa: pl.DataFrame, in_force: pl.DataFrame) -> pl.DataFrame:
    """Curated dpa + versions in force -> every DPA line (of any version) for every quarter.

    A line of one version only has pagu 0 in a quarter where the other version is in force.
    """
    every_line = dpa.select("kode_program", "kode_kegiatan", *LINE, "kode_bidang").unique(
        LINE, keep="first"
    )
    names = (
        dpa.sort("tanggal_berlaku", descending=True)
        .unique("kode_sub_kegiatan", keep="first")
        .select("kode_sub_kegiatan", "uraian")
    )
    pagu = dpa.select("versi", *LINE, "pagu")
    return (
        every_line.join(
            in_force.select("triwulan", pl.col("versi").alias("versi_dpa")), how="cross"
        )
        .join(names, on="kode_sub_kegiatan", how="left")
        .join(
            pagu.rename({"versi": "versi_dpa"}),
            on=["versi_dpa", *LINE],
            how="left",
        )
        .with_columns(pl.col("pagu").fill_null(0).cast(MONEY))
    )


def _row_finding(rows: pl.DataFrame, aturan: str, keterangan: pl.Expr, kolom: str) -> pl.DataFrame:
    """Offending rows -> one draft finding each."""
    return draft(
        rows.with_columns(
            aturan=pl.lit(aturan),
            kode=pl.col("kode_sub_kegiatan"),
            kolom=pl.lit(LABEL[kolom]),
            nama_kolom=pl.lit(kolom),
            nilai=pl.col("kode_sub_kegiatan"),
            keterangan=keterangan,
        )
    )


def check_rows(
    rows: pl.DataFrame, dpa: pl.DataFrame, in_force: pl.DataFrame, bidang: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Accepted keuangan rows -> (R001/R002/R010 drafts, rows held back with their rule).

    R001: the sub kegiatan is not in the DPA in force at the row's quarter; R010: it is,
    but without a pagu for that jenis belanja; R002: its program belongs to another bidang.
    """
    with_version = rows.join(in_force.select("triwulan", "versi"), on="triwulan", how="left")
    codes = dpa.select("versi", "kode_sub_kegiatan").unique().with_columns(_ada=pl.lit(True))
    lines = dpa.select("versi", *LINE).unique().with_columns(_baris=pl.lit(True))
    checked = with_version.join(codes, on=["versi", "kode_sub_kegiatan"], how="left").join(
        lines, on=["versi", *LINE], how="left"
    )
    owners = bidang.group_by("kode_program").agg(
        pl.col("kode_bidang").sort().str.join(", ").alias("_pemilik"),
        pl.col("kode_bidang").alias("_pemilik_list"),
    )
    checked = checked.with_columns(kode_program=_prefix(pl.col("kode_sub_kegiatan"), 3)).join(
        owners, on="kode_program", how="left"
    )
    r001 = checked.filter(pl.col("_ada").is_null())
    r010 = checked.filter(pl.col("_ada").is_not_null() & pl.col("_baris").is_null())
    not_owner = ~pl.col("_pemilik_list").list.contains(pl.col("kode_bidang")).fill_null(False)
    r002 = checked.filter(not_owner)
    drafts = pl.concat(
        [
            _row_finding(
                r001,
                "R001",
                pl.col("versi").fill_null("(tidak ada DPA berlaku)"),
                "kode_sub_kegiatan",
            ),
            _row_finding(
                r002,
                "R002",
                pl.col("_pemilik").fill_null("lain (program tidak terdaftar di bidang.csv)"),
                "kode_sub_kegiatan",
            ),
            _row_finding(r010, "R010", pl.col("versi"), "jenis_belanja"),
        ],
        how="vertical_relaxed",
    )
    held = drafts.select(*ROW, "aturan").unique()
    return drafts, held


def _line_sums(rows: pl.DataFrame) -> pl.DataFrame:
    """Accepted rows -> per (triwulan, line): sums, the stated figures, where it came from."""
    all_given = {
        f: pl.when(pl.col(f).is_not_null().all()).then(pl.col(f).sum()).cast(MONEY)
        for f in ("anggaran", "realisasi_kumulatif")
    }
    return (
        rows.sort(ROW, nulls_last=False)
        .group_by("triwulan", *LINE)
        .agg(
            realisasi_triwulan=pl.col("realisasi_triwulan").fill_null(0).sum().cast(MONEY),
            anggaran_tertulis=all_given["anggaran"],
            kumulatif_tertulis=all_given["realisasi_kumulatif"],
            realisasi_fisik=pl.col("realisasi_fisik").max(),
            baris_data=pl.len(),
            **{c: pl.col(c).first() for c in (*ROW, "kode_bidang")},
        )
    )


def _cap_cumulative(grid: pl.DataFrame, triwulan: int) -> pl.DataFrame:
    """Line × quarter grid with realisasi_triwulan -> realisasi_kumulatif, and R003 marks.

    Quarter by quarter: a quarter whose spending takes the cumulative above the pagu in
    force is an error (R003); its rows are held back, so it adds nothing and the
    cumulative carries the previous quarter's figure.
    """
    parts = []
    carried = (
        grid.filter(pl.col("triwulan") == 1)
        .select(*LINE)
        .with_columns(_sebelum=pl.lit(0).cast(MONEY))
    )
    for q in range(1, triwulan + 1):
        quarter = grid.filter(pl.col("triwulan") == q).join(carried, on=LINE, how="left")
        quarter = quarter.with_columns(pl.col("_sebelum").fill_null(0).cast(MONEY))
        candidate = (pl.col("_sebelum") + pl.col("realisasi_triwulan")).cast(MONEY)
        over = candidate > pl.col("pagu")
        quarter = quarter.with_columns(
            r003=over,
            realisasi_usulan=candidate,
            realisasi_triwulan=pl.when(over)
            .then(0)
            .otherwise(pl.col("realisasi_triwulan"))
            .cast(MONEY),
        ).with_columns(
            realisasi_kumulatif=(pl.col("_sebelum") + pl.col("realisasi_triwulan")).cast(MONEY)
        )
        carried = quarter.select(*LINE, _sebelum=pl.col("realisasi_kumulatif"))
        parts.append(quarter.drop("_sebelum"))
    return pl.concat(parts)


def _line_findings(grid: pl.DataFrame) -> pl.DataFrame:
    """Reconciled grid -> R003, R004 and R005 drafts (one per line and quarter)."""
    located = [pl.col(c) for c in (*ROW, "triwulan", "kode_bidang", "jenis_belanja")]
    base = [*located, pl.col("kode_sub_kegiatan").alias("kode")]
    r003 = grid.filter(pl.col("r003")).select(
        *base,
        aturan=pl.lit("R003"),
        kolom=pl.lit(LABEL["realisasi_kumulatif"]),
        nama_kolom=pl.lit("realisasi_kumulatif"),
        nilai=rupiah(pl.col("realisasi_usulan")),
        nilai_diharapkan=rupiah(pl.col("pagu")),
        selisih=(pl.col("realisasi_usulan") - pl.col("pagu")).cast(MONEY),
    )
    r004 = grid.filter(
        pl.col("anggaran_tertulis").is_not_null() & (pl.col("anggaran_tertulis") != pl.col("pagu"))
    ).select(
        *base,
        aturan=pl.lit("R004"),
        kolom=pl.lit(LABEL["anggaran"]),
        nama_kolom=pl.lit("anggaran"),
        nilai=rupiah(pl.col("anggaran_tertulis")),
        nilai_diharapkan=rupiah(pl.col("pagu")),
        selisih=(pl.col("anggaran_tertulis") - pl.col("pagu")).cast(MONEY),
    )
    r005 = grid.filter(
        ~pl.col("r003")
        & pl.col("kumulatif_tertulis").is_not_null()
        & (pl.col("kumulatif_tertulis") != pl.col("realisasi_kumulatif"))
    ).select(
        *base,
        aturan=pl.lit("R005"),
        kolom=pl.lit(LABEL["realisasi_kumulatif"]),
        nama_kolom=pl.lit("realisasi_kumulatif"),
        nilai=rupiah(pl.col("kumulatif_tertulis")),
        nilai_diharapkan=rupiah(pl.col("realisasi_kumulatif")),
        selisih=(pl.col("kumulatif_tertulis") - pl.col("realisasi_kumulatif")).cast(MONEY),
    )
    return pl.concat([draft(f) for f in (r003, r004, r005)], how="vertical_relaxed")


def reconcile(
    rows: pl.DataFrame, dpa: pl.DataFrame, in_force: pl.DataFrame, tahun: int, triwulan: int
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Accepted rows (R001/R002/R010 already held back) -> (realisasi_anggaran, drafts, held).

    `held` lists the rows of R003 line-quarters: they leave the curated facts.
    """
    grid = lines_in_force(dpa, in_force).join(
        _line_sums(rows).drop("kode_bidang"), on=["triwulan", *LINE], how="left"
    )
    grid = grid.with_columns(pl.col("realisasi_triwulan").fill_null(0).cast(MONEY))
    grid = _cap_cumulative(grid, triwulan)
    drafts = _line_findings(grid) if grid.height else empty_draft()
    over = grid.filter(pl.col("r003")).select("triwulan", *LINE)
    held = (
        rows.join(over, on=["triwulan", *LINE], how="semi")
        .select(*ROW)
        .with_columns(aturan=pl.lit("R003"))
    )
    table = grid.select(
        pl.lit(tahun, pl.Int32).alias("tahun"),
        pl.col("triwulan").cast(pl.Int8),
        "kode_bidang",
        "kode_program",
        "kode_kegiatan",
        "kode_sub_kegiatan",
        "uraian",
        "jenis_belanja",
        "versi_dpa",
        "pagu",
        "realisasi_triwulan",
        "realisasi_kumulatif",
        sisa_anggaran=(pl.col("pagu") - pl.col("realisasi_kumulatif")).cast(MONEY),
        persen_realisasi=percent(pl.col("realisasi_kumulatif"), pl.col("pagu")),
        realisasi_fisik=pl.when(pl.col("r003")).then(None).otherwise(pl.col("realisasi_fisik")),
    ).sort("triwulan", *LINE)
    return table, drafts, held
