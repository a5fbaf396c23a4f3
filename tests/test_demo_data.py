"""Tests of raw/generate_demo.py and of the demo data it wrote to raw/2023.

The committed files are read back here with independent, deliberately plain readers (csv
module, python_calamine) and checked against figures of the reference data, not against the
generator's own functions. The generator needs ../shared/reference/2023 (for Tabel 3.6, which
is not bundled); it is part of every checkout and CI run, so its absence fails the tests.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "raw" / "2023"
REFERENSI = ROOT.parent / "shared" / "reference" / "2023"
TAHUN = 2023
TRIWULAN = (1, 2, 3, 4)
ROMAWI = {1: "I", 2: "II", 3: "III", 4: "IV"}

# Figures of the printed LKjIP 2023, independent of the generator.
TOTAL_LAPORAN = 25_035_654_473
MODAL_DI_LUAR_TABEL = 266_280_000  # total of the report minus the sum of Tabel 3.6 rows
MODAL_DI_LUAR_TABEL_BARIS = {("2.17.07.1.01.01", "modal"), ("2.17.08.1.01.01", "modal")}
# Year realisation per bidang: the Tabel 3.6 rows of its programs (plus the left-out capital).
TOTAL_TAHUN_PER_BIDANG = {
    # 745.861.470 + 11.454.021.296 + 6.009.600 + 37.625.532 + 904.542.885 + 3.044.859.158
    # + 979.082.200 + 172.150.600
    "sekretariat": 17_344_152_741,
    "kelembagaan-pengawasan": 3_033_244_889 + 211_526_900,
    "pemberdayaan-koperasi": 1_142_873_246 + 534_215_550,
    "usaha-kecil": 2_025_994_895 + 477_366_252 + MODAL_DI_LUAR_TABEL,
}
# The one planted reconciliation error (R004): TW4, pemberdayaan-koperasi, as printed in 2023.
R004_DITANAM = (4, "pemberdayaan-koperasi", ("2.17.06.1.01.01", "operasi"), 678_379_700)


# --- loading the generator and the reference --------------------------------------------------
@pytest.fixture(scope="module")
def gen():
    """The generator module, loaded from its file (raw/ is not a package)."""
    spec = importlib.util.spec_from_file_location("generate_demo", ROOT / "raw/generate_demo.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_demo"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("generate_demo", None)


def read_ref(path: Path) -> list[dict[str, str]]:
    """Rows of a UTF-8 reference CSV."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def dpa_pagu() -> dict[tuple[str, str], dict[str, int]]:
    """(kode_sub_kegiatan, jenis_belanja) -> {versi: pagu}, from the bundled dpa.csv."""
    pagu: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for r in read_ref(RAW / "referensi" / "dpa.csv"):
        pagu[(r["kode_sub_kegiatan"], r["jenis_belanja"])][r["versi"]] = int(r["pagu"])
    return dict(pagu)


def pagu_in_force(pagu: dict[str, int], triwulan: int) -> int:
    """Pagu of the DPA version in force at the end of the quarter."""
    # The revised DPA takes effect on 2023-10-01 (checked in test_dpa_versions_as_assumed).
    return pagu.get("perubahan" if triwulan == 4 else "murni", 0)


def programs_of() -> dict[str, set[str]]:
    """kode_bidang -> the programs it owns, from the bundled bidang.csv."""
    hasil: dict[str, set[str]] = defaultdict(set)
    for r in read_ref(RAW / "referensi" / "bidang.csv"):
        hasil[r["kode_bidang"]].add(r["kode_program"])
    return dict(hasil)


def lines_of(kode_bidang: str) -> set[tuple[str, str]]:
    """The DPA lines of the bidang's programs."""
    programs = programs_of()[kode_bidang]
    return {b for b in dpa_pagu() if ".".join(b[0].split(".")[:3]) in programs}


