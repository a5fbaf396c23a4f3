"""Publishing a year's curated tables: all together or not at all.

Layout under the curated folder (the analyst reads only the first kind of path):

    <tabel>/tahun=2023                  symlink -> ../.rilis/2023/aktif/<tabel>
    .rilis/2023/aktif                   symlink -> <rilis>   (the one switch)
    .rilis/2023/<rilis>/<tabel>/[triwulan=q/]part-0.parquet
    .rilis/2023/<rilis>/manifest.json
    manifest/tahun=2023.json            symlink -> ../.rilis/2023/aktif/manifest.json

A release (`<run_id>_<time>_<random>`) is written to `<rilis>.tmp`, flushed to disk,
renamed complete, and only then made current by replacing the single `aktif` link
(rename(2) is atomic). A crash or a kill at any point leaves `aktif` on the previous
release, complete and readable; leftovers are cleared by the next publication. Old
releases are kept for rollback (`restore_release`, `lkjip rilis --kembali`).

A publication that holds less than the current release (a bidang-quarter that had
accepted rows and has none now, see flows/releases.py) is refused unless forced: the
comparison is made under the lock, against the release current at switch time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import glob
import json
import os
import re
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import polars as pl

from flows import releases

RILIS = ".rilis"
AKTIF = "aktif"
MANIFEST = "manifest.json"
DATA_DOCS = "data_docs"
PARTITION_TYPES = {"tahun": pl.Int32, "kode_opd": pl.String, "triwulan": pl.Int8}
"""The hive partition keys of the curated tables and their types, for every reader."""
KEEP_RELEASES = 3


class PublishError(Exception):
    """Publication refused; the message is one line for the operator."""


@dataclass(frozen=True)
class CuratedTable:
    """A curated table for one year: its rows, and its hive partition keys.

    Partition keys live in the folder names only (tahun=2023/triwulan=4), never inside
    the files: a key stored in both places is what makes readers clash on its type.
    """

    frame: pl.DataFrame
    partition: tuple[str, ...] = ("tahun",)
    triwulan: tuple[int, ...] = ()


def year_dir(curated: Path, tahun: int) -> Path:
    """-> curated/.rilis/<tahun>."""
    return curated / RILIS / str(tahun)


def active_release(curated: Path, tahun: int) -> Path | None:
    """-> the folder of the year's current release, None before the first publication."""
    link = year_dir(curated, tahun) / AKTIF
    if not link.is_symlink():
        return None
    target = link.parent / os.readlink(link)
    return target if target.is_dir() else None


def active_manifest(curated: Path, tahun: int) -> dict | None:
    """-> the current release's manifest of the year, None before the first publication."""
    release = active_release(curated, tahun)
    if release is None or not (release / MANIFEST).is_file():
        return None
    return json.loads((release / MANIFEST).read_text(encoding="utf-8"))


WAIT_EVERY = 5.0  # seconds between two "still waiting" messages
PUBLISH_WAIT = 60.0  # how long a publication waits for another one's switch
RUN_LOCK = ".run.lock"
PUBLISH_LOCK = ".lock"
_held_runs: dict[str, int] = {}  # run lock file -> depth held by this process
_held_guard = threading.Lock()


def holder_text(info: dict) -> str:
    """Lock holder's record -> 'pid 1234 di host, konsolidasi 2023 TW4, sejak 10:00:03 WIB'."""
    if not info:
        return "proses lain"
    parts = [f"pid {info.get('pid', '?')} di {info.get('host', '?')}"]
    if info.get("tentang"):
        parts.append(str(info["tentang"]))
    if info.get("mulai"):
        parts.append(f"sejak {releases.created_text({'dibuat': info['mulai']})}")
    return ", ".join(parts)


def _read_holder(path: Path) -> dict:
    """Lock file -> the record its holder wrote ({} when none or unreadable)."""
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _write_holder(handle, about: str) -> None:
    """Write who holds the lock into its file (best effort: a full disk must not stop here)."""
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "tentang": about,
        "mulai": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    with contextlib.suppress(OSError):
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(info, ensure_ascii=False))
        handle.flush()


