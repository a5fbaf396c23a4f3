"""A publication is never made worse by accident (issue 8, item 5).

Through the real CLI, on a private copy of the demo raw folder, one story shared by the
module (each `lkjip run` takes several seconds):

1. TW4 without usaha-kecil's folder is published (the first release);
2. usaha-kecil's folder comes back: adding a bidang-quarter is not "less", it publishes;
3. the same inputs again: no false refusal, it publishes (the same run id);
4. every bidang's TW4 folder is removed: the run refuses in one line and changes nothing;
5. the same with --paksa publishes;
then `lkjip rilis` lists the releases and `--kembali` makes the full publication current
again. The comparison itself and the rollback's refusals are also tested directly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from cli_runner import run_lkjip
from polars.testing import assert_frame_equal

from flows import releases
from flows.release_store import (
    CuratedTable,
    PublishError,
    active_manifest,
    list_releases,
    publish_year,
    restore_release,
)

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "raw"
TAHUN = 2023
BIDANG = ("kelembagaan-pengawasan", "pemberdayaan-koperasi", "sekretariat", "usaha-kecil")
RUN = ["run", "--tahun", "2023", "--triwulan", "4"]


# --- helpers ----------------------------------------------------------------------------------
def aktif(curated: Path) -> str:
    """-> the name of the year's current release."""
    return os.readlink(curated / ".rilis" / str(TAHUN) / "aktif")


def release_names(curated: Path) -> list[str]:
    """-> every release folder of the year on disk (complete or not), sorted."""
    year = curated / ".rilis" / str(TAHUN)
    return sorted(p.name for p in year.iterdir() if p.is_dir() and not p.is_symlink())


def manifest_of(curated: Path) -> dict:
    """The year's manifest, through the analysts' path."""
    return json.loads((curated / "manifest" / f"tahun={TAHUN}.json").read_text(encoding="utf-8"))


def snapshot(curated: Path) -> dict[str, pl.DataFrame]:
    """Every published table of the year, read as an analyst reads it, in a stable order."""
    tables = {}
    for entry in manifest_of(curated)["keluaran"]:
        frame = pl.scan_parquet(curated / entry["tabel"], hive_partitioning=True).collect()
        frame = frame.select(sorted(frame.columns))
        tables[entry["tabel"]] = frame.sort(frame.columns, nulls_last=True)
    return tables


def state(curated: Path) -> dict:
    """What a refused command must leave alone: the current release, its data, the folders."""
    docs = curated / "data_docs" / str(TAHUN) / "index.html"
    return {
        "aktif": aktif(curated),
        "manifest": (curated / "manifest" / f"tahun={TAHUN}.json").read_bytes(),
        "realisasi_anggaran": snapshot(curated)["realisasi_anggaran"],
        "rilis": release_names(curated),
        "data_docs": docs.read_bytes(),
    }


def assert_same_state(before: dict, after: dict) -> None:
    """Nothing changed between two `state` readings."""
    assert after["aktif"] == before["aktif"]
    assert after["manifest"] == before["manifest"]
    assert after["rilis"] == before["rilis"]
    assert after["data_docs"] == before["data_docs"]
    assert_frame_equal(after["realisasi_anggaran"], before["realisasi_anggaran"], check_exact=True)


def one_lkjip_line(result: subprocess.CompletedProcess) -> str:
    """A refused command -> its single `lkjip:` line on stderr (Prefect's log lines aside)."""
    lines = [line for line in result.stderr.splitlines() if line.startswith("lkjip:")]
    assert len(lines) == 1, result.stderr[-4000:]
    assert "Traceback" not in result.stderr, result.stderr[-4000:]
    return lines[0]


def listed_rows(stdout: str) -> dict[str, list[str]]:
    """`lkjip rilis` output (wide layout) -> release id -> its cells."""
    rows = {}
    for line in stdout.splitlines():
        if line.startswith("\u2502"):  # │ a body row
            cells = [c.strip() for c in line.strip()[1:-1].split("\u2502")]
            rows[cells[1]] = cells
    return rows


