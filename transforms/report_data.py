"""The annual report (LKjIP) tables, built from the curated tables of a year (DOMAIN.md).

Pure polars: curated frames in, report tables out, no I/O. Every table carries a
`jenis_baris` column that the writers format by: program, kegiatan, sub_kegiatan,
jenis_belanja (a block of Tabel 3.6) and total for the budget tables; sasaran, iku,
program, kegiatan and sub_kegiatan for the kinerja tables. Money stays Decimal to the
last cell; percentages are rounded half away from zero to two decimals, as printed. The
budget figures of Tabel 3.6, the efficiency analysis and the S-curves are the published
`serapan_anggaran` rows (one computation for the report and the analysts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from schemas.codes import normalized_words
from schemas.types import MONEY, PERCENT
from transforms.achievement import capaian
from transforms.aggregates import JUMLAH as TOTAL
from transforms.aggregates import SEMUA, absorption, level_rows
from transforms.finding_history import open_findings
from transforms.lineage import ReportSources, report_sources

TRIWULAN_AKHIR = 4
JENIS_BELANJA = ("operasi", "modal")
VERSI = ("murni", "perubahan")
LEVELS = (
    ("program", "kode_program"),
    ("kegiatan", "kode_kegiatan"),
    ("sub_kegiatan", "kode_sub_kegiatan"),
)
CODES = [key for _, key in LEVELS]
RENCANA_FISIK = 100
"""Rencana fisik (%) of Tabel 3.6: the plan is full physical completion by the year's end."""
JUMLAH = "JUMLAH"
TANPA_SASARAN = "Program tanpa sasaran strategis terkait"

BACAAN = {
    "hemat": "Kinerja tercapai dengan anggaran lebih hemat",
    "penuh": "Kinerja tercapai dengan anggaran terserap penuh",
    "boros": "Kinerja belum tercapai, padahal serapan anggaran lebih tinggi dari capaiannya",
    "kurang": "Kinerja belum tercapai; serapan anggaran juga di bawah capaiannya",
    "tanpa_capaian": "Capaian kinerja program belum tersedia",
    "tanpa_pagu": "Program tanpa pagu anggaran",
}
"""Reading of a program's capaian beside its absorption (Analisis efisiensi)."""


@dataclass(frozen=True)
class Signature:
    """Who signs the report and where (curated `opd`); None where the data do not say."""

    nama_opd: str | None = None
    pemerintah_daerah: str | None = None
    kota: str | None = None
    kepala: str | None = None
    nip_kepala: str | None = None


@dataclass(frozen=True)
class AnnualReport:
    """Every table of the annual report of one year, and what the data warn about."""

    tahun: int
    triwulan: int
    revision_effective: dt.date | None  # the day the DPA perubahan took effect
    tabel_2_3: pl.DataFrame
    tabel_3_1: pl.DataFrame
    tabel_3_2: pl.DataFrame
    tabel_3_3: pl.DataFrame
    tabel_3_4: pl.DataFrame
    tabel_3_6: pl.DataFrame
    efisiensi: pl.DataFrame
    kurva_s: pl.DataFrame
    temuan_error: pl.DataFrame
    warning_count: int  # open findings of level peringatan
    quarantined_count: int  # rows held back in karantina (identical copies, ganda, not counted)
    incomplete: pl.DataFrame = None  # (triwulan, kode_bidang, kelengkapan, baris)
    sources: ReportSources | None = None  # the sources of Tabel 3.6 and 3.1 figures
    signature: Signature = Signature()

    @property
    def error_count(self) -> int:
        """-> number of findings of level error of the year."""
        return int(self.temuan_error.get_column("jumlah").sum())


# --- shared pieces ---------------------------------------------------------------------------
def at_quarter(frame: pl.DataFrame, triwulan: int = TRIWULAN_AKHIR) -> pl.DataFrame:
    """Curated frame with a triwulan column -> its rows of that quarter."""
    return frame.filter(pl.col("triwulan") == triwulan)