@pytest.fixture(scope="module")
def allocation(gen):
    """Year realisation per line and the cumulative per quarter, from the reference data."""
    assert (REFERENSI / "lkjip_tabel_3_6.csv").exists(), f"reference data not found at {REFERENSI}"
    dpa = gen.load_dpa(REFERENSI / "dpa.csv", TAHUN)
    tahunan = gen.allocate_year(dpa, gen.load_tabel_3_6(REFERENSI / "lkjip_tabel_3_6.csv"))
    return tahunan, gen.quarterly_cumulative(dpa, tahunan, TAHUN)


# --- independent readers of the four shapes ------------------------------------------------------
@dataclass
class Row:
    """A keuangan row read back: kind is data, subtotal, rollup or total."""

    kind: str
    kode: str
    akun: str
    jenis: str
    anggaran: int
    triwulan: int
    kumulatif: int
    fisik: Decimal | None


def text_csv(path: Path, encoding: str, sep: str) -> list[list[str]]:
    """Rows of a CSV file decoded with the given encoding and separator."""
    text = path.read_bytes().decode(encoding)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))


def money_text(teks: str) -> int:
    """'Rp 1.234.567', '1.234.567,00' or '-' as an integer number of Rupiah."""
    teks = teks.replace("Rp", "").strip()
    if teks == "-":
        return 0
    nilai = Decimal(teks.replace(".", "").replace(",", "."))
    assert nilai == int(nilai), teks
    return int(nilai)


def number_cell(v) -> Decimal:
    """A numeric xlsx cell as a Decimal (text is an error here)."""
    assert isinstance(v, int | float) and not isinstance(v, bool), repr(v)
    return Decimal(str(v))


def money_cell(v) -> int:
    """A numeric xlsx cell holding whole Rupiah."""
    nilai = number_cell(v)
    assert nilai == int(nilai), v
    return int(nilai)


def jenis_of_akun(akun: str) -> str:
    """jenis_belanja of a kode rekening (5.1 operasi, 5.2 modal)."""
    return {"5.1": "operasi", "5.2": "modal"}[akun[:3]]


def classify(kode: str, uraian: str, akun: str) -> str:
    """data, subtotal (6-part code without account), rollup or total."""
    if uraian in ("JUMLAH", "TOTAL") or kode in ("JUMLAH", "TOTAL"):
        return "total"
    parts = len(kode.split("."))
    if parts in (3, 5):
        return "rollup"
    assert parts == 6, kode
    return "data" if akun else "subtotal"


def sheet(path: Path, name: str) -> list[list]:
    """Cell values of one xlsx sheet (formula cells give their cached value)."""
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def read_sekretariat(path: Path) -> list[Row]:
    """Shape A: the 'Realisasi Anggaran' sheet."""
    rows = sheet(path, "Realisasi Anggaran")
    start = next(i for i, r in enumerate(rows) if r[1] == "Kode") + 2  # skip column numbers
    hasil = []
    for r in rows[start:]:
        kode, akun, uraian = str(r[1]), str(r[2]), str(r[3])
        if not kode and uraian not in ("JUMLAH", "TOTAL"):
            continue  # blank line and signature block
        kind = classify(kode, uraian, akun)
        fisik = number_cell(r[7]) if r[7] != "" else None
        hasil.append(
            Row(
                kind,
                kode,
                akun,
                jenis_of_akun(akun) if akun else "",
                money_cell(r[4]),
                money_cell(r[5]),
                money_cell(r[6]),
                fisik,
            )
        )
    return hasil


def read_kelembagaan(path: Path) -> list[Row]:
    """Shape B: cp1252 ';' CSV with title lines."""
    lines = text_csv(path, "cp1252", ";")
    start = next(i for i, r in enumerate(lines) if r and r[0] == "Kode") + 1
    hasil = []
    for kode, uraian, akun, anggaran, tw, kum, fisik in lines[start:]:
        hasil.append(
            Row(
                classify(kode, uraian, akun),
                kode,
                akun,
                jenis_of_akun(akun) if akun else "",
                money_text(anggaran),
                money_text(tw),
                money_text(kum),
                Decimal(fisik.replace(",", ".")) if fisik else None,
            )
        )
    return hasil


