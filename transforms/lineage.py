"""Where every figure comes from: the `asal_angka` table, and what the report shows of it.

A figure is a fact of `realisasi_anggaran` (a sub kegiatan and jenis belanja at a quarter:
its cumulative realisation and pagu) or of `capaian_kinerja` (an indicator at a quarter).
Its sources are the rows that made it, each named by file, sheet and row as a spreadsheet
user sees it, with the file's sha256 and the run id: the export rows summed into it, the
row whose stated cumulative stood in for a missing quarter, the rows held back, the DPA
line that gave the pagu, the Perjanjian Kinerja row that gave the target. Pure polars.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from schemas.codes import normalized_words
from schemas.curated import Temuan, polars_schema
from schemas.types import LINE, MONEY, ROW

ANGGARAN, KINERJA = "realisasi_anggaran", "capaian_kinerja"
PERAN = {
    "realisasi": "baris yang dijumlahkan ke angka ini",
    "kumulatif": "realisasi s.d. triwulan yang dinyatakan triwulan berikutnya, pengganti "
    "triwulan yang tidak lengkap",
    "tidak_dipakai": "diterima, tetapi triwulannya diganti angka dari realisasi kumulatif",
    "ditahan": "ditahan (karantina) karena temuan error, tidak dihitung",
    "ganda": "salinan identik baris lain, dihitung sekali",
    "pagu": "baris DPA yang memberi pagu",
    "target": "baris Perjanjian Kinerja yang memberi target",
}
"""Role of a source row -> what it means, in Bahasa Indonesia (data dictionary, report)."""
COLUMNS: dict[str, pl.DataType] = {
    "run_id": pl.String(),
    "tahun": pl.Int32(),
    "triwulan": pl.Int8(),
    "tabel": pl.String(),
    "kode": pl.String(),
    "jenis_belanja": pl.String(),
    "indikator": pl.String(),
    "peran": pl.String(),
    "triwulan_sumber": pl.Int8(),
    "berkas": pl.String(),
    "lembar": pl.String(),
    "baris": pl.Int32(),
    "kode_rekening": pl.String(),
    "nilai": MONEY,
    "versi_dpa": pl.String(),
    "status": pl.String(),
    "aturan": pl.String(),
    "sha256": pl.String(),
}
_ORDER = {p: i for i, p in enumerate(PERAN)}
TEMUAN = polars_schema(Temuan)


def _status_role() -> pl.Expr:
    """-> the role a staged row's final status gives it (realisasi when accepted)."""
    return (
        pl.when(pl.col("status") == "karantina")
        .then(pl.lit("ditahan"))
        .when(pl.col("status") == "ganda")
        .then(pl.lit("ganda"))
        .otherwise(pl.lit("realisasi"))
    )


def _placed(keuangan: pl.DataFrame, realisasi: pl.DataFrame) -> pl.DataFrame:
    """Staged keuangan rows with final status -> the data rows on a published line, with the
    line-quarter's kelengkapan. A held row whose jenis belanja could not be read sits on
    every line of its sub kegiatan.
    """
    data = keuangan.filter(
        (pl.col("jenis_baris") == "data")
        & pl.col("status").is_in(["diterima", "karantina", "ganda"])
        & pl.col("kode_sub_kegiatan").is_not_null()
    )
    lines = realisasi.select(LINE).unique()
    unread = data.filter(pl.col("jenis_belanja").is_null()).drop("jenis_belanja")
    rows = pl.concat(
        [data.filter(pl.col("jenis_belanja").is_not_null()), unread.join(lines, on=LINE[0])],
        how="diagonal_relaxed",
    )
    status = realisasi.select("triwulan", *LINE, "kelengkapan")
    return rows.join(status, on=["triwulan", *LINE], how="inner")


def _spending_sources(keuangan: pl.DataFrame, realisasi: pl.DataFrame) -> pl.DataFrame:
    """Staged keuangan rows + realisasi_anggaran -> every source row of a line from the quarter
    it first counts in (`_dari`): its own rows, and for a quarter taken from the stated
    cumulative (dari_kumulatif) the next quarter's accepted rows that state it.
    """
    placed = _placed(keuangan, realisasi)
    replaced = (pl.col("status") == "diterima") & (pl.col("kelengkapan") == "dari_kumulatif")
    own = placed.with_columns(
        peran=pl.when(replaced).then(pl.lit("tidak_dipakai")).otherwise(_status_role()),
        _dari=pl.col("triwulan"),
        nilai=pl.col("realisasi_triwulan"),
    )
    derived = realisasi.filter(pl.col("kelengkapan") == "dari_kumulatif").select(
        pl.col("triwulan").alias("_dari"), *LINE
    )
    stating = (
        placed.filter(pl.col("status") == "diterima")
        .with_columns(_dari=(pl.col("triwulan") - 1).cast(pl.Int8))
        .join(derived, on=["_dari", *LINE], how="semi")
        .with_columns(peran=pl.lit("kumulatif"), nilai=pl.col("realisasi_kumulatif"))
    )
    return pl.concat([own, stating], how="diagonal_relaxed").select(
        "_dari",
        pl.col("kode_sub_kegiatan").alias("kode"),
        "jenis_belanja",
        "peran",
        pl.col("triwulan").alias("triwulan_sumber"),
        *ROW,
        "kode_rekening",
        "nilai",
        "status",
        "aturan_tahan",
    )


