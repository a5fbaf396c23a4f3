"""The pandas + pandera baseline of `make bench`: the same core checks, written plainly.

    .venv/bin/python benchmark/pandas_baseline.py --raw benchmark/out/100k/raw --out /tmp/pd

A fair, simple version of what lkjip does, the way one would write it with pandas and
pandera's pandas backend (`import pandera.pandas as pa`):

1. Read every realisation export of every office: CSV with `pd.read_csv` (separator and
   encoding sniffed, all text), workbooks with `pd.read_excel(engine="calamine")`.
2. Find the header row (first 30 rows) with the contract's spellings
   (schemas/header_spellings.py), keep the keuangan columns.
3. Classify rows: JUMLAH/TOTAL rows, roll-ups (codes of fewer than six parts, a sub
   kegiatan row without kode rekening or jenis belanja), captions; kode rekening rows with
   an empty Kode inherit the sub kegiatan code above. Only data rows go on.
4. Parse the Indonesian number text (`1.234.567,00`, `Rp 1.234.567`, `(1.000)`, `-`)
   into float64 (workbook number cells are taken as they are).
5. Validate all data rows with one pandera-pandas schema, lazily: code patterns (sub
   kegiatan, kode rekening), jenis belanja, amounts non-negative, fisik 0-100. Rows with
   a failure are set aside (quarantine) with their check.
6. Sum realisasi per office, quarter, sub kegiatan and jenis belanja, join against the
   DPA pagu in force at the quarter's end (murni / perubahan by date), cumulate over the
   quarters, compute sisa and percent; lines absent from the DPA are counted.
7. Write the facts, the quarantine and the DPA lines as Parquet.

What it leaves out, compared with lkjip: exact decimals (floats here), V006/V008 and the
R rules other than the DPA join, lineage, findings text, the gate and release switch.
Prints one JSON line of counts.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import time
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from schemas.header_spellings import KEUANGAN, aliases, normalize_header

SUB_KEGIATAN = r"^\d\.\d{2}\.\d{2}\.\d\.\d{2}\.\d{2,4}$"  # as schemas/codes.py
REKENING = r"^5\.[12](\.\d+)*$"  # as schemas/codes.py
CODE = r"^\d+(\.\d+)*$"
TOTAL = re.compile(r"^(jumlah|total|grandtotal|subtotal)")
QUARTER_END = {1: "03-31", 2: "06-30", 3: "09-30", 4: "12-31"}
FIELDS = (
    "kode_sub_kegiatan",
    "uraian",
    "kode_rekening",
    "jenis_belanja",
    "anggaran",
    "realisasi_triwulan",
    "realisasi_kumulatif",
    "realisasi_fisik",
)
MONEY = ("anggaran", "realisasi_triwulan", "realisasi_kumulatif")
ALIASES = aliases(KEUANGAN)

SCHEMA = pa.DataFrameSchema(
    {
        "kode_sub_kegiatan": pa.Column(str, pa.Check.str_matches(SUB_KEGIATAN)),
        "kode_rekening": pa.Column(str, pa.Check.str_matches(REKENING), nullable=True),
        "jenis_belanja": pa.Column(str, pa.Check.isin(["operasi", "modal"])),
        "anggaran": pa.Column(float, pa.Check.ge(0), nullable=True),
        "realisasi_triwulan": pa.Column(float, pa.Check.ge(0)),
        "realisasi_kumulatif": pa.Column(float, pa.Check.ge(0), nullable=True),
        "realisasi_fisik": pa.Column(float, pa.Check.in_range(0, 100), nullable=True),
    },
    strict=False,
    coerce=False,
)


def read_grid(path: Path) -> pd.DataFrame:
    """A file -> its cells (first sheet of a workbook), no header, text or number cells."""
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        return pd.read_excel(path, engine="calamine", header=None, dtype=object)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    first = text[:4096].splitlines()[:5]
    sep = ";" if sum(x.count(";") for x in first) > sum(x.count(",") for x in first) else ","
    return pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=str, keep_default_na=False)


def keuangan_rows(grid: pd.DataFrame) -> pd.DataFrame | None:
    """A grid -> its body under the keuangan header, one column per contract field."""
    for r in range(min(30, len(grid))):
        names = {}
        for c, cell in enumerate(grid.iloc[r]):
            name = ALIASES.get(normalize_header(str(cell)) if isinstance(cell, str) else "")
            if name and name not in names.values():
                names[c] = name
        if {"kode_sub_kegiatan", "realisasi_triwulan"} <= set(names.values()):
            body = grid.iloc[r + 1 :, list(names)].rename(columns=names)
            body = body.assign(baris=range(r + 2, r + 2 + len(body)))
            for field in FIELDS:
                if field not in body:
                    body[field] = None
            return body
    return None


def parse_numbers(column: pd.Series) -> pd.Series:
    """Indonesian number text (or number cells) -> float64; '-' is 0, empty is NaN."""
    is_text = column.map(lambda cell: isinstance(cell, str)).astype(bool)
    numeric = pd.to_numeric(column.where(~is_text), errors="coerce")
    s = column.where(is_text).astype("string").str.replace(r"\s+", "", regex=True)
    dash = s.str.fullmatch(r"[-\u2013\u2014]").fillna(False)
    negative = s.str.match(r"^\(.*\)$") | (s.str.match(r"^-\d"))
    s = s.str.replace(r"^[(\-]|\)$", "", regex=True).str.replace(r"(?i)^rp\.?", "", regex=True)
    s = s.str.replace(r",-+$", "", regex=True)
    comma = s.str.contains(",", regex=False)
    s = s.where(~comma, s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    thousands = s.str.fullmatch(r"[1-9]\d*(\.\d{3})+")
    s = s.where(~thousands.fillna(False), s.str.replace(".", "", regex=False))
    s = s.mask(s == "", pd.NA).mask(dash, "0")
    value = pd.to_numeric(s, errors="coerce").astype(float)
    value = value.where(~negative.fillna(False), -value)
    return numeric.fillna(value).astype(float)


def data_rows(body: pd.DataFrame) -> pd.DataFrame:
    """Keuangan body rows -> the data rows (codes inherited, jenis derived, numbers parsed)."""
    text = {f: body[f].where(body[f].notna(), None).map(_text) for f in FIELDS if f not in MONEY}
    kode, rek, uraian = text["kode_sub_kegiatan"], text["kode_rekening"], text["uraian"]
    is_code = kode.str.match(CODE).fillna(False)
    parts = kode.str.count(r"\.") + 1
    # A six-part code starts a block; a shorter code or a total ends it.
    words = uraian.fillna("").str.lower().str.replace(r"[^0-9a-z]", "", regex=True)
    is_total = words.str.match(TOTAL.pattern) | kode.fillna("").str.lower().str.match(
        r"^(jumlah|total)"
    )
    anchor = kode.where(is_code & (parts == 6)).mask((is_code & (parts < 6)) | is_total, "")
    anchor = anchor.ffill()
    inherit = kode.isna() & rek.notna() & anchor.notna() & (anchor != "")
    kode = kode.mask(inherit, anchor)
    jenis_text = text["jenis_belanja"].fillna("").str.lower().str.replace(r"[^a-z]", "", regex=True)
    jenis = (
        rek.str.extract(r"^5\.([12])(?:\.|$)")[0]
        .map({"1": "operasi", "2": "modal"})
        .fillna(
            jenis_text.map(
                {
                    "operasi": "operasi",
                    "belanjaoperasi": "operasi",
                    "modal": "modal",
                    "belanjamodal": "modal",
                }
            )
        )
    )
    parts = kode.str.count(r"\.") + 1
    data = kode.notna() & ~is_total & (parts >= 6) & (rek.notna() | text["jenis_belanja"].notna())
    out = pd.DataFrame(
        {
            "baris": body["baris"],
            "kode_sub_kegiatan": kode,
            "kode_rekening": rek,
            "jenis_belanja": jenis,
            **{f: parse_numbers(body[f]) for f in MONEY},
            "realisasi_fisik": parse_numbers(body["realisasi_fisik"]),
        }
    )
    return out[data.fillna(False)]


def _text(cell: object) -> str | None:
    if cell is None:
        return None
    text = str(cell).strip()
    return text or None


def office_folders(raw: Path, tahun: int) -> list[tuple[str, Path]]:
    """(kode_opd, year folder) of a multi-office root, or ("", raw/<tahun>) of a single one."""
    if (raw / str(tahun)).is_dir():
        return [("", raw / str(tahun))]
    return sorted((p.name, p / str(tahun)) for p in raw.iterdir() if (p / str(tahun)).is_dir())


def load_year(raw: Path, tahun: int) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Every office's exports -> (data rows, DPA lines, counts)."""
    frames, dpas = [], []
    counts = {"files": 0, "rows_read": 0}
    for kode_opd, year in office_folders(raw, tahun):
        dpa = pd.read_csv(year / "referensi" / "dpa.csv", dtype={"kode_sub_kegiatan": str})
        dpas.append(dpa.assign(kode_opd=kode_opd))
        for quarter in sorted(year.glob("TW[1-4]")):
            q = int(quarter.name[2])
            for path in sorted(p for p in quarter.rglob("*") if p.is_file()):
                grid = read_grid(path)
                counts["files"] += 1
                counts["rows_read"] += len(grid)
                body = keuangan_rows(grid)
                if body is None:
                    continue
                rows = data_rows(body)
                frames.append(
                    rows.assign(
                        kode_opd=kode_opd,
                        triwulan=q,
                        kode_bidang=path.parent.name,
                        berkas=str(path.relative_to(raw)),
                    )
                )
    return pd.concat(frames, ignore_index=True), pd.concat(dpas, ignore_index=True), counts