@contextmanager
def _flock(path: Path, wait: float, say, busy, about: str, what: str) -> Iterator[float]:
    """Hold an exclusive flock on `path` and note who holds it; -> seconds waited.

    While another process holds it, `say(text)` is called at once and then every
    WAIT_EVERY seconds; after `wait` seconds (at once when 0) PublishError(busy(holder,
    waited)) is raised.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+", encoding="utf-8")
    except OSError as error:
        raise PublishError(os_error_text(error, f"membuka kunci {path}")) from None
    with handle:
        start = time.monotonic()
        told = start - WAIT_EVERY  # the first message comes at once
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - start
                if waited >= wait:
                    raise PublishError(busy(holder_text(_read_holder(path)), waited)) from None
                if say is not None and time.monotonic() - told >= WAIT_EVERY:
                    told = time.monotonic()
                    holder = holder_text(_read_holder(path))
                    say(f"Menunggu {what} selesai ({holder}): {waited:.0f} dari {wait:.0f} detik")
                time.sleep(0.05)  # short: a waiting run takes the lock as it is freed
        try:
            _write_holder(handle, about)
            yield time.monotonic() - start
        finally:
            with contextlib.suppress(OSError):
                handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def run_lock(curated: Path, tunggu: float = 0.0, say=None, tentang: str = "") -> Iterator[float]:
    """Hold the curated folder's run lock for a whole run (one run at a time); -> seconds waited.

    Another run holding it is refused at once (PublishError naming it), or waited for up
    to `tunggu` seconds with a message through `say` every WAIT_EVERY seconds. The lock
    is re-entrant within a process: the CLI takes it before it starts a server, and the
    flow it then runs takes it again at no cost.
    """
    path = curated / RILIS / RUN_LOCK
    key = os.path.abspath(path)
    with _held_guard:
        nested = _held_runs.get(key, 0) > 0
        if nested:
            _held_runs[key] += 1
    if nested:
        try:
            yield 0.0
        finally:
            with _held_guard:
                _held_runs[key] -= 1
        return

    def busy(holder: str, waited: float) -> str:
        if waited < 1:
            return (
                f"folder {curated} sedang dipakai run lain ({holder}); tunggu run itu selesai "
                "lalu ulangi, atau jalankan dengan --tunggu 600 agar menunggu"
            )
        return (
            f"folder {curated} masih dipakai run lain ({holder}) setelah ditunggu "
            f"{waited:.0f} detik; tidak diterbitkan, ulangi nanti atau dengan --tunggu lebih lama"
        )

    with _flock(path, tunggu, say, busy, tentang, "run lain") as waited:
        with _held_guard:
            _held_runs[key] = 1
        try:
            yield waited
        finally:
            with _held_guard:
                _held_runs.pop(key, None)


@contextmanager
def publish_lock(curated: Path, timeout: float = PUBLISH_WAIT, say=None) -> Iterator[None]:
    """Hold the curated folder's publication lock (one switch at a time)."""

    def busy(holder: str, waited: float) -> str:
        return (
            f"folder {curated} sedang dipakai publikasi lain ({holder}) selama "
            f"{waited:.0f} detik; rilis yang berlaku tidak berubah, ulangi nanti"
        )

    lock = curated / RILIS / PUBLISH_LOCK
    with _flock(lock, timeout, say, busy, "publikasi", "publikasi lain"):
        yield


def _fsync_tree(root: Path) -> None:
    """Flush every file and folder under `root` to disk."""
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    for folder in [root, *[p for p in root.rglob("*") if p.is_dir()]]:
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


_OS_ERROR = re.compile(r"\(os error (\d+)\)")

# errno -> (what went wrong, what the operator does), for the one line of a failed run.
_OS_ERRORS = {
    errno.ENOSPC: ("disk penuh", "kosongkan ruang di disk itu lalu jalankan lagi"),
    errno.EDQUOT: ("kuota disk habis", "kosongkan ruang atau minta kuota lebih lalu jalankan lagi"),
    errno.EACCES: ("tidak ada izin tulis", "beri izin tulis pada folder itu lalu jalankan lagi"),
    errno.EPERM: ("tidak ada izin tulis", "beri izin tulis pada folder itu lalu jalankan lagi"),
    errno.EROFS: ("disk hanya-baca", "pakai --curated di disk yang bisa ditulis"),
    errno.EIO: ("galat I/O pada disk", "periksa disk itu (dmesg, fsck) lalu jalankan lagi"),
}