def read_pemberdayaan(path: Path) -> list[Row]:
    """Shape C: UTF-8-BOM ',' CSV with 'Rp' amounts."""
    lines = text_csv(path, "utf-8-sig", ",")
    assert lines[0][0] == "Kode Kegiatan/Sub Kegiatan"
    jenis = {"Belanja Operasi": "operasi", "Belanja Modal": "modal", "": ""}
    hasil = []
    for kode, uraian, jb, pagu, real, kum, _ket in lines[1:]:
        kind = classify(kode, uraian, "x")
        hasil.append(
            Row(
                kind, kode, "", jenis[jb], money_text(pagu), money_text(real), money_text(kum), None
            )
        )
    return hasil


def read_usaha_kecil(path: Path) -> list[Row]:
    """Shape D: the 'Keuangan' sheet."""
    rows = sheet(path, "Keuangan")
    start = next(i for i, r in enumerate(rows) if r[0] == "Kode Sub Kegiatan") + 1
    hasil = []
    for r in rows[start:]:
        kode = str(r[0])
        kind = classify(kode, "", "x")
        jenis = {"Operasi": "operasi", "Modal": "modal", "": ""}[r[2]]
        fisik = number_cell(r[6]) if r[6] != "" else None
        hasil.append(
            Row(kind, kode, "", jenis, money_cell(r[3]), money_cell(r[4]), money_cell(r[5]), fisik)
        )
    return hasil


def keuangan(kode_bidang: str, q: int) -> list[Row]:
    """The keuangan rows of a bidang's committed export for a quarter."""
    folder = RAW / f"TW{q}" / kode_bidang
    if kode_bidang == "sekretariat":
        return read_sekretariat(folder / f"LRA_Sekretariat_TW{ROMAWI[q]}_{TAHUN}.xlsx")
    if kode_bidang == "kelembagaan-pengawasan":
        return read_kelembagaan(folder / f"realisasi_keuangan_tw{q}.csv")
    if kode_bidang == "pemberdayaan-koperasi":
        return read_pemberdayaan(folder / f"Realisasi TW {q} Pemberdayaan Koperasi.csv")
    return read_usaha_kecil(folder / f"usaha_kecil_tw{q}_{TAHUN}.xlsx")


def indicator_value(v) -> Decimal | None:
    """An indicator realisation cell (number, Indonesian text or empty)."""
    if v in ("", None):
        return None
    if isinstance(v, str):
        return Decimal(v.replace(".", "").replace(",", "."))
    return number_cell(v)


def kinerja(kode_bidang: str, q: int) -> list[tuple[str, str, str, str, Decimal | None]]:
    """(kode, indikator, satuan, target, realisasi) rows of the bidang's kinerja table."""
    folder = RAW / f"TW{q}" / kode_bidang
    if kode_bidang == "sekretariat":
        rows = sheet(folder / f"LRA_Sekretariat_TW{ROMAWI[q]}_{TAHUN}.xlsx", "Kinerja")
        start = next(i for i, r in enumerate(rows) if r[1] == "Kode") + 1
        rows = [r[1:6] for r in rows[start:]]
    elif kode_bidang == "usaha-kecil":
        rows = sheet(folder / f"usaha_kecil_tw{q}_{TAHUN}.xlsx", "Kinerja")
        assert rows[0] == ["Kode", "Indikator", "Satuan", "Target", "Realisasi"]
        rows = rows[1:]
    else:
        if kode_bidang == "kelembagaan-pengawasan":
            path, encoding, sep = folder / f"capaian_kinerja_tw{q}.csv", "cp1252", ";"
        else:
            path, encoding, sep = folder / f"Capaian Kinerja TW {q}.csv", "utf-8-sig", ","
        rows = text_csv(path, encoding, sep)[1:]
    return [(str(k), i, s, t, indicator_value(r)) for k, i, s, t, r in rows]


