"""A run's identity and its manifest: what went in, which code ran, what came out.

Same inputs (each file's sha256), same code and same parameters give the same run id, so a
rerun is recognisable and its tables equal. The manifest is published with the release
(`curated/manifest/tahun=<T>.json`): every input with its sha256, size and rows read per
status, what changed since the release before, the code version, and the findings by level.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import subprocess
from importlib import metadata
from pathlib import Path

import polars as pl

from flows import raw_folder, releases
from flows.raw_folder import Discovery, Office

PROJECT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("flows", "schemas", "transforms")


@functools.cache
def source_sha256() -> str:
    """-> sha256 over the pipeline's source files (the code part of every cache key)."""
    digest = hashlib.sha256()
    for folder in SOURCE_DIRS:
        for path in sorted((PROJECT / folder).rglob("*.py")):
            digest.update(path.relative_to(PROJECT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def code_version() -> dict[str, str | None]:
    """-> package version, git commit (when in a checkout) and sha256 of the source code."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(PROJECT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = None
    try:
        version = metadata.version("lkjip")
    except metadata.PackageNotFoundError:
        version = None
    return {"paket": version, "git": commit, "sha256": source_sha256()}


def input_files(raw: Path, tahun: int, found: list[tuple[Office, Discovery]]) -> list[Path]:
    """-> every input file of the run, sorted: the list of offices (a raw folder of many),
    and each office's references and bidang files."""
    files = {
        p
        for office, discovery in found
        for p in (
            *(
                raw_folder.reference_path(raw, tahun, nama, office)
                for nama in raw_folder.REFERENSI
                # of many offices, raw/referensi/opd.csv names them (an office's own is unread)
                if not (office.folder and nama == raw_folder.OFFICE_LIST)
            ),
            *(p for sub in discovery.submissions for p in sub.files),
            *(p for _, p in discovery.misplaced),
        )
        if p is not None
    }
    if any(office.folder for office, _ in found):
        listing = raw_folder.office_list_path(raw)
        if listing is not None:
            files.add(listing)
    return sorted(files)


def input_digests(
    raw: Path, tahun: int, found: list[tuple[Office, Discovery]]
) -> tuple[dict[str, str], dict[str, int]]:
    """-> ({input: sha256}, {input: size in bytes}), inputs named relative to the raw folder."""
    files = input_files(raw, tahun, found)
    digests = {raw_folder.relative(p, raw): raw_folder.sha256(p) for p in files}
    sizes = {raw_folder.relative(p, raw): p.stat().st_size for p in files}
    return digests, sizes


def run_identity(inputs: dict[str, str], code: dict, tahun: int, triwulan: int) -> str:
    """Inputs' sha256 + code + parameters -> the run id: same inputs, same id, same tables."""
    digest = hashlib.sha256(f"{tahun}|{triwulan}|{code['sha256']}".encode())
    for berkas, sha in sorted(inputs.items()):
        digest.update(f"|{berkas}={sha}".encode("utf-8", "surrogateescape"))
    return f"{tahun}-tw{triwulan}-{digest.hexdigest()[:12]}"


def build_manifest(
    run_id: str,
    tahun: int,
    triwulan: int,
    inputs: dict[str, str],
    sizes: dict[str, int],
    counts: pl.DataFrame,
    temuan: pl.DataFrame,
    previous: dict | None,
) -> dict:
    """-> the run's manifest: identity, code, every input with sha256 and rows read per
    status (`counts`: berkas, status, baris), changes against the `previous` manifest, and
    the findings by level."""
    per_file: dict[str, dict[str, int]] = {}
    for row in counts.iter_rows(named=True):
        per_file.setdefault(row["berkas"], {})[row["status"]] = row["baris"]
    before = {m["berkas"]: m["sha256"] for m in (previous or {}).get("masukan", [])}
    masukan = []
    for berkas, sha in sorted(inputs.items()):
        status = per_file.get(berkas, {})
        masukan.append(
            {
                "berkas": berkas,
                "sha256": sha,
                "ukuran": sizes[berkas],
                "baris_dibaca": sum(status.values()),
                "baris_per_status": status,
                "berubah": None if previous is None else before.get(berkas) != sha,
            }
        )
    return {
        "run_id": run_id,
        "tahun": tahun,
        "triwulan": triwulan,
        "dibuat": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versi_kode": code_version(),
        "masukan": masukan,
        "berubah_sejak_sebelumnya": sorted(m["berkas"] for m in masukan if m["berubah"]),
        "dihapus_sejak_sebelumnya": sorted(set(before) - set(inputs)),
        releases.KIRIMAN: releases.submission_rows(masukan),
        "temuan": dict(temuan.group_by("tingkat").len().rows()),
    }