def os_error_text(error: OSError, doing: str) -> str:
    """An OSError while `doing` -> one line for the operator: what failed and what to do."""
    what, todo = _OS_ERRORS.get(error.errno, ("galat sistem berkas", "periksa disk dan foldernya"))
    where = f" {error.filename}" if error.filename else ""
    reason = error.strerror or str(error)
    return f"{doing} gagal: {what} ({reason}{':' if where else ''}{where}); {todo}"


def _write_parquet(frame: pl.DataFrame, path: Path) -> None:
    """Frame -> one Parquet file (zstd, statistics) at `path`; a disk error as an OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        frame.write_parquet(path, compression="zstd", statistics=True)
    except pl.exceptions.PolarsError as error:  # polars reports I/O errors as ComputeError
        found = _OS_ERROR.search(str(error))
        if found is None:
            raise
        code = int(found.group(1))
        raise OSError(code, os.strerror(code), str(path)) from error


def write_table(folder: Path, table: CuratedTable) -> list[str]:
    """Table -> its Parquet files under `folder`, one per value of each partition key after
    tahun (kode_opd for many offices, then triwulan: every quarter of the run, empty ones
    too); -> their paths relative to `folder`. A key is kept inside the file where no
    folder level names it (an empty table of many offices still has its kode_opd column)."""
    keys = [k for k in table.partition if k != "tahun"]
    written: list[str] = []
    _write_parts(folder, table.frame, keys, ["tahun"], table.triwulan, "", written)
    return written


def _write_parts(
    folder: Path,
    frame: pl.DataFrame,
    keys: list[str],
    used: list[str],
    quarters: tuple[int, ...],
    prefix: str,
    written: list[str],
) -> None:
    """Write `frame` split by `keys`; `used`: the keys the path above already names."""
    values = frame.get_column(keys[0]).unique().drop_nulls().to_list() if keys else []
    if keys and keys[0] == "triwulan":
        values = sorted(set(quarters) | set(values))
    if not values:  # no partition left (or no row to split): one file here
        relative = f"{prefix}part-0.parquet"
        _write_parquet(frame.drop([c for c in used if c in frame.columns]), folder / relative)
        written.append(relative)
        return
    column = frame.get_column(keys[0])
    for value in sorted(values):
        _write_parts(
            folder,
            frame.filter(column == value),
            keys[1:],
            [*used, keys[0]],
            quarters,
            f"{prefix}{keys[0]}={value}/",
            written,
        )


def read_table(folder: Path, tahun: int | None = None) -> pl.DataFrame | None:
    """A published table's folder (`curated/<tabel>/tahun=T`, or one inside a release) ->
    its rows with the partition keys below it back as columns (kode_opd as text,
    triwulan as Int8, and `tahun` when given); None when nothing is there."""
    if not any(folder.rglob("*.parquet")):
        return None
    frame = pl.scan_parquet(
        folder,
        hive_partitioning=True,
        hive_schema=PARTITION_TYPES,
        missing_columns="insert",
    ).collect()
    if tahun is not None:
        frame = frame.with_columns(tahun=pl.lit(tahun, pl.Int32))
    return frame


def _fsync_dir(folder: Path) -> None:
    """Flush a folder's entries to disk."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _replace_link(link: Path, target: str) -> None:
    """Point symlink `link` at `target` atomically (a new link renamed over the old one).

    Called under the publication lock, so any `.<name>.<pid>.tmp` link beside it is a
    leftover of a killed publisher and is removed; a failure removes its own.
    """
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.exists() and not link.is_symlink():
        raise PublishError(f"{link} bukan tautan terbitan lkjip; pindahkan dulu folder itu")
    for stale in link.parent.glob(f".{glob.escape(link.name)}.*.tmp"):
        if stale.is_symlink():
            stale.unlink()
    temporary = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    try:
        os.symlink(target, temporary)
        os.replace(temporary, link)
    finally:
        if temporary.is_symlink():
            temporary.unlink()
    _fsync_dir(link.parent)


