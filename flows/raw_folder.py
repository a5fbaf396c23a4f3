"""The raw folder: each bidang's files per quarter, the entries refused unread, and the
year's reference files, found, hashed and read.

The steps of the library core (flows/consolidation.py) that touch raw/; the logic of what
the cells mean stays in transforms/.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from flows.readers import BATAS, is_ignored, read_file
from schemas.limits import MAX_ROWS_PER_SUBMISSION
from schemas.reference_models import REFERENSI, WAJIB_ADA
from schemas.types import grouped
from transforms.findings import empty_draft
from transforms.ingest import Submission, empty_submission, ingest, note
from transforms.reference_files import (
    Reference,
    locate_reference_header,
    missing_columns,
    validate_reference,
)
from transforms.sheets import ReadResult, faithful

REFERENSI_DIR = "referensi"
REFERENSI_SUFFIXES = (".csv", ".xlsx", ".xls")
_TW = re.compile(r"^tw\s*([1-4])$", re.IGNORECASE)
# Folders below a bidang folder are walked this deep (their files are out of place anyway).
MAX_DEPTH = 8

# Why an entry of the raw folder is refused unread (V001:ditolak, and in the manifest).
LUAR_RAW = "tautan (symlink) yang menunjuk ke luar folder raw"
TAUTAN_RUSAK = "tautan (symlink) yang rusak atau berputar: tujuannya tidak dapat dibuka"
BUKAN_BERKAS = "bukan berkas biasa (pipa/FIFO, perangkat atau soket)"
TANPA_IZIN = "tidak dapat dibaca: izin ditolak"
FOLDER_KOSONG = "folder kosong, bukan berkas"
FOLDER_ULANG = "tautan (symlink) ke folder yang sudah dibaca"
TERLALU_DALAM = f"folder bertingkat lebih dari {MAX_DEPTH} lapis"


class LkjipError(Exception):
    """A run that cannot go on; the message is one line for the operator."""


@dataclass(frozen=True)
class Office:
    """One office of a raw folder: its code (None for a single-office raw folder without
    opd.csv) and its folder relative to raw ("" when raw holds one office)."""

    kode_opd: str | None = None
    folder: str = ""

    def year_dir(self, raw: Path, tahun: int) -> Path:
        """-> the office's folder of the year: raw/<tahun>, or raw/<kode_opd>/<tahun>."""
        return (raw / self.folder if self.folder else raw) / str(tahun)


SINGLE = Office()
"""The office of a raw folder laid out as raw/<tahun>/..."""

OFFICE_LIST = "opd"
"""raw/referensi/opd.csv: the offices of a raw folder of many (one folder per kode_opd)."""


@dataclass(frozen=True)
class SubmissionFolder:
    """Where one bidang's files for one quarter are (of one office, when there are several)."""

    tahun: int
    triwulan: int
    kode_bidang: str
    files: tuple[Path, ...]
    kode_opd: str | None = None
    office_folder: str = ""

    @property
    def label(self) -> str:
        """-> how logs, task runs and cache keys name it: TW4-sekretariat, and in a raw
        folder of many offices TW4-sekretariat-<office folder> (files are named from raw,
        so two offices' identical files are never the same cached result)."""
        office = f"-{self.office_folder}" if self.office_folder else ""
        return f"TW{self.triwulan}-{self.kode_bidang}{office}"


@dataclass(frozen=True)
class Refusal:
    """An entry of the raw folder refused unread (a link out of raw, a FIFO, ...) and why."""

    triwulan: int
    kode_bidang: str | None
    path: Path
    reason: str


@dataclass(frozen=True)
class Discovery:
    """What a raw folder holds for a year up to a quarter.

    `kiriman` and `salah_tempat` hold regular files inside the raw folder only; every
    other entry is in `ditolak`, so nothing downstream reads or hashes it.
    """

    submissions: tuple[SubmissionFolder, ...]
    misplaced: tuple[tuple[int, Path], ...] = ()
    quarter_folders: dict[int, Path] = field(default_factory=dict)
    refused: tuple[Refusal, ...] = ()


