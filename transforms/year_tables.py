"""A year's consolidation up to a quarter, from ingested submissions to the curated tables.

Pure: the flow hands in what it read (reference tables, each bidang's ingested
submission, findings about misplaced files) and gets back every curated table and the
row accounting of every file. Nothing here touches the disk.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from schemas.curated import MODELS, Karantina, Opd, TargetKinerja, columns, polars_schema
from schemas.types import MEASURE, ROW
from transforms import dpa as dpa_stage
from transforms import finding_history
from transforms.achievement import capaian_table
from transforms.aggregates import absorption
from transforms.findings import (
    TEMUAN,
    TEMUAN_ORDER,
    draft,
    empty_draft,
    finalize,
    finding_ref,
    place_columns,
)
from transforms.ingest import Submission, empty_submission
from transforms.lineage import figure_sources
from transforms.reconcile import check_rows, reconcile
from transforms.reference_files import Reference

KARANTINA = polars_schema(Karantina, office=False)
OPD = polars_schema(Opd)


@dataclass(frozen=True)
class YearTables:
    """Everything a run publishes, plus the accounting of rows per file."""

    dpa: pl.DataFrame
    realisasi_anggaran: pl.DataFrame
    capaian_kinerja: pl.DataFrame
    temuan: pl.DataFrame
    karantina: pl.DataFrame
    kode: pl.DataFrame
    target_kinerja: pl.DataFrame
    hitungan: pl.DataFrame
    serapan_anggaran: pl.DataFrame
    asal_angka: pl.DataFrame
    opd: pl.DataFrame
    temuan_selesai: pl.DataFrame | None = None

    def tables(self) -> dict[str, pl.DataFrame]:
        """-> the curated tables by name."""
        return {
            "dpa": self.dpa,
            "realisasi_anggaran": self.realisasi_anggaran,
            "capaian_kinerja": self.capaian_kinerja,
            "temuan": self.temuan,
            "temuan_selesai": self.temuan_selesai
            if self.temuan_selesai is not None
            else self.temuan.clear(),
            "karantina": self.karantina,
            "kode": self.kode,
            "target_kinerja": self.target_kinerja,
            "serapan_anggaran": self.serapan_anggaran,
            "asal_angka": self.asal_angka,
            "opd": self.opd,
        }

    @staticmethod
    def combine(parts: list[YearTables]) -> YearTables:
        """Each office's tables -> one set holding every office's rows (told by kode_opd)."""
        if len(parts) == 1:
            return parts[0]
        tables = {
            name: pl.concat([p.tables()[name] for p in parts], how="vertical_relaxed")
            for name in parts[0].tables()
        }
        # raw/referensi/opd.csv is counted by every office, one row each: sum them up.
        counted = (
            pl.concat([p.hitungan for p in parts], how="vertical_relaxed")
            .group_by("berkas", "status")
            .agg(pl.col("baris").sum())
            .sort("berkas", "status")
        )
        return YearTables(**tables, hitungan=counted)


def kode_table(hierarki: pl.DataFrame, tahun: int) -> pl.DataFrame:
    """hierarki.csv rows -> the curated `kode` table (first uraian of a code wins; R008 tells)."""
    return (
        hierarki.sort("berkas", "baris")
        .unique("kode", keep="first", maintain_order=True)
        .select(pl.lit(tahun, pl.Int32).alias("tahun"), "kode", "level", "uraian")
        .sort("kode")
    )


# The columns of target_kinerja that come from the reference rows; the table adds the
# year, the source and the year of the target.
_TARGET_COLUMNS = [
    c for c in columns(TargetKinerja, office=False) if c not in ("tahun", "sumber", "tahun_target")
]


def target_table(indikator: pl.DataFrame, renstra: pl.DataFrame | None, tahun: int) -> pl.DataFrame:
    """indikator.csv (+ renstra_target.csv) rows -> the curated `target_kinerja` table."""
    agreed = indikator.select(
        pl.lit("perjanjian_kinerja").alias("sumber"),
        pl.col("tahun").alias("tahun_target"),
        *_TARGET_COLUMNS,
    )
    frames = [agreed]
    if renstra is not None and renstra.height:
        levels = indikator.select("kode", "level").unique("kode", keep="first")
        medium = (
            renstra.join(levels, on="kode", how="left")
            .with_columns(
                level=pl.coalesce(
                    "level",
                    pl.when(pl.col("kode").str.starts_with("T")).then(pl.lit("tujuan_daerah")),
                    pl.when(pl.col("kode").str.starts_with("S")).then(pl.lit("sasaran")),
                    pl.lit("lainnya"),
                ),
                kode_bidang=pl.lit(None, pl.String),
                realisasi_tahunan=pl.lit(None, MEASURE),
            )
            .select(
                pl.lit("renstra").alias("sumber"),
                pl.col("tahun").alias("tahun_target"),
                *_TARGET_COLUMNS,
            )
        )
        frames.append(medium)
    out = pl.concat(frames, how="vertical_relaxed").with_columns(
        tahun=pl.lit(tahun, pl.Int32), tahun_target=pl.col("tahun_target").cast(pl.Int32)
    )
    return out.select(columns(TargetKinerja, office=False)).sort(
        "sumber", "tahun_target", "kode", "indikator"
    )


def missing_submissions(
    bidang: pl.DataFrame, sent: set[tuple[int, str]], tahun: int, triwulan: int
) -> pl.DataFrame:
    """bidang.csv + (triwulan, kode_bidang) pairs with at least one file -> R006 drafts."""
    owners = sorted(set(bidang.get_column("kode_bidang").to_list()))
    missing = [
        {"aturan": "R006", "tahun": tahun, "triwulan": q, "kode_bidang": kode}
        for q in range(1, triwulan + 1)
        for kode in owners
        if (q, kode) not in sent
    ]
    return draft(pl.DataFrame(missing)) if missing else empty_draft()


def _held_rows(staged: pl.DataFrame, tabel: str, extra: pl.DataFrame) -> pl.DataFrame:
    """Staged rows + rows held back later (R rules) -> every row with its final status.

    `aturan_tahan` keeps the rules that held a row back later: a finding on a figure
    summed from several rows names the first of them, and every one keeps its rule.
    """
    marked = staged.join(
        extra.group_by(ROW).agg(pl.col("aturan").unique().sort().alias("_r")),
        on=ROW,
        how="left",
        nulls_equal=True,
    )
    later = pl.col("_r").is_not_null() & (pl.col("status") == "diterima")
    return marked.with_columns(
        status=pl.when(later).then(pl.lit("karantina")).otherwise(pl.col("status")),
        aturan_tahan=pl.when(later).then(pl.col("_r").list.join(",")),
        tabel=pl.lit(tabel),
    ).drop("_r")


def reference_rows(nama: str, ref: Reference, held: pl.DataFrame | None = None) -> pl.DataFrame:
    """A validated reference file -> its rows, status diterima or karantina (for the accounting).

    `held` (berkas, baris) are rows the reconciliation held back later (a DPA line listed
    twice): they are karantina too.
    """
    columns = [*ROW, "isi"]
    rows = pl.concat(
        [
            frame.select(columns).with_columns(status=pl.lit(status), tabel=pl.lit(nama))
            for frame, status in ((ref.rows, "diterima"), (ref.karantina, "karantina"))
            if frame.width
        ],
        how="vertical_relaxed",
    )
    if held is None or held.height == 0:
        return rows
    flagged = held.select("berkas", "baris").unique().with_columns(_tahan=pl.lit(True))
    return (
        rows.join(flagged, on=["berkas", "baris"], how="left")
        .with_columns(
            status=pl.when(pl.col("_tahan").fill_null(False))
            .then(pl.lit("karantina"))
            .otherwise(pl.col("status"))
        )
        .drop("_tahan")
    )


def _rules_per_row(temuan: pl.DataFrame) -> pl.DataFrame:
    """Findings -> per row (file, sheet, row number) the codes of its findings."""
    return (
        temuan.filter(pl.col("baris").is_not_null())
        .group_by(ROW)
        .agg(pl.col("aturan").unique().sort().str.join(",").alias("aturan"))
    )


def _karantina(rows: pl.DataFrame, temuan: pl.DataFrame, run_id: str) -> pl.DataFrame:
    """All staged rows with final status -> the rows kept out of the facts, as sent."""
    held = rows.filter(pl.col("status").is_in(["karantina", "ganda", "tak_dikenal"]))
    if "aturan_tahan" not in held.columns:
        held = held.with_columns(aturan_tahan=pl.lit(None, pl.String))
    out = held.join(_rules_per_row(temuan), on=ROW, how="left", nulls_equal=True).with_columns(
        aturan=pl.when(pl.col("status") == "tak_dikenal")
        .then(pl.coalesce("aturan", pl.lit("V001")))
        .otherwise(_union(pl.col("aturan"), pl.col("aturan_tahan")))
    )
    out = out.with_columns(run_id=pl.lit(run_id))
    return out.select([pl.col(c).cast(t) for c, t in KARANTINA.items()]).sort(
        "triwulan", "kode_bidang", *ROW, nulls_last=False
    )


def _union(first: pl.Expr, second: pl.Expr) -> pl.Expr:
    """Two comma-separated lists of rule codes -> one, sorted, each code once (null if none)."""
    codes = pl.concat_str([first, second], separator=",", ignore_nulls=True).str.split(",")
    joined = codes.list.unique().list.sort().list.join(",")
    return pl.when(joined != "").then(joined)


def _roots_of_missing_lines(drafts: pl.DataFrame, dpa_held: pl.DataFrame) -> pl.DataFrame:
    """R001 drafts + DPA lines held back (listed twice) -> the R001 drafts whose sub kegiatan
    lost its DPA line that way, pointing at that line's R008 finding (`akar_ref`).
    """
    first_held = (
        dpa_held.sort("berkas", "baris")
        .unique("kode_sub_kegiatan", keep="first")
        .select(
            kode="kode_sub_kegiatan",
            _akar=finding_ref(pl.lit("R008"), pl.col("berkas"), pl.col("lembar"), pl.col("baris")),
        )
    )
    return (
        drafts.join(first_held, on="kode", how="left")
        .with_columns(
            akar_ref=pl.when(pl.col("aturan") == "R001")
            .then(pl.coalesce("akar_ref", "_akar"))
            .otherwise(pl.col("akar_ref"))
        )
        .drop("_akar")
    )


def counts(rows: pl.DataFrame) -> pl.DataFrame:
    """Rows with final status -> per file: rows read and rows per status (the conservation)."""
    return rows.group_by("berkas", "status").agg(baris=pl.len()).sort("berkas", "status")


def opd_table(opd: Reference | None, tahun: int, kode_opd: str | None = None) -> pl.DataFrame:
    """opd.csv rows, when the run has them -> the curated `opd` table (else empty); with
    `kode_opd`, that office's row only."""
    if opd is None or opd.rows.height == 0:
        return pl.DataFrame(schema=OPD)
    rows = opd.rows.with_columns(tahun=pl.lit(tahun, pl.Int32))
    if kode_opd is not None:
        rows = rows.filter(pl.col("kode_opd") == kode_opd)
    return rows.select(
        [
            (pl.col(c) if c in rows.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in OPD.items()
        ]
    ).sort("kode_opd")


def for_office(tables: dict[str, pl.DataFrame], kode_opd: str | None) -> dict[str, pl.DataFrame]:
    """Curated tables of one office -> each with its `kode_opd` (kept where a table already
    names its office: temuan, opd), columns in the model's order."""
    office = pl.lit(kode_opd, pl.String)
    out = {}
    for name, frame in tables.items():
        if "kode_opd" not in frame.columns:
            frame = frame.with_columns(kode_opd=office)
        out[name] = frame.select(columns(MODELS[name]))
    return out


def spending_names(kode: pl.DataFrame, bidang: pl.DataFrame) -> pl.DataFrame:
    """Curated kode + bidang.csv -> (kode, uraian) of every program, kegiatan and bidang."""
    bidang_names = bidang.select(pl.col("kode_bidang").alias("kode"), pl.col("nama_bidang"))
    return pl.concat(
        [
            kode.select("kode", "uraian"),
            bidang_names.unique("kode", keep="first").rename({"nama_bidang": "uraian"}),
        ]
    )


def _dpa_with_status(dpa_rows: pl.DataFrame, dpa_held: pl.DataFrame) -> pl.DataFrame:
    """The year's dpa.csv rows + rows held back (a line listed twice) -> with their status."""
    held = dpa_held.select("berkas", "baris").unique().with_columns(_tahan=pl.lit(True))
    return (
        dpa_rows.join(held, on=["berkas", "baris"], how="left")
        .with_columns(
            status=pl.when(pl.col("_tahan")).then(pl.lit("karantina")).otherwise(pl.lit("diterima"))
        )
        .drop("_tahan")
    )


def _history(
    temuan: pl.DataFrame,
    referensi: dict[str, Reference],
    tahun: int,
    run_id: str,
    sebelumnya: tuple[pl.DataFrame | None, pl.DataFrame | None],
    ulangan: bool,
    kode_opd: str | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Final findings -> (with acceptance, its findings and status; the resolved findings)."""
    ref = referensi.get("penerimaan")
    penerimaan = ref.rows if ref is not None and ref.rows.width else None
    extra = finding_history.acceptance_findings(temuan, penerimaan, tahun)
    if extra.height:
        extra = extra.with_columns(kode_opd=pl.lit(kode_opd, pl.String))
        temuan = pl.concat([temuan, finalize(extra, run_id)]).sort(TEMUAN_ORDER, nulls_last=False)
    temuan = finding_history.accepted(temuan, penerimaan).select(list(TEMUAN))
    temuan, selesai = finding_history.with_status(
        temuan, sebelumnya[0], run_id=run_id, selesai_sebelumnya=sebelumnya[1], ulangan=ulangan
    )
    return temuan.select(list(TEMUAN)), finding_history.conform(selesai)


def consolidate(
    referensi: dict[str, Reference],
    kiriman: list[Submission],
    *,
    tahun: int,
    triwulan: int,
    run_id: str,
    sent: set[tuple[int, str]],
    other_drafts: pl.DataFrame | None = None,
    sha256: dict[str, str] | None = None,
    temuan_sebelumnya: pl.DataFrame | None = None,
    selesai_sebelumnya: pl.DataFrame | None = None,
    ulangan: bool = False,
    kode_opd: str | None = None,
) -> YearTables:
    """Validated references + ingested submissions -> every curated table of the year.

    `sent` names the (triwulan, kode_bidang) that sent at least one file (R006); `sha256`
    maps each input file (berkas, relative to raw) to its digest, for `asal_angka`.
    `temuan_sebelumnya` (and `selesai_sebelumnya`) are the `temuan` (and `temuan_selesai`)
    of the year's current release, None before the first: each finding's status is taken
    against them (`ulangan`: that release was made from the same inputs; keep its
    statuses). The optional reference `penerimaan` marks accepted peringatan. `kode_opd`
    names the office (a raw folder of many offices consolidates each one alone).
    """
    bidang = referensi["bidang"].rows
    dpa_rows = referensi["dpa"].rows.filter(pl.col("tahun") == tahun)
    dpa, dpa_drafts, dpa_held = dpa_stage.prepare(dpa_rows, referensi["hierarki"].rows, bidang)
    in_force = dpa_stage.versions_in_force(dpa, tahun, triwulan)

    kiriman = kiriman or [empty_submission()]
    keuangan = pl.concat([k.keuangan for k in kiriman], how="diagonal_relaxed")
    kinerja = pl.concat([k.kinerja for k in kiriman], how="diagonal_relaxed")
    accepted = keuangan.filter(pl.col("status") == "diterima")
    row_drafts, row_held = check_rows(accepted, dpa, in_force, bidang)
    row_drafts = _roots_of_missing_lines(
        row_drafts, dpa_rows.join(dpa_held, on=["berkas", "baris"], how="semi")
    )
    clean = accepted.join(row_held.select(ROW), on=ROW, how="anti", nulls_equal=True)
    realisasi, line_drafts, line_held = reconcile(
        clean,
        dpa,
        in_force,
        tahun,
        triwulan,
        held=pl.concat(
            [
                keuangan.filter(
                    (pl.col("jenis_baris") == "data") & (pl.col("status") == "karantina")
                ),
                accepted.join(row_held.select(ROW), on=ROW, how="semi", nulls_equal=True),
            ],
            how="diagonal_relaxed",
        ),
        terkirim=keuangan.select("triwulan", "kode_bidang"),
    )
    capaian, r009, kinerja_held = capaian_table(
        kinerja.filter(pl.col("status") == "diterima"),
        referensi["indikator"].rows,
        tahun,
        triwulan,
    )

    drafts = [
        *(r.temuan for r in referensi.values()),
        dpa_drafts,
        *(k.temuan for k in kiriman),
        row_drafts,
        line_drafts,
        r009,
        missing_submissions(bidang, sent, tahun, triwulan),
    ]
    if other_drafts is not None:
        drafts.append(other_drafts)
    kolom = pl.concat([k.kolom for k in kiriman])
    all_drafts = place_columns(pl.concat(drafts, how="vertical_relaxed"), kolom)
    all_drafts = all_drafts.with_columns(
        pl.col("tahun").fill_null(tahun), kode_opd=pl.lit(kode_opd, pl.String)
    )
    temuan = finalize(all_drafts, run_id)
    temuan, temuan_selesai = _history(
        temuan,
        referensi,
        tahun,
        run_id,
        (temuan_sebelumnya, selesai_sebelumnya),
        ulangan,
        kode_opd,
    )
    later = pl.concat([row_held, line_held, kinerja_held], how="vertical_relaxed")
    unknown = pl.concat([k.tak_dikenal for k in kiriman], how="vertical_relaxed")
    rows = pl.concat(
        [
            _held_rows(keuangan, "keuangan", later),
            _held_rows(kinerja, "kinerja", later),
            unknown.with_columns(status=pl.lit("tak_dikenal"), tabel=pl.lit("tak_dikenal")),
            *(
                reference_rows(nama, ref, dpa_held if nama == "dpa" else None)
                for nama, ref in referensi.items()
            ),
        ],
        how="diagonal_relaxed",
    ).with_columns(pl.col("tahun").fill_null(tahun))
    renstra = referensi["renstra_target"].rows if "renstra_target" in referensi else None
    kode = kode_table(referensi["hierarki"].rows, tahun)
    tables = YearTables(
        dpa=dpa,
        realisasi_anggaran=realisasi,
        capaian_kinerja=capaian,
        temuan=temuan,
        karantina=_karantina(rows, temuan, run_id),
        kode=kode,
        target_kinerja=target_table(referensi["indikator"].rows, renstra, tahun),
        hitungan=counts(rows),
        serapan_anggaran=absorption(realisasi, spending_names(kode, bidang)),
        asal_angka=figure_sources(
            rows.filter(pl.col("tabel").is_in(["keuangan", "kinerja"])),
            realisasi,
            capaian,
            _dpa_with_status(dpa_rows, dpa_held),
            referensi["indikator"].rows,
            temuan,
            tahun=tahun,
            triwulan=triwulan,
            run_id=run_id,
            sha256=sha256,
        ),
        opd=opd_table(referensi.get("opd"), tahun, kode_opd),
        temuan_selesai=temuan_selesai,
    )
    named = for_office(tables.tables(), kode_opd)
    return YearTables(**named, hitungan=tables.hitungan)
