"""Indicator achievement (capaian kinerja): reported realisation against the agreed target.

Kinerja rows are matched to indikator.csv by code and by the indicator's name compared
without case, spacing and punctuation (R009 when no agreed indicator matches, or when
the stated target differs from the agreed one). Capaian by polarity and predikat follow
DOMAIN.md; every agreed indicator of the year appears for every quarter.

Rows held back here (error findings): an indicator sent by two bidang in one quarter
(R002 for the bidang that does not own it; V006 for every report of an indicator without
an owner), and a realisation whose capaian does not fit DECIMAL(9,2) (V003).
"""

from __future__ import annotations

import polars as pl

from schemas.codes import normalized_words, parts
from schemas.curated import CapaianKinerja, columns, polars_schema
from schemas.rules import CEK, SARAN
from schemas.types import PERCENT, PERCENT_WIDE, ROW, grouped
from transforms.findings import draft, fill
from transforms.numbers import ceiling

_WIDE = pl.Decimal(38, 12)
_KEY = ["kode", "_nama"]
_QUARTER_KEY = ["triwulan", *_KEY]

PREDIKAT = (
    (91, "Sangat Tinggi"),
    (76, "Tinggi"),
    (66, "Sedang"),
    (51, "Rendah"),
)
"""Permendagri 86/2017 scale: the lowest capaian of each predikat; below 51 Sangat Rendah."""


def capaian_exact(realisasi: pl.Expr, low: pl.Expr, high: pl.Expr, polaritas: pl.Expr) -> pl.Expr:
    """Realisation, target bounds and polarity -> capaian in percent, unrounded Decimal(38,12).

    positif: r / t × 100; negatif: (2t − r) / t × 100; rentang: 100 inside [low, high],
    r / low × 100 below, r / high × 100 above. Null where a figure or the target is missing
    or the divisor is 0. The predikat is decided on this value (90,995 is Tinggi).
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
    return pl.when(known).then(value)


def _rounded(exact: pl.Expr) -> pl.Expr:
    """Unrounded capaian -> rounded half away from zero to 2 places, as the office prints it."""
    return exact.round(2, mode="half_away_from_zero")


def fits_percent(exact: pl.Expr) -> pl.Expr:
    """Unrounded capaian -> True where its rounded value fits DECIMAL(9,2) (null stays null)."""
    return _rounded(exact).abs() < ceiling(PERCENT)


def displayed(exact: pl.Expr) -> pl.Expr:
    """Unrounded capaian -> DECIMAL(9,2) rounded half away from zero; null where it does not fit."""
    return pl.when(fits_percent(exact)).then(_rounded(exact)).cast(PERCENT)


def capaian(realisasi: pl.Expr, low: pl.Expr, high: pl.Expr, polaritas: pl.Expr) -> pl.Expr:
    """Realisation, target bounds and polarity -> capaian in percent, DECIMAL(9,2) (see
    `capaian_exact`); null where too large for the column, never an overflow."""
    return displayed(capaian_exact(realisasi, low, high, polaritas))


def predikat(capaian_persen: pl.Expr) -> pl.Expr:
    """Capaian in percent (best unrounded) -> its predikat (Sangat Tinggi ... Sangat Rendah);
    null stays null."""
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
        _polaritas=pl.col("polaritas"),
        _pemilik=pl.col("kode_bidang"),
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


def _location() -> pl.Expr:
    """-> "bidang X (berkas Y, lembar 'Z', baris N)" of a kinerja row."""
    lembar = pl.when(pl.col("lembar").is_not_null()).then(", lembar '" + pl.col("lembar") + "'")
    return pl.concat_str(
        [
            pl.lit("bidang "),
            pl.col("kode_bidang").fill_null("?"),
            pl.lit(" (berkas "),
            pl.col("berkas"),
            lembar.otherwise(pl.lit("")),
            pl.lit(", baris "),
            pl.col("baris").cast(pl.String),
            pl.lit(")"),
        ]
    )


def _on_indicator(rows: pl.DataFrame, cek: str) -> pl.DataFrame:
    """Rows with the placeholders of CEK[cek] -> its drafts, on the row's indicator cell."""
    aturan, template = CEK[cek]
    return draft(
        rows.with_columns(
            aturan=pl.lit(aturan),
            kolom=pl.lit("Indikator Kinerja"),
            nama_kolom=pl.lit("indikator"),
            nilai=pl.col("indikator"),
        ).with_columns(keterangan=fill(template), saran=pl.lit(SARAN[cek]))
    )


