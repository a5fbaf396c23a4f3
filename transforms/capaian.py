"""Indicator achievement (capaian kinerja): reported realisation against the agreed target.

Kinerja rows are matched to indikator.csv by code and by the indicator's name compared
without case, spacing and punctuation (R009 when no agreed indicator matches, or when
the stated target differs from the agreed one). Capaian by polarity and predikat follow
DOMAIN.md; every agreed indicator of the year appears for every quarter.
"""

from __future__ import annotations

import polars as pl

from schemas.kode import normalized_words, parts
from transforms.findings import draft
from transforms.numbers import MEASURE
from transforms.reconcile import PERCENT

_WIDE = pl.Decimal(38, 12)
_KEY = ["kode", "_nama"]

PREDIKAT = (
    (91, "Sangat Tinggi"),
    (76, "Tinggi"),
    (66, "Sedang"),
    (51, "Rendah"),
)
"""Permendagri 86/2017 scale: the lowest capaian of each predikat; below 51 Sangat Rendah."""


def capaian(realisasi: pl.Expr, low: pl.Expr, high: pl.Expr, polaritas: pl.Expr) -> pl.Expr:
    """Realisation, target bounds and polarity -> capaian in percent, DECIMAL(9,2).

    positif: r / t × 100; negatif: (2t − r) / t × 100; rentang: 100 inside [low, high],
    r / low × 100 below, r / high × 100 above. Null where a figure or the target is missing
    or the divisor is 0.
    """
    r = realisasi.cast(_WIDE)
    t = low.cast(_WIDE)

    def ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
        return pl.when(den != 0).then(num * 100 / den)

    value = (
        pl.when(polaritas == "positif")
        .then(ratio(r, t))
        .when(polaritas == "negatif")
        .then(ratio(2 * t - r, t))
        .when(polaritas == "rentang")
        .then(
            pl.when(r < low)
            .then(ratio(r, low.cast(_WIDE)))
            .when(r > high)
            .then(ratio(r, high.cast(_WIDE)))
            .otherwise(pl.lit(100).cast(_WIDE))
        )
    )
    # Nothing reported (or no target) is no achievement at all, not "inside the range".
    known = realisasi.is_not_null() & low.is_not_null() & high.is_not_null()
    return pl.when(known).then(value).round(2, mode="half_away_from_zero").cast(PERCENT)


def predikat(capaian_persen: pl.Expr) -> pl.Expr:
    """Capaian in percent -> its predikat (Sangat Tinggi ... Sangat Rendah); null stays null."""
    out = pl.when(capaian_persen.is_null()).then(pl.lit(None, pl.String))
    for floor, name in PREDIKAT:
        out = out.when(capaian_persen >= floor).then(pl.lit(name))
    return out.otherwise(pl.lit("Sangat Rendah"))


def _level_of(kode: pl.Expr) -> pl.Expr:
    """Reported code -> its level when it is not in indikator.csv."""
    return (
        pl.when(kode.str.contains(r"^[Ss]\d"))
        .then(pl.lit("sasaran"))
        .when(kode.str.contains(r"^[Tt]\d"))
        .then(pl.lit("tujuan"))
        .when(parts(kode) == 3)
        .then(pl.lit("program"))
        .when(parts(kode) == 5)
        .then(pl.lit("kegiatan"))
        .when(parts(kode) == 6)
        .then(pl.lit("sub_kegiatan"))
        .otherwise(pl.lit("lainnya"))
    )


def _target_text(low: pl.Expr, high: pl.Expr, text: pl.Expr) -> pl.Expr:
    """Agreed target as written (kept for the report) -> itself; from bounds when missing."""
    return pl.coalesce(text, pl.when(low == high).then(low.cast(pl.String)))


