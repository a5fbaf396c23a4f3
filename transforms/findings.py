"""Findings (temuan): one record per problem, in the contract's columns, with its message.

Every stage returns its findings as a frame of `TEMUAN_DRAFT` columns; `finalize`
fills the level from the rule catalogue, gives each finding an identity that survives a
resubmission of the same file, and writes the steward's message in Bahasa Indonesia.
"""

from __future__ import annotations

import hashlib
import re

import polars as pl

from schemas.curated import Temuan, polars_schema
from schemas.rules import RULES
from schemas.types import MONEY, ROW

# The columns a stage fills; `keterangan` is the detail its message needs, `saran` advice
# replacing the rule's own, `nama_kolom` the pipeline's name of the column at fault
# (placed on the sheet's own header later), `baris_akhir` the last row of a figure summed
# from several rows, `akar_ref` the `finding_ref` of the finding this one follows from.
TEMUAN_DRAFT: dict[str, pl.DataType] = {
    "kode_opd": pl.String(),
    "tahun": pl.Int32(),
    "triwulan": pl.Int8(),
    "kode_bidang": pl.String(),
    "aturan": pl.String(),
    "tingkat": pl.String(),
    "berkas": pl.String(),
    "lembar": pl.String(),
    "baris": pl.Int32(),
    "baris_akhir": pl.Int32(),
    "kolom": pl.String(),
    "nama_kolom": pl.String(),
    "sel": pl.String(),
    "kode": pl.String(),
    "kode_rekening": pl.String(),
    "jenis_belanja": pl.String(),
    "nilai": pl.String(),
    "nilai_diharapkan": pl.String(),
    "selisih": MONEY,
    "keterangan": pl.String(),
    "saran": pl.String(),
    "akar_ref": pl.String(),
}

TEMUAN_ORDER = ["kode_opd", "tahun", "triwulan", "kode_bidang", *ROW, "aturan", "kolom"]
"""The order of published findings: by year, quarter, bidang, place, rule, column."""

# The published columns (DATA-CONTRACT.md section 3) and ours after them.
TEMUAN = polars_schema(Temuan)


