"""Golden tests: the demo year 2023 consolidated to TW4 and published, read back as analysts do.

The expected figures come from the real 2023 documents (../shared/reference/2023: the DPA,
bidang.csv and the report's Tabel 3.6), read here with the csv module, and from the demo
data's recipe (raw/generate_demo.py): every kegiatan realises what Tabel 3.6 printed, the
266.280.000 of capital spending the report left out sits on the modal lines of
2.17.07.1.01.01 and 2.17.08.1.01.01, and in TW4 pemberdayaan-koperasi states the anggaran
of 2.17.06.1.01.01 400 Rp below the DPA. Nothing expected here is computed by the pipeline.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from transforms.achievement import capaian, predikat

ROOT = Path(__file__).resolve().parents[1]
REFERENSI = ROOT.parent / "shared" / "reference" / "2023"
RAW = ROOT / "raw" / "2023"
TAHUN = 2023

TOTAL_LAPORAN = Decimal(25_035_654_473)
MODAL_DI_LUAR_TABEL = Decimal(266_280_000)
MODAL_DI_LUAR_TABEL_BARIS = {("2.17.07.1.01.01", "modal"), ("2.17.08.1.01.01", "modal")}
PAGU_MURNI = Decimal(27_394_781_000)
PAGU_PERUBAHAN = Decimal(26_883_994_400)
# The report put every jenis belanja of this kegiatan under modal.
KEGIATAN_SEMUA_JENIS = "2.17.01.1.07"
MONEY_COLUMNS = ("pagu", "realisasi_triwulan", "realisasi_kumulatif", "sisa_anggaran")


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a UTF-8 reference CSV."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def dpa_csv() -> dict[tuple[str, str, str], Decimal]:
    """(versi, kode_sub_kegiatan, jenis_belanja) -> pagu, from the reference dpa.csv."""
    return {
        (r["versi"], r["kode_sub_kegiatan"], r["jenis_belanja"]): Decimal(r["pagu"])
        for r in read_csv(REFERENSI / "dpa.csv")
        if r["tahun"] == str(TAHUN)
    }


def owner_of_program() -> dict[str, str]:
    """kode_program -> kode_bidang, from the reference bidang.csv."""
    return {r["kode_program"]: r["kode_bidang"] for r in read_csv(REFERENSI / "bidang.csv")}


def money(values: list) -> Decimal:
    """Exact sum of a column of Decimals (a float among them fails the test)."""
    assert all(isinstance(v, Decimal) for v in values), {type(v) for v in values}
    return sum(values, Decimal(0))


@pytest.fixture(scope="module")
def curated(demo_run) -> Path:
    return demo_run["curated"]


@pytest.fixture(scope="module")
def realisasi(curated: Path) -> pl.DataFrame:
    """The published realisasi_anggaran, every quarter, as polars reads the hive dataset."""
    return (
        pl.scan_parquet(curated / "realisasi_anggaran", hive_partitioning=True)
        .collect()
        .sort("triwulan", "kode_sub_kegiatan", "jenis_belanja")
    )


@pytest.fixture(scope="module")
def tw4(realisasi: pl.DataFrame) -> pl.DataFrame:
    return realisasi.filter(pl.col("triwulan") == 4)


# --- realisasi anggaran -----------------------------------------------------------------------
def test_year_total_is_the_reports_total_exactly(tw4):
    total = money(tw4.get_column("realisasi_kumulatif").to_list())
    assert isinstance(total, Decimal)
    assert total == TOTAL_LAPORAN


def test_each_kegiatan_of_tabel_3_6_equals_its_realisation(tw4):
    rows = read_csv(REFERENSI / "lkjip_tabel_3_6.csv")
    assert len(rows) == 14
    for row in rows:
        kegiatan = row["kode_kegiatan"]
        lines = tw4.filter(pl.col("kode_kegiatan") == kegiatan)
        if kegiatan != KEGIATAN_SEMUA_JENIS:
            lines = lines.filter(pl.col("jenis_belanja") == row["jenis_belanja"])
        assert lines.height > 0, kegiatan
        got = money(lines.get_column("realisasi_kumulatif").to_list())
        assert got == Decimal(row["realisasi"]), (kegiatan, row["jenis_belanja"])


def test_capital_the_report_left_out_sits_on_its_two_modal_lines(tw4):
    tabel = sum(Decimal(r["realisasi"]) for r in read_csv(REFERENSI / "lkjip_tabel_3_6.csv"))
    assert TOTAL_LAPORAN - tabel == MODAL_DI_LUAR_TABEL
    left_out = tw4.filter(
        pl.struct("kode_sub_kegiatan", "jenis_belanja").is_in(
            [{"kode_sub_kegiatan": k, "jenis_belanja": j} for k, j in MODAL_DI_LUAR_TABEL_BARIS]
        )
    )
    assert left_out.height == 2
    assert money(left_out.get_column("realisasi_kumulatif").to_list()) == MODAL_DI_LUAR_TABEL


def test_pagu_is_murni_before_tw4_and_perubahan_at_tw4(realisasi):
    dpa = dpa_csv()
    for q in (1, 2, 3, 4):
        versi = "perubahan" if q == 4 else "murni"
        quarter = realisasi.filter(pl.col("triwulan") == q)
        assert set(quarter.get_column("versi_dpa").to_list()) == {versi}, q
        total = money(quarter.get_column("pagu").to_list())
        assert total == (PAGU_PERUBAHAN if q == 4 else PAGU_MURNI), q
        for r in quarter.iter_rows(named=True):
            expected = dpa.get((versi, r["kode_sub_kegiatan"], r["jenis_belanja"]))
            assert r["pagu"] == expected, (q, r["kode_sub_kegiatan"], r["jenis_belanja"])


def test_every_dpa_line_in_every_quarter(realisasi):
    lines = {(k, j) for _, k, j in dpa_csv()}
    assert len(lines) == 60
    for q in (1, 2, 3, 4):
        quarter = realisasi.filter(pl.col("triwulan") == q)
        keys = list(zip(quarter["kode_sub_kegiatan"], quarter["jenis_belanja"], strict=True))
        assert len(keys) == len(set(keys)), f"a line twice in TW{q}"
        assert set(keys) == lines, q
    cut = realisasi.filter(
        (pl.col("kode_sub_kegiatan") == "2.17.01.1.07.02") & (pl.col("jenis_belanja") == "modal")
    ).sort("triwulan")
    assert cut.get_column("triwulan").to_list() == [1, 2, 3, 4]
    assert cut.get_column("pagu").to_list() == [Decimal(504_997_900)] * 3 + [Decimal(0)]
    assert cut.get_column("versi_dpa").to_list() == ["murni"] * 3 + ["perubahan"]


def test_lines_carry_their_codes_and_owner(tw4):
    owners = owner_of_program()
    for r in tw4.iter_rows(named=True):
        parts = r["kode_sub_kegiatan"].split(".")
        assert r["kode_program"] == ".".join(parts[:3])
        assert r["kode_kegiatan"] == ".".join(parts[:5])
        assert r["kode_bidang"] == owners[r["kode_program"]], r["kode_sub_kegiatan"]
        assert r["tahun"] == TAHUN


def test_sisa_anggaran_is_pagu_minus_cumulative(realisasi):
    for r in realisasi.iter_rows(named=True):
        assert r["sisa_anggaran"] == r["pagu"] - r["realisasi_kumulatif"], r


def test_cumulative_is_the_running_sum_of_quarters_and_never_decreases(realisasi):
    per_line: dict[tuple[str, str], list[tuple[int, Decimal, Decimal]]] = defaultdict(list)
    for r in realisasi.iter_rows(named=True):
        per_line[(r["kode_sub_kegiatan"], r["jenis_belanja"])].append(
            (r["triwulan"], r["realisasi_triwulan"], r["realisasi_kumulatif"])
        )
    for line, quarters in per_line.items():
        quarters.sort()
        running = Decimal(0)
        previous = Decimal(0)
        for q, triwulan, kumulatif in quarters:
            running += triwulan
            assert kumulatif == running, (line, q)
            assert kumulatif >= previous, (line, q)
            previous = kumulatif


def test_persen_realisasi_is_cumulative_over_pagu_rounded_as_printed(realisasi):
    for r in realisasi.iter_rows(named=True):
        if r["pagu"] == 0:
            assert r["persen_realisasi"] is None, r
            continue
        expected = (r["realisasi_kumulatif"] * 100 / r["pagu"]).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        assert r["persen_realisasi"] == expected, (r["kode_sub_kegiatan"], r["triwulan"])


def test_the_r004_line_uses_the_dpa_pagu_and_its_realisation_goes_through(tw4):
    line = tw4.filter(
        (pl.col("kode_sub_kegiatan") == "2.17.06.1.01.01") & (pl.col("jenis_belanja") == "operasi")
    )
    assert line.height == 1
    assert line.item(0, "pagu") == Decimal(678_380_100)  # the DPA's, not the stated 678.379.700
    assert line.item(0, "realisasi_kumulatif") > 0


def test_money_columns_are_parquet_decimal_18_2(curated):
    files = sorted((curated / "realisasi_anggaran" / f"tahun={TAHUN}").glob("triwulan=*/*.parquet"))
    assert len(files) == 4
    for path in files:
        schema = pq.read_schema(path)
        for column in MONEY_COLUMNS:
            assert schema.field(column).type == pa.decimal128(18, 2), (path, column)
    dpa = pq.read_schema(next((curated / "dpa" / f"tahun={TAHUN}").glob("*.parquet")))
    assert dpa.field("pagu").type == pa.decimal128(18, 2)
    temuan = pq.read_schema(next((curated / "temuan" / f"tahun={TAHUN}").glob("*.parquet")))
    assert temuan.field("selisih").type == pa.decimal128(18, 2)


def test_published_dpa_is_the_reference_dpa(curated):
    dpa = pl.scan_parquet(curated / "dpa", hive_partitioning=True).collect()
    got = {
        (r["versi"], r["kode_sub_kegiatan"], r["jenis_belanja"]): r["pagu"]
        for r in dpa.iter_rows(named=True)
    }
    assert dpa.height == 120
    assert got == dpa_csv()
    dates = {r["versi"]: r["tanggal_berlaku"].isoformat() for r in dpa.iter_rows(named=True)}
    assert dates == {"murni": "2023-01-01", "perubahan": "2023-10-01"}


# --- temuan -----------------------------------------------------------------------------------
def row_number_in_csv(path: Path, kode: str) -> int:
    """1-based row of the first line whose first cell is `kode`, as a spreadsheet shows it."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        for number, row in enumerate(csv.reader(f), start=1):
            if row and row[0] == kode:
                return number
    raise AssertionError(f"{kode} not in {path}")


