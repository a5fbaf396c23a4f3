"""Reconciliation of accepted realisation rows against the DPA in force (R001-R005, R010).

From accepted kode rekening / jenis belanja rows to one figure per sub kegiatan ×
jenis belanja × triwulan, over every DPA line (zero where nothing was spent). Money is
Decimal from end to end; percentages are rounded half away from zero, as printed.
"""

from __future__ import annotations

import polars as pl

from schemas.header_spellings import LABEL
from schemas.types import LINE, MONEY, PERCENT, PERCENT_WIDE, ROW, integer_digits
from transforms.dpa import _prefix
from transforms.findings import draft, empty_draft, rupiah

CUT_ADVICE = (
    "Realisasi ini dibelanjakan sebelum pagu diturunkan oleh DPA perubahan. Periksa pagu "
    "perubahan baris ini, atau realisasi triwulan sebelumnya; jika keduanya benar, "
    "catat kelebihan ini dalam laporan."
)


LIMIT = 10 ** integer_digits(PERCENT)
"""Percentages from this size up do not fit DECIMAL(9,2): they are left empty."""


def _cents(amount: pl.Expr) -> pl.Expr:
    """Decimal Rupiah with at most two decimals -> whole cents as a 128-bit integer."""
    return (amount * 100).cast(pl.Int128)


def percent(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    """Two Decimal amounts -> part / whole × 100 as DECIMAL(9,2), null where whole is 0 (or
    where it is too large to store, 10.000.000 % and up).

    Exact: a Decimal quotient in polars is rounded at the operands' scale (scale 2 gives
    19,00 for 18,54), and even at scale 12 x,xx4999999999996 rounds up; so the ratio is
    taken in whole cents as 128-bit integers and rounded half away from zero once, as the
    office prints it.
    """
    numerator = _cents(part) * 10_000  # hundredths of a percent, times the whole
    denominator = pl.when(whole != 0).then(_cents(whole))
    magnitude = (2 * numerator.abs() + denominator.abs()) // (2 * denominator.abs())
    hundredths = magnitude * numerator.sign() * denominator.sign()
    fits = pl.when(magnitude < LIMIT * 100).then(hundredths)
    return (fits.cast(PERCENT_WIDE) / 100).cast(PERCENT)


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
                "sub kegiatan "
                + pl.col("kode_sub_kegiatan")
                + " termasuk program bidang "
                + pl.col("_pemilik").fill_null("lain (program tidak terdaftar di bidang.csv)"),
                "kode_sub_kegiatan",
            ),
            _row_finding(r010, "R010", pl.col("versi"), "jenis_belanja"),
        ],
        how="vertical_relaxed",
    )
    held = drafts.select(*ROW, "aturan").unique()
    return drafts, held


def _line_sums(rows: pl.DataFrame) -> pl.DataFrame:
    """Accepted rows -> per (triwulan, line): sums, the stated figures, the rows they came from.

    `baris`..`baris_akhir` is the range of the line's rows in its first file and sheet: a
    finding on a figure summed from several rows names that range, never one detail line.
    """
    all_given = {
        f: pl.when(pl.col(f).is_not_null().all()).then(pl.col(f).sum()).cast(MONEY)
        for f in ("anggaran", "realisasi_kumulatif")
    }
    ordered = rows.sort(ROW, nulls_last=False).with_columns(
        _pertama=pl.struct("berkas", "lembar").first().over("triwulan", *LINE)
        == pl.struct("berkas", "lembar")
    )
    in_first = pl.col("baris").filter(pl.col("_pertama"))
    return ordered.group_by("triwulan", *LINE).agg(
        realisasi_triwulan=pl.col("realisasi_triwulan").fill_null(0).sum().cast(MONEY),
        anggaran_tertulis=all_given["anggaran"],
        kumulatif_tertulis=all_given["realisasi_kumulatif"],
        realisasi_fisik=pl.col("realisasi_fisik").max(),
        baris_data=pl.len(),
        berkas=pl.col("berkas").first(),
        lembar=pl.col("lembar").first(),
        baris=in_first.min(),
        baris_akhir=pl.when(pl.len() > 1).then(in_first.max()),
        kode_bidang=pl.col("kode_bidang").first(),
    )