def validate(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Data rows -> (accepted, quarantined with the failed check) by the pandera schema."""
    try:
        SCHEMA.validate(rows, lazy=True)
        return rows, rows.iloc[0:0].assign(cek=pd.Series(dtype=str))
    except pa.errors.SchemaErrors as error:
        cases = error.failure_cases.dropna(subset=["index"])
        bad = cases.groupby("index")["check"].first()
        held = rows.loc[bad.index].assign(cek=bad.astype(str).values)
        return rows.drop(index=bad.index), held


def dpa_in_force(dpa: pd.DataFrame, tahun: int) -> pd.DataFrame:
    """DPA rows -> pagu per (office, quarter, sub kegiatan, jenis) of the version in force."""
    dpa = dpa[dpa["kode_sub_kegiatan"].str.count(r"\.") == 5].copy()
    dpa["tanggal_berlaku"] = pd.to_datetime(dpa["tanggal_berlaku"])
    quarters = []
    for q, end in QUARTER_END.items():
        valid = dpa[dpa["tanggal_berlaku"] <= pd.Timestamp(f"{tahun}-{end}")]
        latest = valid.groupby("kode_opd")["tanggal_berlaku"].transform("max")
        quarters.append(valid[valid["tanggal_berlaku"] == latest].assign(triwulan=q))
    keep = ["kode_opd", "triwulan", "kode_sub_kegiatan", "jenis_belanja", "versi", "pagu"]
    return pd.concat(quarters)[keep]


def reconcile(accepted: pd.DataFrame, pagu: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Accepted rows + pagu in force -> facts per DPA line and quarter; -> (facts, not in DPA)."""
    key = ["kode_opd", "triwulan", "kode_sub_kegiatan", "jenis_belanja"]
    spent = accepted.groupby(key, as_index=False)["realisasi_triwulan"].sum()
    unknown = spent.merge(pagu, on=key, how="left", indicator=True)
    not_in_dpa = int((unknown["_merge"] == "left_only").sum())
    facts = pagu.merge(spent, on=key, how="left").fillna({"realisasi_triwulan": 0.0})
    facts = facts.sort_values(key)
    line = ["kode_opd", "kode_sub_kegiatan", "jenis_belanja"]
    facts["realisasi_kumulatif"] = facts.groupby(line)["realisasi_triwulan"].cumsum()
    facts["sisa_anggaran"] = facts["pagu"] - facts["realisasi_kumulatif"]
    facts["persen_realisasi"] = (100 * facts["realisasi_kumulatif"] / facts["pagu"]).round(2)
    return facts, not_in_dpa


def run(raw: Path, out: Path, tahun: int) -> dict:
    """The whole baseline; -> counts."""
    start = time.perf_counter()
    rows, dpa, counts = load_year(raw, tahun)
    accepted, held = validate(rows)
    facts, not_in_dpa = reconcile(accepted, dpa_in_force(dpa, tahun))
    out.mkdir(parents=True, exist_ok=True)
    facts.to_parquet(out / "realisasi_anggaran.parquet", index=False)
    held.to_parquet(out / "karantina.parquet", index=False)
    dpa.to_parquet(out / "dpa.parquet", index=False)
    return {
        **counts,
        "data_rows": len(rows),
        "accepted": len(accepted),
        "quarantined": len(held),
        "checks_failed": held["cek"].value_counts().to_dict(),
        "facts": len(facts),
        "not_in_dpa": not_in_dpa,
        "realisasi_total": round(
            float(facts.loc[facts["triwulan"] == 4, "realisasi_kumulatif"].sum())
        ),
        "seconds_inside": round(time.perf_counter() - start, 3),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: --raw ROOT --out FOLDER [--tahun 2023]; prints counts as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tahun", type=int, default=2023)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.raw, args.out, args.tahun)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
