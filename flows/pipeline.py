"""The I/O steps of a consolidation, as plain functions the Prefect flow calls as tasks.

Finding the files of each bidang and quarter, reading them, and loading the reference
files of the year. The logic of what the cells mean stays in transforms/.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from flows.readers import is_ignored, read_file
from schemas.referensi import REFERENSI, WAJIB_ADA
from transforms.findings import empty_draft
from transforms.ingest import Kiriman, empty_kiriman, ingest, note
from transforms.referensi import Referensi, missing_columns, validate_reference
from transforms.sheets import HasilBaca

REFERENSI_DIR = "referensi"
REFERENSI_SUFFIXES = (".csv", ".xlsx", ".xls")
_TW = re.compile(r"^tw\s*([1-4])$", re.IGNORECASE)


class LkjipError(Exception):
    """A run that cannot go on; the message is one line for the operator."""


@dataclass(frozen=True)
class FolderKiriman:
    """Where one bidang's files for one quarter are."""

    tahun: int
    triwulan: int
    kode_bidang: str
    berkas: tuple[Path, ...]


@dataclass(frozen=True)
class Penemuan:
    """What a raw folder holds for a year up to a quarter."""

    kiriman: tuple[FolderKiriman, ...]
    salah_tempat: tuple[tuple[int, Path], ...] = ()
    folder_tw: dict[int, Path] = field(default_factory=dict)


def relative(path: Path, raw: Path) -> str:
    """File path -> its path relative to the raw folder, as findings and the manifest name it."""
    return path.relative_to(raw).as_posix()


def sha256(path: Path) -> str:
    """File -> hex sha256 of its bytes (hashed once per process while its stat holds)."""
    stat = path.stat()
    key = (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    return _sha256(str(path.resolve()), key)


@functools.lru_cache(maxsize=1 << 16)
def _sha256(path: str, stat_key: tuple) -> str:  # noqa: ARG001 (stat_key keys the cache)
    """File path (+ inode, size, mtime and ctime as cache key) -> hex sha256 of its bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def quarter_folders(year_dir: Path) -> dict[int, Path]:
    """raw/<tahun> -> {quarter: its TW<q> folder} (TW1, tw1 and "TW 1" all count)."""
    found: dict[int, Path] = {}
    if not year_dir.is_dir():
        return found
    for child in sorted(year_dir.iterdir()):
        match = _TW.match(child.name)
        if child.is_dir() and match:
            found.setdefault(int(match.group(1)), child)
    return found


def discover(raw: Path, tahun: int, triwulan: int) -> Penemuan:
    """Raw folder -> each bidang's files for quarters 1..triwulan, and files out of place."""
    folders = quarter_folders(raw / str(tahun))
    submissions: list[FolderKiriman] = []
    misplaced: list[tuple[int, Path]] = []
    for q in range(1, triwulan + 1):
        folder = folders.get(q)
        if folder is None:
            continue
        for child in sorted(folder.iterdir()):
            if is_ignored(child):
                continue
            if child.is_file():
                misplaced.append((q, child))
                continue
            files, deeper = [], []
            for path in sorted(child.rglob("*")):
                if not path.is_file() or is_ignored(path):
                    continue
                (files if path.parent == child else deeper).append(path)
            misplaced.extend((q, p) for p in deeper)
            submissions.append(FolderKiriman(tahun, q, child.name, tuple(files)))
    return Penemuan(tuple(submissions), tuple(misplaced), folders)


def read_submission(sub: FolderKiriman, raw: Path) -> list[HasilBaca]:
    """A bidang's folder for a quarter -> the read result of each of its files."""
    return [read_file(path, relative(path, raw)) for path in sub.berkas]


def validate_submission(sub: FolderKiriman, files: list[HasilBaca], known: set[str]) -> Kiriman:
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
    return empty_kiriman(pl.concat(drafts) if drafts else empty_draft())


def misplaced_findings(found: Penemuan, raw: Path) -> pl.DataFrame:
    """Files outside raw/<tahun>/TW<q>/<kode_bidang>/ -> one V001 each."""
    drafts = [
        note("V001:lokasi", berkas=relative(path, raw), triwulan=q)
        for q, path in found.salah_tempat
    ]
    return pl.concat(drafts) if drafts else empty_draft()


def reference_path(raw: Path, tahun: int, nama: str) -> Path | None:
    """-> raw/<tahun>/referensi/<nama>.csv (or .xlsx / .xls), None when absent."""
    folder = raw / str(tahun) / REFERENSI_DIR
    for suffix in REFERENSI_SUFFIXES:
        path = folder / f"{nama}{suffix}"
        if path.is_file():
            return path
    return None


def load_reference(raw: Path, tahun: int, nama: str) -> Referensi | None:
    """One reference file -> its validated rows; None when the file is absent.

    Raises LkjipError when a file is there but cannot be used at all (unreadable, or no
    header row naming its required columns): nothing can be reconciled without it.
    """
    path = reference_path(raw, tahun, nama)
    if path is None:
        return None
    berkas = relative(path, raw)
    hasil = read_file(path, berkas)
    if hasil.masalah is not None:
        raise LkjipError(f"{berkas} tidak dapat dibaca: {hasil.masalah}")
    sheets = [s for s in hasil.lembar if s.grid.height > 0]
    if not sheets:
        raise LkjipError(f"{berkas} kosong")
    result = validate_reference(sheets[0], nama)
    if result.baris.height == 0 and result.karantina.height == 0:
        missing = ", ".join(missing_columns(sheets[0].grid, nama))
        raise LkjipError(f"{berkas}: baris judul kolom tidak ditemukan (kolom wajib: {missing})")
    return result


def load_references(raw: Path, tahun: int) -> dict[str, Referensi]:
    """raw/<tahun>/referensi -> every reference table; LkjipError if a required one is missing."""
    loaded = {}
    for nama in REFERENSI:
        result = load_reference(raw, tahun, nama)
        if result is None:
            if nama in WAJIB_ADA:
                raise LkjipError(
                    f"berkas referensi {nama}.csv tidak ada di {raw / str(tahun) / REFERENSI_DIR}"
                )
            continue
        loaded[nama] = result
    return loaded