def _ensure_link(link: Path, target: str) -> None:
    """Make `link` a symlink to `target` unless it already is one."""
    if not (link.is_symlink() and os.readlink(link) == target):
        _replace_link(link, target)


def _ensure_table_links(curated: Path, tahun: int, names: list[str]) -> None:
    """Create curated/<tabel>/tahun=<tahun> -> ../.rilis/<tahun>/aktif/<tabel> where missing.

    Also the year's manifest link, and curated/data_docs/<tahun> when the release has
    Data Docs (a folder written there by an older lkjip is replaced by the link).
    """
    for name in names:
        _ensure_link(curated / name / f"tahun={tahun}", f"../{RILIS}/{tahun}/{AKTIF}/{name}")
    _ensure_link(
        curated / "manifest" / f"tahun={tahun}.json", f"../{RILIS}/{tahun}/{AKTIF}/{MANIFEST}"
    )
    if (year_dir(curated, tahun) / AKTIF / DATA_DOCS).is_dir():
        docs = docs_link(curated, tahun)
        if docs.is_dir() and not docs.is_symlink():
            shutil.rmtree(docs)  # generated by an older lkjip, outside any release
        _ensure_link(docs, f"../{RILIS}/{tahun}/{AKTIF}/{DATA_DOCS}")


def docs_link(curated: Path, tahun: int) -> Path:
    """-> curated/data_docs/<tahun>, the link to the current release's Data Docs."""
    return curated / DATA_DOCS / str(tahun)


def rejected_docs(curated: Path, tahun: int) -> Path:
    """-> curated/data_docs/<tahun>-ditolak, the Data Docs of the last run the gate refused."""
    return curated / DATA_DOCS / f"{tahun}-ditolak"


SPILL = "sementara-"


def spill_dir(curated: Path, tahun: int) -> Path:
    """-> a new, empty folder for the tables a run writes office by office before it
    publishes them (curated/.rilis/sementara-<tahun>-<id>; on the same disk as the
    releases, so a Dask worker writes where the flow publishes from). Taken under the run
    lock: one left by a killed run is removed first. The caller removes it when done."""
    base = curated / RILIS
    base.mkdir(parents=True, exist_ok=True)
    for old in base.glob(f"{SPILL}*"):
        shutil.rmtree(old, ignore_errors=True)
    folder = base / f"{SPILL}{tahun}-{uuid.uuid4().hex[:12]}"
    folder.mkdir()
    return folder


def _clear_leftovers(year: Path, keep: Path | None = None) -> None:
    """Remove half-written releases (`*.tmp`) left by a crash or a kill (except `keep`)."""
    for path in year.glob("*.tmp"):
        if path != keep:
            shutil.rmtree(path, ignore_errors=True)