def _contested(matched: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Matched rows -> (R002/V006 drafts, rows held): one indicator sent by two bidang in a quarter.

    The owner's report (kode_bidang of indikator.csv) is used and the others get R002; an
    indicator without an owner has all its reports held back, each with a V006.
    """
    senders = pl.col("kode_bidang").n_unique().over(_QUARTER_KEY)
    rows = matched.filter(senders > 1).with_columns(_lokasi=_location())
    owner = pl.col("_pemilik")
    owners_rows = (
        rows.filter(pl.col("kode_bidang") == owner)
        .sort(ROW, nulls_last=False)
        .unique(_QUARTER_KEY, keep="first")
        .select(*_QUARTER_KEY, _lokasi_pemilik=pl.col("_lokasi"))
    )
    not_owner = (
        rows.filter(owner.is_not_null() & (pl.col("kode_bidang") != owner))
        .join(owners_rows, on=_QUARTER_KEY, how="left")
        .with_columns(
            pemilik=owner,
            dipakai=pl.when(pl.col("_lokasi_pemilik").is_not_null())
            .then("; yang dipakai laporan " + pl.col("_lokasi_pemilik"))
            .otherwise(pl.lit("")),
        )
    )
    unowned = rows.filter(owner.is_null())
    everywhere = unowned.group_by(_QUARTER_KEY).agg(pl.col("_lokasi").alias("_semua"))
    unowned = unowned.join(everywhere, on=_QUARTER_KEY, how="left").with_columns(
        lokasi_lain=pl.col("_semua")
        .list.set_difference(pl.concat_list("_lokasi"))
        .list.sort()
        .list.join("; ")
    )
    drafts = pl.concat(
        [_on_indicator(not_owner, "R002:indikator"), _on_indicator(unowned, "V006:bidang_lain")],
        how="vertical_relaxed",
    )
    return drafts, drafts.select(*ROW, "aturan")


def _effective(rows: pl.DataFrame) -> pl.DataFrame:
    """Matched rows -> with `_capaian`: the unrounded capaian against the agreed target."""
    return rows.with_columns(
        _capaian=capaian_exact(
            pl.col("realisasi"), pl.col("_target_min"), pl.col("_target_max"), pl.col("_polaritas")
        )
    )


def _indonesian(value: pl.Expr) -> pl.Expr:
    """Decimal of any size -> Indonesian text with 2 decimals: 10000000 -> "10.000.000,00"."""
    text = _rounded(value).cast(PERCENT_WIDE).cast(pl.String)
    sign = pl.when(text.str.starts_with("-")).then(pl.lit("-")).otherwise(pl.lit(""))
    unsigned = text.str.strip_prefix("-")
    whole = unsigned.str.extract(r"^(\d+)", 1)
    cents = unsigned.str.extract(r"\.(\d+)$", 1).fill_null("00")
    grouping = whole.str.reverse().str.replace_all(r"(\d{3})", "$1.").str.reverse()
    return pl.concat_str([sign, grouping.str.strip_prefix("."), pl.lit(","), cents])


def _too_large(matched: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Matched rows -> (V003 drafts, rows held): a capaian too large for DECIMAL(9,2)."""
    rows = _effective(matched).filter((~fits_percent(pl.col("_capaian"))).fill_null(False))
    aturan, template = CEK["V003:capaian"]
    drafts = draft(
        rows.with_columns(
            aturan=pl.lit(aturan),
            kolom=pl.lit("Realisasi"),
            nama_kolom=pl.lit("realisasi"),
            nilai=pl.col("realisasi_teks"),
            target_dipakai=pl.col("_target"),
            capaian_teks=_indonesian(pl.col("_capaian")),
            batas=pl.lit(grouped(ceiling(PERCENT))),
        ).with_columns(keterangan=fill(template), saran=pl.lit(SARAN["V003:capaian"]))
    )
    return drafts, drafts.select(*ROW, "aturan")


def capaian_table(
    kinerja: pl.DataFrame, indikator: pl.DataFrame, tahun: int, triwulan: int
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Accepted kinerja rows + indikator.csv -> (capaian_kinerja table, drafts, rows held back).

    The rows held back (berkas, lembar, baris, aturan) carry an error finding of their own
    and leave the table: an indicator two bidang sent, a capaian too large to store.
    """
    agreed = indikator.filter(pl.col("tahun") == tahun)
    matched, r009 = match(kinerja, agreed)
    contest_drafts, contested = _contested(matched)
    large_drafts, large = _too_large(matched)
    held = pl.concat([contested, large], how="vertical_relaxed")
    usable = matched.join(held.select(ROW), on=ROW, how="anti", nulls_equal=True)
    drafts = pl.concat([r009, contest_drafts, large_drafts], how="vertical_relaxed")
    return _table(usable, agreed, tahun, triwulan), drafts, held


def _reported(matched: pl.DataFrame) -> pl.DataFrame:
    """Usable matched rows -> one per quarter and indicator (the first by file, sheet, row)."""
    return (
        matched.sort(ROW, nulls_last=False)
        .group_by(*_QUARTER_KEY, maintain_order=True)
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


CAPAIAN = polars_schema(CapaianKinerja, office=False)
# The table's columns that come from the rows and the agreed indicators; the year, the
# capaian and its predikat are added to them.
_COLUMNS = [
    c
    for c in columns(CapaianKinerja, office=False)
    if c not in ("tahun", "capaian_persen", "predikat")
]


def _table(matched: pl.DataFrame, agreed: pl.DataFrame, tahun: int, triwulan: int) -> pl.DataFrame:
    """Usable matched rows + the year's agreed indicators -> the capaian_kinerja table."""
    reported = _reported(matched)
    quarters = pl.DataFrame(
        {"triwulan": list(range(1, triwulan + 1))}, schema={"triwulan": pl.Int8}
    )
    base = agreed.with_columns(_nama=normalized_words(pl.col("indikator"))).unique(
        _KEY, keep="first"
    )
    known = base.join(quarters, how="cross").join(
        reported.filter(pl.col("_terdaftar").is_not_null()).select(*_QUARTER_KEY, "realisasi"),
        on=_QUARTER_KEY,
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
    table = pl.concat([known.select(_COLUMNS), extra.select(_COLUMNS)], how="vertical_relaxed")
    exact = capaian_exact(
        pl.col("realisasi"), pl.col("target_min"), pl.col("target_max"), pl.col("polaritas")
    )
    table = table.with_columns(
        tahun=pl.lit(tahun, pl.Int32),
        target=_target_text(pl.col("target_min"), pl.col("target_max"), pl.col("target")),
        capaian_persen=displayed(exact),
        _capaian=exact,
    ).with_columns(
        # Decided on the unrounded capaian, rounded only for display: 90,995 is Tinggi.
        predikat=predikat(pl.when(pl.col("capaian_persen").is_not_null()).then(pl.col("_capaian")))
    )
    return table.select([pl.col(c).cast(t) for c, t in CAPAIAN.items()]).sort(
        "triwulan", "level", "kode", "indikator"
    )