def _each_quarter_from(sources: pl.DataFrame, triwulan: int) -> pl.DataFrame:
    """Sources with the quarter they first count in -> one copy per figure quarter up to
    `triwulan` (a cumulative figure is made of every earlier quarter's rows).
    """
    return (
        sources.with_columns(triwulan=pl.int_ranges("_dari", triwulan + 1, dtype=pl.Int8))
        .explode("triwulan")
        .filter(pl.col("triwulan").is_not_null())
        .drop("_dari")
    )


def _pagu_sources(dpa_rows: pl.DataFrame, realisasi: pl.DataFrame) -> pl.DataFrame:
    """dpa.csv rows (with status) + realisasi_anggaran -> per figure the DPA line in force."""
    versions = realisasi.select("triwulan", *LINE, versi=pl.col("versi_dpa"))
    return dpa_rows.join(versions, on=["versi", *LINE], how="inner").select(
        "triwulan",
        pl.col("kode_sub_kegiatan").alias("kode"),
        "jenis_belanja",
        *ROW,
        peran=pl.lit("pagu"),
        nilai=pl.col("pagu"),
        versi_dpa=pl.col("versi"),
        status="status",
    )


def _achievement_sources(
    kinerja: pl.DataFrame, capaian: pl.DataFrame, indikator: pl.DataFrame
) -> pl.DataFrame:
    """Staged kinerja rows + capaian_kinerja + the year's indikator.csv rows -> per capaian
    the rows that reported it (that quarter's) and the row of its agreed target.
    """
    keys = capaian.select(
        "triwulan",
        "kode",
        pl.col("indikator").alias("_figur"),
        _nama=normalized_words(pl.col("indikator")),
    )
    data = kinerja.filter(
        (pl.col("jenis_baris") == "data")
        & pl.col("status").is_in(["diterima", "karantina", "ganda"])
    ).with_columns(_nama=normalized_words(pl.col("indikator").fill_null("")))
    reported = data.join(keys, on=["triwulan", "kode", "_nama"], how="inner").select(
        "triwulan",
        "kode",
        *ROW,
        indikator="_figur",
        peran=_status_role(),
        triwulan_sumber="triwulan",
        status="status",
        aturan_tahan="aturan_tahan",
    )
    targets = (
        indikator.with_columns(_nama=normalized_words(pl.col("indikator")))
        .join(keys, on=["kode", "_nama"], how="inner")
        .select(
            "triwulan",
            "kode",
            *ROW,
            indikator="_figur",
            peran=pl.lit("target"),
            status=pl.lit("diterima"),
        )
    )
    return pl.concat([reported, targets], how="diagonal_relaxed")


def rows_named(temuan: pl.DataFrame) -> pl.DataFrame:
    """Findings -> one (berkas, lembar, baris, temuan_id, aturan) per row each one names
    (baris..baris_akhir: a figure summed from several rows names all of them).
    """
    last = pl.coalesce("baris_akhir", "baris")
    return (
        temuan.filter(pl.col("baris").is_not_null())
        .select(
            "berkas",
            "lembar",
            "temuan_id",
            "aturan",
            baris=pl.int_ranges("baris", last + 1, dtype=pl.Int32),
        )
        .explode("baris")
    )


def _rules(sources: pl.DataFrame, temuan: pl.DataFrame) -> pl.DataFrame:
    """Sources + findings -> with `aturan`: the rules of the row's findings and of the rules
    that held it back later, comma-separated, each once (null when none).
    """
    per_row = rows_named(temuan).group_by(ROW).agg(_named=pl.col("aturan").unique())
    joined = sources.join(per_row, on=ROW, how="left", nulls_equal=True)
    later = pl.col("aturan_tahan").str.split(",").fill_null(pl.lit([], pl.List(pl.String)))
    codes = pl.concat_list(pl.col("_named").fill_null(pl.lit([], pl.List(pl.String))), later)
    joined_codes = codes.list.unique().list.sort().list.join(",")
    # List work only for the few rows a rule names; every other row's aturan is null.
    named = pl.col("_named").is_not_null() | pl.col("aturan_tahan").is_not_null()
    some = (
        joined.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_i"), "_named", "aturan_tahan")
        .filter(named)
        .select("_i", aturan=pl.when(joined_codes != "").then(joined_codes))
    )
    aturan = pl.repeat(None, joined.height, dtype=pl.String, eager=True).alias("aturan")
    if some.height:
        aturan = aturan.scatter(some.get_column("_i"), some.get_column("aturan"))
    return joined.drop("_named", "aturan_tahan").with_columns(aturan)