def relative(path: Path, raw: Path) -> str:
    """File path -> its path relative to the raw folder, as findings and the manifest name it.

    Bytes of the name that are not UTF-8 are shown as \\xNN (see sheets.faithful).
    """
    return faithful(path.relative_to(raw).as_posix())


def refusal(path: Path, root: Path) -> str | None:
    """An entry of the raw folder -> why it must not be read, or None for a regular file or
    a folder that is inside `root` (the resolved raw folder) once every link is followed."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
        return TAUTAN_RUSAK
    if not target.is_relative_to(root):
        return LUAR_RAW
    try:
        mode = target.stat().st_mode
    except OSError:
        return TAUTAN_RUSAK
    if stat.S_ISDIR(mode):
        return None if os.access(target, os.R_OK | os.X_OK) else TANPA_IZIN
    if stat.S_ISREG(mode):
        return None if os.access(target, os.R_OK) else TANPA_IZIN
    return BUKAN_BERKAS


def sha256(path: Path) -> str:
    """File -> hex sha256 of its bytes (hashed once per process while its stat holds)."""
    info = path.stat()
    key = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    return _sha256(str(path.resolve()), key)


@functools.lru_cache(maxsize=1 << 16)
def _sha256(path: str, stat_key: tuple) -> str:  # noqa: ARG001 (stat_key keys the cache)
    """File path (+ inode, size, mtime and ctime as cache key) -> hex sha256 of its bytes.

    Opened without blocking and checked to be a regular file on the open descriptor: a
    FIFO swapped in after discovery is refused, never waited on.
    """
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise LkjipError(f"{faithful(path)} bukan lagi berkas biasa; jalankan ulang")
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def quarter_folders(year_dir: Path) -> dict[int, Path]:
    """raw/<tahun> -> {quarter: its TW<q> entry} (TW1, tw1 and "TW 1" all count).

    The entry may be a link or anything else named like a quarter: `discover` checks it.
    """
    found: dict[int, Path] = {}
    if not year_dir.is_dir():
        return found
    for child in sorted(year_dir.iterdir()):
        match = _TW.match(child.name)
        if match:
            found.setdefault(int(match.group(1)), child)
    return found


def _listing(folder: Path) -> list[Path]:
    """Folder -> its entries, sorted, without OS litter and Excel lock files."""
    return [p for p in sorted(folder.iterdir()) if not is_ignored(p)]


@dataclass
class _FolderWalk:
    """What walking one bidang folder found: files in it, files deeper, entries refused."""

    root: Path
    files: list[Path] = field(default_factory=list)
    deeper: list[Path] = field(default_factory=list)
    refused: list[tuple[Path, str]] = field(default_factory=list)
    seen: set[Path] = field(default_factory=set)

    def walk(self, folder: Path, depth: int = 0) -> int:
        """Account for every entry of `folder` (files, refusals, subfolders); -> entries found."""
        self.seen.add(folder.resolve())
        found = 0
        for entry in _listing(folder):
            found += 1
            why = refusal(entry, self.root)
            if why is not None:
                self.refused.append((entry, why))
            elif entry.is_file():
                (self.files if depth == 0 else self.deeper).append(entry)
            elif entry.resolve() in self.seen:
                self.refused.append((entry, FOLDER_ULANG))
            elif depth + 1 > MAX_DEPTH:
                self.refused.append((entry, TERLALU_DALAM))
            elif self.walk(entry, depth + 1) == 0:
                self.refused.append((entry, FOLDER_KOSONG))
        return found


def discover(raw: Path, tahun: int, triwulan: int, office: Office = SINGLE) -> Discovery:
    """Raw folder -> each bidang's files for quarters 1..triwulan, files out of place, and
    every entry refused unread with why (links out of raw, FIFOs, devices, loops, empty
    folders named like files)."""
    root = raw.resolve()
    folders = quarter_folders(office.year_dir(raw, tahun))
    submissions: list[SubmissionFolder] = []
    misplaced: list[tuple[int, Path]] = []
    refused: list[Refusal] = []
    for q in range(1, triwulan + 1):
        folder = folders.get(q)
        if folder is None:
            continue
        why = refusal(folder, root)
        if why is None and not folder.is_dir():
            why = "bukan folder triwulan"
        if why is not None:
            refused.append(Refusal(q, None, folder, why))
            continue
        for child in _listing(folder):
            why = refusal(child, root)
            if why is not None:
                refused.append(Refusal(q, None, child, why))
                continue
            if child.is_file():
                misplaced.append((q, child))
                continue
            walked = _FolderWalk(root)
            walked.walk(child)
            kode = faithful(child.name)
            misplaced.extend((q, p) for p in walked.deeper)
            refused.extend(Refusal(q, kode, p, w) for p, w in walked.refused)
            submissions.append(
                SubmissionFolder(
                    tahun, q, kode, tuple(walked.files), office.kode_opd, office.folder
                )
            )
    return Discovery(tuple(submissions), tuple(misplaced), folders, tuple(refused))


def read_submission(sub: SubmissionFolder, raw: Path) -> list[ReadResult]:
    """A bidang's folder for a quarter -> the read result of each of its files.

    Its files together may hold MAX_ROWS_PER_SUBMISSION rows: a file that would pass that
    is read, then refused with a V001 (the files after it may still fit), so a folder of
    many large files never holds more than that in memory.
    """
    results, total = [], 0
    for path in sub.files:
        hasil = read_file(path, relative(path, raw))
        rows = sum(s.grid.height for s in hasil.lembar)
        if total + rows > MAX_ROWS_PER_SUBMISSION:
            hasil = ReadResult(
                hasil.berkas,
                problem=f"berkas ini berisi {grouped(rows)} baris; bersama berkas lain bidang "
                f"ini pada triwulan ini ({grouped(total)} baris) melebihi batas "
                f"{grouped(MAX_ROWS_PER_SUBMISSION)} baris per bidang per triwulan",
                check=BATAS,
            )
        else:
            total += rows
        results.append(hasil)
    return results


def validate_submission(
    sub: SubmissionFolder, files: list[ReadResult], known: set[str]
) -> Submission:
    """A bidang's read files -> its ingested submission; V001 only, if the bidang is unknown."""
    if sub.kode_bidang in known:
        return ingest(files, tahun=sub.tahun, triwulan=sub.triwulan, kode_bidang=sub.kode_bidang)
    drafts = [
        note(
            "V001:bidang",
            berkas=f.berkas,
            tahun=sub.tahun,
            triwulan=sub.triwulan,
            kode_bidang=sub.kode_bidang,
        )
        for f in files
    ]
    return empty_submission(pl.concat(drafts) if drafts else empty_draft())