def test_the_only_finding_is_the_planted_r004(curated):
    temuan = pl.scan_parquet(curated / "temuan", hive_partitioning=True).collect()
    assert temuan.height == 1, temuan.select("aturan", "kode", "triwulan").rows()
    f = temuan.row(0, named=True)
    berkas = "2023/TW4/pemberdayaan-koperasi/Realisasi TW 4 Pemberdayaan Koperasi.csv"
    assert f["aturan"] == "R004"
    assert f["tingkat"] == "peringatan"
    assert f["triwulan"] == 4
    assert f["kode_bidang"] == "pemberdayaan-koperasi"
    assert f["kode"] == "2.17.06.1.01.01"
    assert f["jenis_belanja"] == "operasi"
    assert f["selisih"] == Decimal(-400)
    assert f["nilai"] == "678.379.700"
    assert f["nilai_diharapkan"] == "678.380.100"
    assert f["berkas"] == berkas
    assert f["baris"] == row_number_in_csv(RAW.parent / berkas, "2.17.06.1.01.01")
    assert f["kolom"] == "Pagu Anggaran"  # the header as the bidang's file writes it
    assert "678.379.700" in f["pesan"] and "678.380.100" in f["pesan"]
    assert f["run_id"]


# --- capaian kinerja --------------------------------------------------------------------------
def test_capaian_sakip_at_tw4_is_in_range(curated):
    capaian_tw4 = (
        pl.scan_parquet(curated / "capaian_kinerja", hive_partitioning=True)
        .filter(
            (pl.col("triwulan") == 4) & (pl.col("indikator") == "Capaian SAKIP Perangkat Daerah")
        )
        .collect()
    )
    assert capaian_tw4.height == 1
    r = capaian_tw4.row(0, named=True)
    assert r["kode"] == "S1"
    assert r["polaritas"] == "rentang"
    assert (r["target_min"], r["target_max"]) == (Decimal(70), Decimal(80))
    assert r["realisasi"] == Decimal(80)
    assert r["capaian_persen"] == Decimal(100)
    assert r["predikat"] == "Sangat Tinggi"


