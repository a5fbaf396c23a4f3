"""Finding history between releases (baru, masih_ada, selesai) and accepted peringatan."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
from cli_runner import run_lkjip
from conftest import RAW
from fixtures_faults import KELEMBAGAAN_TW4, minus_sign, overspend_tw4

from schemas.curated import RealisasiAnggaran, polars_schema
from transforms import finding_history
from transforms.aggregates import absorption
from transforms.findings import draft, finalize
from transforms.run_summary import findings_per_bidang, summary_markdown

NO_NAMES = pl.DataFrame(schema={"kode": pl.String, "uraian": pl.String})

TAHUN = 2023


def _findings(rows: list[dict], run_id: str = "run-a") -> pl.DataFrame:
    """Draft rows -> published findings of one run."""
    return finalize(draft(pl.DataFrame(rows)), run_id)


R004 = {
    "aturan": "R004",
    "tahun": TAHUN,
    "triwulan": 4,
    "kode_bidang": "pemberdayaan-koperasi",
    "kode": "2.17.05.1.01.01",
    "jenis_belanja": "operasi",
    "kolom": "Pagu Anggaran",
}
V004 = {**R004, "aturan": "V004", "kode_bidang": "kelembagaan-pengawasan", "kolom": "Realisasi"}
R003 = {**R004, "aturan": "R003", "kode_bidang": "usaha-kecil", "kolom": "Realisasi s/d TW"}


def _penerimaan(*ids: str) -> pl.DataFrame:
    """temuan_ids -> penerimaan.csv rows as the run reads them."""
    return pl.DataFrame(
        {
            "berkas": ["2023/referensi/penerimaan.csv"] * len(ids),
            "lembar": [None] * len(ids),
            "baris": list(range(2, len(ids) + 2)),
            "temuan_id": list(ids),
            "alasan": ["selisih pembulatan"] * len(ids),
            "oleh": ["Kepala Dinas"] * len(ids),
        },
        schema_overrides={"lembar": pl.String, "baris": pl.Int32},
    )


def test_status_against_the_previous_release():
    before = _findings([R004, V004], "run-a")
    now = _findings([R004, R003], "run-b")
    out, resolved = finding_history.with_status(now, before, run_id="run-b")
    status = dict(out.select("aturan", "status").iter_rows())
    assert status == {"R004": "masih_ada", "R003": "baru"}
    assert resolved.get_column("aturan").to_list() == ["V004"]
    assert resolved.get_column("status").to_list() == ["selesai"]
    assert resolved.get_column("run_id").to_list() == ["run-b"]
    assert resolved.columns == out.columns


def test_first_release_is_all_new_and_a_rerun_keeps_its_statuses():
    now = _findings([R004, R003], "run-b")
    first, none = finding_history.with_status(now, None, run_id="run-b")
    assert set(first.get_column("status")) == {"baru"} and none.height == 0
    before = _findings([R004, V004], "run-a")
    second, resolved = finding_history.with_status(now, before, run_id="run-b")
    rerun = {"run_id": "run-c", "selesai_sebelumnya": resolved}
    again, kept = finding_history.with_status(now, second, ulangan=True, **rerun)
    assert again.get_column("status").to_list() == second.get_column("status").to_list()
    assert kept.get_column("temuan_id").to_list() == resolved.get_column("temuan_id").to_list()
    assert set(kept.get_column("run_id")) == {"run-c"}
    # Without `ulangan` (other inputs), the same findings are now all masih_ada.
    later, _ = finding_history.with_status(now, second, run_id="run-c")
    assert set(later.get_column("status")) == {"masih_ada"}


def test_an_older_release_without_the_new_columns_still_gives_a_history():
    before = _findings([R004], "run-a").drop("status", "diterima", "alasan_terima")
    out, _ = finding_history.with_status(_findings([R004], "run-b"), before, run_id="run-b")
    assert out.get_column("status").to_list() == ["masih_ada"]


def test_a_peringatan_is_accepted_an_error_and_an_absent_finding_are_not():
    temuan = _findings([R004, V004])
    ids = dict(temuan.select("aturan", "temuan_id").iter_rows())
    rows = _penerimaan(ids["R004"], ids["V004"], "0000000000000000")
    marked = finding_history.accepted(temuan, rows)
    diterima = dict(marked.select("aturan", "diterima").iter_rows())
    assert diterima == {"R004": True, "V004": False}
    r004 = marked.filter(pl.col("aturan") == "R004").row(0, named=True)
    assert (r004["alasan_terima"], r004["diterima_oleh"]) == ("selisih pembulatan", "Kepala Dinas")
    notes = finalize(finding_history.acceptance_findings(temuan, rows, TAHUN), "run-a")
    assert set(notes.get_column("tingkat")) == {"peringatan"}
    by_row = dict(notes.select("baris", "pesan").iter_rows())
    assert set(by_row) == {3, 4}
    assert "error tidak dapat diterima" in by_row[3] and ids["V004"] in by_row[3]
    assert "usang" in by_row[4] and "penerimaan.csv, baris 4" in by_row[4]


def test_the_summary_counts_each_status_per_bidang_and_no_accepted_warning_as_open():
    before = _findings([R004, V004], "run-a")
    now = finding_history.accepted(_findings([R004, R003], "run-b"), None)
    ids = dict(now.select("aturan", "temuan_id").iter_rows())
    now = finding_history.accepted(now, _penerimaan(ids["R004"]))
    now, resolved = finding_history.with_status(now, before, run_id="run-b")
    table = {r["kode_bidang"]: r for r in findings_per_bidang(now, resolved).to_dicts()}
    koperasi = table["pemberdayaan-koperasi"]
    assert (koperasi["peringatan"], koperasi["diterima"], koperasi["masih_ada"]) == (0, 1, 1)
    assert (table["usaha-kecil"]["error"], table["usaha-kecil"]["baru"]) == (1, 1)
    assert (
        table["kelembagaan-pengawasan"]["selesai"],
        table["kelembagaan-pengawasan"]["error"],
    ) == (
        1,
        0,
    )
    text = summary_markdown(
        run_id="run-b",
        tahun=TAHUN,
        triwulan=4,
        hitungan=pl.DataFrame({"berkas": ["a.csv"], "status": ["diterima"], "baris": [1]}),
        temuan=now,
        serapan=absorption(pl.DataFrame(schema=polars_schema(RealisasiAnggaran)), NO_NAMES),
        gate_line="lulus",
        data_docs="http://x",
        findings_path="http://y",
        selesai=resolved,
    )
    assert "1 temuan terbuka (1 error), 1 peringatan diterima, 1 selesai" in text


def _published(curated: Path, name: str) -> pl.DataFrame:
    """Curated folder -> the year's rows of a published table."""
    return pl.read_parquet(curated / name / f"tahun={TAHUN}" / "*.parquet")