def misplaced_findings(found: Discovery, raw: Path) -> pl.DataFrame:
    """Files outside raw/<tahun>/TW<q>/<kode_bidang>/ and entries refused unread -> one
    V001 each."""
    drafts = [
        note("V001:lokasi", berkas=relative(path, raw), triwulan=q) for q, path in found.misplaced
    ]
    drafts.extend(
        note(
            "V001:ditolak",
            berkas=relative(r.path, raw),
            triwulan=r.triwulan,
            kode_bidang=r.kode_bidang,
            sebab=r.reason,
        )
        for r in found.refused
    )
    return pl.concat(drafts) if drafts else empty_draft()


def refused_inputs(found: Discovery, raw: Path) -> list[dict]:
    """-> the entries refused unread, for the manifest: name, quarter, bidang and why
    (never a hash or a byte of what they point at)."""
    return [
        {"berkas": relative(r.path, raw), "triwulan": r.triwulan, "sebab": r.reason}
        for r in found.refused
    ]


def _reference_entry(folder: Path, nama: str) -> Path | None:
    """-> the first <folder>/<nama>.csv|.xlsx|.xls entry there is, of any kind."""
    for suffix in REFERENSI_SUFFIXES:
        path = folder / f"{nama}{suffix}"
        if os.path.lexists(path):
            return path
    return None