def draft(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Frame with some draft columns -> a frame of exactly `TEMUAN_DRAFT` (missing ones null)."""
    lazy = frame.lazy()
    names = lazy.collect_schema().names()
    return lazy.select(
        [
            (pl.col(c) if c in names else pl.lit(None)).cast(dtype).alias(c)
            for c, dtype in TEMUAN_DRAFT.items()
        ]
    ).collect()


def place_columns(drafts: pl.DataFrame, kolom: pl.DataFrame) -> pl.DataFrame:
    """Drafts naming a column by `nama_kolom` + each sheet's header map -> header text and cell.

    `kolom` has berkas, lembar, nama_kolom, judul (the header as written) and huruf (its
    column letter); a finding then says "kolom 'Pagu Anggaran', sel D7" as the file does.
    """
    keys = ["berkas", "lembar", "nama_kolom"]
    placed = drafts.join(
        kolom.select(*keys, "judul", "huruf"), on=keys, how="left", nulls_equal=True
    )
    return placed.with_columns(
        kolom=pl.coalesce("judul", "kolom"),
        sel=pl.coalesce("sel", _cell(pl.col("huruf"))),
    ).select(list(TEMUAN_DRAFT))


def _cell(letter: pl.Expr) -> pl.Expr:
    """Column letter -> "D13", or "D13:D15" for a finding on rows 13 to 15."""
    first = letter + pl.col("baris").cast(pl.String)
    last = letter + pl.col("baris_akhir").cast(pl.String)
    return pl.when(pl.col("baris_akhir").is_null()).then(first).otherwise(first + ":" + last)


def finding_ref(
    aturan: pl.Expr,
    berkas: pl.Expr,
    lembar: pl.Expr,
    baris: pl.Expr,
    keterangan: pl.Expr | None = None,
) -> pl.Expr:
    """-> the text that points at a finding from another one (`akar_ref`): rule and place,
    and its `keterangan` where one row has several findings of the same rule.
    """
    parts = [
        aturan,
        berkas.fill_null(""),
        lembar.fill_null(""),
        baris.cast(pl.String).fill_null(""),
    ]
    if keterangan is not None:
        parts.append(keterangan.fill_null(""))
    return pl.concat_str(parts, separator="|")


def empty_draft() -> pl.DataFrame:
    """-> an empty draft frame."""
    return pl.DataFrame(schema=TEMUAN_DRAFT)


def rupiah(value: pl.Expr) -> pl.Expr:
    """Decimal expression -> Indonesian text: 1234567.50 -> "1.234.567,50" (no ",00" if whole)."""
    text = value.cast(MONEY).cast(pl.String)
    sign = pl.when(text.str.starts_with("-")).then(pl.lit("-")).otherwise(pl.lit(""))
    unsigned = text.str.strip_prefix("-")
    whole = unsigned.str.extract(r"^(\d+)", 1)
    cents = unsigned.str.extract(r"\.(\d+)$", 1)
    grouped = (
        whole.str.reverse().str.replace_all(r"(\d{3})", "$1.").str.reverse().str.strip_prefix(".")
    )
    cents_part = pl.when(cents.is_null() | (cents == "00")).then(pl.lit("")).otherwise("," + cents)
    return pl.concat_str([sign, grouped, cents_part])


def _location() -> pl.Expr:
    """-> "Berkas X, lembar 'Y', baris N, kolom Z (sel F12)" built from what a finding knows."""
    parts = [
        pl.when(pl.col("berkas").is_not_null()).then(pl.lit("Berkas ") + pl.col("berkas")),
        pl.when(pl.col("lembar").is_not_null()).then(pl.lit("lembar '") + pl.col("lembar") + "'"),
        pl.when(pl.col("baris").is_not_null()).then(
            pl.lit("baris ")
            + pl.col("baris").cast(pl.String)
            + pl.when(pl.col("baris_akhir").is_not_null())
            .then("–" + pl.col("baris_akhir").cast(pl.String))
            .otherwise(pl.lit(""))
        ),
        pl.when(pl.col("kolom").is_not_null()).then(pl.lit("kolom '") + pl.col("kolom") + "'"),
        pl.when(pl.col("sel").is_not_null()).then(pl.lit("sel ") + pl.col("sel")),
    ]
    return pl.concat_list(parts).list.drop_nulls().list.join(", ")


def placeholders(text: str) -> list[str]:
    """Template -> the names of its {placeholders}, in order."""
    return re.findall(r"\{(\w+)\}", text)


def fill(text: str) -> pl.Expr:
    """Catalogue template with {column} placeholders -> string expression (null fields read '')."""
    pieces: list[pl.Expr | str] = []
    rest = text
    while "{" in rest:
        before, _, after = rest.partition("{")
        name, _, rest = after.partition("}")
        pieces.append(before)
        column = pl.col(name)
        if name == "selisih":
            column = rupiah(column)
        pieces.append(column.cast(pl.String).fill_null(""))
    pieces.append(rest)
    return pl.concat_str([p if isinstance(p, pl.Expr) else pl.lit(p) for p in pieces])


def _message() -> pl.Expr:
    """-> the steward's message: where, what is wrong, how to fix it."""
    what = pl.lit(None, dtype=pl.String)
    for kode, rule in RULES.items():
        what = (
            pl.when(pl.col("aturan") == kode)
            .then(fill(rule.pesan) + ". " + pl.coalesce(pl.col("saran"), pl.lit(rule.saran)))
            .otherwise(what)
        )
    where = _location()
    return (
        pl.when(where != "")
        .then(where + pl.lit(": ") + what)
        .otherwise(what.str.slice(0, 1).str.to_uppercase() + what.str.slice(1))
    )


def _identity_key() -> pl.Expr:
    """-> the text a finding id is hashed from: what it is about, not where the file put it.

    A corrected resubmission moves rows and renames files; the same problem on the same
    sub kegiatan and column keeps its id, so a steward can follow it across runs.
    """
    about_row = pl.coalesce(
        pl.col("kode"), pl.col("berkas") + "#" + pl.col("baris").cast(pl.String)
    )
    key = pl.concat_str(
        [
            pl.col("aturan"),
            pl.col("kode_opd"),  # null for a single office: its ids are unchanged
            pl.col("tahun").cast(pl.String),
            pl.col("triwulan").cast(pl.String),
            pl.col("kode_bidang"),
            about_row,
            pl.col("kode_rekening"),
            pl.col("jenis_belanja"),
            pl.col("kolom"),
            pl.when(pl.col("kode").is_null() & pl.col("baris").is_null()).then(
                pl.col("keterangan")
            ),
        ],
        separator="|",
        ignore_nulls=True,
    )
    return key


def _sha256_prefix(keys: pl.Series) -> pl.Series:
    """Series of keys -> the first 16 hex digits of each key's sha256.

    sha256 rather than polars' own hash, which may change between polars versions. Run
    here in the caller's thread on a collected column, never as a polars callback: Python
    called back from inside polars' thread pool can deadlock it when tasks run in
    parallel (pola-rs/polars#27600).
    """
    return pl.Series(
        keys.name,
        [hashlib.sha256(k.encode()).hexdigest()[:16] for k in keys.to_list()],
        dtype=pl.String,
    )


def finalize(drafts: pl.DataFrame, run_id: str) -> pl.DataFrame:
    """Draft findings -> published `TEMUAN` frame: level, id, message; sorted for reading."""
    unknown = set(drafts.get_column("aturan").unique().to_list()) - set(RULES)
    if unknown:
        raise ValueError(f"findings name unknown rules: {sorted(unknown)}")
    tingkat = {k: r.tingkat for k, r in RULES.items()}
    out = drafts.with_columns(
        run_id=pl.lit(run_id),
        tingkat=pl.coalesce(
            pl.col("tingkat"), pl.col("aturan").replace_strict(tingkat, return_dtype=pl.String)
        ),
        pesan=_message(),
        temuan_id=_identity_key(),
        # History and acceptance are set later (transforms/finding_history.py) from the previous
        # release and penerimaan.csv; without them a finding is new and open.
        status=pl.lit("baru"),
        diterima=pl.lit(False),
        alasan_terima=pl.lit(None, pl.String),
        diterima_oleh=pl.lit(None, pl.String),
    )
    out = out.with_columns(_sha256_prefix(out.get_column("temuan_id")))
    # The same problem at several places (copies of one row) gets -2, -3, ... in file order.
    out = out.sort(ROW, nulls_last=False).with_columns(
        temuan_id=pl.when(pl.len().over("temuan_id") > 1)
        .then(
            pl.col("temuan_id")
            + "-"
            + (pl.int_range(pl.len()).over("temuan_id") + 1).cast(pl.String)
        )
        .otherwise(pl.col("temuan_id"))
    )
    out = _with_roots(out)
    return out.select([pl.col(c).cast(t) for c, t in TEMUAN.items()]).sort(
        TEMUAN_ORDER, nulls_last=False
    )


def _with_roots(findings: pl.DataFrame) -> pl.DataFrame:
    """Findings with `akar_ref` -> `akar`: the temuan_id of the finding each one follows from.

    A reference that matches no finding of the run leaves `akar` empty: the finding then
    stands on its own.
    """
    place = [pl.col(c) for c in ("aturan", *ROW)]
    exact = findings.select(
        akar_ref=finding_ref(*place, pl.col("keterangan")), _tepat="temuan_id"
    ).unique("akar_ref", keep="first", maintain_order=True)
    located = findings.select(akar_ref=finding_ref(*place), _tempat="temuan_id").unique(
        "akar_ref", keep="first", maintain_order=True
    )
    joined = findings.join(exact, on="akar_ref", how="left").join(
        located, on="akar_ref", how="left"
    )
    root = pl.coalesce("_tepat", "_tempat")
    return joined.with_columns(akar=pl.when(root != pl.col("temuan_id")).then(root)).drop(
        "_tepat", "_tempat"
    )


def reading_order(temuan: pl.DataFrame) -> pl.DataFrame:
    """Published findings -> the order a steward reads them in, with `akibat` (bool).

    Errors first, then warnings; each finding is followed by the findings that are its
    consequences (`akar` = its temuan_id). A consequence whose root is not in the frame
    (filtered out) stands as a root of its own.
    """
    ids = temuan.get_column("temuan_id").implode()
    root = (
        pl.when(pl.col("akar").is_not_null() & pl.col("akar").is_in(ids))
        .then(pl.col("akar"))
        .otherwise(pl.col("temuan_id"))
    )
    keys = [k for k in TEMUAN_ORDER if k != "tahun" and k in temuan.columns]
    roots = temuan.select(
        _akar=pl.col("temuan_id"),
        _urut_tingkat=(pl.col("tingkat") != "error").cast(pl.Int8),
        **{f"_akar_{k}": pl.col(k) for k in keys},
    )
    ordered = (
        temuan.with_columns(_akar=root, akibat=root != pl.col("temuan_id"))
        .join(roots, on="_akar", how="left")
        .sort(
            ["_urut_tingkat", *(f"_akar_{k}" for k in keys), "_akar", "akibat", *keys],
            nulls_last=False,
        )
    )
    return ordered.drop([c for c in ordered.columns if c.startswith("_")])