BIDANG = ("sekretariat", "kelembagaan-pengawasan", "pemberdayaan-koperasi", "usaha-kecil")


def stated_per_line(rows: list[Row]) -> dict[tuple[str, str], list[int]]:
    """(kode, jenis) -> [anggaran, triwulan, kumulatif] summed over the data rows."""
    hasil: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        if r.kind == "data":
            acc = hasil[(r.kode, r.jenis)]
            acc[0] += r.anggaran
            acc[1] += r.triwulan
            acc[2] += r.kumulatif
    return dict(hasil)


# --- (1) the committed data is what the generator writes ---------------------------------------
def test_regenerated_files_are_byte_identical(gen, tmp_path):
    assert gen.main(["--out", str(tmp_path), "--tahun", str(TAHUN)]) == 0
    new = {p.relative_to(tmp_path / str(TAHUN)) for p in (tmp_path / str(TAHUN)).rglob("*")}
    old = {p.relative_to(RAW) for p in RAW.rglob("*")}
    assert new == old
    for rel in sorted(p for p in old if (RAW / p).is_file()):
        assert (tmp_path / str(TAHUN) / rel).read_bytes() == (RAW / rel).read_bytes(), rel


def test_referensi_are_exact_copies():
    assert REFERENSI.exists(), f"reference data not found at {REFERENSI}"
    names = sorted(p.name for p in (RAW / "referensi").iterdir() if p.name != "opd.csv")
    assert names == ["bidang.csv", "dpa.csv", "hierarki.csv", "indikator.csv", "renstra_target.csv"]
    for name in names:
        assert (RAW / "referensi" / name).read_bytes() == (REFERENSI / name).read_bytes()


def test_dpa_versions_as_assumed():
    tanggal = {r["versi"]: r["tanggal_berlaku"] for r in read_ref(RAW / "referensi" / "dpa.csv")}
    assert tanggal == {"murni": "2023-01-01", "perubahan": "2023-10-01"}


# --- (2) the year's allocation ------------------------------------------------------------------
def test_allocation_matches_tabel_3_6(allocation):
    tahunan, _ = allocation
    assert sum(tahunan.values()) == TOTAL_LAPORAN
    pagu = dpa_pagu()
    assert set(tahunan) == set(pagu)
    covered = set()
    for r in read_ref(REFERENSI / "lkjip_tabel_3_6.csv"):
        semua_jenis = r["kode_kegiatan"] == "2.17.01.1.07"  # printed as all modal
        lines = {
            b
            for b in pagu
            if b[0].startswith(r["kode_kegiatan"] + ".")
            and (semua_jenis or b[1] == r["jenis_belanja"])
        }
        assert lines, r
        assert sum(tahunan[b] for b in lines) == int(r["realisasi"]), r["kode_kegiatan"]
        covered |= lines
    assert sum(tahunan[b] for b in MODAL_DI_LUAR_TABEL_BARIS) == MODAL_DI_LUAR_TABEL
    assert covered | MODAL_DI_LUAR_TABEL_BARIS == set(pagu)
    assert not covered & MODAL_DI_LUAR_TABEL_BARIS
    for b, nilai in tahunan.items():
        assert 0 <= nilai <= pagu[b].get("perubahan", 0), b
    # 2.17.01.1.07 is spread over its DPA classes: the operasi line 07.11 gets its share.
    assert tahunan[("2.17.01.1.07.11", "operasi")] > 0
    assert tahunan[("2.17.01.1.07.02", "modal")] == 0


@given(
    total=st.integers(min_value=0, max_value=10**13),
    weights=st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=6),
)
def test_largest_remainder_is_exact_and_proportional(gen, total, weights):
    if sum(weights) == 0:
        return
    parts = gen.largest_remainder(total, weights)
    assert sum(parts) == total
    for part, w in zip(parts, weights, strict=True):
        exact = Decimal(total) * w / sum(weights)
        assert abs(Decimal(part) - exact) < 1


