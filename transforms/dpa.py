"""The DPA: its lines per version, the version in force at each quarter's end, R007, R008.

The DPA reference holds sub kegiatan lines (a pagu per jenis belanja) of two versions,
murni and perubahan, each with its date of effect; it may also hold program and
kegiatan roll-up rows, which are never data and must equal their lines (R007).
"""

from __future__ import annotations

import calendar
import datetime as dt

import polars as pl

from schemas.codes import normalized_words, parts
from schemas.rules import CEK, SARAN
from schemas.types import LINE, MONEY, ROW
from transforms.findings import draft, empty_draft, fill, finding_ref, rupiah

LINE_KEY = ["tahun", "versi", *LINE]


def quarter_end(tahun: int, triwulan: int) -> dt.date:
    """(2023, 4) -> 2023-12-31."""
    month = 3 * triwulan
    return dt.date(tahun, month, calendar.monthrange(tahun, month)[1])


def versions_in_force(lines: pl.DataFrame, tahun: int, triwulan: int) -> pl.DataFrame:
    """DPA lines -> (triwulan, versi, tanggal_berlaku) of the version in force at quarter end.

    The version in force is the one with the latest date of effect on or before the end
    of the quarter; a quarter before any date of effect has none (and no row).
    """
    versions = lines.filter(pl.col("tahun") == tahun).select("versi", "tanggal_berlaku").unique()
    quarters = pl.DataFrame(
        {
            "triwulan": list(range(1, triwulan + 1)),
            "akhir": [quarter_end(tahun, q) for q in range(1, triwulan + 1)],
        },
        schema={"triwulan": pl.Int8, "akhir": pl.Date},
    )
    return (
        quarters.join(versions, how="cross")
        .filter(pl.col("tanggal_berlaku") <= pl.col("akhir"))
        .sort("tanggal_berlaku")
        .group_by("triwulan", maintain_order=True)
        .last()
        .select("triwulan", "versi", "tanggal_berlaku")
        .sort("triwulan")
    )


def _prefix(code: pl.Expr, n: int) -> pl.Expr:
    """Dotted code -> its first n parts."""
    return code.str.split(".").list.head(n).list.join(".")


def _owner(bidang: pl.DataFrame) -> pl.DataFrame:
    """bidang.csv rows -> (kode_program, kode_bidang) with one owner per program."""
    return bidang.select("kode_program", "kode_bidang").unique("kode_program", keep="first")


def check_dpa_rollups(dpa: pl.DataFrame, suspect: pl.DataFrame | None = None) -> pl.DataFrame:
    """DPA rows (lines and roll-ups) -> R007 drafts: roll-ups unequal to the sum of their lines.

    A roll-up over a `suspect` line (berkas, baris: listed twice, or under the wrong
    parent) stands down: that line's R008 is the mistake, and the roll-up may be right.
    """
    is_line = parts(pl.col("kode_sub_kegiatan")) == 6
    lines = dpa.filter(is_line)
    rollups = dpa.filter(~is_line)
    if suspect is not None and suspect.height:
        touched = _rollups_touched(dpa, suspect).rename({"kode": "kode_sub_kegiatan"})
        rollups = rollups.join(touched, on=["versi", "kode_sub_kegiatan"], how="anti")
    if rollups.height == 0:
        return empty_draft()
    paired = rollups.select(
        "tahun",
        "versi",
        "berkas",
        "baris",
        "pagu",
        pl.col("kode_sub_kegiatan").alias("kode"),
        pl.col("jenis_belanja").alias("jenis_rollup"),
    ).join(
        lines.select(
            "tahun",
            "versi",
            "kode_sub_kegiatan",
            "jenis_belanja",
            pl.col("pagu").alias("pagu_baris"),
        ),
        on=["tahun", "versi"],
        how="left",
    )
    covered = pl.col("kode_sub_kegiatan").str.starts_with(pl.col("kode") + ".") & (
        pl.col("jenis_rollup").is_null() | (pl.col("jenis_belanja") == pl.col("jenis_rollup"))
    )
    sums = paired.group_by("tahun", "versi", "berkas", "baris", "kode", "jenis_rollup", "pagu").agg(
        pl.col("pagu_baris").filter(covered).sum().fill_null(0).cast(MONEY).alias("harapan")
    )
    bad = sums.filter(pl.col("pagu") != pl.col("harapan"))
    return draft(
        bad.with_columns(
            aturan=pl.lit("R007"),
            jenis_belanja=pl.col("jenis_rollup"),
            kolom=pl.lit("pagu"),
            nilai=rupiah(pl.col("pagu")),
            nilai_diharapkan=rupiah(pl.col("harapan")),
            selisih=(pl.col("pagu") - pl.col("harapan")).cast(MONEY),
            keterangan=pl.col("versi"),
        )
    )