def _lkjip(args: list[str], env: dict, cwd: Path):
    """`lkjip <args> --curated curated` in cwd."""
    return run_lkjip([*args, "--curated", "curated"], env, cwd)


def test_a_corrected_resubmission_resolves_a_finding_and_an_acceptance_holds(
    raw_copy: Path, subprocess_env: dict, tmp_path: Path
):
    minus_sign(raw_copy)
    run = ["run", "--tahun", "2023", "--triwulan", "4", "--raw", str(raw_copy)]
    first = _lkjip(run, subprocess_env, tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    before = _published(tmp_path / "curated", "temuan")
    assert set(before.get_column("status")) == {"baru"}
    ids = dict(before.select("aturan", "temuan_id").iter_rows())
    fixed, accepted = ids["V004"], ids["R004"]
    penerimaan = raw_copy / "2023" / "referensi" / "penerimaan.csv"

    terima = ["terima", "--tahun", "2023", "--raw", str(raw_copy)]
    refused = _lkjip(
        [*terima, "--temuan", fixed, "--alasan", "x", "--oleh", "y"], subprocess_env, tmp_path
    )
    assert refused.returncode == 1
    assert refused.stderr.startswith("lkjip: ") and refused.stderr.count("\n") == 1
    assert "error" in refused.stderr and "tidak dapat diterima" in refused.stderr
    assert not penerimaan.exists()
    reason = "Selisih pembulatan 400 Rp, tercetak di LKjIP 2023"
    ok = _lkjip(
        [*terima, "--temuan", accepted, "--alasan", reason, "--oleh", "Kepala Dinas"],
        subprocess_env,
        tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    lines = penerimaan.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "temuan_id,alasan,oleh,tanggal"
    assert lines[1].startswith(f'{accepted},"{reason}",Kepala Dinas,20')

    shutil.copyfile(RAW / KELEMBAGAAN_TW4, raw_copy / KELEMBAGAAN_TW4)  # the fix
    overspend_tw4(raw_copy)  # a new mistake
    second = _lkjip(run, subprocess_env, tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    after = _published(tmp_path / "curated", "temuan")
    status = dict(after.select("temuan_id", "status").iter_rows())
    assert fixed not in status
    assert status[accepted] == "masih_ada"
    new = {i for i, s in status.items() if s == "baru"}
    assert new and set(after.filter(pl.col("temuan_id").is_in(new))["aturan"]) >= {"R003"}
    assert all(s == "masih_ada" for i, s in status.items() if i in set(ids.values()))
    assert new.isdisjoint(before.get_column("temuan_id").to_list())
    r004 = after.filter(pl.col("temuan_id") == accepted).row(0, named=True)
    assert (r004["diterima"], r004["alasan_terima"], r004["diterima_oleh"]) == (
        True,
        reason,
        "Kepala Dinas",
    )
    resolved = _published(tmp_path / "curated", "temuan_selesai")
    assert fixed in resolved.get_column("temuan_id").to_list()
    assert set(resolved.get_column("status")) == {"selesai"}
    manifest = (tmp_path / "curated" / "manifest" / f"tahun={TAHUN}.json").read_text()
    assert "2023/referensi/penerimaan.csv" in manifest

    shown = _lkjip(["failures", "--tahun", "2023", "--status", "selesai"], subprocess_env, tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert fixed in shown.stdout and "V004" in shown.stdout and accepted not in shown.stdout
    shown = _lkjip(
        ["failures", "--tahun", "2023", "--status", "masih_ada"], subprocess_env, tmp_path
    )
    assert accepted in shown.stdout and "diterima" in shown.stdout and fixed not in shown.stdout
    bad = _lkjip(["failures", "--tahun", "2023", "--status", "beres"], subprocess_env, tmp_path)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert all(s in bad.stderr for s in ("baru", "masih_ada", "selesai"))