def reference_folder(raw: Path, tahun: int, office: Office = SINGLE) -> Path:
    """-> where an office's reference files of a year are: <year folder>/referensi."""
    return office.year_dir(raw, tahun) / REFERENSI_DIR


def reference_path(raw: Path, tahun: int, nama: str, office: Office = SINGLE) -> Path | None:
    """-> raw/<tahun>/referensi/<nama>.csv (or .xlsx / .xls), None when absent or when it is
    no regular file inside the raw folder (load_reference refuses such a one)."""
    path = _reference_entry(reference_folder(raw, tahun, office), nama)
    if path is None or refusal(path, raw.resolve()) is not None or not path.is_file():
        return None
    return path


def load_reference(raw: Path, tahun: int, nama: str, office: Office = SINGLE) -> Reference | None:
    """One reference file -> its validated rows; None when the file is absent.

    Raises LkjipError when a file is there but cannot be used at all (a link out of the
    raw folder or no regular file, unreadable, or no header row naming its required
    columns, or no row below it): nothing can be reconciled without it.
    """
    return _load_reference_in(raw, reference_folder(raw, tahun, office), nama)


def _load_reference_in(raw: Path, folder: Path, nama: str) -> Reference | None:
    """<folder>/<nama>.csv|.xlsx|.xls -> its validated rows (see load_reference)."""
    path = _reference_entry(folder, nama)
    if path is None:
        return None
    berkas = relative(path, raw)
    _refuse_unusable(raw, path)
    hasil = read_file(path, berkas)
    if hasil.problem is not None:
        raise LkjipError(f"{berkas} tidak dapat dibaca: {hasil.problem}")
    refused = [s for s in hasil.lembar if s.problem is not None]
    if refused:
        raise LkjipError(f"{berkas}, lembar '{refused[0].lembar}': {refused[0].problem}")
    sheets = [s for s in hasil.lembar if s.grid.height > 0]
    if not sheets:
        raise LkjipError(f"{berkas} kosong")
    result = validate_reference(sheets[0], nama)
    if result.rows.height == 0 and result.karantina.height == 0:
        raise LkjipError(f"{berkas}: {_why_no_rows(sheets[0].grid, nama)}")
    return result


def _why_no_rows(grid: pl.DataFrame, nama: str) -> str:
    """A reference sheet that gave no row at all -> why, in one line: its header row lacks
    required columns (named), or there is no row below its header."""
    header = locate_reference_header(grid, nama)
    if header is None:
        missing = ", ".join(missing_columns(grid, nama))
        return f"baris judul kolom tidak ditemukan (kolom wajib: {missing})"
    return (
        f"tidak ada baris data di bawah baris judul kolom (baris {header.baris}); isi "
        f"berkas ini dengan baris {nama} tahun ini"
    )


def load_references(
    raw: Path, tahun: int, office: Office = SINGLE, offices: Reference | None = None
) -> dict[str, Reference]:
    """An office's referensi folder of a year -> every reference table; LkjipError if a
    required one is missing. With `offices` (raw/referensi/opd.csv of a raw folder of many),
    the office's row of it is its `opd` reference."""
    loaded = {}
    for nama in REFERENSI:
        if offices is not None and nama == OFFICE_LIST:
            continue  # raw/referensi/opd.csv names every office of a raw folder of many
        result = load_reference(raw, tahun, nama, office)
        if result is None:
            if nama in WAJIB_ADA:
                raise _missing(nama, reference_folder(raw, tahun, office))
            continue
        loaded[nama] = result
    if offices is not None:
        loaded[OFFICE_LIST] = office_reference(offices, office)
    return loaded


def check_references(raw: Path, tahun: int, office: Office = SINGLE) -> None:
    """LkjipError, as load_references would raise it, when a required reference file of the
    office is missing or is not a regular file inside the raw folder. Only looks: reading
    every office's files twice cost a minute before a national run started."""
    folder = reference_folder(raw, tahun, office)
    for nama in WAJIB_ADA:
        path = _reference_entry(folder, nama)
        if path is None:
            raise _missing(nama, folder)
        _refuse_unusable(raw, path)