def _with_parent(dpa: pl.DataFrame) -> pl.DataFrame:
    """DPA rows -> in file order, with `n` (parts of the code) and `induk`: the nearest
    roll-up row above each row, within one file and version.
    """
    ordered = dpa.sort("berkas", "baris").with_columns(n=parts(pl.col("kode_sub_kegiatan")))
    parent = (
        pl.when(pl.col("n") < 6)
        .then(pl.col("kode_sub_kegiatan"))
        .shift(1)
        .forward_fill()
        .over("berkas", "versi")
    )
    return ordered.with_columns(induk=parent)


def check_parents(dpa: pl.DataFrame) -> pl.DataFrame:
    """DPA rows in file order -> R008 drafts: a row listed under a roll-up not its prefix."""
    checked = _with_parent(dpa)
    ordered = checked
    # Only a row whose own parent is also listed in the file as a roll-up can be
    # misplaced: a DPA may give roll-ups for some kegiatan and not for others.
    rollups = (
        ordered.filter(pl.col("n") < 6)
        .select("berkas", pl.col("kode_sub_kegiatan").alias("_leluhur"), _ada=pl.lit(True))
        .unique()
    )
    own = checked.with_columns(
        _leluhur=pl.col("kode_sub_kegiatan")
        .str.split(".")
        .list.head(parts(pl.col("induk")))
        .list.join(".")
    ).join(rollups, on=["berkas", "_leluhur"], how="left")
    under_wrong = own.filter(
        pl.col("induk").is_not_null()
        & (parts(pl.col("induk")) < pl.col("n"))
        & (pl.col("_leluhur") != pl.col("induk"))
        & pl.col("_ada").fill_null(False)
    )
    return draft(
        under_wrong.with_columns(
            aturan=pl.lit("R008"),
            kode=pl.col("kode_sub_kegiatan"),
            kolom=pl.lit("kode_sub_kegiatan"),
            nilai=pl.col("kode_sub_kegiatan"),
            keterangan=pl.lit("kode ")
            + pl.col("kode_sub_kegiatan")
            + " tercantum di bawah "
            + pl.col("induk")
            + ", padahal induknya seharusnya kode yang menjadi awalannya",
        )
    )


def check_uraian(dpa: pl.DataFrame, hierarki: pl.DataFrame) -> pl.DataFrame:
    """DPA and hierarki rows -> R008 drafts for one code named with two different uraian."""
    named = pl.concat(
        [
            hierarki.select("kode", "uraian", "berkas", "baris"),
            dpa.filter(pl.col("uraian").is_not_null()).select(
                pl.col("kode_sub_kegiatan").alias("kode"), "uraian", "berkas", "baris"
            ),
        ]
    ).filter(pl.col("uraian").is_not_null())
    with_key = named.with_columns(_u=normalized_words(pl.col("uraian")))
    conflicting = with_key.filter(pl.col("_u").n_unique().over("kode") > 1)
    first = conflicting.sort("berkas", "baris").group_by("kode", maintain_order=True).first()
    others = conflicting.join(
        first.select("kode", pl.col("uraian").alias("uraian_pertama"), pl.col("_u").alias("_u1")),
        on="kode",
    ).filter(pl.col("_u") != pl.col("_u1"))
    return draft(
        others.with_columns(
            aturan=pl.lit("R008"),
            kolom=pl.lit("uraian"),
            nilai=pl.col("uraian"),
            nilai_diharapkan=pl.col("uraian_pertama"),
            keterangan=pl.lit("kode ")
            + pl.col("kode")
            + " bernama '"
            + pl.col("uraian")
            + "', padahal di tempat lain bernama '"
            + pl.col("uraian_pertama")
            + "'",
        )
    )