def _line_status(
    grid: pl.DataFrame, held: pl.DataFrame | None, terkirim: pl.DataFrame | None
) -> pl.DataFrame:
    """Line × quarter grid -> with `ditahan` (a row of the line-quarter was held back by an
    error) and `terkirim` (the line's bidang sent a keuangan table for the quarter).

    Without `terkirim`, a bidang-quarter counts as sent when it has accepted rows.
    """
    if terkirim is None:
        terkirim = grid.filter(pl.col("baris_data").is_not_null()).select("triwulan", "kode_bidang")
    sent = terkirim.unique().with_columns(terkirim=pl.lit(True))
    out = grid.join(sent, on=["triwulan", "kode_bidang"], how="left", nulls_equal=True)
    if held is not None and held.height:
        touched = _touched_lines(held, grid.select(*LINE, "kode_bidang").unique())
        out = out.join(touched, on=["triwulan", *LINE], how="left")
    else:
        out = out.with_columns(ditahan=pl.lit(None, pl.Boolean))
    return out.with_columns(
        terkirim=pl.col("terkirim").fill_null(False) | pl.col("baris_data").is_not_null(),
        ditahan=pl.col("ditahan").fill_null(False),
    )


def _touched_lines(held: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """Held-back data rows -> the (triwulan, line) they belong to, sent by the line's bidang.

    A row whose jenis belanja could not be read touches every line of its sub kegiatan.
    """
    rows = held.filter(pl.col("kode_sub_kegiatan").is_not_null()).select(
        "triwulan", "kode_bidang", "kode_sub_kegiatan", pl.col("jenis_belanja").alias("_jenis")
    )
    return (
        rows.join(lines, on=["kode_sub_kegiatan", "kode_bidang"], how="inner")
        .filter(pl.col("_jenis").is_null() | (pl.col("_jenis") == pl.col("jenis_belanja")))
        .select("triwulan", *LINE)
        .unique()
        .with_columns(ditahan=pl.lit(True))
    )


def _next_quarter_basis(grid: pl.DataFrame) -> pl.DataFrame:
    """Grid with status -> `basis_berikut`: the cumulative up to this quarter as the next
    quarter states it (its realisasi s/d TW minus its own quarter), where this quarter's
    own figure is missing or held back and the next one is complete.
    """
    anchor = pl.col("terkirim") & ~pl.col("ditahan")
    stated_before = pl.col("kumulatif_tertulis") - pl.col("realisasi_triwulan")
    following = pl.col("triwulan").shift(-1).over(LINE) == pl.col("triwulan") + 1
    return (
        grid.sort(*LINE, "triwulan")
        .with_columns(jangkar=anchor)
        .with_columns(
            basis_berikut=pl.when(
                ~pl.col("jangkar") & following & pl.col("jangkar").shift(-1).over(LINE)
            )
            .then(stated_before.shift(-1).over(LINE))
            .cast(MONEY)
        )
    )


def _cumulate(grid: pl.DataFrame, triwulan: int) -> pl.DataFrame:
    """Line × quarter grid -> realisasi_triwulan, realisasi_kumulatif, kelengkapan, R003 marks.

    Quarter by quarter, per line:
    - a complete quarter (its bidang sent it, no row held back) adds its own figure:
      `lengkap`;
    - a quarter missing or with a row held back takes the cumulative the next quarter
      states, when that one is complete and states it: `dari_kumulatif`;
    - otherwise it adds what was accepted (0 when nothing came): `tidak_ada`.
    R003: the cumulative, the larger of the summed and the stated one, passes the pagu
    in force. The quarter's rows are then held back and it adds nothing.
    """
    parts = []
    carried = (
        grid.select(*LINE)
        .unique()
        .with_columns(_sebelum=pl.lit(0).cast(MONEY), _utuh_sebelum=pl.lit(True))
    )
    for q in range(1, triwulan + 1):
        quarter = grid.filter(pl.col("triwulan") == q).join(carried, on=LINE, how="left")
        before = pl.col("_sebelum").fill_null(0).cast(MONEY)
        summed = (before + pl.col("realisasi_triwulan")).cast(MONEY)
        basis = pl.col("basis_berikut")
        derived = basis.is_not_null() & (basis >= before) & (basis <= pl.col("pagu"))
        stated = pl.col("kumulatif_tertulis")
        over = ~derived & (pl.max_horizontal(summed, stated.fill_null(summed)) > pl.col("pagu"))
        quarter = (
            quarter.with_columns(
                _sebelum=before,
                r003=over,
                turunan=derived,
                kumulatif_jumlah=summed,
            )
            .with_columns(
                realisasi_triwulan=pl.when(pl.col("r003"))
                .then(0)
                .when(pl.col("turunan"))
                .then(basis - pl.col("_sebelum"))
                .otherwise(pl.col("realisasi_triwulan"))
                .cast(MONEY),
                kelengkapan=pl.when(pl.col("turunan"))
                .then(pl.lit("dari_kumulatif"))
                .when(pl.col("jangkar") & ~pl.col("r003"))
                .then(pl.lit("lengkap"))
                .otherwise(pl.lit("tidak_ada")),
            )
            .with_columns(
                realisasi_kumulatif=(pl.col("_sebelum") + pl.col("realisasi_triwulan")).cast(MONEY),
                utuh=pl.col("_utuh_sebelum").fill_null(True)
                & (pl.col("kelengkapan") != "tidak_ada"),
            )
        )
        carried = quarter.select(
            *LINE, _sebelum=pl.col("realisasi_kumulatif"), _utuh_sebelum=pl.col("utuh")
        )
        parts.append(quarter)
    return pl.concat(parts)


def _where(grid: pl.DataFrame) -> list[pl.Expr]:
    """-> the columns that place a line-quarter finding: its rows, quarter, bidang, line."""
    located = (*ROW, "baris_akhir", "triwulan", "kode_bidang")
    return [
        *(pl.col(c) for c in located),
        pl.col("jenis_belanja"),
        pl.col("kode_sub_kegiatan").alias("kode"),
    ]


def _summed(what: str) -> pl.Expr:
    """-> "anggaran tertulis" for one row, "jumlah anggaran tertulis pada 3 baris" for several."""
    return (
        pl.when(pl.col("baris_akhir").is_null())
        .then(pl.lit(f"{what} tertulis"))
        .otherwise(
            pl.lit(f"jumlah {what} tertulis pada ")
            + pl.col("baris_data").cast(pl.String)
            + " baris rincian sub kegiatan "
            + pl.col("kode_sub_kegiatan")
            + " belanja "
            + pl.col("jenis_belanja")
        )
    )


def _r003(grid: pl.DataFrame) -> pl.DataFrame:
    """Reconciled grid -> R003 drafts, quoting the stated cumulative, the quarter's
    figure, or (a perubahan cut, nothing spent this quarter) the cumulative before it.
    """
    over = grid.filter(pl.col("r003"))
    stated = pl.col("kumulatif_tertulis")
    by_stated = stated.is_not_null() & (stated >= pl.col("kumulatif_jumlah"))
    no_rows = pl.col("baris_data").is_null()
    value = pl.when(by_stated).then(stated).otherwise(pl.col("kumulatif_jumlah"))
    column = pl.when(by_stated | no_rows).then(pl.lit("realisasi_kumulatif"))
    text = (
        pl.when(no_rows)
        .then(
            pl.lit("realisasi kumulatif sampai triwulan sebelumnya ") + rupiah(pl.col("_sebelum"))
        )
        .when(by_stated)
        .then(_summed("realisasi s.d. triwulan ini") + " " + rupiah(stated))
        .otherwise(
            _summed("realisasi triwulan ini")
            + " "
            + rupiah(pl.col("realisasi_usulan_tw"))
            + " membuat realisasi kumulatif menjadi "
            + rupiah(pl.col("kumulatif_jumlah"))
        )
    )
    return draft(
        over.with_columns(realisasi_usulan_tw=pl.col("kumulatif_jumlah") - pl.col("_sebelum"))
        .with_columns(
            nama_kolom=column.otherwise(pl.lit("realisasi_triwulan")),
            keterangan=text,
            nilai=pl.when(no_rows)
            .then(rupiah(pl.col("_sebelum")))
            .when(by_stated)
            .then(rupiah(stated))
            .otherwise(rupiah(pl.col("realisasi_usulan_tw"))),
            nilai_diharapkan=rupiah(pl.col("pagu")),
            saran=pl.when(pl.col("_sebelum") > pl.col("pagu")).then(pl.lit(CUT_ADVICE)),
            selisih=(
                pl.when(no_rows).then(pl.col("_sebelum")).otherwise(value) - pl.col("pagu")
            ).cast(MONEY),
        )
        .select(
            *_where(over),
            "nama_kolom",
            "keterangan",
            "nilai",
            "nilai_diharapkan",
            "selisih",
            "saran",
        )
        .with_columns(
            aturan=pl.lit("R003"),
            kolom=pl.col("nama_kolom").replace_strict(LABEL, default=None),
        )
    )


def _line_findings(grid: pl.DataFrame) -> pl.DataFrame:
    """Reconciled grid -> R003, R004 and R005 drafts (one per line and quarter).

    R004 and R005 compare like with like: they stand down on a line-quarter one of whose
    rows an error held back (that row's finding is the one to fix), and R005 also where an
    earlier quarter of the line is missing or held back (`utuh` false: the sum of the
    quarters would be short by it).
    """
    whole = ~pl.col("ditahan")
    r004 = grid.filter(
        whole
        & pl.col("anggaran_tertulis").is_not_null()
        & (pl.col("anggaran_tertulis") != pl.col("pagu"))
    ).select(
        *_where(grid),
        aturan=pl.lit("R004"),
        kolom=pl.lit(LABEL["anggaran"]),
        nama_kolom=pl.lit("anggaran"),
        keterangan=_summed("anggaran"),
        nilai=rupiah(pl.col("anggaran_tertulis")),
        nilai_diharapkan=rupiah(pl.col("pagu")),
        selisih=(pl.col("anggaran_tertulis") - pl.col("pagu")).cast(MONEY),
    )
    r005 = grid.filter(
        whole
        & pl.col("utuh")
        & (pl.col("kelengkapan") == "lengkap")
        & pl.col("kumulatif_tertulis").is_not_null()
        & (pl.col("kumulatif_tertulis") != pl.col("realisasi_kumulatif"))
    ).select(
        *_where(grid),
        aturan=pl.lit("R005"),
        kolom=pl.lit(LABEL["realisasi_kumulatif"]),
        nama_kolom=pl.lit("realisasi_kumulatif"),
        keterangan=_summed("realisasi kumulatif"),
        nilai=rupiah(pl.col("kumulatif_tertulis")),
        nilai_diharapkan=rupiah(pl.col("realisasi_kumulatif")),
        selisih=(pl.col("kumulatif_tertulis") - pl.col("realisasi_kumulatif")).cast(MONEY),
    )
    return pl.concat([_r003(grid), draft(r004), draft(r005)], how="vertical_relaxed")


def reconcile(
    rows: pl.DataFrame,
    dpa: pl.DataFrame,
    in_force: pl.DataFrame,
    tahun: int,
    triwulan: int,
    *,
    held: pl.DataFrame | None = None,
    terkirim: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Accepted rows (R001/R002/R010 already held back) -> (realisasi_anggaran, drafts, held).

    `held`: data rows an error held back earlier (triwulan, kode_bidang, kode_sub_kegiatan,
    jenis_belanja); `terkirim`: (triwulan, kode_bidang) that sent a keuangan table. The
    returned `held` lists the rows of R003 line-quarters: they leave the curated facts.
    """
    grid = lines_in_force(dpa, in_force).join(
        _line_sums(rows).drop("kode_bidang"), on=["triwulan", *LINE], how="left"
    )
    grid = grid.with_columns(pl.col("realisasi_triwulan").fill_null(0).cast(MONEY))
    grid = _next_quarter_basis(_line_status(grid, held, terkirim))
    grid = _cumulate(grid, triwulan)
    drafts = _line_findings(grid) if grid.height else empty_draft()
    over = grid.filter(pl.col("r003")).select("triwulan", *LINE)
    r003_rows = (
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
        realisasi_fisik=pl.when(pl.col("kelengkapan") == "lengkap").then(pl.col("realisasi_fisik")),
        kelengkapan="kelengkapan",
    ).sort("triwulan", *LINE)
    return table, drafts, r003_rows