def code_names(kode: pl.DataFrame, dpa: pl.DataFrame | None = None) -> pl.DataFrame:
    """Curated kode (+ dpa for sub kegiatan it lacks) -> one (kode, uraian) per code."""
    names = [kode.select("kode", "uraian")]
    if dpa is not None:
        names.append(dpa.select(pl.col("kode_sub_kegiatan").alias("kode"), "uraian"))
    return pl.concat(names).filter(pl.col("uraian").is_not_null()).unique("kode", keep="first")


def _rollup(lines: pl.DataFrame, values: list[str], levels: tuple[str, ...]) -> pl.DataFrame:
    """Lines with their three codes -> one summed row per code of the given levels, in order."""
    parts = [
        lines.group_by(key)
        .agg(pl.col(values).sum())
        .select(pl.col(key).alias("kode"), pl.lit(level).alias("jenis_baris"), *values)
        for level, key in LEVELS
        if level in levels
    ]
    return pl.concat(parts).sort("kode")


def _sum_row(lines: pl.DataFrame, values: list[str], jenis_baris: str, uraian: str) -> pl.DataFrame:
    """Lines -> one row of their sums (a total or a block header)."""
    return lines.select(
        pl.lit(None, pl.String).alias("kode"),
        pl.lit(jenis_baris).alias("jenis_baris"),
        pl.col(values).sum(),
    ).with_columns(uraian=pl.lit(uraian))