def _version_dates(dpa: pl.DataFrame) -> pl.DataFrame:
    """DPA rows -> per (tahun, versi) its date: the one most rows carry, ties the earliest."""
    return (
        dpa.group_by("tahun", "versi", "tanggal_berlaku")
        .agg(jumlah_sama=pl.len())
        .sort("jumlah_sama", "tanggal_berlaku", descending=[True, False])
        .group_by("tahun", "versi", maintain_order=True)
        .first()
        .rename({"tanggal_berlaku": "_tanggal_versi"})
    )


def check_dates(dpa: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """DPA rows -> (R008 drafts, the rows dated as their version): a row dated unlike its version.

    One mistyped date would otherwise make a version of its own and switch the pagu in
    force; the row keeps its pagu, the finding is about the document.
    """
    dated = dpa.join(_version_dates(dpa), on=["tahun", "versi"], how="left")
    off = dated.filter(pl.col("tanggal_berlaku") != pl.col("_tanggal_versi"))
    written = (
        pl.col("tanggal_berlaku_teks")
        if "tanggal_berlaku_teks" in dpa.columns
        else pl.col("tanggal_berlaku").cast(pl.String)
    )
    described = pl.concat_str(
        [
            pl.lit("baris DPA "),
            pl.col("kode_sub_kegiatan"),
            pl.when(pl.col("jenis_belanja").is_not_null())
            .then(" belanja " + pl.col("jenis_belanja"))
            .otherwise(pl.lit("")),
        ]
    )
    drafts = draft(
        off.with_columns(
            aturan=pl.lit("R008"),
            kode=pl.col("kode_sub_kegiatan"),
            kolom=pl.lit("tanggal_berlaku"),
            nilai=written,
            nilai_diharapkan=pl.col("_tanggal_versi").cast(pl.String),
            uraian_baris=described,
        ).with_columns(keterangan=fill(CEK["R008:tanggal"][1]), saran=pl.lit(SARAN["R008:tanggal"]))
    )
    fixed = dated.with_columns(tanggal_berlaku=pl.col("_tanggal_versi")).drop(
        "_tanggal_versi", "jumlah_sama"
    )
    return drafts, fixed


def check_duplicates(dpa: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """DPA lines -> (R008 drafts, the lines held back): one line key given more than once."""
    lines = dpa.filter(parts(pl.col("kode_sub_kegiatan")) == 6)
    repeated = lines.filter(pl.len().over(LINE_KEY) > 1)
    drafts = draft(
        repeated.with_columns(
            aturan=pl.lit("R008"),
            kode=pl.col("kode_sub_kegiatan"),
            kolom=pl.lit("kode_sub_kegiatan"),
            nilai=rupiah(pl.col("pagu")),
            keterangan=pl.lit("baris DPA ")
            + pl.col("kode_sub_kegiatan")
            + " belanja "
            + pl.col("jenis_belanja")
            + " versi "
            + pl.col("versi")
            + " tercantum lebih dari sekali; semua barisnya ditahan",
        )
    )
    return drafts, repeated.select("berkas", "baris")


def dpa_table(dpa: pl.DataFrame, hierarki: pl.DataFrame, bidang: pl.DataFrame) -> pl.DataFrame:
    """Clean DPA lines + hierarki + bidang -> the curated `dpa` table (one row per line)."""
    names = hierarki.select("kode", pl.col("uraian").alias("_nama")).unique("kode", keep="first")
    lines = dpa.filter(parts(pl.col("kode_sub_kegiatan")) == 6)
    code = pl.col("kode_sub_kegiatan")
    return (
        lines.with_columns(kode_program=_prefix(code, 3), kode_kegiatan=_prefix(code, 5))
        .join(names, left_on="kode_sub_kegiatan", right_on="kode", how="left")
        .join(_owner(bidang), on="kode_program", how="left")
        .select(
            pl.col("tahun").cast(pl.Int32),
            "versi",
            "tanggal_berlaku",
            "kode_program",
            "kode_kegiatan",
            "kode_sub_kegiatan",
            pl.coalesce("uraian", "_nama").alias("uraian"),
            "jenis_belanja",
            pl.col("pagu").cast(MONEY),
            "kode_bidang",
        )
        .sort(LINE_KEY)
    )


def prepare(
    dpa: pl.DataFrame, hierarki: pl.DataFrame, bidang: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Validated DPA, hierarki, bidang rows -> (curated dpa, R007/R008 drafts, DPA rows held)."""
    date_drafts, dpa = check_dates(dpa)
    dup_drafts, held = check_duplicates(dpa)
    misplaced = check_parents(dpa)
    usable = dpa.join(held, on=["berkas", "baris"], how="anti")
    suspect = pl.concat([held, misplaced.select("berkas", "baris")]).unique()
    drafts = pl.concat(
        [
            check_dpa_rollups(dpa, suspect),
            misplaced,
            check_uraian(dpa, hierarki),
            dup_drafts,
            date_drafts,
        ],
        how="vertical_relaxed",
    )
    return dpa_table(usable, hierarki, bidang), one_root_per_code(drafts, misplaced), held


def _rollups_touched(dpa: pl.DataFrame, suspect: pl.DataFrame) -> pl.DataFrame:
    """DPA rows + suspect lines (berkas, baris) -> (versi, kode) of every roll-up whose sum
    such a line takes part in: by its code's prefixes and by where the file lists it.
    """
    lines = _with_parent(dpa).join(suspect, on=["berkas", "baris"], how="semi")
    kode, induk = pl.col("kode_sub_kegiatan"), pl.col("induk")
    codes = [_prefix(kode, 3), _prefix(kode, 5), induk, _prefix(induk, 3)]
    return pl.concat([lines.select("versi", kode=c) for c in codes]).drop_nulls().unique()


def one_root_per_code(drafts: pl.DataFrame, misplaced: pl.DataFrame) -> pl.DataFrame:
    """R008 drafts of the reference files -> the same, each code's later ones pointing at
    its root (`akar_ref`): a line listed under the wrong parent when there is one (its
    code is the mistake; the name and the repeat follow from it), else the first finding.
    """
    place = [pl.col(c) for c in ("aturan", *ROW, "keterangan")]
    ref = finding_ref(*place)
    r008 = pl.col("aturan") == "R008"
    first = (
        drafts.filter(r008 & pl.col("kode").is_not_null())
        .sort("berkas", "baris")
        .unique("kode", keep="first", maintain_order=True)
        .select("kode", _pertama=ref)
    )
    wrong_parent = (
        misplaced.sort("berkas", "baris")
        .unique("kode", keep="first", maintain_order=True)
        .select("kode", _salah_induk=ref)
    )
    root = pl.coalesce("_salah_induk", "_pertama")
    return (
        drafts.join(first, on="kode", how="left")
        .join(wrong_parent, on="kode", how="left")
        .with_columns(
            akar_ref=pl.when(r008 & (ref != root)).then(root).otherwise(pl.col("akar_ref"))
        )
        .drop("_pertama", "_salah_induk")
    )
