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

import fcntl
import json
import os
import shutil
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
KEEP_RELEASES = 3


class PublishError(Exception):
    """Publication refused; the message is one line for the operator."""


@dataclass(frozen=True)
class Tabel:
    """A curated table for one year: its rows, and its hive partition keys.

    Partition keys live in the folder names only (tahun=2023/triwulan=4), never inside
    the files: a key stored in both places is what makes readers clash on its type.
    """

    frame: pl.DataFrame
    partisi: tuple[str, ...] = ("tahun",)
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


@contextmanager
def publish_lock(curated: Path, timeout: float = 600.0) -> Iterator[None]:
    """Hold the curated folder's publication lock (one publisher at a time)."""
    lock_dir = curated / RILIS
    lock_dir.mkdir(parents=True, exist_ok=True)
    with (lock_dir / ".lock").open("w") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PublishError(
                        f"folder {curated} sedang dipakai oleh publikasi lain"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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


def _write_parquet(frame: pl.DataFrame, path: Path) -> None:
    """Frame -> one Parquet file (zstd, statistics) at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path, compression="zstd", statistics=True)


def write_table(folder: Path, tabel: Tabel) -> list[str]:
    """Table -> its Parquet files under `folder` (one per triwulan when split); -> their paths."""
    frame = tabel.frame.drop([c for c in tabel.partisi if c in tabel.frame.columns])
    if "triwulan" not in tabel.partisi:
        _write_parquet(frame, folder / "part-0.parquet")
        return ["part-0.parquet"]
    quarters = tabel.frame.get_column("triwulan")
    written = []
    for q in sorted(set(tabel.triwulan) | set(quarters.unique().to_list())):
        part = frame.filter(quarters == q)
        relative = f"triwulan={q}/part-0.parquet"
        _write_parquet(part, folder / relative)
        written.append(relative)
    return written


def _replace_link(link: Path, target: str) -> None:
    """Point symlink `link` at `target` atomically (a new link renamed over the old one)."""
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.exists() and not link.is_symlink():
        raise PublishError(f"{link} bukan tautan terbitan lkjip; pindahkan dulu folder itu")
    temporary = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    os.symlink(target, temporary)
    os.replace(temporary, link)
    descriptor = os.open(link.parent, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _ensure_table_links(curated: Path, tahun: int, names: list[str]) -> None:
    """Create curated/<tabel>/tahun=<tahun> -> ../.rilis/<tahun>/aktif/<tabel> where missing."""
    for name in names:
        link = curated / name / f"tahun={tahun}"
        target = f"../{RILIS}/{tahun}/{AKTIF}/{name}"
        if link.is_symlink() and os.readlink(link) == target:
            continue
        _replace_link(link, target)
    manifest_link = curated / "manifest" / f"tahun={tahun}.json"
    target = f"../{RILIS}/{tahun}/{AKTIF}/{MANIFEST}"
    if not (manifest_link.is_symlink() and os.readlink(manifest_link) == target):
        _replace_link(manifest_link, target)


def _clear_leftovers(year: Path) -> None:
    """Remove half-written releases (`*.tmp`) left by a crash or a kill."""
    for path in year.glob("*.tmp"):
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


def publish_year(
    curated: Path,
    tahun: int,
    run_id: str,
    tables: dict[str, Tabel],
    manifest: dict,
    *,
    before_switch=None,
    paksa: bool = False,
) -> Path:
    """Curated tables of a year -> a new complete release, made current atomically.

    `before_switch(release_dir)` runs after the release is complete on disk and before
    it becomes current (the publish gate: raise to refuse, and nothing changes).
    Unless `paksa`, a release holding less than the current one is refused first.
    """
    year = year_dir(curated, tahun)
    with publish_lock(curated):
        if not paksa:
            refuse_less(curated, tahun, manifest)
        year.mkdir(parents=True, exist_ok=True)
        _clear_leftovers(year)
        # Same inputs give the same run_id; each publication still gets its own folder,
        # so the release being replaced is never touched while the new one is written.
        stamp = time.strftime("%Y%m%dT%H%M%S")
        release = year / f"{run_id}_{stamp}_{uuid.uuid4().hex[:8]}"
        staging = release.with_name(release.name + ".tmp")
        outputs = []
        for name, tabel in tables.items():
            files = write_table(staging / name, tabel)
            outputs.append({"tabel": name, "baris": tabel.frame.height, "berkas": files})
        manifest = {**manifest, "keluaran": outputs}
        (staging / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
        if before_switch is not None:
            before_switch(staging)
        _fsync_tree(staging)
        os.rename(staging, release)
        _replace_link(year / AKTIF, release.name)
        _ensure_table_links(curated, tahun, list(tables))
        _prune(year, KEEP_RELEASES)
    return release


def refuse_less(curated: Path, tahun: int, manifest: dict) -> None:
    """Raise PublishError when `manifest` holds less than the year's current release."""
    current = active_manifest(curated, tahun)
    gone = releases.missing(current, manifest)
    if gone:
        raise PublishError(releases.refusal(tahun, current, gone))


@dataclass(frozen=True)
class Rilis:
    """A complete release of a year on disk, as `lkjip rilis` lists it."""

    nama: str
    manifest: dict
    berlaku: bool
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


def list_releases(curated: Path, tahun: int) -> list[Rilis]:
    """Curated folder + year -> its complete releases on disk, oldest first."""
    year = year_dir(curated, tahun)
    active = active_release(curated, tahun)
    found = []
    for folder in _release_folders(year):
        manifest = _read_release_manifest(folder)
        if manifest is None:
            continue
        berlaku = active is not None and active.name == folder.name
        found.append(Rilis(folder.name, manifest, berlaku, last_quarter_total(folder, manifest)))
    return found


def _find_release(curated: Path, tahun: int, ident: str) -> Rilis:
    """Release id (folder name, or a run id held by one release) -> that complete release."""
    known = list_releases(curated, tahun)
    by_name = [r for r in known if r.nama == ident]
    if by_name:
        return by_name[0]
    by_run = [r for r in known if r.manifest.get("run_id") == ident]
    if len(by_run) == 1:
        return by_run[0]
    if by_run:
        names = ", ".join(r.nama for r in by_run)
        raise PublishError(
            f"run id {ident} dipakai {len(by_run)} rilis tahun {tahun} ({names}); "
            "sebutkan ID rilis lengkapnya"
        )
    raise PublishError(
        f"tidak ada rilis lengkap '{ident}' untuk tahun {tahun} di {curated}; "
        f"lihat daftarnya: lkjip rilis --tahun {tahun} --curated {curated}"
    )


def restore_release(curated: Path, tahun: int, ident: str) -> tuple[Rilis, str | None]:
    """Release id -> that earlier release made current again atomically; -> it, previous name.

    Nothing is deleted or rewritten: only the year's `aktif` link is switched (and the
    table links the restored release needs are made), under the publication lock.
    """
    year = year_dir(curated, tahun)
    if not year.is_dir():  # checked before the lock, which would create the folder
        raise PublishError(f"belum ada rilis tahun {tahun} di {curated}")
    with publish_lock(curated):
        target = _find_release(curated, tahun, ident)
        active = active_release(curated, tahun)
        previous = active.name if active is not None else None
        if previous != target.nama:
            _replace_link(year / AKTIF, target.nama)
            tables = [k["tabel"] for k in target.manifest.get("keluaran") or []]
            _ensure_table_links(curated, tahun, tables)
    return replace(target, berlaku=True), previous
