"""What a release holds, compared with the current one (pure: manifests in, answers out).

A run must never publish less than the current release by accident. "Less" means a
bidang-quarter that had accepted rows (facts) in the current release and has none in
the new one: a folder gone missing, or every row of it now held back. Adding a
bidang-quarter, or accepting fewer rows of one that still has some, is not less.

The accepted rows per bidang-quarter are in the manifest under `diterima_per_kiriman`.
Older manifests lack that key; for them it is derived from `masukan` (each export's
path `<tahun>/TW<q>/<kode_bidang>/<berkas>` and its `baris_per_status.diterima`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

KIRIMAN = "diterima_per_kiriman"
ZONA = ZoneInfo("Asia/Jakarta")

# An export's path relative to raw, optionally under an office folder (raw/<kode_opd>/...).
_EXPORT = re.compile(
    r"^(?:(?P<opd>.+)/)?(?P<tahun>\d{4})/TW(?P<triwulan>[1-4])/(?P<bidang>[^/]+)/[^/]+$"
)


@dataclass(frozen=True, order=True)
class BidangQuarter:
    """One bidang's submission for one quarter (of one office, when there are several)."""

    kode_opd: str
    triwulan: int
    kode_bidang: str

    def label(self) -> str:
        """-> how an operator names it: 'TW4 sekretariat' (with the office when there is one)."""
        office = f" ({self.kode_opd})" if self.kode_opd else ""
        return f"TW{self.triwulan} {self.kode_bidang}{office}"


def derived_accepted(masukan: list[dict]) -> dict[BidangQuarter, int]:
    """Manifest inputs -> accepted rows per bidang-quarter (every export folder, 0 included)."""
    accepted: dict[BidangQuarter, int] = {}
    for entry in masukan:
        match = _EXPORT.match(entry.get("berkas", ""))
        if match is None:
            continue
        key = BidangQuarter(match["opd"] or "", int(match["triwulan"]), match["bidang"])
        rows = (entry.get("baris_per_status") or {}).get("diterima", 0)
        accepted[key] = accepted.get(key, 0) + rows
    return accepted


def submission_rows(masukan: list[dict]) -> list[dict]:
    """Manifest inputs -> the manifest's `diterima_per_kiriman` records, in a stable order."""
    rows = []
    for key, count in sorted(derived_accepted(masukan).items()):
        record = {"triwulan": key.triwulan, "kode_bidang": key.kode_bidang, "diterima": count}
        if key.kode_opd:
            record = {"kode_opd": key.kode_opd, **record}
        rows.append(record)
    return rows


def accepted_of(manifest: dict | None) -> dict[BidangQuarter, int]:
    """A manifest -> accepted rows per bidang-quarter (its own record, else from `masukan`)."""
    if not manifest:
        return {}
    if KIRIMAN in manifest:
        return {
            BidangQuarter(r.get("kode_opd") or "", int(r["triwulan"]), r["kode_bidang"]): int(
                r["diterima"]
            )
            for r in manifest[KIRIMAN]
        }
    return derived_accepted(manifest.get("masukan") or [])


def missing(current: dict | None, new: dict) -> list[tuple[BidangQuarter, int]]:
    """Current and new manifest -> (bidang-quarter, rows it had) that had rows and have none now."""
    now = accepted_of(new)
    return sorted(
        (key, rows) for key, rows in accepted_of(current).items() if rows > 0 and not now.get(key)
    )


def refusal(tahun: int, current: dict, gone: list[tuple[BidangQuarter, int]]) -> str:
    """Year, current manifest, what went missing -> the one-line refusal for the operator."""
    what = ", ".join(f"{key.label()} (tadinya {rows})" for key, rows in gone)
    return (
        f"tidak diterbitkan: hasil {tahun} lebih sedikit dari rilis yang berlaku "
        f"({current.get('run_id', '?')}); tanpa baris diterima lagi: {what}; periksa folder "
        "raw, atau ulangi dengan --paksa bila memang disengaja"
    )


def findings_text(manifest: dict) -> str:
    """A manifest -> its findings by level, e.g. '0 error, 1 peringatan'."""
    temuan = manifest.get("temuan") or {}
    levels = ["error", "peringatan", *sorted(set(temuan) - {"error", "peringatan"})]
    return ", ".join(f"{temuan.get(level, 0)} {level}" for level in levels)


def created_text(manifest: dict) -> str:
    """A manifest -> when it was made, in Jakarta time ('2024-01-10 07:00:12 WIB'), or '-'."""
    try:
        moment = dt.datetime.fromisoformat(manifest["dibuat"])
    except (KeyError, TypeError, ValueError):
        return "-"
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.astimezone(ZONA).strftime("%Y-%m-%d %H:%M:%S WIB")


def rupiah(value: Decimal | None) -> str:
    """Amount -> Indonesian text: 'Rp 25.035.654.473' (',50' only when there are sen), or '-'."""
    if value is None:
        return "-"
    sign = "-" if value < 0 else ""
    whole, sen = divmod(abs(value).quantize(Decimal("0.01")), 1)
    text = f"{int(whole):,}".replace(",", ".")
    if sen:
        text += "," + f"{sen:.2f}"[2:]
    return f"Rp {sign}{text}"
