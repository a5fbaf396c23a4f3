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
releases are kept for rollback.
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
from dataclasses import dataclass
from pathlib import Path

import polars as pl

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
) -> Path:
    """Curated tables of a year -> a new complete release, made current atomically.

    `before_switch(release_dir)` runs after the release is complete on disk and before
    it becomes current (the publish gate: raise to refuse, and nothing changes).
    """
    year = year_dir(curated, tahun)
    with publish_lock(curated):
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