def _named(rows: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """Rows with a kode -> the same rows with the code's uraian (kept where already set)."""
    joined = rows.join(names.rename({"uraian": "_nama"}), on="kode", how="left")
    if "uraian" not in joined.columns:
        return joined.rename({"_nama": "uraian"})
    return joined.with_columns(uraian=pl.coalesce("uraian", "_nama")).drop("_nama")


def _money(columns: list[str]) -> list[pl.Expr]:
    """Column names -> casts back to DECIMAL(18,2) (sums widen the precision)."""
    return [pl.col(c).cast(MONEY) for c in columns]


# --- Tabel 2.3 -------------------------------------------------------------------------------
def pagu_per_versi(dpa: pl.DataFrame) -> pl.DataFrame:
    """Curated dpa -> per sub kegiatan: pagu murni and perubahan by jenis belanja, sums, change."""
    pivot = [
        pl.col("pagu")
        .filter((pl.col("versi") == versi) & (pl.col("jenis_belanja") == jenis))
        .sum()
        .alias(f"{versi}_{jenis}")
        for versi in VERSI
        for jenis in JENIS_BELANJA
    ]
    return (
        dpa.group_by(CODES)
        .agg(pivot)
        .with_columns(
            (pl.col(f"{v}_operasi") + pl.col(f"{v}_modal")).alias(f"{v}_jumlah") for v in VERSI
        )
        .with_columns(selisih=pl.col("perubahan_jumlah") - pl.col("murni_jumlah"))
    )


def tabel_2_3(dpa: pl.DataFrame, kode: pl.DataFrame) -> pl.DataFrame:
    """Curated dpa + kode -> Tabel 2.3: pagu before and after the revision, per code, a total."""
    values = [f"{v}_{j}" for v in VERSI for j in (*JENIS_BELANJA, "jumlah")] + ["selisih"]
    lines = pagu_per_versi(dpa)
    rows = _named(
        _rollup(lines, values, ("program", "kegiatan", "sub_kegiatan")), code_names(kode, dpa)
    )
    total = _sum_row(lines, values, "total", JUMLAH)
    return pl.concat([rows, total], how="diagonal").select(
        "kode", "uraian", *_money(values), "jenis_baris"
    )


# --- Tabel 3.6 and the efficiency analysis: rendered from serapan_anggaran ---------------------
def _budget_row(rows: pl.DataFrame, jenis_baris: str | pl.Expr, uraian: pl.Expr) -> pl.DataFrame:
    """serapan_anggaran rows -> rows of a budget table (pagu, realisasi, sisa and their %)."""
    kind = pl.lit(jenis_baris) if isinstance(jenis_baris, str) else jenis_baris
    return rows.select(
        "kode",
        uraian=uraian,
        pagu="pagu",
        rencana_fisik=pl.lit(RENCANA_FISIK).cast(PERCENT),
        realisasi="realisasi_kumulatif",
        persen_realisasi="persen_realisasi",
        sisa="sisa_anggaran",
        persen_sisa="persen_sisa",
        jenis_belanja="jenis_belanja",
        jenis_baris=kind,
    )


def tabel_3_6(serapan: pl.DataFrame, triwulan: int = TRIWULAN_AKHIR) -> pl.DataFrame:
    """serapan_anggaran -> Tabel 3.6: a block per jenis belanja (its total, then each program
    and its kegiatan), and the JUMLAH of both.
    """
    blocks = []
    for jenis in JENIS_BELANJA:
        body = pl.concat(
            [level_rows(serapan, t, jenis, triwulan) for t in ("program", "kegiatan")]
        ).sort("kode")
        if body.height == 0:
            continue
        header = level_rows(serapan, TOTAL, jenis, triwulan)
        blocks += [
            _budget_row(header, "jenis_belanja", pl.lit(f"BELANJA {jenis.upper()}")),
            _budget_row(body, pl.col("tingkat"), pl.col("uraian")),
        ]
    total = _budget_row(level_rows(serapan, TOTAL, SEMUA, triwulan), "total", pl.lit(JUMLAH))
    rows = pl.concat([*blocks, total.with_columns(jenis_belanja=pl.lit(None, pl.String))])
    is_program = pl.col("jenis_baris") == "program"
    number = pl.when(is_program).then(is_program.cum_sum().over("jenis_belanja"))
    return rows.select(number.cast(pl.Int32).alias("no"), *rows.columns)


def bacaan(capaian_persen: pl.Expr, serapan: pl.Expr) -> pl.Expr:
    """Capaian and absorption (%) -> a short Indonesian reading of the program's efficiency."""
    return (
        pl.when(serapan.is_null())
        .then(pl.lit(BACAAN["tanpa_pagu"]))
        .when(capaian_persen.is_null())
        .then(pl.lit(BACAAN["tanpa_capaian"]))
        .when((capaian_persen >= 100) & (serapan < 100))
        .then(pl.lit(BACAAN["hemat"]))
        .when(capaian_persen >= 100)
        .then(pl.lit(BACAAN["penuh"]))
        .when(serapan > capaian_persen)
        .then(pl.lit(BACAAN["boros"]))
        .otherwise(pl.lit(BACAAN["kurang"]))
    )


def efisiensi(
    serapan: pl.DataFrame, capaian_kinerja: pl.DataFrame, triwulan: int = TRIWULAN_AKHIR
) -> pl.DataFrame:
    """serapan_anggaran + capaian at the quarter -> per program absorption beside capaian."""
    kinerja = kinerja_at(capaian_kinerja, triwulan).filter(pl.col("level") == "program")
    programs = _budget_row(
        level_rows(serapan, "program", SEMUA, triwulan), "program", pl.col("uraian")
    ).join(kinerja.select("kode", "indikator", "capaian_persen", "predikat"), on="kode", how="left")
    total = _budget_row(level_rows(serapan, TOTAL, SEMUA, triwulan), "total", pl.lit(JUMLAH))
    rows = pl.concat([programs, total], how="diagonal")
    is_program = pl.col("jenis_baris") == "program"
    return rows.select(
        no=pl.when(is_program).then(is_program.cum_sum()).cast(pl.Int32),
        kode="kode",
        uraian="uraian",
        pagu="pagu",
        realisasi="realisasi",
        serapan="persen_realisasi",
        indikator="indikator",
        capaian_persen="capaian_persen",
        predikat="predikat",
        bacaan=pl.when(is_program).then(
            bacaan(pl.col("capaian_persen"), pl.col("persen_realisasi"))
        ),
        jenis_baris="jenis_baris",
    )


def kurva_s(serapan: pl.DataFrame) -> pl.DataFrame:
    """serapan_anggaran -> per program and quarter: pagu in force, cumulative realisation, %."""
    return level_rows(serapan, "program", SEMUA).select(
        "kode", "uraian", "triwulan", "pagu", "realisasi_kumulatif", "persen_realisasi"
    )


# --- kinerja tables ------------------------------------------------------------------------------
def kinerja_at(capaian_kinerja: pl.DataFrame, triwulan: int = TRIWULAN_AKHIR) -> pl.DataFrame:
    """Curated capaian_kinerja -> its rows at the quarter."""
    return at_quarter(capaian_kinerja, triwulan)


_INDIKATOR = ["satuan", "target_min", "target_max", "realisasi", "capaian_persen", "predikat"]


def iku(capaian_kinerja: pl.DataFrame, triwulan: int = TRIWULAN_AKHIR) -> pl.DataFrame:
    """Curated capaian_kinerja -> its IKU (level sasaran) rows at the quarter, by kode."""
    return (
        kinerja_at(capaian_kinerja, triwulan)
        .filter(pl.col("level") == "sasaran")
        .sort("kode", "indikator")
    )


def tabel_3_1(capaian_kinerja: pl.DataFrame, triwulan: int = TRIWULAN_AKHIR) -> pl.DataFrame:
    """Curated capaian_kinerja -> Tabel 3.1: target, realisasi and capaian of each IKU."""
    return iku(capaian_kinerja, triwulan).select(
        no=pl.int_range(1, pl.len() + 1, dtype=pl.Int32),
        kode="kode",
        sasaran="sasaran",
        indikator="indikator",
        **{c: c for c in _INDIKATOR},
        jenis_baris=pl.lit("iku"),
    )


def sasaran_program(
    capaian_kinerja: pl.DataFrame, dpa: pl.DataFrame, triwulan: int = TRIWULAN_AKHIR
) -> pl.DataFrame:
    """IKU + dpa -> (kode_program, kode_sasaran): the sasaran each program serves.

    A program serves the sasaran whose IKU its bidang owns; a program of a bidang without
    an IKU of its own serves the sasaran of the program before it in the nomenclature
    (2.17.05 and 2.17.06 follow 2.17.03 under "Meningkatnya Kualitas Koperasi").
    """
    owners = (
        iku(capaian_kinerja, triwulan)
        .select(pl.col("kode").alias("kode_sasaran"), "kode_bidang")
        .filter(pl.col("kode_bidang").is_not_null())
        .unique("kode_bidang", keep="first", maintain_order=True)
    )
    reported = kinerja_at(capaian_kinerja, triwulan).filter(pl.col("level") == "program")
    programs = pl.concat(
        [
            dpa.select("kode_program", "kode_bidang"),
            reported.select(pl.col("kode").alias("kode_program"), "kode_bidang"),
        ]
    ).unique("kode_program", keep="first")
    return (
        programs.sort("kode_program")
        .join(owners, on="kode_bidang", how="left", maintain_order="left")
        .with_columns(pl.col("kode_sasaran").forward_fill())
        .select("kode_program", "kode_sasaran")
    )


def tabel_3_2(
    capaian_kinerja: pl.DataFrame,
    dpa: pl.DataFrame,
    kode: pl.DataFrame,
    triwulan: int = TRIWULAN_AKHIR,
) -> pl.DataFrame:
    """Capaian at the quarter + dpa + kode -> Tabel 3.2: per sasaran its IKU, then its programs.

    Under each program its own indicator, then those of its kegiatan and sub kegiatan.
    """
    rows = kinerja_at(capaian_kinerja, triwulan).filter(
        pl.col("level").is_in(["sasaran", "program", "kegiatan", "sub_kegiatan"])
    )
    links = sasaran_program(capaian_kinerja, dpa, triwulan)
    names = code_names(kode, dpa)
    sasaran_names = (
        rows.filter(pl.col("level") == "sasaran")
        .select(pl.col("kode").alias("_sasaran"), pl.col("sasaran").alias("_nama_sasaran"))
        .unique("_sasaran", keep="first")
    )
    is_sasaran = pl.col("level") == "sasaran"
    ordered = (
        rows.with_columns(kode_program=pl.col("kode").str.extract(r"^(\d+\.\d+\.\d+)", 1))
        .join(links, on="kode_program", how="left")
        .with_columns(
            _sasaran=pl.when(is_sasaran).then(pl.col("kode")).otherwise(pl.col("kode_sasaran")),
            _urut=pl.when(is_sasaran).then(pl.lit("")).otherwise(pl.col("kode")),
        )
        .join(names.rename({"uraian": "_nama"}), on="kode", how="left")
        .join(sasaran_names, on="_sasaran", how="left")
        .sort("_sasaran", "_urut", "indikator", nulls_last=True)
    )
    is_program = pl.col("level") == "program"
    name = pl.coalesce(pl.col("_nama"), pl.col("kode"))
    return ordered.select(
        no=pl.when(is_sasaran).then(is_sasaran.cum_sum()).cast(pl.Int32),
        kode="kode",
        sasaran_program=pl.when(is_sasaran)
        .then(pl.coalesce("_nama_sasaran", "kode"))
        .when(is_program)
        .then(name),
        indikator="indikator",
        kegiatan=pl.when(~is_sasaran & ~is_program).then(name),
        **{c: c for c in _INDIKATOR},
        sasaran=pl.coalesce("_nama_sasaran", pl.lit(TANPA_SASARAN)),
        jenis_baris="level",
    )


def iku_tahun_lalu(target_kinerja: pl.DataFrame, tahun: int) -> pl.DataFrame:
    """Curated target_kinerja -> last year's IKU with its realisation and capaian (recomputed)."""
    rows = target_kinerja.filter(
        (pl.col("sumber") == "perjanjian_kinerja")
        & (pl.col("tahun_target") == tahun - 1)
        & (pl.col("level") == "sasaran")
    )
    return rows.select(
        "kode",
        sasaran_lalu="sasaran",
        indikator_lalu="indikator",
        satuan_lalu="satuan",
        target_lalu_min="target_min",
        target_lalu_max="target_max",
        realisasi_lalu="realisasi_tahunan",
        capaian_lalu=capaian(
            pl.col("realisasi_tahunan"),
            pl.col("target_min"),
            pl.col("target_max"),
            pl.col("polaritas"),
        ),
    )


def tabel_3_3(
    capaian_kinerja: pl.DataFrame,
    target_kinerja: pl.DataFrame,
    tahun: int,
    triwulan: int = TRIWULAN_AKHIR,
) -> pl.DataFrame:
    """IKU at the quarter + last year's IKU (target_kinerja) -> Tabel 3.3, matched by kode."""
    now = iku(capaian_kinerja, triwulan).select("kode", "sasaran", "indikator", *_INDIKATOR)
    before = iku_tahun_lalu(target_kinerja, tahun)
    joined = now.join(before, on="kode", how="full", coalesce=True).sort("kode")
    return joined.select(
        no=pl.int_range(1, pl.len() + 1, dtype=pl.Int32),
        kode="kode",
        sasaran=pl.coalesce("sasaran", "sasaran_lalu"),
        indikator_lalu="indikator_lalu",
        satuan_lalu="satuan_lalu",
        target_lalu_min="target_lalu_min",
        target_lalu_max="target_lalu_max",
        realisasi_lalu="realisasi_lalu",
        capaian_lalu="capaian_lalu",
        indikator="indikator",
        **{c: c for c in _INDIKATOR if c != "predikat"},
        selisih_capaian=(pl.col("capaian_persen") - pl.col("capaian_lalu")).cast(PERCENT),
        jenis_baris=pl.lit("iku"),
    )


def renstra_targets(target_kinerja: pl.DataFrame, tahun: int) -> pl.DataFrame:
    """Curated target_kinerja -> per Renstra indicator: its target for the year and at the end."""
    renstra = target_kinerja.filter(pl.col("sumber") == "renstra").with_columns(
        _nama=normalized_words(pl.col("indikator"))
    )
    key = ["kode", "_nama"]
    this_year = renstra.filter(pl.col("tahun_target") == tahun).select(
        *key,
        renstra_min="target_min",
        renstra_max="target_max",
        polaritas_renstra="polaritas",
    )
    end = (
        renstra.sort("tahun_target")
        .group_by(key)
        .agg(pl.all().last())
        .select(*key, tahun_akhir="tahun_target", akhir_min="target_min", akhir_max="target_max")
    )
    return end.join(this_year, on=key, how="left")


def tabel_3_4(
    capaian_kinerja: pl.DataFrame,
    target_kinerja: pl.DataFrame,
    tahun: int,
    triwulan: int = TRIWULAN_AKHIR,
) -> pl.DataFrame:
    """IKU and program indicators + Renstra targets -> Tabel 3.4: year and end-of-period view.

    Progres is the capaian of this year's realisasi against the end-of-period target (for a
    positif indicator realisasi / target akhir × 100); null where the Renstra has no row.
    """
    rows = (
        kinerja_at(capaian_kinerja, triwulan)
        .filter(pl.col("level").is_in(["sasaran", "program"]))
        .with_columns(
            _nama=normalized_words(pl.col("indikator")),
            _urut=pl.col("level") != "sasaran",
        )
        .sort("_urut", "kode", "indikator")
    )
    joined = rows.join(
        renstra_targets(target_kinerja, tahun),
        on=["kode", "_nama"],
        how="left",
        maintain_order="left",
    )
    polaritas = pl.coalesce("polaritas", "polaritas_renstra")
    return joined.select(
        no=pl.int_range(1, pl.len() + 1, dtype=pl.Int32),
        kode="kode",
        indikator="indikator",
        satuan="satuan",
        target_min="target_min",
        target_max="target_max",
        realisasi="realisasi",
        capaian_persen="capaian_persen",
        renstra_min="renstra_min",
        renstra_max="renstra_max",
        capaian_renstra=capaian(
            pl.col("realisasi"), pl.col("renstra_min"), pl.col("renstra_max"), polaritas
        ),
        tahun_akhir=pl.col("tahun_akhir").cast(pl.Int32),
        akhir_min="akhir_min",
        akhir_max="akhir_max",
        progres=capaian(pl.col("realisasi"), pl.col("akhir_min"), pl.col("akhir_max"), polaritas),
        jenis_baris=pl.when(pl.col("level") == "sasaran").then(pl.lit("iku")).otherwise("level"),
    )


# --- findings and the whole report ------------------------------------------------------------
def temuan_error(temuan: pl.DataFrame) -> pl.DataFrame:
    """Curated temuan -> (aturan, jumlah) of the open findings of level error, by rule."""
    errors = open_findings(temuan).filter(pl.col("tingkat") == "error")
    return (
        errors.group_by("aturan")
        .agg(pl.len().cast(pl.Int64).alias("jumlah"))
        .sort("aturan")
        .select("aturan", "jumlah")
    )


def incomplete(realisasi_anggaran: pl.DataFrame) -> pl.DataFrame:
    """realisasi_anggaran -> (triwulan, kode_bidang, kelengkapan, baris): the DPA lines per
    bidang-quarter whose figure is not the quarter's own accepted rows.
    """
    if "kelengkapan" not in realisasi_anggaran.columns:  # a release from before kelengkapan
        return pl.DataFrame(
            schema={
                "triwulan": pl.Int8,
                "kode_bidang": pl.String,
                "kelengkapan": pl.String,
                "baris": pl.UInt32,
            }
        )
    return (
        realisasi_anggaran.filter(pl.col("kelengkapan") != "lengkap")
        .group_by("triwulan", "kode_bidang", "kelengkapan")
        .agg(baris=pl.len())
        .sort("triwulan", "kode_bidang", "kelengkapan", nulls_last=True)
    )


_ASAL = {
    "dari_kumulatif": "diturunkan dari realisasi s.d. triwulan yang dinyatakan pada triwulan "
    "berikutnya",
    "tidak_ada": "tanpa angka triwulan itu yang dapat dipakai",
}


def incomplete_note(report: AnnualReport) -> str | None:
    """Report -> one sentence naming the bidang-quarters whose figures are not complete."""
    if report.incomplete is None or report.incomplete.height == 0:
        return None
    parts = [
        f"TW{q} {bidang or '(tanpa bidang)'}: {n} baris DPA {_ASAL[state]}"
        for q, bidang, state, n in report.incomplete.iter_rows()
    ]
    return "Angka yang tidak lengkap (kolom kelengkapan): " + "; ".join(parts) + "."


def signatory(opd: pl.DataFrame | None) -> Signature:
    """Curated opd (or nothing) -> who signs the report; the first office when there are several."""
    if opd is None or opd.height == 0:
        return Signature()
    row = opd.sort("kode_opd").row(0, named=True)
    return Signature(**{k: row.get(k) for k in Signature.__dataclass_fields__})


def spending_summary(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Curated frames -> serapan_anggaran as published (the same computation when absent)."""
    if "serapan_anggaran" in tables:
        return tables["serapan_anggaran"]
    return absorption(tables["realisasi_anggaran"], code_names(tables["kode"]))


def build(tables: dict[str, pl.DataFrame], tahun: int) -> AnnualReport:
    """Curated frames of a year (dpa, realisasi_anggaran, ...) -> every table of the report."""
    dpa, kode = tables["dpa"], tables["kode"]
    ra, ck, tk = tables["realisasi_anggaran"], tables["capaian_kinerja"], tables["target_kinerja"]
    temuan, karantina = tables["temuan"], tables["karantina"]
    triwulan = int(ra.get_column("triwulan").max())
    serapan = spending_summary(tables)
    asal_angka = tables.get("asal_angka")
    return AnnualReport(
        tahun=tahun,
        triwulan=triwulan,
        revision_effective=dpa.filter(pl.col("versi") == "perubahan")
        .get_column("tanggal_berlaku")
        .min(),
        tabel_2_3=tabel_2_3(dpa, kode),
        tabel_3_1=tabel_3_1(ck, triwulan),
        tabel_3_2=tabel_3_2(ck, dpa, kode, triwulan),
        tabel_3_3=tabel_3_3(ck, tk, tahun, triwulan),
        tabel_3_4=tabel_3_4(ck, tk, tahun, triwulan),
        tabel_3_6=tabel_3_6(serapan, triwulan),
        efisiensi=efisiensi(serapan, ck, triwulan),
        kurva_s=kurva_s(serapan),
        temuan_error=temuan_error(temuan),
        warning_count=open_findings(temuan).filter(pl.col("tingkat") != "error").height,
        quarantined_count=karantina.filter(pl.col("status") != "ganda").height,
        incomplete=incomplete(ra),
        sources=None if asal_angka is None else report_sources(asal_angka, ra, temuan, triwulan),
        signature=signatory(tables.get("opd")),
    )


def office_overview(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Curated tables of a year of many offices -> one row per office: its name, pagu,
    realisation and absorption of the last quarter, indicators with a capaian and those
    reaching 100 %, and its open errors (not accepted)."""
    serapan, opd = tables["serapan_anggaran"], tables["opd"]
    last = serapan.group_by("kode_opd").agg(pl.col("triwulan").max().alias("triwulan"))
    total = (pl.col("tingkat") == "jumlah") & (pl.col("jenis_belanja") == "semua")
    budget = (
        serapan.filter(total)
        .join(last, on=["kode_opd", "triwulan"])
        .select("kode_opd", "triwulan", "pagu", "realisasi_kumulatif", "persen_realisasi")
    )
    capaian = tables["capaian_kinerja"].join(last, on=["kode_opd", "triwulan"])
    indicators = capaian.group_by("kode_opd").agg(
        indikator=pl.col("capaian_persen").is_not_null().sum().cast(pl.UInt32),
        indikator_tercapai=(pl.col("capaian_persen") >= 100).sum().cast(pl.UInt32),
    )
    temuan = tables["temuan"]
    errors = (
        temuan.filter((pl.col("tingkat") == "error") & ~pl.col("diterima"))
        .group_by("kode_opd")
        .agg(error_terbuka=pl.len().cast(pl.UInt32))
    )
    names = opd.select("kode_opd", "nama_opd", "pemerintah_daerah").unique("kode_opd")
    offices = pl.concat(
        [names.select("kode_opd"), budget.select("kode_opd")], how="vertical_relaxed"
    ).unique()
    return (
        offices.join(names, on="kode_opd", how="left")
        .join(budget, on="kode_opd", how="left")
        .join(indicators, on="kode_opd", how="left")
        .join(errors, on="kode_opd", how="left")
        .with_columns(pl.col("indikator", "indikator_tercapai", "error_terbuka").fill_null(0))
        .sort("kode_opd")
    )
