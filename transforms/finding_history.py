"""A finding's history between releases, and a steward's acceptance of a peringatan.

Pure: the flow hands in the previous release's findings of the year (read from its
curated folder) and the rows of `referensi/penerimaan.csv`; these functions give each
finding its `status` (baru, masih_ada), list the resolved ones (selesai, published as
`temuan_selesai`), and mark accepted peringatan (`diterima`, `alasan_terima`,
`diterima_oleh`). An acceptance that cannot be honoured is a finding on penerimaan.csv.
"""

from __future__ import annotations

import polars as pl

from transforms.findings import TEMUAN, draft

STATUS = ("baru", "masih_ada", "selesai")
"""Values of `temuan.status` against the previous release of the year."""

ATURAN_PENERIMAAN = "R009"
"""The peringatan rule of a penerimaan.csv row that is not honoured (its message is free text)."""


def conform(temuan: pl.DataFrame) -> pl.DataFrame:
    """Findings of any release (older ones lack the newer columns) -> exactly `TEMUAN` columns."""
    defaults = {"status": pl.lit("baru"), "diterima": pl.lit(False)}
    return temuan.select(
        [
            (pl.col(c) if c in temuan.columns else defaults.get(c, pl.lit(None))).cast(t).alias(c)
            for c, t in TEMUAN.items()
        ]
    )


def with_status(
    temuan: pl.DataFrame,
    sebelumnya: pl.DataFrame | None,
    *,
    run_id: str,
    selesai_sebelumnya: pl.DataFrame | None = None,
    ulangan: bool = False,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """This run's findings + the previous release's -> (findings with status, resolved ones).

    A finding is `masih_ada` when its temuan_id was in the previous release, else `baru`;
    each previous finding absent now is returned as `selesai`, with this run's run_id.
    `ulangan`: the previous release was made from the same inputs, so this run repeats it
    and keeps its statuses and resolved findings (same raw folder, same tables).
    """
    if sebelumnya is None:
        return temuan.with_columns(status=pl.lit("baru")), conform(temuan.clear())
    before = conform(sebelumnya)
    gone = before.join(temuan.select("temuan_id"), on="temuan_id", how="anti").with_columns(
        status=pl.lit("selesai"), run_id=pl.lit(run_id)
    )
    if not ulangan:
        ids = before.get_column("temuan_id").implode()
        out = temuan.with_columns(
            status=pl.when(pl.col("temuan_id").is_in(ids))
            .then(pl.lit("masih_ada"))
            .otherwise(pl.lit("baru"))
        )
        return out, gone
    carried = before.select("temuan_id", _status="status")
    out = temuan.join(carried, on="temuan_id", how="left", maintain_order="left")
    out = out.with_columns(status=pl.coalesce("_status", pl.lit("baru"))).drop("_status")
    earlier = [] if selesai_sebelumnya is None else [conform(selesai_sebelumnya)]
    resolved = pl.concat([*earlier, gone]).with_columns(run_id=pl.lit(run_id))
    return out, resolved.unique("temuan_id", keep="first", maintain_order=True)


def accepted(temuan: pl.DataFrame, penerimaan: pl.DataFrame | None) -> pl.DataFrame:
    """Findings + penerimaan.csv rows -> findings with diterima, alasan_terima, diterima_oleh.

    Only a peringatan is accepted; the last row for a temuan_id wins.
    """
    columns = {"diterima": False, "alasan_terima": None, "diterima_oleh": None}
    if penerimaan is None or penerimaan.height == 0:
        return temuan.with_columns(
            diterima=pl.lit(False),
            alasan_terima=pl.lit(None, pl.String),
            diterima_oleh=pl.lit(None, pl.String),
        )
    last = _latest(penerimaan).select("temuan_id", _alasan="alasan", _oleh="oleh")
    joined = temuan.drop([c for c in columns if c in temuan.columns]).join(
        last, on="temuan_id", how="left"
    )
    ok = pl.col("_alasan").is_not_null() & (pl.col("tingkat") == "peringatan")
    return joined.with_columns(
        diterima=ok,
        alasan_terima=pl.when(ok).then(pl.col("_alasan")),
        diterima_oleh=pl.when(ok).then(pl.col("_oleh")),
    ).drop("_alasan", "_oleh")


def _latest(penerimaan: pl.DataFrame) -> pl.DataFrame:
    """penerimaan.csv rows -> the last row of each temuan_id (the file is appended to)."""
    return penerimaan.sort("baris").unique("temuan_id", keep="last", maintain_order=True)


def acceptance_findings(
    temuan: pl.DataFrame, penerimaan: pl.DataFrame | None, tahun: int
) -> pl.DataFrame:
    """Findings + penerimaan.csv rows -> draft R009 peringatan on the rows not honoured.

    A row accepting an error is refused (an error must be fixed); a row whose finding does
    not occur in this run is obsolete (the problem was fixed, or the id mistyped).
    """
    if penerimaan is None or penerimaan.height == 0:
        return draft(pl.DataFrame(schema={"aturan": pl.String}))
    levels = temuan.select("temuan_id", _tingkat="tingkat").unique("temuan_id")
    rows = _latest(penerimaan).join(levels, on="temuan_id", how="left")
    refused = rows.filter(pl.col("_tingkat") == "error").with_columns(
        keterangan=pl.lit("penerimaan temuan ")
        + pl.col("temuan_id")
        + pl.lit(" tidak berlaku: temuan itu berlevel error, dan error tidak dapat diterima"),
        saran=pl.lit(
            "Perbaiki data yang salah lalu kirim ulang, dan hapus baris ini dari penerimaan.csv."
        ),
    )
    obsolete = rows.filter(pl.col("_tingkat").is_null()).with_columns(
        keterangan=pl.lit("penerimaan temuan ")
        + pl.col("temuan_id")
        + pl.lit(" usang: temuan itu tidak muncul lagi pada run ini"),
        saran=pl.lit(
            "Hapus baris ini dari penerimaan.csv jika masalahnya sudah diperbaiki; jika "
            "temuan_id salah ketik, salin temuan_id dari lkjip failures."
        ),
    )
    both = pl.concat([refused, obsolete]).with_columns(
        aturan=pl.lit(ATURAN_PENERIMAAN),
        tingkat=pl.lit("peringatan"),
        tahun=pl.lit(tahun, pl.Int32),
        nilai=pl.col("temuan_id"),
    )
    return draft(both)


def open_findings(temuan: pl.DataFrame) -> pl.DataFrame:
    """Findings -> the open ones: not accepted (and not resolved)."""
    out = temuan
    if "diterima" in out.columns:
        out = out.filter(~pl.col("diterima").fill_null(False))
    if "status" in out.columns:
        out = out.filter(pl.col("status").fill_null("baru") != "selesai")
    return out