def figure_sources(
    rows: pl.DataFrame,
    realisasi: pl.DataFrame,
    capaian: pl.DataFrame,
    dpa_rows: pl.DataFrame,
    indikator: pl.DataFrame,
    temuan: pl.DataFrame,
    *,
    tahun: int,
    triwulan: int,
    run_id: str,
    sha256: dict[str, str] | None = None,
) -> pl.DataFrame:
    """Every staged row with its final status (`tabel` keuangan/kinerja) + the published facts
    + the reference rows (dpa.csv with status, indikator.csv) + findings -> `asal_angka`.

    `sha256` maps berkas (relative to the raw folder) to the file's hex digest; without it
    the column stays null.
    """
    if "aturan_tahan" not in rows.columns:
        rows = rows.with_columns(aturan_tahan=pl.lit(None, pl.String))
    keuangan = rows.filter(pl.col("tabel") == "keuangan")
    kinerja = rows.filter(pl.col("tabel") == "kinerja")
    spending = _each_quarter_from(_spending_sources(keuangan, realisasi), triwulan)
    parts = [
        pl.concat(
            [spending, _pagu_sources(dpa_rows, realisasi)], how="diagonal_relaxed"
        ).with_columns(tabel=pl.lit(ANGGARAN)),
        _achievement_sources(
            kinerja, capaian, indikator.filter(pl.col("tahun") == tahun)
        ).with_columns(tabel=pl.lit(KINERJA)),
    ]
    sources = pl.concat(parts, how="diagonal_relaxed")
    if "aturan_tahan" not in sources.columns:
        sources = sources.with_columns(aturan_tahan=pl.lit(None, pl.String))
    digests = pl.DataFrame(
        {"berkas": list((sha256 or {}).keys()), "sha256": list((sha256 or {}).values())},
        schema={"berkas": pl.String, "sha256": pl.String},
    )
    out = (
        _rules(sources, temuan)
        .join(digests, on="berkas", how="left")
        .with_columns(
            run_id=pl.lit(run_id),
            tahun=pl.lit(tahun),
            _urut=pl.col("peran").replace_strict(_ORDER, return_dtype=pl.Int8),
        )
    )
    out = out.with_columns(
        [
            (pl.col(c) if c in out.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in COLUMNS.items()
        ]
    )
    order = ["triwulan", "tabel", "kode", "jenis_belanja", "indikator", "_urut"]
    return out.sort(*order, "triwulan_sumber", *ROW, nulls_last=False).select(list(COLUMNS))


# --- what the report shows ------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportSources:
    """The sources of the report's figures at its quarter, ready to list beside them."""

    rows: pl.DataFrame  # asal_angka rows of the quarter
    kelengkapan: pl.DataFrame  # (kode_sub_kegiatan, jenis_belanja, triwulan, kelengkapan)
    lines: pl.DataFrame  # realisasi_anggaran at the quarter: each line's own figures
    temuan: pl.DataFrame  # (tabel, kode, jenis_belanja, indikator, aturan, tingkat, pesan)


def _figure_findings(rows: pl.DataFrame, temuan: pl.DataFrame, triwulan: int) -> pl.DataFrame:
    """Sources of a quarter's figures + findings -> the findings on each figure: those naming
    one of its rows, and those about its line (sub kegiatan and jenis belanja) up to the quarter.
    """
    key = ["tabel", "kode", "jenis_belanja", "indikator"]
    temuan = temuan.with_columns(
        pl.lit(None, dtype).alias(c) for c, dtype in TEMUAN.items() if c not in temuan.columns
    )
    info = temuan.select("temuan_id", "aturan", "tingkat", "pesan", "triwulan")
    by_row = (
        rows.select(*key, *ROW)
        .join(rows_named(temuan).select(*ROW, "temuan_id"), on=ROW, nulls_equal=True)
        .select(*key, "temuan_id")
    )
    figures = rows.filter(pl.col("tabel") == ANGGARAN).select(key).unique()
    about = temuan.filter(
        pl.col("kode").is_not_null()
        & (pl.col("triwulan").is_null() | (pl.col("triwulan") <= triwulan))
    ).select("kode", pl.col("jenis_belanja").alias("_jenis"), "temuan_id")
    by_line = (
        figures.join(about, on="kode")
        .filter(pl.col("_jenis").is_null() | (pl.col("_jenis") == pl.col("jenis_belanja")))
        .select(*key, "temuan_id")
    )
    return (
        pl.concat([by_row, by_line])
        .unique()
        .join(info, on="temuan_id")
        .sort(*key, "triwulan", "aturan", "temuan_id", nulls_last=False)
        .select(*key, "triwulan", "aturan", "tingkat", "pesan")
    )


def report_sources(
    asal_angka: pl.DataFrame, realisasi: pl.DataFrame, temuan: pl.DataFrame, triwulan: int
) -> ReportSources:
    """asal_angka + realisasi_anggaran + temuan -> the sources the report lists at its quarter."""
    rows = asal_angka.filter(pl.col("triwulan") == triwulan)
    return ReportSources(
        rows=rows,
        kelengkapan=realisasi.filter(pl.col("triwulan") <= triwulan)
        .select(*LINE, "triwulan", "kelengkapan")
        .sort(*LINE, "triwulan"),
        lines=realisasi.filter(pl.col("triwulan") == triwulan).sort(*LINE),
        temuan=_figure_findings(rows, temuan, triwulan),
    )