# --- (3) quarters ---------------------------------------------------------------------------------
def test_quarterly_cumulative_within_pagu_in_force(allocation):
    tahunan, kumulatif = allocation
    pagu = dpa_pagu()
    for b, kum in kumulatif.items():
        assert len(kum) == 4
        assert list(kum) == sorted(kum), b
        assert kum[3] == tahunan[b], b
        for q, nilai in zip(TRIWULAN, kum, strict=True):
            assert 0 <= nilai <= pagu_in_force(pagu[b], q), (b, q)


def test_quarterly_cumulative_caps_at_murni_and_waits_without_it(gen):
    dpa = gen.Dpa(
        pagu={
            ("9.99.01.1.01.01", "operasi"): {"murni": 100, "perubahan": 1_000},
            ("9.99.01.1.01.02", "operasi"): {"perubahan": 500},
            ("9.99.01.1.01.03", "modal"): {"murni": 1_000, "perubahan": 1_000},
        },
        tanggal_berlaku={"murni": date(2023, 1, 1), "perubahan": date(2023, 10, 1)},
    )
    tahunan = {
        ("9.99.01.1.01.01", "operasi"): 900,
        ("9.99.01.1.01.02", "operasi"): 499,
        ("9.99.01.1.01.03", "modal"): 999,
    }
    kum = gen.quarterly_cumulative(dpa, tahunan, 2023)
    assert kum[("9.99.01.1.01.01", "operasi")] == (100, 100, 100, 900)
    assert kum[("9.99.01.1.01.02", "operasi")] == (0, 0, 0, 499)
    assert kum[("9.99.01.1.01.03", "modal")] == (199, 449, 699, 999)


# --- (4) the files read back ------------------------------------------------------------------
@pytest.mark.parametrize("kode_bidang", BIDANG)
def test_tw4_cumulative_sums_to_year_total(kode_bidang):
    rows = keuangan(kode_bidang, 4)
    data = [r for r in rows if r.kind == "data"]
    assert data
    assert sum(r.kumulatif for r in data) == TOTAL_TAHUN_PER_BIDANG[kode_bidang]


def test_per_bidang_totals_add_up_to_report():
    assert sum(TOTAL_TAHUN_PER_BIDANG.values()) == TOTAL_LAPORAN


@pytest.mark.parametrize("q", TRIWULAN)
@pytest.mark.parametrize("kode_bidang", BIDANG)
def test_roll_up_and_total_rows_equal_their_lines(kode_bidang, q):
    rows = keuangan(kode_bidang, q)
    data = [r for r in rows if r.kind == "data"]
    totals = [r for r in rows if r.kind == "total"]
    assert len(totals) == 1 and rows[-1].kind == "total"
    for r in rows:
        if r.kind == "data":
            continue
        if r.kind == "total":
            lines = data
        elif r.kind == "subtotal":
            lines = [d for d in data if d.kode == r.kode]
        else:
            lines = [d for d in data if d.kode.startswith(r.kode + ".")]
        assert lines, r
        for kolom in ("anggaran", "triwulan", "kumulatif"):
            assert getattr(r, kolom) == sum(getattr(d, kolom) for d in lines), (r, kolom)