def test_every_agreed_indicator_in_every_quarter(curated):
    agreed = [r for r in read_csv(REFERENSI / "indikator.csv") if r["tahun"] == str(TAHUN)]
    table = pl.scan_parquet(curated / "capaian_kinerja", hive_partitioning=True).collect()
    for q in (1, 2, 3, 4):
        got = table.filter(pl.col("triwulan") == q).select("kode", "indikator").rows()
        assert sorted(got) == sorted((r["kode"], r["indikator"]) for r in agreed), q
    # At TW4 each bidang reports the year's realisation the report gives.
    tw4 = {
        (r["kode"], r["indikator"]): r["realisasi"]
        for r in table.filter(pl.col("triwulan") == 4).iter_rows(named=True)
    }
    for r in agreed:
        if r["realisasi_tahunan"]:
            assert tw4[(r["kode"], r["indikator"])] == Decimal(r["realisasi_tahunan"]), r["kode"]


def hitung(rows: list[tuple]) -> pl.DataFrame:
    """(realisasi, target_min, target_max, polaritas) rows -> capaian_persen and predikat."""
    frame = pl.DataFrame(
        rows,
        schema={
            "realisasi": pl.Decimal(18, 4),
            "target_min": pl.Decimal(18, 4),
            "target_max": pl.Decimal(18, 4),
            "polaritas": pl.String,
        },
        orient="row",
    )
    return frame.with_columns(
        capaian_persen=capaian(
            pl.col("realisasi"), pl.col("target_min"), pl.col("target_max"), pl.col("polaritas")
        )
    ).with_columns(predikat=predikat(pl.col("capaian_persen")))


