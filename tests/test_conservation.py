"""Conservation: every row read ends up accepted, quarantined, or counted apart.

rows read = diterima + (karantina + ganda + tak_dikenal) + (rollup + total + nomor_kolom
+ keterangan), for every file and sheet. "Rows read" is counted here from the file with
plain readers (openpyxl, the csv module), not by the pipeline: the non-blank rows below
the header line (the first row with a cell starting "Kode"), or every non-blank row of a
sheet that has no usable header. Checked on every file of the bundled demo data and on a
faulty submission that mixes the faults of tests/test_ingest_rules.py.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from fixtures_faults import read_plainly
from fixtures_xlsx import (
    CSV_SEMICOLON_HEADER,
    PLAIN_HEADER,
    comma_rows,
    lra_rows,
    plain_rows,
    put,
    semicolon_rows,
    write_comma_csv,
    write_semicolon_csv,
    write_xlsx,
)

from flows.raw_folder import (
    discover,
    misplaced_findings,
    read_submission,
    relative,
    validate_submission,
)
from flows.readers import read_file
from transforms.findings import finalize
from transforms.ingest import Submission, ingest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "raw"
TAHUN = 2023

ACCEPTED = {"diterima"}
QUARANTINED = {"karantina", "ganda", "tak_dikenal"}
APART = {"rollup", "total", "nomor_kolom", "keterangan"}

Sheet = tuple[str, str | None]  # (berkas, lembar); lembar is None for a CSV


# --------------------------------------------------------------------------- plain readers


def header_index(rows: list[list[str | None]]) -> int | None:
    """Rows -> index of the first row with a cell starting "Kode" (every export's header)."""
    for i, row in enumerate(rows):
        if any(c is not None and c.lower().startswith("kode") for c in row):
            return i
    return None


def rows_read(path: Path, berkas: str, unusable: set[Sheet] = frozenset()) -> dict[Sheet, int]:
    """A file -> {(berkas, sheet): non-blank rows below its header, or all if it has none}.

    `unusable` names sheets the test knows carry no usable header (a required column is
    missing): all their non-blank rows are read, as for a sheet without any header.
    """
    counts = {}
    for sheet, rows in read_plainly(path).items():
        non_blank = [any(c is not None for c in row) for row in rows]
        if not any(non_blank):
            continue
        start = header_index(rows)
        if start is None or (berkas, sheet) in unusable:
            counts[(berkas, sheet)] = sum(non_blank)
        else:
            counts[(berkas, sheet)] = sum(non_blank[start + 1 :])
    return counts


# --------------------------------------------------------------------------- the pipeline's side


def statuses(kiriman: Submission) -> pl.DataFrame:
    """An ingested submission -> one row per staged row: berkas, lembar, baris, status."""
    cols = ["berkas", "lembar", "baris", "status"]
    return pl.concat(
        [
            kiriman.keuangan.select(cols),
            kiriman.kinerja.select(cols),
            kiriman.tak_dikenal.select("berkas", "lembar", "baris", status=pl.lit("tak_dikenal")),
        ],
        how="vertical_relaxed",
    )


def accounted(kiriman: Submission) -> dict[Sheet, Counter]:
    """-> {(berkas, sheet): Counter of statuses} of the submission's rows."""
    out: dict[Sheet, Counter] = {}
    for row in statuses(kiriman).iter_rows(named=True):
        out.setdefault((row["berkas"], row["lembar"]), Counter())[row["status"]] += 1
    return out


def assert_conserved(expected: dict[Sheet, int], kiriman: Submission) -> None:
    """Rows read per sheet == accepted + quarantined + counted apart, and nothing else."""
    found = accounted(kiriman)
    assert set(found) == set(expected), set(found) ^ set(expected)
    for sheet, read in expected.items():
        status = found[sheet]
        assert set(status) <= ACCEPTED | QUARANTINED | APART, (sheet, status)
        accepted = sum(status[s] for s in ACCEPTED)
        quarantined = sum(status[s] for s in QUARANTINED)
        apart = sum(status[s] for s in APART)
        assert accepted + quarantined + apart == read, (sheet, read, dict(status))
    keys = statuses(kiriman).select("berkas", "lembar", "baris")
    assert keys.height == keys.unique().height, "a row was counted twice"


# --------------------------------------------------------------------------- demo data


def _known_bidang() -> set[str]:
    with (RAW / str(TAHUN) / "referensi" / "bidang.csv").open(encoding="utf-8") as f:
        return {r["kode_bidang"] for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def demo() -> list[tuple[object, Submission]]:
    """Every bidang and quarter of raw/2023, read and ingested (no Prefect needed)."""
    found = discover(RAW, TAHUN, 4)
    known = _known_bidang()
    return [
        (sub, validate_submission(sub, read_submission(sub, RAW), known))
        for sub in found.submissions
    ]


def test_the_demo_has_every_bidang_in_every_quarter(demo) -> None:
    subs = {(sub.triwulan, sub.kode_bidang) for sub, _ in demo}
    assert subs == {(q, b) for q in (1, 2, 3, 4) for b in _known_bidang()}
    assert sum(len(sub.files) for sub, _ in demo) == 24


def test_demo_rows_are_conserved_per_file_and_sheet(demo) -> None:
    for sub, kiriman in demo:
        expected: dict[Sheet, int] = {}
        for path in sub.files:
            expected.update(rows_read(path, relative(path, RAW)))
        assert_conserved(expected, kiriman)


def test_demo_data_has_no_v_finding_at_all(demo) -> None:
    found = discover(RAW, TAHUN, 4)
    assert misplaced_findings(found, RAW).height == 0
    for sub, kiriman in demo:
        temuan = finalize(kiriman.temuan, "test")
        assert temuan.height == 0, (sub, temuan.get_column("pesan").to_list())
        status = statuses(kiriman).get_column("status")
        assert not status.is_in(list(QUARANTINED)).any(), sub


def _rupiah(text: str) -> Decimal:
    """A printed amount ("Rp 1.234.567", "648.954.357,00", "553928226") -> Decimal."""
    text = text.replace("Rp", "").strip()
    if "," in text:
        return Decimal(text.replace(".", "").replace(",", "."))
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
        return Decimal(text.replace(".", ""))
    return Decimal(text)


def _total_row_realisasi(path: Path) -> Decimal:
    """A demo keuangan export -> the realisasi triwulan its JUMLAH/TOTAL row prints."""
    for rows in read_plainly(path).values():
        header = [(c or "").lower() for c in rows[header_index(rows)]]
        if any("indikator" in h for h in header):
            continue  # the kinerja sheet of a workbook
        names = ("realisasi triwulan ini", "realisasi tw", "realisasi")
        column = next(i for i, h in enumerate(header) if h in names)
        for row in rows:
            if any(c is not None and c.upper() in ("JUMLAH", "TOTAL") for c in row):
                return _rupiah(row[column])
    raise AssertionError(f"{path}: no JUMLAH/TOTAL row")


def test_demo_money_is_conserved_each_file_sums_to_its_printed_total(demo) -> None:
    """The accepted lines of each export add up to the total row the bidang printed."""
    for sub, kiriman in demo:
        accepted = kiriman.keuangan.filter(pl.col("status") == "diterima")
        per_file = dict(
            accepted.group_by("berkas").agg(pl.col("realisasi_triwulan").sum()).iter_rows()
        )
        for path in sub.files:
            berkas = relative(path, RAW)
            if berkas not in per_file:
                continue  # a kinerja-only file
            assert per_file[berkas] == _total_row_realisasi(path), berkas
        assert len(per_file) == 1, sub  # each bidang sends exactly one keuangan file


# --------------------------------------------------------------------------- a faulty submission


@pytest.fixture
def faulty(tmp_path: Path) -> tuple[Path, list[Path], set[Sheet]]:
    """-> (raw folder, files of one submission mixing every V fault, unusable sheets)."""
    raw = tmp_path / "raw"
    folder = raw / "2023" / "TW1" / "sekretariat"
    folder.mkdir(parents=True)
    lra = put(lra_rows(), "F11", "satu juta")  # V003
    put(lra, "E9", 48_000_000)  # V008
    notes = [["CATATAN"], [], ["Realisasi gaji sesuai jadwal."]]
    workbook = write_xlsx(
        folder / "LRA_Sekretariat_TWI_2023.xlsx", {"Realisasi Anggaran": lra, "Catatan": notes}
    )  # V001 (sheet without header)
    copy = folder / "LRA_Sekretariat_TWI_2023 - Salin.xlsx"
    shutil.copyfile(workbook, copy)  # V006 identical copies
    truncated = folder / "LRA_Sekretariat_TWI_2023 (rusak).xlsx"
    truncated.write_bytes(workbook.read_bytes()[:2000])  # V001 corrupt
    empty = folder / "kosong.csv"
    empty.write_bytes(b"")  # V001 empty
    pdf = folder / "Surat Pengantar.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")  # V001 not a table format
    no_uraian = write_xlsx(
        folder / "tanpa_uraian.xlsx",
        {"Realisasi Anggaran": put(lra_rows(), "D6", "Nama Rekening")},
    )  # V001 missing required column
    broken = comma_rows()
    put(broken, "E4", "Rp 4.999.999,50")  # V003: an unquoted decimal comma splits the line
    comma = write_comma_csv(folder / "Realisasi TW 1.csv", broken)
    semicolon = semicolon_rows()
    put(semicolon, "E7", "1.234,567")  # V003 three decimals
    put(semicolon, "D9", "76.500.000,00")  # V008 total
    semicolon.append(
        [
            "2.17.01.1.01.01",
            "Belanja Makan Minum",
            "5.1.02.01.01.0052",
            "10.000.000,00",
            "2.500.000,00",
            "2.500.000,00",
            "25,00",
        ]
    )  # V006 the same key as the workbook's row 12, with other figures
    keu = write_semicolon_csv(folder / "realisasi_keuangan_tw1.csv", semicolon)
    plain = plain_rows()
    put(plain, "A4", "2.17.1.1.07.05")  # V002
    put(plain, "G4", 105)  # V007
    put(plain, "C5", "Belanja Pegawai")  # V005
    put(plain, "E6", "(1.875.900)")  # V004
    plain_path = write_xlsx(folder / "realisasi_tw1.xlsx", {"Keuangan": plain})
    summary = write_xlsx(
        folder / "ringkasan_tw1.xlsx",
        {
            "Keuangan": [
                list(PLAIN_HEADER),
                [
                    "2.17.01.1.02.01",
                    "Penyediaan Gaji dan Tunjangan ASN",
                    "Operasi",
                    100_000_000,
                    25_000_000,
                    25_000_000,
                    25,
                ],
            ]
        },
    )  # V006 per jenis belanja beside the workbook's per kode rekening
    files = [
        workbook,
        copy,
        truncated,
        empty,
        pdf,
        no_uraian,
        comma,
        keu,
        plain_path,
        summary,
    ]
    unusable = {(relative(no_uraian, raw), "Realisasi Anggaran")}
    assert CSV_SEMICOLON_HEADER[0] == "Kode"  # the header line the plain reader looks for
    return raw, files, unusable


def test_faulty_submission_rows_are_conserved_per_file_and_sheet(faulty) -> None:
    raw, files, unusable = faulty
    kiriman = ingest_faulty(raw, files)
    expected: dict[Sheet, int] = {}
    for path in files:
        if path.suffix == ".pdf" or path.stat().st_size == 0 or "rusak" in path.name:
            continue  # nothing could be read from these: zero rows, one V001 each
        expected.update(rows_read(path, relative(path, raw), unusable))
    assert_conserved(expected, kiriman)

    temuan = finalize(kiriman.temuan, "test")
    assert set(temuan.get_column("aturan")) == {f"V00{i}" for i in range(1, 9)}
    unreadable = temuan.filter((pl.col("aturan") == "V001") & pl.col("baris").is_null())
    assert set(unreadable.get_column("berkas")) == {
        "2023/TW1/sekretariat/LRA_Sekretariat_TWI_2023 (rusak).xlsx",
        "2023/TW1/sekretariat/kosong.csv",
        "2023/TW1/sekretariat/Surat Pengantar.pdf",
        "2023/TW1/sekretariat/LRA_Sekretariat_TWI_2023.xlsx",  # its sheet 'Catatan'
        "2023/TW1/sekretariat/LRA_Sekretariat_TWI_2023 - Salin.xlsx",  # the same sheet
    }


def test_faulty_submission_every_error_row_is_held_back_and_only_those(faulty) -> None:
    raw, files, _ = faulty
    kiriman = ingest_faulty(raw, files)
    temuan = finalize(kiriman.temuan, "test")
    error_rows = (
        temuan.filter((pl.col("tingkat") == "error") & pl.col("baris").is_not_null())
        .filter(pl.col("aturan") != "V001")
        .select("berkas", "lembar", "baris")
        .unique()
    )
    held = (
        statuses(kiriman)
        .filter(pl.col("status") == "karantina")
        .select("berkas", "lembar", "baris")
        .unique()
    )
    key = ["berkas", "lembar", "baris"]
    assert error_rows.sort(key, nulls_last=True).rows() == held.sort(key, nulls_last=True).rows()
    # Warnings never hold a row back: identical copies are 'ganda', V008 rows are roll-ups.
    ganda = statuses(kiriman).filter(pl.col("status") == "ganda")
    warned = temuan.filter((pl.col("aturan") == "V006") & (pl.col("tingkat") == "peringatan"))
    assert ganda.height == warned.height > 0


def test_faulty_submission_every_finding_quotes_the_cell_it_names(faulty) -> None:
    from test_faults import assert_quotes_its_cells

    from transforms.findings import place_columns

    raw, files, _ = faulty
    kiriman = ingest_faulty(raw, files)
    temuan = finalize(place_columns(kiriman.temuan, kiriman.kolom), "uji")
    assert assert_quotes_its_cells(raw, temuan) >= 6


def ingest_faulty(raw: Path, files: list[Path]) -> Submission:
    """The faulty submission's files -> ingested as sekretariat's TW1."""
    return ingest(
        [read_file(p, relative(p, raw)) for p in files],
        tahun=2023,
        triwulan=1,
        kode_bidang="sekretariat",
    )
