"""A raw folder of many offices (raw/<kode_opd>/<tahun>/..., raw/referensi/opd.csv): each
office consolidated as if alone, every table carrying kode_opd and partitioned by it, one
report per office named from opd.csv and an overview of all offices."""

from __future__ import annotations

import shutil
from pathlib import Path

import fixtures_faults as faults
import polars as pl
import pytest
from cli_runner import run_lkjip
from polars.testing import assert_frame_equal

from flows.consolidation import Consolidation, consolidate_year
from flows.prefect_flow import konsolidasi

ROOT = Path(__file__).resolve().parents[1]
TAHUN = 2023
OFFICES = {
    "1.01.0.00.0.00.01.0000": ("Dinas Pendidikan", "Provinsi Banten"),
    "2.17.0.00.0.00.01.0000": ("Dinas Koperasi, Usaha Kecil dan Menengah", "Provinsi Banten"),
    "3.27.0.00.0.00.01.0000": ("Dinas Perindustrian dan Perdagangan", "Kota Serang"),
}


def write_offices(root: Path) -> Path:
    """-> a raw folder of three offices made from the demo: one as sent, one without
    usaha-kecil's TW2, one with a minus sign typed at line 15 of a TW4 CSV."""
    (root / "referensi").mkdir(parents=True)
    lines = ["kode_opd;nama_opd;pemerintah_daerah"]
    lines += [f"{k};{n};{p}" for k, (n, p) in OFFICES.items()]
    (root / "referensi" / "opd.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    first, second, third = OFFICES
    for kode in OFFICES:
        shutil.copytree(ROOT / "raw" / str(TAHUN), root / kode / str(TAHUN))
    faults.missing_quarter(root / second)
    faults.minus_sign(root / third)
    return root


@pytest.fixture(scope="module")
def offices_raw(tmp_path_factory) -> Path:
    return write_offices(tmp_path_factory.mktemp("offices") / "raw")


@pytest.fixture(scope="module")
def together(offices_raw: Path) -> Consolidation:
    return consolidate_year(offices_raw, TAHUN, 4)


@pytest.fixture(scope="module")
def flow_run(offices_raw: Path, prefect_api, tmp_path_factory) -> dict:
    """The three offices through the Prefect flow on its default runner, published."""
    curated = tmp_path_factory.mktemp("curated-offices")
    result = konsolidasi(tahun=TAHUN, triwulan=4, raw=offices_raw, curated=curated)
    return {**result, "curated": curated}


def without_office(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop("kode_opd")


@pytest.mark.parametrize("kode", sorted(OFFICES))
def test_each_office_gives_what_it_gives_alone(together: Consolidation, offices_raw, kode):
    alone = consolidate_year(offices_raw / kode, TAHUN, 4)
    mine = together.tables.realisasi_anggaran.filter(pl.col("kode_opd") == kode)
    assert_frame_equal(without_office(mine), without_office(alone.tables.realisasi_anggaran))
    total = mine.filter(pl.col("triwulan") == 4).get_column("realisasi_kumulatif").sum()
    assert (
        total
        == alone.tables.realisasi_anggaran.filter(pl.col("triwulan") == 4)
        .get_column("realisasi_kumulatif")
        .sum()
    )
    rules = together.tables.temuan.filter(pl.col("kode_opd") == kode).get_column("aturan")
    assert sorted(rules.to_list()) == sorted(alone.tables.temuan.get_column("aturan").to_list())
    # Files are named from the raw folder, so a steward finds them under the office's folder.
    named = together.tables.temuan.filter(pl.col("kode_opd") == kode).get_column("berkas")
    assert all(b.startswith(f"{kode}/{TAHUN}/") for b in named.drop_nulls().to_list())


def test_every_table_names_its_office(together: Consolidation) -> None:
    for name, frame in together.tables.tables().items():
        assert frame.columns[0] == "kode_opd", name
        if frame.height:
            assert set(frame.get_column("kode_opd").to_list()) <= set(OFFICES), name
    assert together.tables.temuan.get_column("temuan_id").is_unique().all()
    # The faults stay with their office.
    v004 = together.tables.temuan.filter(pl.col("aturan") == "V004")
    assert v004.get_column("kode_opd").to_list() == [list(OFFICES)[2]]


def test_spilling_asal_angka_office_by_office_keeps_every_table(
    together: Consolidation, offices_raw: Path, tmp_path: Path
) -> None:
    spilled = consolidate_year(offices_raw, TAHUN, 4, spill=tmp_path)
    assert spilled.tables.asal_angka.height == 0
    assert spilled.spilled == {"asal_angka": together.tables.asal_angka.height}
    for kode in OFFICES:
        assert (tmp_path / "asal_angka" / f"kode_opd={kode}" / "triwulan=4").is_dir()
    assert_frame_equal(spilled.table("asal_angka"), together.tables.asal_angka)
    for name, frame in together.tables.tables().items():
        if name != "asal_angka":
            assert_frame_equal(spilled.tables.tables()[name], frame)
    # The gate's frames made office by office are those of the whole tables.
    from transforms.gate_checks import gate_frames

    whole = gate_frames(together.tables.tables())
    for name, frame in whole.items():
        assert_frame_equal(spilled.gate[name], frame, check_row_order=False)


def test_an_office_folder_not_in_opd_csv_is_a_finding(tmp_path: Path) -> None:
    raw = write_offices(tmp_path / "raw")
    shutil.copytree(ROOT / "raw" / str(TAHUN), raw / "9.99.0.00.0.00.01.0000" / str(TAHUN))
    result = consolidate_year(raw, TAHUN, 1)
    found = result.tables.temuan.filter(pl.col("aturan") == "V001")
    assert found.select("berkas").rows() == [("9.99.0.00.0.00.01.0000",)]
    assert "tidak tercantum di referensi/opd.csv" in found.get_column("pesan")[0]


def test_three_offices_publish_by_office_and_report_each_one(
    flow_run: dict, together: Consolidation, subprocess_env, tmp_path: Path
) -> None:
    curated = flow_run["curated"]
    for kode in OFFICES:
        part = curated / "realisasi_anggaran" / f"tahun={TAHUN}" / f"kode_opd={kode}"
        assert (part / "triwulan=4" / "part-0.parquet").is_file()
        assert (curated / "temuan" / f"tahun={TAHUN}" / f"kode_opd={kode}").is_dir()
    # The flow's tables are the library core's: every one, asal_angka too, which the flow
    # wrote office by office to its spill folder (gone after the run) and the core kept.
    published = faults.published_tables(curated)
    for name, mine in together.tables.tables().items():
        if name == "temuan_selesai":
            continue  # the flow's is against no release, like the core's: both empty
        theirs = published[name].select(mine.columns).cast(mine.schema)
        assert_frame_equal(theirs, mine, check_row_order=False, check_dtypes=False), name
    assert together.tables.asal_angka.height > 1_000
    assert not list((curated / ".rilis").glob("sementara-*"))

    out = tmp_path / "laporan"
    done = run_lkjip(
        ["report", "--tahun", str(TAHUN), "--curated", str(curated), "--out", str(out)],
        subprocess_env,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    overview = (out / f"lkjip_{TAHUN}_opd.html").read_text(encoding="utf-8")
    for kode, (nama, pemda) in OFFICES.items():
        page = (out / kode / f"lkjip_{TAHUN}.html").read_text(encoding="utf-8")
        assert nama.replace(",", "") in page.replace(",", ""), kode
        assert pemda in page
        assert f'href="{kode}/lkjip_{TAHUN}.html"' in overview
        assert (out / kode / f"lkjip_{TAHUN}.xlsx").is_file()
    # The office with an error finding shows it in the overview; the others none.
    assert overview.count("<tr>") == 1 + len(OFFICES)

    failures = run_lkjip(
        ["failures", "--tahun", str(TAHUN), "--curated", str(curated)], subprocess_env, tmp_path
    )
    assert failures.returncode == 0, failures.stderr
    assert "V004" in failures.stdout
    # A steward of one office sees that office's findings only.
    first, _, third = OFFICES
    args = ["failures", "--tahun", str(TAHUN), "--curated", str(curated), "--opd"]
    own = run_lkjip([*args, third, "--aturan", "V004"], subprocess_env, tmp_path)
    assert own.returncode == 0, own.stderr
    assert "V004" in own.stdout and "1 temuan" in own.stdout
    other = run_lkjip([*args, first, "--aturan", "V004"], subprocess_env, tmp_path)
    assert other.returncode == 0, other.stderr
    assert "Tidak ada temuan untuk pilihan ini." in other.stdout
    typo = run_lkjip([*args, "9.99"], subprocess_env, tmp_path)
    assert typo.returncode == 2
    assert "--opd '9.99' tidak dikenal" in typo.stderr and third in typo.stderr


def test_the_offices_on_a_dask_cluster_give_the_same_tables(
    flow_run: dict, offices_raw: Path, prefect_api, tmp_path, monkeypatch
) -> None:
    from distributed import LocalCluster
    from prefect_dask import DaskTaskRunner

    # Workers must reach the session's server, and really recompute (not read the cache).
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    monkeypatch.setenv("PREFECT_TASKS_REFRESH_CACHE", "true")
    curated = tmp_path / "curated"
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        flow = konsolidasi.with_options(
            task_runner=DaskTaskRunner(address=cluster.scheduler_address)
        )
        result = flow(tahun=TAHUN, triwulan=4, raw=offices_raw, curated=curated)
    assert result["run_id"] == flow_run["run_id"]
    mine, theirs = faults.published_tables(curated), faults.published_tables(flow_run["curated"])
    for name, frame in theirs.items():
        assert_frame_equal(mine[name], frame, check_row_order=False)