D = Decimal


@pytest.mark.parametrize(
    ("row", "expected", "expected_predikat"),
    [
        # Indeks Gini, lower is better: (2 × 0,354 − 0,36) / 0,354 × 100 = 98,305... -> 98,31
        ((D("0.36"), D("0.354"), D("0.354"), "negatif"), D("98.31"), "Sangat Tinggi"),
        # below the target a negatif indicator is above 100: (0,708 − 0,30) / 0,354 = 115,25...
        ((D("0.30"), D("0.354"), D("0.354"), "negatif"), D("115.25"), "Sangat Tinggi"),
        # rentang 70-80: inside, on both bounds, above and below
        ((D(75), D(70), D(80), "rentang"), D(100), "Sangat Tinggi"),
        ((D(70), D(70), D(80), "rentang"), D(100), "Sangat Tinggi"),
        ((D(80), D(70), D(80), "rentang"), D(100), "Sangat Tinggi"),
        ((D(90), D(70), D(80), "rentang"), D("112.5"), "Sangat Tinggi"),  # 90 / 80
        ((D(56), D(70), D(80), "rentang"), D("80.0"), "Tinggi"),  # 56 / 70
        # positif: 114 of 457 units = 24,945... -> 24,95
        ((D(114), D(457), D(457), "positif"), D("24.95"), "Sangat Rendah"),
        ((D(25), D(25), D(25), "positif"), D(100), "Sangat Tinggi"),
        # nothing reported yet, or no target to divide by: no capaian, no predikat
        ((None, D(25), D(25), "positif"), None, None),
        ((D(5), D(0), D(0), "positif"), None, None),
    ],
)
def test_capaian_by_polarity_by_hand(row, expected, expected_predikat):
    out = hitung([row]).row(0, named=True)
    assert out["capaian_persen"] == expected
    assert out["predikat"] == expected_predikat


@pytest.mark.parametrize(
    ("persen", "expected"),
    [
        (D("112.5"), "Sangat Tinggi"),
        (D(91), "Sangat Tinggi"),
        (D("90.99"), "Tinggi"),
        (D(76), "Tinggi"),
        (D("75.99"), "Sedang"),
        (D(66), "Sedang"),
        (D("65.99"), "Rendah"),
        (D(51), "Rendah"),
        (D("50.99"), "Sangat Rendah"),
        (D(0), "Sangat Rendah"),
    ],
)
def test_predikat_boundaries(persen, expected):
    frame = pl.DataFrame({"c": [persen]}, schema={"c": pl.Decimal(9, 2)})
    assert frame.select(predikat(pl.col("c"))).item() == expected