def _prune(year: Path, keep: int) -> None:
    """Keep the active release and the `keep` most recent others; delete the rest."""
    active = os.readlink(year / AKTIF) if (year / AKTIF).is_symlink() else None
    releases = [
        p
        for p in year.iterdir()
        if p.is_dir() and not p.is_symlink() and not p.name.endswith(".tmp")
    ]
    releases.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    others = [p for p in releases if p.name != active]
    for old in others[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def new_release_name(run_id: str) -> str:
    """Run id -> a fresh release folder name, `<run_id>_<time>_<random>`.

    Same inputs give the same run_id; each publication still gets its own folder, so
    the release being replaced is never touched while the new one is written.
    """
    return f"{run_id}_{time.strftime('%Y%m%dT%H%M%S')}_{uuid.uuid4().hex[:8]}"


def staging_dir(curated: Path, tahun: int, name: str) -> Path:
    """-> the folder a release `name` is written to before it is complete (`<name>.tmp`)."""
    return year_dir(curated, tahun) / f"{name}.tmp"


def replaced_record(curated: Path, tahun: int) -> dict | None:
    """-> what the current release is (its id, run id, date), as the next one records it."""
    release = active_release(curated, tahun)
    current = active_manifest(curated, tahun)
    if release is None or current is None:
        return None
    return {"rilis": release.name, "run_id": current.get("run_id"), "dibuat": current.get("dibuat")}


def publish_year(
    curated: Path,
    tahun: int,
    run_id: str,
    tables: dict[str, CuratedTable],
    manifest: dict,
    *,
    before_switch=None,
    paksa: bool = False,
    name: str | None = None,
    say=None,
    written: dict[str, tuple[Path, int]] | None = None,
) -> Path:
    """Curated tables of a year -> a new complete release, made current atomically.

    `written`: tables whose Parquet parts were already written, partitioned as published
    (a table spilled office by office): name -> (its folder, its rows). They are copied
    into the release in place of the frame of the same name in `tables`.

    `name` is the release's folder name (new_release_name); its staging folder may
    already hold the gate's Data Docs (`data_docs/`), which are switched with it.
    `before_switch(release_dir)` runs after the release is complete on disk and before
    it becomes current (raise to refuse, and nothing changes). Unless `paksa`, a release
    holding less than the current one is refused first. The manifest records the release
    it replaced (`menggantikan`). On any failure the staging folder is removed, the
    current release stays, and a disk error becomes one PublishError line.
    """
    year = year_dir(curated, tahun)
    release = year / (name or new_release_name(run_id))
    staging = release.with_name(release.name + ".tmp")
    try:
        with publish_lock(curated, say=say):
            if not paksa:
                refuse_less(curated, tahun, manifest)
            year.mkdir(parents=True, exist_ok=True)
            _clear_leftovers(year, keep=staging)
            outputs = []
            written = written or {}
            for table_name, table in tables.items():
                if table_name in written:
                    folder, rows = written[table_name]
                    shutil.copytree(folder, staging / table_name)
                    files = sorted(
                        p.relative_to(folder).as_posix() for p in folder.rglob("*.parquet")
                    )
                else:
                    files = write_table(staging / table_name, table)
                    rows = table.frame.height
                outputs.append({"tabel": table_name, "baris": rows, "berkas": files})
            record = {
                **manifest,
                "keluaran": outputs,
                "menggantikan": replaced_record(curated, tahun),
            }
            (staging / MANIFEST).write_text(
                json.dumps(record, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
            )
            if before_switch is not None:
                before_switch(staging)
            _fsync_tree(staging)
            os.rename(staging, release)
            _replace_link(year / AKTIF, release.name)
            _ensure_table_links(curated, tahun, list(tables))
            _clear_rejected(curated, tahun)
            _prune(year, KEEP_RELEASES)
    except OSError as error:
        if _is_active(year, release.name):
            doing = f"rilis {release.name} sudah berlaku, tetapi menautkannya di {curated}"
            raise PublishError(os_error_text(error, doing)) from None
        doing = f"menerbitkan tahun {tahun} ke {curated}"
        raise PublishError(
            os_error_text(error, doing) + "; rilis yang berlaku tidak berubah"
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if not _is_active(year, release.name):
            shutil.rmtree(release, ignore_errors=True)
    return release


def _is_active(year: Path, name: str) -> bool:
    """-> whether the year's `aktif` link points at release `name`."""
    try:
        return os.readlink(year / AKTIF) == name
    except OSError:
        return False


def keep_rejected_docs(curated: Path, tahun: int, docs: Path) -> Path:
    """Data Docs of a run the gate refused -> moved to curated/data_docs/<tahun>-ditolak."""
    target = rejected_docs(curated, tahun)
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(docs, target)
    return target


def _clear_rejected(curated: Path, tahun: int) -> None:
    """Remove the Data Docs of a run the gate refused, once a later run passed it."""
    shutil.rmtree(rejected_docs(curated, tahun), ignore_errors=True)


def refuse_less(curated: Path, tahun: int, manifest: dict) -> None:
    """Raise PublishError when `manifest` holds less than the year's current release."""
    current = active_manifest(curated, tahun)
    gone = releases.missing(current, manifest)
    if gone:
        raise PublishError(releases.refusal(tahun, current, gone))


@dataclass(frozen=True)
class Release:
    """A complete release of a year on disk, as `lkjip rilis` lists it."""

    name: str
    manifest: dict
    active: bool  # the year's current release (its `aktif` link)
    realisasi_kumulatif: Decimal | None


def _read_release_manifest(folder: Path) -> dict | None:
    """Release folder -> its manifest, None when it is not a complete release."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or "run_id" not in manifest:
        return None
    try:
        files = [
            folder / k["tabel"] / b for k in manifest.get("keluaran") or [] for b in k["berkas"]
        ]
    except (KeyError, TypeError):
        return None
    return manifest if all(f.is_file() for f in files) else None


def _release_folders(year: Path) -> list[Path]:
    """-> the release folders of a year, oldest first (the order `_prune` keeps them by)."""
    if not year.is_dir():
        return []
    folders = [
        p
        for p in year.iterdir()
        if p.is_dir()
        and not p.is_symlink()
        and not p.name.endswith(".tmp")
        and not p.name.startswith(".")
    ]
    return sorted(folders, key=lambda p: (p.stat().st_mtime, p.name))


def last_quarter_total(release: Path, manifest: dict) -> Decimal | None:
    """Release -> its total realisasi_kumulatif of its last quarter, None when unreadable."""
    folder = release / "realisasi_anggaran"
    if not folder.is_dir():
        return None
    try:
        frame = pl.scan_parquet(folder, hive_partitioning=True)
        if not {"triwulan", "realisasi_kumulatif"} <= set(frame.collect_schema().names()):
            return None
        last = manifest.get("triwulan") or frame.select(pl.col("triwulan").max()).collect().item()
        total = (
            frame.filter(pl.col("triwulan") == last)
            .select(pl.col("realisasi_kumulatif").sum())
            .collect()
            .item()
        )
    except (OSError, pl.exceptions.PolarsError):
        return None
    return Decimal(0) if total is None else Decimal(total)


def list_releases(curated: Path, tahun: int) -> list[Release]:
    """Curated folder + year -> its complete releases on disk, oldest first."""
    year = year_dir(curated, tahun)
    active = active_release(curated, tahun)
    found = []
    for folder in _release_folders(year):
        manifest = _read_release_manifest(folder)
        if manifest is None:
            continue
        current = active is not None and active.name == folder.name
        found.append(Release(folder.name, manifest, current, last_quarter_total(folder, manifest)))
    return found


def _find_release(curated: Path, tahun: int, ident: str) -> Release:
    """Release id (folder name, or a run id held by one release) -> that complete release."""
    known = list_releases(curated, tahun)
    by_name = [r for r in known if r.name == ident]
    if by_name:
        return by_name[0]
    by_run = [r for r in known if r.manifest.get("run_id") == ident]
    if len(by_run) == 1:
        return by_run[0]
    if by_run:
        names = ", ".join(r.name for r in by_run)
        raise PublishError(
            f"run id {ident} dipakai {len(by_run)} rilis tahun {tahun} ({names}); "
            "sebutkan ID rilis lengkapnya"
        )
    raise PublishError(
        f"tidak ada rilis lengkap '{ident}' untuk tahun {tahun} di {curated}; "
        f"lihat daftarnya: lkjip rilis --tahun {tahun} --curated {curated}"
    )


def restore_release(curated: Path, tahun: int, ident: str, say=None) -> tuple[Release, str | None]:
    """Release id -> that earlier release made current again atomically; -> it, previous name.

    Nothing is deleted or rewritten: only the year's `aktif` link is switched (and the
    table and Data Docs links the restored release needs are made), under the publication
    lock.
    """
    year = year_dir(curated, tahun)
    if not year.is_dir():  # checked before the lock, which would create the folder
        raise PublishError(f"belum ada rilis tahun {tahun} di {curated}")
    with publish_lock(curated, say=say):
        target = _find_release(curated, tahun, ident)
        active = active_release(curated, tahun)
        previous = active.name if active is not None else None
        if previous != target.name:
            _replace_link(year / AKTIF, target.name)
            tables = [k["tabel"] for k in target.manifest.get("keluaran") or []]
            _ensure_table_links(curated, tahun, tables)
    return replace(target, active=True), previous