def match(kinerja: pl.DataFrame, indikator: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Accepted kinerja rows + agreed indicators -> (rows with their match, R009 drafts)."""
    agreed = indikator.select(
        "kode",
        _nama=normalized_words(pl.col("indikator")),
        _target_min=pl.col("target_min"),
        _target_max=pl.col("target_max"),
        _target=pl.col("target"),
        _terdaftar=pl.lit(True),
    ).unique(_KEY, keep="first")
    rows = kinerja.with_columns(_nama=normalized_words(pl.col("indikator").fill_null("")))
    matched = rows.join(agreed, on=_KEY, how="left")
    unknown = matched.filter(pl.col("_terdaftar").is_null())
    differs = matched.filter(
        pl.col("_terdaftar").is_not_null()
        & pl.col("target_min").is_not_null()
        & (
            (pl.col("target_min") != pl.col("_target_min"))
            | (pl.col("target_max") != pl.col("_target_max"))
        )
    )
    located = dict(
        kode=pl.col("kode"),
        kolom=pl.lit("Indikator Kinerja"),
        nama_kolom=pl.lit("indikator"),
        aturan=pl.lit("R009"),
    )
    drafts = pl.concat(
        [
            draft(
                unknown.with_columns(
                    **located,
                    nilai=pl.col("indikator"),
                    keterangan=pl.lit("indikator '")
                    + pl.col("indikator").fill_null("")
                    + "' dengan kode "
                    + pl.col("kode")
                    + " tidak ada di Perjanjian Kinerja (indikator.csv)",
                )
            ),
            draft(
                differs.with_columns(
                    **located,
                    nilai=pl.col("target_teks"),
                    nilai_diharapkan=pl.col("_target"),
                    keterangan=pl.lit("target indikator '")
                    + pl.col("indikator")
                    + "' tertulis "
                    + pl.col("target_teks")
                    + ", padahal target yang disepakati "
                    + pl.col("_target"),
                ).with_columns(kolom=pl.lit("Target"), nama_kolom=pl.lit("target"))
            ),
        ],
        how="vertical_relaxed",
    )
    return matched, drafts


def capaian_table(
    kinerja: pl.DataFrame, indikator: pl.DataFrame, tahun: int, triwulan: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Accepted kinerja rows + indikator.csv -> (capaian_kinerja table, R009 drafts)."""
    agreed = indikator.filter(pl.col("tahun") == tahun)
    matched, drafts = match(kinerja, agreed)
    reported = (
        matched.sort("berkas", "lembar", "baris", nulls_last=False)
        .group_by("triwulan", *_KEY, maintain_order=True)
        .agg(
            pl.col("realisasi").first(),
            pl.col("satuan").first().alias("_satuan"),
            pl.col("indikator").first().alias("_indikator"),
            pl.col("target_teks").first().alias("_target_teks"),
            pl.col("target_min").first().alias("_tmin"),
            pl.col("target_max").first().alias("_tmax"),
            pl.col("kode_bidang").first().alias("_bidang"),
            pl.col("_terdaftar").first(),
        )
    )
    quarters = pl.DataFrame(
        {"triwulan": list(range(1, triwulan + 1))}, schema={"triwulan": pl.Int8}
    )
    base = agreed.with_columns(_nama=normalized_words(pl.col("indikator"))).unique(
        _KEY, keep="first"
    )
    known = base.join(quarters, how="cross").join(
        reported.filter(pl.col("_terdaftar").is_not_null()).select("triwulan", *_KEY, "realisasi"),
        on=["triwulan", *_KEY],
        how="left",
    )
    extra = reported.filter(pl.col("_terdaftar").is_null()).select(
        "triwulan",
        "kode",
        level=_level_of(pl.col("kode")),
        indikator=pl.col("_indikator"),
        satuan=pl.col("_satuan"),
        target=pl.col("_target_teks"),
        target_min=pl.col("_tmin"),
        target_max=pl.col("_tmax"),
        polaritas=pl.lit(None, pl.String),
        realisasi=pl.col("realisasi"),
        kode_bidang=pl.col("_bidang"),
        sasaran=pl.lit(None, pl.String),
    )
    columns = [
        "triwulan",
        "kode",
        "level",
        "indikator",
        "satuan",
        "target",
        "target_min",
        "target_max",
        "polaritas",
        "realisasi",
        "kode_bidang",
        "sasaran",
    ]
    table = pl.concat([known.select(columns), extra.select(columns)], how="vertical_relaxed")
    table = table.with_columns(
        tahun=pl.lit(tahun, pl.Int32),
        target=_target_text(pl.col("target_min"), pl.col("target_max"), pl.col("target")),
        capaian_persen=capaian(
            pl.col("realisasi"), pl.col("target_min"), pl.col("target_max"), pl.col("polaritas")
        ),
    ).with_columns(predikat=predikat(pl.col("capaian_persen")))
    ordered = table.select(
        "tahun",
        pl.col("triwulan").cast(pl.Int8),
        "level",
        "kode",
        "indikator",
        "satuan",
        "target",
        pl.col("target_min").cast(MEASURE),
        pl.col("target_max").cast(MEASURE),
        "polaritas",
        pl.col("realisasi").cast(MEASURE),
        "capaian_persen",
        "predikat",
        "kode_bidang",
        "sasaran",
    ).sort("triwulan", "level", "kode", "indikator")
    return ordered, drafts