def total_last_quarter(curated: Path) -> Decimal:
    """Published realisasi_anggaran -> its total realisasi_kumulatif of TW4."""
    frame = pl.scan_parquet(curated / "realisasi_anggaran", hive_partitioning=True).collect()
    column = frame.filter(pl.col("triwulan") == 4).get_column("realisasi_kumulatif")
    return sum(column.to_list(), Decimal(0))


def rupiah_text(value: Decimal) -> str:
    """Whole Rupiah -> 'Rp 25.035.654.473', written independently of flows.releases."""
    assert value == value.to_integral_value()
    return "Rp " + format(int(value), ",").replace(",", ".")


# --- the story, once per module ---------------------------------------------------------------
@pytest.fixture(scope="module")
def story(subprocess_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Five `lkjip run`s on one curated folder, with what each left behind."""
    base = tmp_path_factory.mktemp("rilis")
    raw = base / "raw"
    shutil.copytree(RAW / str(TAHUN), raw / str(TAHUN))
    curated = base / "curated"
    tw4 = raw / str(TAHUN) / "TW4"
    where = ["--raw", str(raw), "--curated", str(curated)]

    def lkjip(*args: str) -> subprocess.CompletedProcess:
        return run_lkjip(list(args), subprocess_env, base)

    out: dict = {"base": base, "raw": raw, "curated": curated, "lkjip": lkjip}
    shutil.rmtree(tw4 / "usaha-kecil")
    out["first"] = lkjip(*RUN, *where)
    out["first_rilis"] = aktif(curated)

    shutil.copytree(RAW / str(TAHUN) / "TW4" / "usaha-kecil", tw4 / "usaha-kecil")
    out["added"] = lkjip(*RUN, *where)
    out["full_rilis"] = aktif(curated)
    out["full_tables"] = snapshot(curated)
    out["full_manifest"] = manifest_of(curated)

    out["rerun"] = lkjip(*RUN, *where)
    out["rerun_rilis"] = aktif(curated)
    out["rerun_manifest"] = manifest_of(curated)

    for bidang in BIDANG:
        shutil.rmtree(tw4 / bidang)
    out["before_refusal"] = state(curated)
    out["refused"] = lkjip(*RUN, *where)
    out["after_refusal"] = state(curated)

    out["forced"] = lkjip(*RUN, *where, "--paksa")
    out["forced_rilis"] = aktif(curated)
    out["forced_manifest"] = manifest_of(curated)
    return out


# --- 1-3: publishing more, or the same, is never refused --------------------------------------
def test_adding_a_bidang_quarter_is_not_less_and_publishes(story):
    assert story["first"].returncode == 0, story["first"].stderr[-3000:]
    assert story["added"].returncode == 0, story["added"].stderr[-3000:]
    assert story["full_rilis"] != story["first_rilis"]
    rows = {
        (r["triwulan"], r["kode_bidang"]): r["diterima"]
        for r in story["full_manifest"][releases.KIRIMAN]
    }
    assert sorted(rows) == [(q, b) for q in (1, 2, 3, 4) for b in BIDANG]
    assert rows[(4, "usaha-kecil")] > 0


def test_a_rerun_on_unchanged_inputs_still_publishes(story):
    assert story["rerun"].returncode == 0, story["rerun"].stderr[-3000:]
    assert story["rerun_rilis"] != story["full_rilis"]
    assert story["rerun_manifest"]["run_id"] == story["full_manifest"]["run_id"]


# --- 4: less than the current release is refused, in one line, changing nothing ---------------
def test_a_run_that_would_publish_less_refuses_in_one_line_naming_what_went_missing(story):
    refused = story["refused"]
    assert refused.returncode == 1
    line = one_lkjip_line(refused)
    assert "tidak diterbitkan" in line and "--paksa" in line
    accepted = {
        r["kode_bidang"]: r["diterima"]
        for r in story["rerun_manifest"][releases.KIRIMAN]
        if r["triwulan"] == 4
    }
    for bidang in BIDANG:
        assert f"TW4 {bidang} (tadinya {accepted[bidang]})" in line, line
    assert "TW3" not in line  # what is still there is not named
    assert story["rerun_manifest"]["run_id"] in line


def test_a_refused_run_leaves_the_current_release_as_it_was(story):
    assert_same_state(story["before_refusal"], story["after_refusal"])
    assert story["after_refusal"]["aktif"] == story["rerun_rilis"]


def test_paksa_publishes_the_smaller_result(story):
    forced = story["forced"]
    assert forced.returncode == 0, forced.stderr[-3000:]
    assert story["forced_rilis"] not in story["before_refusal"]["rilis"]
    manifest = story["forced_manifest"]
    assert manifest["run_id"] != story["full_manifest"]["run_id"]
    assert not [r for r in manifest[releases.KIRIMAN] if r["triwulan"] == 4 and r["diterima"]]
    assert total_last_quarter(story["curated"]) < total_last_quarter_of(story["full_tables"])


def total_last_quarter_of(tables: dict[str, pl.DataFrame]) -> Decimal:
    """Snapshot -> the total realisasi_kumulatif of TW4."""
    frame = tables["realisasi_anggaran"].filter(pl.col("triwulan") == 4)
    return sum(frame.get_column("realisasi_kumulatif").to_list(), Decimal(0))


# --- `lkjip rilis`: the listing, then the way back --------------------------------------------
@pytest.fixture(scope="module")
def listing(story) -> subprocess.CompletedProcess:
    """`lkjip rilis --tahun 2023` after the forced run."""
    return story["lkjip"]("rilis", "--tahun", "2023", "--curated", str(story["curated"]))


def test_rilis_lists_every_release_with_run_id_date_findings_and_total(story, listing):
    assert listing.returncode == 0, listing.stderr
    rows = listed_rows(listing.stdout)
    names = [story["first_rilis"], story["full_rilis"], story["rerun_rilis"], story["forced_rilis"]]
    assert list(rows) == names  # oldest first, every release kept (3 besides the current)
    full = rows[story["full_rilis"]]
    assert full[0] == ""
    assert full[2] == story["full_manifest"]["run_id"]
    assert full[3].endswith(" WIB") and full[3][:4].isdigit()
    assert full[4] == "0 error, 1 peringatan"  # the planted R004
    assert full[5] == f"TW4: {rupiah_text(total_last_quarter_of(story['full_tables']))}"
    assert full[5] == "TW4: Rp 25.035.654.473"
    forced = rows[story["forced_rilis"]]
    assert forced[0] == "ya"
    assert [r[0] for r in rows.values()].count("ya") == 1
    temuan = story["forced_manifest"]["temuan"]
    assert temuan.get("peringatan", 0) >= 4  # at least R006 for each bidang's missing TW4
    assert forced[4] == f"{temuan.get('error', 0)} error, {temuan['peringatan']} peringatan"
    assert forced[5] == f"TW4: {rupiah_text(total_last_quarter(story['curated']))}"
    assert "4 rilis disimpan" in listing.stdout


def test_rilis_on_a_narrow_terminal_keeps_each_release_id_on_one_line(story, subprocess_env):
    args = ["rilis", "--tahun", "2023", "--curated", str(story["curated"])]
    narrow = run_lkjip(args, subprocess_env, story["base"], columns=80)
    assert narrow.returncode == 0, narrow.stderr
    assert all(len(line) <= 80 for line in narrow.stdout.splitlines())
    for name in (story["first_rilis"], story["forced_rilis"]):
        assert name in narrow.stdout


@pytest.fixture(scope="module")
def unknown(story, listing) -> dict:  # noqa: ARG001 (after the listing)
    """`lkjip rilis --kembali` with an id no release has, and the state around it."""
    curated = story["curated"]
    before = state(curated)
    result = story["lkjip"](
        "rilis", "--tahun", "2023", "--curated", str(curated), "--kembali", "2023-tw4-000000000000"
    )
    return {"result": result, "before": before, "after": state(curated)}


def test_kembali_with_an_unknown_id_refuses_in_one_line_and_changes_nothing(unknown):
    result = unknown["result"]
    assert result.returncode == 1
    line = one_lkjip_line(result)
    assert "2023-tw4-000000000000" in line and "lkjip rilis --tahun 2023" in line
    assert result.stdout == ""
    assert_same_state(unknown["before"], unknown["after"])


@pytest.fixture(scope="module")
def restored(story, unknown) -> dict:  # noqa: ARG001 (after the refused one)
    """`lkjip rilis --kembali`: first by a run id two releases share, then by the full id."""
    curated = story["curated"]
    args = ["rilis", "--tahun", "2023", "--curated", str(curated), "--kembali"]
    ambiguous = story["lkjip"](*args, story["full_manifest"]["run_id"])
    after_ambiguous = aktif(curated)
    result = story["lkjip"](*args, story["full_rilis"])
    return {
        "ambiguous": ambiguous,
        "after_ambiguous": after_ambiguous,
        "result": result,
        "tables": snapshot(curated),
        "manifest": manifest_of(curated),
        "active_manifest": active_manifest(curated, TAHUN),
    }


def test_kembali_with_a_run_id_of_two_releases_asks_for_the_full_id(story, restored):
    ambiguous = restored["ambiguous"]
    assert ambiguous.returncode == 1
    line = one_lkjip_line(ambiguous)
    assert story["full_rilis"] in line and story["rerun_rilis"] in line
    assert restored["after_ambiguous"] == story["forced_rilis"]


def test_kembali_makes_the_earlier_release_current_again(story, restored):
    result = restored["result"]
    assert result.returncode == 0, result.stderr
    assert aktif(story["curated"]) == story["full_rilis"]
    assert restored["manifest"] == story["full_manifest"]
    assert restored["active_manifest"] == story["full_manifest"]
    assert sorted(restored["tables"]) == sorted(story["full_tables"])
    for name, frame in story["full_tables"].items():
        assert_frame_equal(restored["tables"][name], frame, check_exact=True)
    rows = listed_rows(result.stdout)
    assert rows[story["full_rilis"]][0] == "ya"
    assert rows[story["forced_rilis"]][0] == ""
    # Nothing was deleted: every release is still there.
    assert release_names(story["curated"]) == sorted(
        [story["first_rilis"], story["full_rilis"], story["rerun_rilis"], story["forced_rilis"]]
    )


# --- the comparison, directly -----------------------------------------------------------------
def masukan(*entries: tuple[str, int]) -> list[dict]:
    """(berkas, accepted rows) -> manifest inputs."""
    return [
        {"berkas": b, "baris_per_status": {"diterima": n, "rollup": 2} if n else {"rollup": 2}}
        for b, n in entries
    ]


OLD = {
    "run_id": "2023-tw4-lama",
    "masukan": masukan(
        ("2023/referensi/dpa.csv", 120),
        ("2023/TW4/sekretariat/a.xlsx", 5),
        ("2023/TW4/sekretariat/b.csv", 2),
        ("2023/TW4/usaha-kecil/c.xlsx", 3),
        ("2023/TW3/usaha-kecil/c.xlsx", 0),
    ),
}


def test_derived_accepted_rows_sum_per_bidang_quarter_and_skip_references():
    got = releases.accepted_of(OLD)
    assert got == {
        releases.BidangQuarter("", 4, "sekretariat"): 7,
        releases.BidangQuarter("", 4, "usaha-kecil"): 3,
        releases.BidangQuarter("", 3, "usaha-kecil"): 0,
    }
    recorded = {releases.KIRIMAN: releases.submission_rows(OLD["masukan"])}
    assert releases.accepted_of(recorded) == got


def test_a_folder_gone_or_all_held_back_is_missing_fewer_rows_or_more_folders_are_not():
    fewer = {"masukan": masukan(("2023/TW4/sekretariat/a.xlsx", 1), ("2023/TW4/usaha-kecil/c", 1))}
    assert releases.missing(OLD, fewer) == []
    more = {"masukan": [*OLD["masukan"], *masukan(("2023/TW4/sekretariat-baru/x.csv", 4))]}
    assert releases.missing(OLD, more) == []
    held_back = {
        "masukan": masukan(("2023/TW4/sekretariat/a.xlsx", 0), ("2023/TW4/usaha-kecil/c", 3))
    }
    assert releases.missing(OLD, held_back) == [(releases.BidangQuarter("", 4, "sekretariat"), 7)]
    assert releases.missing(None, held_back) == []
    line = releases.refusal(2023, OLD, releases.missing(OLD, {"masukan": []}))
    assert "\n" not in line
    assert "TW4 sekretariat (tadinya 7), TW4 usaha-kecil (tadinya 3)" in line
    assert "TW3" not in line


def test_offices_are_told_apart():
    two = {"masukan": masukan(("opd-a/2023/TW1/umum/x.csv", 2), ("opd-b/2023/TW1/umum/x.csv", 2))}
    one = {"masukan": masukan(("opd-a/2023/TW1/umum/x.csv", 2))}
    gone = releases.missing(two, one)
    assert gone == [(releases.BidangQuarter("opd-b", 1, "umum"), 2)]
    assert gone[0][0].label() == "TW1 umum (opd-b)"
    assert releases.accepted_of({releases.KIRIMAN: releases.submission_rows(two["masukan"])}) == (
        releases.accepted_of(two)
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("25035654473"), "Rp 25.035.654.473"),
        (Decimal("1234.50"), "Rp 1.234,50"),
        (Decimal("-1875900"), "Rp -1.875.900"),
        (Decimal("0"), "Rp 0"),
        (None, "-"),
    ],
)
def test_rupiah_text(value, text):
    assert releases.rupiah(value) == text


# --- publish_year and restore_release, directly -----------------------------------------------
def tiny(kode: str) -> dict[str, CuratedTable]:
    """-> one small table to publish."""
    frame = pl.DataFrame({"kode": [kode], "pagu": [Decimal("1.00")]})
    return {"dpa": CuratedTable(frame.with_columns(pl.col("pagu").cast(pl.Decimal(18, 2))))}


def test_publish_year_refuses_less_under_its_lock_and_publishes_when_forced(tmp_path):
    first = publish_year(tmp_path, TAHUN, "2023-tw4-lama", tiny("a"), OLD)
    smaller = {"run_id": "2023-tw4-baru", "masukan": masukan(("2023/TW4/usaha-kecil/c", 3))}
    with pytest.raises(PublishError, match=r"TW4 sekretariat \(tadinya 7\)"):
        publish_year(tmp_path, TAHUN, "2023-tw4-baru", tiny("b"), smaller)
    assert aktif(tmp_path) == first.name
    assert release_names(tmp_path) == [first.name]
    forced = publish_year(tmp_path, TAHUN, "2023-tw4-baru", tiny("b"), smaller, paksa=True)
    assert aktif(tmp_path) == forced.name
    assert active_manifest(tmp_path, TAHUN)["run_id"] == "2023-tw4-baru"


def test_restore_refuses_what_is_not_a_complete_release_of_that_year(tmp_path):
    first = publish_year(tmp_path, TAHUN, "2023-tw4-a", tiny("a"), {"run_id": "2023-tw4-a"})
    other_year = publish_year(tmp_path, 2022, "2022-tw4-a", tiny("a"), {"run_id": "2022-tw4-a"})
    current = publish_year(tmp_path, TAHUN, "2023-tw4-b", tiny("b"), {"run_id": "2023-tw4-b"})
    year = tmp_path / ".rilis" / str(TAHUN)
    half = year / "2023-tw4-c_20240101T000000_00000000.tmp"
    shutil.copytree(first, half)
    broken = year / "2023-tw4-d_20240101T000000_00000000"
    shutil.copytree(first, broken)
    (broken / "dpa" / "part-0.parquet").unlink()
    for ident in (other_year.name, half.name, broken.name, "..", "aktif", "2023-tw4-d"):
        with pytest.raises(PublishError, match="tidak ada rilis lengkap"):
            restore_release(tmp_path, TAHUN, ident)
        assert aktif(tmp_path) == current.name
    assert [r.name for r in list_releases(tmp_path, TAHUN)] == [first.name, current.name]
    with pytest.raises(PublishError, match="belum ada rilis tahun 2021"):
        restore_release(tmp_path / "salah-ketik", 2021, first.name)
    assert not (tmp_path / "salah-ketik").exists()
    restored, previous = restore_release(tmp_path, TAHUN, "2023-tw4-a")
    assert (restored.name, previous) == (first.name, current.name)
    assert aktif(tmp_path) == first.name
    assert pl.read_parquet(tmp_path / "dpa" / "tahun=2023" / "*.parquet")["kode"].to_list() == ["a"]
