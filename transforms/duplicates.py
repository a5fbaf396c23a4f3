"""V006: the same key sent twice in one bidang's submission for a quarter.

The key is sub kegiatan + kode rekening, or sub kegiatan + jenis belanja where there is
no kode rekening (kinerja: kode + indicator name). Copies with different figures are
errors and all of them are held back; identical copies (a file sent twice) are a
warning and count once. A sub kegiatan reported both per kode rekening and per jenis
belanja would be counted twice, so it is held back too.
"""

from __future__ import annotations

import polars as pl

from schemas.codes import normalized_words
from schemas.rules import CEK, PERINGATAN
from schemas.types import LINE, MONEY_FIELDS, ROW
from transforms.findings import draft, empty_draft, fill, finding_ref, rupiah

KEUANGAN_VALUES = (*MONEY_FIELDS, "realisasi_fisik")
KINERJA_VALUES = ("satuan", "target_min", "target_max", "realisasi")

# A repeated row's finding names this many of the other copies, then how many more.
SHOWN_OTHERS = 3
# A figure that differs between copies is shown with this many of its values.
SHOWN_VALUES = 2
# A file named like a copy ("X (1).xlsx", "X - Copy.xlsx", "Salinan X.xlsx") loses to
# the original: its rows are the ones marked as copies.
_COPY_NAME = r"(?i)(\(\d+\)\.[a-z]+$|[ _-]copy\b|\bcopy of\b|\bsalinan\b|\bkopi\b)"


def _location() -> pl.Expr:
    """-> "berkas X, lembar 'Y', baris N" of a row."""
    lembar = pl.when(pl.col("lembar").is_not_null()).then(", lembar '" + pl.col("lembar") + "'")
    return pl.concat_str(
        [pl.col("berkas"), lembar.otherwise(pl.lit("")), pl.lit(", baris "), pl.col("baris")]
    )


def _with_others(rows: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """Rows -> the same with `lokasi_lain`: where the other rows of the same key are.

    Linear in rows: each key keeps its first SHOWN_OTHERS + 1 places (file, sheet, row
    order), and each row names up to SHOWN_OTHERS of them that are not itself, then how
    many more there are ("dan 4.996 lainnya"). Pairing every copy with every other one
    took gigabytes for a few thousand copies of one key.
    """
    located = rows.sort(ROW, nulls_last=False).with_columns(
        _lokasi=_location(), _urutan=pl.int_range(pl.len()).over(key)
    )
    first = located.group_by(key).agg(
        _awal=pl.col("_lokasi").head(SHOWN_OTHERS + 1), _jumlah=pl.len()
    )
    awal, own = pl.col("_awal"), pl.col("_urutan")
    shown = pl.concat_list(awal.list.head(own), awal.list.slice(own + 1)).list.head(SHOWN_OTHERS)
    more = pl.col("_jumlah") - 1 - pl.col("_tampil").list.len()
    return (
        located.join(first, on=key, how="left", nulls_equal=True)
        .with_columns(_tampil=shown)
        .with_columns(
            lokasi_lain=pl.col("_tampil").list.join("; ")
            + pl.when(more > 0)
            .then(pl.lit(" dan ") + _grouped(more) + pl.lit(" lainnya"))
            .otherwise(pl.lit(""))
        )
        .drop("_lokasi", "_urutan", "_awal", "_jumlah", "_tampil")
    )


# The figures a V006 "berbeda" message shows: label, the columns whose difference counts,
# and how the steward's figure is written (money as Rupiah text, the rest as sent).
_FIGURES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("anggaran", ("anggaran",), "anggaran"),
    ("realisasi triwulan", ("realisasi_triwulan",), "realisasi_triwulan"),
    ("realisasi kumulatif", ("realisasi_kumulatif",), "realisasi_kumulatif"),
    ("realisasi fisik", ("realisasi_fisik",), "realisasi_fisik_teks"),
    ("satuan", ("satuan",), "satuan_teks"),
    ("target", ("target_min", "target_max"), "target_teks"),
    ("realisasi", ("realisasi",), "realisasi_teks"),
)
_MONEY_FIGURES = {"anggaran", "realisasi_triwulan", "realisasi_kumulatif"}


