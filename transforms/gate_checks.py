"""The quality gate: what must hold across rows and tables before a year is published.

The pandera models (schemas/curated.py) already say what one table's rows must be: types,
value sets, ranges, keys, and rules within a row (sisa_anggaran = pagu - realisasi_kumulatif).
The gate holds only what they cannot say, each check once:

- across rows: a line's cumulative never falls quarter to quarter, and equals the running
  sum of its quarters; spending above the pagu is published only with its R003 finding;
- across tables (`keselarasan`, one row per quarter): pagu and lines agree with the DPA,
  the report's totals (serapan_anggaran) with realisasi_anggaran, every karantina row has
  an error finding, every fact with spending names its source rows (asal_angka).

Each check is a derived column (a frame built here) and a Great Expectations expectation
on it, declared together below; flows/quality_gate.py hands the frames to Great
Expectations as pandas with Arrow types (exact decimals) and writes the Data Docs.
"""

from __future__ import annotations

import polars as pl

from schemas.curated import OFFICE
from schemas.types import LINE, MONEY, ROW

OFFICE_LINE = [OFFICE, *LINE]
QUARTER = [OFFICE, "triwulan"]

Expectation = tuple[str, dict]


def _equal(a: str, b: str) -> Expectation:
    return ("ExpectColumnPairValuesToBeEqual", {"column_A": a, "column_B": b})


def _zero(column: str) -> Expectation:
    return ("ExpectColumnValuesToBeBetween", {"column": column, "min_value": 0, "max_value": 0})


EXPECTATIONS: dict[str, list[Expectation]] = {
    "realisasi_anggaran": [
        ("ExpectColumnValuesToBeBetween", {"column": "kenaikan_kumulatif", "min_value": 0}),
        _equal("realisasi_kumulatif", "jumlah_triwulan"),
        # pagu >= realisasi_kumulatif, except on a fact an R003 finding flags (spending
        # made before a perubahan cut the pagu below it is real and published with it).
        _zero("melebihi_pagu_tanpa_r003"),
    ],
    "keselarasan": [
        _equal("pagu_realisasi", "pagu_dpa"),
        _equal("baris_realisasi", "baris_dpa"),
        _equal("realisasi_kumulatif", "jumlah_triwulan"),
        _zero("karantina_tanpa_temuan"),
        # serapan_anggaran (the report's sums) and asal_angka (where figures come from)
        _equal("pagu_serapan", "pagu_realisasi"),
        _equal("realisasi_serapan", "realisasi_kumulatif"),
        _zero("fakta_tanpa_asal"),
    ],
}
"""Gate frame name -> the expectations it must meet."""


def _flagged_r003(temuan: pl.DataFrame) -> pl.DataFrame:
    """Findings -> the (triwulan, line) an R003 finding names."""
    return (
        temuan.filter(pl.col("aturan") == "R003")
        .select(OFFICE, "triwulan", pl.col("kode").alias("kode_sub_kegiatan"), "jenis_belanja")
        .unique()
        .with_columns(_r003=pl.lit(True))
    )


def realisasi_frame(realisasi: pl.DataFrame, temuan: pl.DataFrame) -> pl.DataFrame:
    """realisasi_anggaran + temuan -> with kenaikan_kumulatif, jumlah_triwulan, and
    melebihi_pagu_tanpa_r003 (1 where the cumulative passes the pagu
    and no R003 finding says so: spending above a ceiling is published only with its finding).
    """
    ordered = realisasi.sort(*OFFICE_LINE, "triwulan").join(
        _flagged_r003(temuan), on=[*QUARTER, *LINE], how="left"
    )
    above = (pl.col("realisasi_kumulatif") > pl.col("pagu")) & pl.col("_r003").is_null()
    return ordered.with_columns(
        melebihi_pagu_tanpa_r003=above.cast(pl.Int8),
        kenaikan_kumulatif=(
            pl.col("realisasi_kumulatif")
            - pl.col("realisasi_kumulatif").shift(1).over(OFFICE_LINE).fill_null(0)
        ).cast(MONEY),
        jumlah_triwulan=pl.col("realisasi_triwulan").cum_sum().over(OFFICE_LINE).cast(MONEY),
    ).drop("_r003")


def _rows_named(temuan: pl.DataFrame) -> pl.DataFrame:
    """Findings -> (berkas, lembar, baris) of every row they name, baris..baris_akhir included.

    A range names the rows of one line in one sheet, so this stays linear in the rows.
    """
    last = pl.coalesce("baris_akhir", "baris")
    return (
        temuan.filter(pl.col("baris").is_not_null())
        .select(OFFICE, "berkas", "lembar", baris=pl.int_ranges("baris", last + 1, dtype=pl.Int32))
        .explode("baris")
        .unique()
    )