def _missing(nama: str, folder: Path) -> LkjipError:
    """-> the one-line error of a required reference file that is not there."""
    return LkjipError(f"berkas referensi {nama}.csv tidak ada di {folder}")


def _refuse_unusable(raw: Path, path: Path) -> None:
    """LkjipError when a reference file is a link out of the raw folder or not a file."""
    why = refusal(path, raw.resolve())
    if why is None and not path.is_file():
        why = "bukan berkas"
    if why is not None:
        raise LkjipError(
            f"{relative(path, raw)}: {why}; berkas referensi tidak dibaca. Letakkan berkas "
            f"biasa di {relative(path.parent, raw)}/"
        )


def office_reference(offices: Reference, office: Office) -> Reference:
    """raw/referensi/opd.csv read -> the office's own `opd` reference: its row, and the
    file's held-back rows and findings with the first office only (so they count once)."""
    rows = offices.rows.filter(pl.col("kode_opd") == office.kode_opd)
    first = offices.rows.height == 0 or offices.rows.get_column("kode_opd")[0] == office.kode_opd
    if first:
        return replace(offices, rows=rows)
    return replace(
        offices, rows=rows, karantina=offices.karantina.clear(), temuan=offices.temuan.clear()
    )


def office_list_path(raw: Path) -> Path | None:
    """-> raw/referensi/opd.csv (or .xlsx / .xls) of a raw folder of many offices, if usable."""
    path = _reference_entry(raw / REFERENSI_DIR, OFFICE_LIST)
    if path is None or refusal(path, raw.resolve()) is not None or not path.is_file():
        return None
    return path


def find_offices(raw: Path, tahun: int) -> tuple[list[Office], Reference | None]:
    """Raw folder -> its offices for the year and, for a raw folder of many, its read
    raw/referensi/opd.csv. One office when raw/<tahun> exists (its code from its own
    referensi/opd.csv, when it has one); else one per kode_opd of raw/referensi/opd.csv that
    has a folder raw/<kode_opd>/<tahun>. LkjipError in one line when neither is there."""
    if (raw / str(tahun)).is_dir():
        own = load_reference(raw, tahun, "opd")
        codes = own.rows.get_column("kode_opd").to_list() if own is not None else []
        return [Office(codes[0] if codes else None)], None
    offices = _load_reference_in(raw, raw / REFERENSI_DIR, OFFICE_LIST)
    if offices is None:
        raise LkjipError(
            f"folder {raw / str(tahun)} tidak ada, dan tidak ada daftar kantor "
            f"{raw / REFERENSI_DIR / 'opd.csv'} untuk folder raw berisi banyak kantor "
            f"(raw/<kode_opd>/{tahun}/...)"
        )
    codes = list(dict.fromkeys(offices.rows.get_column("kode_opd").to_list()))
    present = [Office(k, faithful(k)) for k in codes if (raw / k / str(tahun)).is_dir()]
    if not present:
        raise LkjipError(
            f"tidak ada folder tahun {tahun} untuk kantor mana pun di "
            f"{raw / REFERENSI_DIR / 'opd.csv'} (contoh: {raw / codes[0] / str(tahun)})"
            if codes
            else f"{raw / REFERENSI_DIR / 'opd.csv'} tidak berisi kantor"
        )
    return present, offices


def unlisted_offices(raw: Path, tahun: int, offices: list[Office]) -> pl.DataFrame:
    """A raw folder of many offices -> one V001 for each folder raw/<name>/<tahun> that is
    not an office of raw/referensi/opd.csv (its files are not read)."""
    listed = {o.folder for o in offices}
    drafts = [
        note("V001:opd", berkas=relative(child, raw), tahun=tahun)
        for child in _listing(raw)
        if child.name != REFERENSI_DIR
        and faithful(child.name) not in listed
        and (child / str(tahun)).is_dir()
    ]
    return pl.concat(drafts) if drafts else empty_draft()