@pytest.mark.parametrize("kode_bidang", BIDANG)
def test_stated_figures_agree_with_dpa_and_quarters(kode_bidang):
    pagu = dpa_pagu()
    mismatches = []
    previous_kum: dict[tuple[str, str, str], int] = defaultdict(int)
    previous_fisik: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for q in TRIWULAN:
        rows = keuangan(kode_bidang, q)
        per_line = stated_per_line(rows)
        # Every DPA line of the bidang's programs, nothing else (no R001/R002).
        assert set(per_line) == lines_of(kode_bidang), q
        for b, (anggaran, _tw, kum) in per_line.items():
            plafon = pagu_in_force(pagu[b], q)
            if anggaran != plafon:
                mismatches.append((q, kode_bidang, b, anggaran))
            assert kum <= plafon, (q, b)  # R003
            assert kum == 0 or plafon > 0, (q, b)  # R010
        for r in rows:
            if r.kind != "data":
                continue
            key = (r.kode, r.jenis, r.akun)
            assert r.triwulan >= 0
            assert r.kumulatif == previous_kum[key] + r.triwulan, (q, key)  # R005
            previous_kum[key] = r.kumulatif
            if r.fisik is not None:
                assert Decimal(0) <= r.fisik <= Decimal(100)
                assert r.fisik >= previous_fisik[(r.kode, r.jenis)], (q, key)
        for r in rows:
            if r.kind == "data" and r.fisik is not None:
                previous_fisik[(r.kode, r.jenis)] = r.fisik
    expected = [R004_DITANAM] if kode_bidang == R004_DITANAM[1] else []
    assert mismatches == expected
    if expected:
        q, _, b, _ = R004_DITANAM
        assert pagu_in_force(pagu[b], q) - R004_DITANAM[3] == 400


@pytest.mark.parametrize("q", TRIWULAN)
@pytest.mark.parametrize("kode_bidang", BIDANG)
def test_kinerja_lists_the_agreed_indicators(kode_bidang, q):
    agreed = [
        r
        for r in read_ref(RAW / "referensi" / "indikator.csv")
        if r["tahun"] == str(TAHUN) and r["kode_bidang"] == kode_bidang
    ]
    rows = kinerja(kode_bidang, q)
    assert [(k, i, s, t) for k, i, s, t, _ in rows] == [
        (r["kode"], r["indikator"], r["satuan"], r["target"]) for r in agreed
    ]
    for r, (*_, realisasi) in zip(agreed, rows, strict=True):
        setahun = Decimal(r["realisasi_tahunan"])
        if q == 4:
            assert realisasi == setahun
        elif r["polaritas"] == "rentang":
            assert realisasi is None
        else:
            assert realisasi == (setahun * q // 4), r["kode"]


# --- (5) file layout and dialects -------------------------------------------------------------
def expected_files(q: int) -> dict[str, list[str]]:
    """The file names each bidang folder must hold in a quarter."""
    return {
        "kelembagaan-pengawasan": sorted(
            [f"capaian_kinerja_tw{q}.csv", f"realisasi_keuangan_tw{q}.csv"]
        ),
        "pemberdayaan-koperasi": sorted(
            [f"Capaian Kinerja TW {q}.csv", f"Realisasi TW {q} Pemberdayaan Koperasi.csv"]
        ),
        "sekretariat": [f"LRA_Sekretariat_TW{ROMAWI[q]}_{TAHUN}.xlsx"],
        "usaha-kecil": [f"usaha_kecil_tw{q}_{TAHUN}.xlsx"],
    }


def test_file_layout():
    assert sorted(p.name for p in RAW.iterdir()) == ["TW1", "TW2", "TW3", "TW4", "referensi"]
    for q in TRIWULAN:
        folder = RAW / f"TW{q}"
        found = {d.name: sorted(f.name for f in d.iterdir()) for d in folder.iterdir()}
        assert found == expected_files(q), q


@pytest.mark.parametrize("q", TRIWULAN)
def test_csv_dialects(q):
    for path in (RAW / f"TW{q}" / "kelembagaan-pengawasan").iterdir():
        data = path.read_bytes()
        data.decode("cp1252")
        assert data.count(b"\n") == data.count(b"\r\n") > 0, path
    keuangan_b = RAW / f"TW{q}" / "kelembagaan-pengawasan" / f"realisasi_keuangan_tw{q}.csv"
    title = keuangan_b.read_bytes().split(b"\r\n")[0]
    assert b" \x96 TRIWULAN " in title and title.endswith(b";" * 6)
    for path in (RAW / f"TW{q}" / "pemberdayaan-koperasi").iterdir():
        assert path.read_bytes().startswith(b"\xef\xbb\xbf"), path