def _report_totals(serapan: pl.DataFrame) -> pl.DataFrame:
    """serapan_anggaran -> per quarter the grand total the report prints (pagu, realisasi)."""
    total = (pl.col("tingkat") == "jumlah") & (pl.col("jenis_belanja") == "semua")
    return serapan.filter(total).select(
        *QUARTER, pagu_serapan="pagu", realisasi_serapan="realisasi_kumulatif"
    )


def _facts_without_source(realisasi: pl.DataFrame, asal: pl.DataFrame) -> pl.DataFrame:
    """realisasi_anggaran + asal_angka -> per quarter the facts with spending that name no
    source row: none of that quarter's rows, nor the next quarter's stated cumulative.
    """
    peran, sumber = pl.col("peran"), pl.col("triwulan_sumber")
    own = (peran == "realisasi") & (sumber == pl.col("triwulan"))
    stated = (peran == "kumulatif") & (sumber == pl.col("triwulan") + 1)
    traced = (
        asal.filter((pl.col("tabel") == "realisasi_anggaran") & (own | stated))
        .select(*QUARTER, pl.col("kode").alias("kode_sub_kegiatan"), "jenis_belanja")
        .unique()
    )
    spent = realisasi.filter(pl.col("realisasi_triwulan") != 0)
    orphans = spent.join(traced, on=[*QUARTER, *LINE], how="anti")
    return orphans.group_by(QUARTER).agg(fakta_tanpa_asal=pl.len())


def agreement_frame(
    realisasi: pl.DataFrame,
    dpa: pl.DataFrame,
    temuan: pl.DataFrame,
    karantina: pl.DataFrame,
    serapan: pl.DataFrame,
    asal: pl.DataFrame,
) -> pl.DataFrame:
    """Curated tables -> one row per office and quarter of totals that must agree between
    tables."""
    per_quarter = realisasi.group_by(*QUARTER, "versi_dpa").agg(
        pagu_realisasi=pl.col("pagu").sum().cast(MONEY),
        baris_realisasi=pl.len(),
        realisasi_kumulatif=pl.col("realisasi_kumulatif").sum().cast(MONEY),
    )
    dpa_totals = dpa.group_by(OFFICE, "versi").agg(pagu_dpa=pl.col("pagu").sum().cast(MONEY))
    lines = dpa.select(OFFICE_LINE).unique().group_by(OFFICE).agg(baris_dpa=pl.len())
    quarters = (
        realisasi.group_by(QUARTER)
        .agg(pl.col("realisasi_triwulan").sum())
        .sort(QUARTER)
        .select(
            *QUARTER,
            jumlah_triwulan=pl.col("realisasi_triwulan").cum_sum().over(OFFICE).cast(MONEY),
        )
    )
    with_finding = _rows_named(temuan.filter(pl.col("tingkat") == "error"))
    held = karantina.filter(pl.col("status") == "karantina")
    orphans = (
        held.join(with_finding, on=[OFFICE, *ROW], how="anti", nulls_equal=True)
        .group_by(OFFICE)
        .agg(karantina_tanpa_temuan=pl.len())
    )
    return (
        per_quarter.join(
            dpa_totals, left_on=[OFFICE, "versi_dpa"], right_on=[OFFICE, "versi"], how="left"
        )
        .join(lines, on=OFFICE, how="left")
        .join(quarters, on=QUARTER, how="left")
        .join(_report_totals(serapan), on=QUARTER, how="left")
        .join(_facts_without_source(realisasi, asal), on=QUARTER, how="left")
        .join(orphans, on=OFFICE, how="left")
        .with_columns(
            pagu_dpa=pl.col("pagu_dpa").fill_null(0).cast(MONEY),
            baris_dpa=pl.col("baris_dpa").fill_null(0).cast(pl.UInt32),
            karantina_tanpa_temuan=pl.col("karantina_tanpa_temuan").fill_null(0).cast(pl.UInt32),
            fakta_tanpa_asal=pl.col("fakta_tanpa_asal").fill_null(0).cast(pl.UInt32),
        )
        .sort(QUARTER)
    )


def gate_frames(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Curated tables by name -> the frames the gate checks, by name (as EXPECTATIONS).

    Every check is per office: an unnamed office (kode_opd null, a single-office raw
    folder without opd.csv) is "" here, so keys always join."""
    tables = {
        name: frame.with_columns(pl.col(OFFICE).cast(pl.String).fill_null(""))
        if OFFICE in frame.columns
        else frame.with_columns(pl.lit("").alias(OFFICE))
        for name, frame in tables.items()
    }
    return {
        "realisasi_anggaran": realisasi_frame(tables["realisasi_anggaran"], tables["temuan"]),
        "keselarasan": agreement_frame(
            tables["realisasi_anggaran"],
            tables["dpa"],
            tables["temuan"],
            tables["karantina"],
            tables["serapan_anggaran"],
            tables["asal_angka"],
        ),
    }