def _figure_text(column: str) -> pl.Expr:
    """A figure column -> its text for a message ("1.000.000"), "kosong" when empty."""
    value = rupiah(pl.col(column)) if column in _MONEY_FIGURES else pl.col(column).cast(pl.String)
    return value.fill_null(pl.lit("kosong"))


def _with_differences(rows: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """Repeated rows -> the same with `angka_berbeda`: each figure that differs between the
    copies, with its first SHOWN_VALUES values (in file, sheet, row order) and where each is.

    "realisasi triwulan 1.000.000 di baris 11, 2.000.000 di baris 12": the place is the row
    alone when every copy is in one sheet, else the file's name (the copies of one
    submission share its folder), its sheet and row. Linear in rows; a figure with more
    values ends with how many more there are, so a message stays short.
    """
    figures = [f for f in _FIGURES if all(c in rows.columns for c in f[1]) and f[2] in rows.columns]
    if not figures:
        return rows.with_columns(angka_berbeda=pl.lit(None, pl.String))
    located = rows.sort(ROW, nulls_last=False).with_columns(_tempat=_short_place(key))
    parts = []
    for i, (label, columns, shown) in enumerate(figures):
        text = _figure_text(shown)
        differs = pl.any_horizontal([pl.col(c).n_unique() > 1 for c in columns])
        listed = (text + " di " + pl.col("_tempat")).filter(text.is_first_distinct())
        more = text.n_unique() - SHOWN_VALUES
        tail = (
            pl.when(more > 0).then(" dan " + _grouped(more) + " nilai lain").otherwise(pl.lit(""))
        )
        parts.append(
            pl.when(differs)
            .then(pl.lit(f"{label} ") + listed.head(SHOWN_VALUES).str.join(", ") + tail)
            .alias(f"_beda{i}")
        )
    texts = located.group_by(key).agg(parts)
    joined = pl.concat_list([f"_beda{i}" for i in range(len(figures))]).list.drop_nulls()
    texts = texts.select(*key, angka_berbeda=joined.list.join("; "))
    return located.join(texts, on=key, how="left", nulls_equal=True).drop("_tempat")


def _short_place(key: list[str]) -> pl.Expr:
    """-> "baris 12" when every copy of the key is in one sheet, else "x.csv baris 12" or
    "x.xlsx 'Lembar' baris 12" (the file's name without its folder)."""
    row = "baris " + pl.col("baris").cast(pl.String)
    name = pl.col("berkas").str.extract(r"([^/]+)$", 1)
    sheet = pl.when(pl.col("lembar").is_not_null()).then(" '" + pl.col("lembar") + "'")
    full = name + sheet.otherwise(pl.lit("")) + " " + row
    one_place = pl.struct("berkas", "lembar").n_unique().over(key) == 1
    return pl.when(one_place).then(row).otherwise(full)


def _grouped(count: pl.Expr) -> pl.Expr:
    """Integer expression -> its text with Indonesian thousands dots (4996 -> "4.996")."""
    text = count.cast(pl.String)
    return text.str.reverse().str.replace_all(r"(\d{3})", "$1.").str.reverse().str.strip_prefix(".")


def _classify(rows: pl.DataFrame, key: list[str], values: tuple[str, ...]) -> pl.DataFrame:
    """Rows of a submission -> the rows whose key repeats, with `cek` V006:berbeda or V006:sama.

    Which identical copy is kept is decided in `_outcome`.
    """
    count = pl.len().over(key)
    variants = pl.struct(list(values)).n_unique().over(key)
    repeated = rows.filter(count > 1)
    if repeated.height == 0:  # the usual case: nothing repeats, nothing to describe
        return repeated.with_columns(cek=pl.lit(None, pl.String))
    repeated = _with_others(repeated, key)
    return _with_differences(repeated, key).with_columns(
        cek=pl.when(variants > 1).then(pl.lit("V006:berbeda")).otherwise(pl.lit("V006:sama")),
    )


def check_keuangan(data: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Clean keuangan data rows of one submission -> (V006 drafts, rows held back with status)."""
    keyed = data.with_columns(
        kunci_rekening=pl.col("kode_rekening"),
        kunci=pl.concat_str(
            [
                pl.lit("sub kegiatan "),
                pl.col("kode_sub_kegiatan"),
                pl.when(pl.col("kode_rekening").is_not_null())
                .then(" kode rekening " + pl.col("kode_rekening"))
                .otherwise(" belanja " + pl.col("jenis_belanja")),
            ]
        ),
    )
    by_rekening = keyed.filter(pl.col("kode_rekening").is_not_null())
    by_jenis = keyed.filter(pl.col("kode_rekening").is_null())
    repeats = [
        _classify(by_rekening, ["kode_sub_kegiatan", "kode_rekening"], KEUANGAN_VALUES),
        _classify(by_jenis, list(LINE), KEUANGAN_VALUES),
        _mixed(keyed),
    ]
    return _outcome(pl.concat(repeats, how="diagonal_relaxed"))


def _mixed(keyed: pl.DataFrame) -> pl.DataFrame:
    """Rows -> those of a sub kegiatan + jenis sent both per kode rekening and per jenis belanja."""
    key = list(LINE)
    styles = pl.col("kode_rekening").is_null().n_unique().over(key)
    mixed = keyed.filter(styles > 1).with_columns(
        kunci="sub kegiatan " + pl.col("kode_sub_kegiatan") + " belanja " + pl.col("jenis_belanja"),
        cek=pl.lit("V006:campur"),
    )
    return _with_others(mixed, key) if mixed.height else mixed


def check_kinerja(data: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Clean kinerja data rows of one submission -> (V006 drafts, rows held back with status)."""
    keyed = data.with_columns(
        indikator_kunci=normalized_words(pl.col("indikator").fill_null("")),
        kunci="indikator " + pl.col("kode") + " '" + pl.col("indikator").fill_null("") + "'",
    )
    return _outcome(_classify(keyed, ["kode", "indikator_kunci"], KINERJA_VALUES))


def _outcome(repeats: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Repeated rows with their `cek` -> (drafts, held-back rows with status).

    A row may repeat under two checks (identical copies of a mixed key): the error wins.
    Of identical copies the first (by file, sheet, row; files named like copies last) is
    kept and gets no finding.
    """
    if repeats.height == 0:
        return empty_draft(), pl.DataFrame(
            schema={
                "berkas": pl.String,
                "lembar": pl.String,
                "baris": pl.Int32,
                "status": pl.String,
            }
        )
    ranked = repeats.with_columns(
        _kuat=(pl.col("cek") != "V006:sama").cast(pl.Int8),
        _salinan=pl.col("berkas").str.contains(_COPY_NAME),
    ).sort(
        ["_salinan", *ROW, "_kuat"],
        descending=[False, False, False, False, True],
        nulls_last=False,
    )
    one_per_row = ranked.unique(subset=ROW, keep="first", maintain_order=True)
    keep_first = pl.int_range(pl.len()).over(["cek", "kunci"]) == 0
    one_per_row = one_per_row.filter(~((pl.col("cek") == "V006:sama") & keep_first))
    # Copies with different figures are one mistake: the first copy's finding is the root
    # the others point at (`akar_ref`).
    group = ["cek", "kunci"]
    one_per_row = one_per_row.with_columns(
        akar_ref=pl.when((pl.col("cek") != "V006:sama") & ~keep_first).then(
            finding_ref(
                pl.lit("V006"),
                pl.col("berkas").first().over(group),
                pl.col("lembar").first().over(group),
                pl.col("baris").first().over(group),
            )
        )
    )
    drafts = [
        draft(
            part.with_columns(
                aturan=pl.lit("V006"),
                tingkat=pl.lit(PERINGATAN) if cek == "V006:sama" else pl.lit(None, pl.String),
                kode=pl.coalesce([c for c in ("kode_sub_kegiatan", "kode") if c in part.columns]),
                keterangan=fill(CEK[cek][1]),
            )
        )
        for (cek,), part in one_per_row.group_by(["cek"], maintain_order=True)
    ]
    held = one_per_row.select(
        *ROW,
        status=pl.when(pl.col("cek") == "V006:sama")
        .then(pl.lit("ganda"))
        .otherwise(pl.lit("karantina")),
    )
    return pl.concat(drafts), held
