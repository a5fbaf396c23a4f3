"""The annual report printed to PDF: the same web page, through headless Chromium.

The page carries its own print stylesheet (flows/report_html.py: A4, landscape pages for
the wide tables, header rows repeated, footer with the office and page numbers), so
printing it is one Chromium command with a fresh, throw-away profile and no network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from flows.raw_folder import LkjipError
from flows.report_layout import replace_atomically

BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Headless Chromium as it runs here: as root, with no network but the loopback."""
CHROMIUM_FLAGS = (*BROWSER_FLAGS, "--no-pdf-header-footer")
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT_SECONDS = 180


def chromium() -> str:
    """-> the Chromium to print with: $LKJIP_CHROMIUM, else the first one on PATH."""
    named = os.environ.get("LKJIP_CHROMIUM") or next(
        (c for c in CANDIDATES if shutil.which(c)), None
    )
    found = shutil.which(named) if named else None
    if found is None:
        raise LkjipError(
            "Chromium tidak ditemukan untuk mencetak PDF; pasang dengan: "
            "apt-get install chromium (atau tunjuk dengan LKJIP_CHROMIUM)"
        )
    return found


def print_command(browser: str, page: Path, pdf: Path, profile: Path) -> list[str]:
    """-> the Chromium command that prints `page` to `pdf` with a fresh profile."""
    return [
        browser,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        f"--print-to-pdf={pdf}",
        page.resolve().as_uri(),
    ]


def _print(page: Path, target: Path) -> None:
    """Web page -> PDF at `target`, or LkjipError naming what Chromium said."""
    with tempfile.TemporaryDirectory(prefix="lkjip-chromium-") as profile:
        command = print_command(chromium(), page, target, Path(profile))
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired:
            raise LkjipError(
                f"Chromium tidak selesai mencetak {page} dalam {TIMEOUT_SECONDS} detik"
            ) from None
    if done.returncode != 0 or not target.exists() or target.stat().st_size == 0:
        last = (done.stderr.strip().splitlines() or ["tanpa pesan"])[-1]
        raise LkjipError(f"Chromium gagal mencetak {page} ke PDF: {last}")


def write_pdf(page: Path) -> Path:
    """<out>/lkjip_<tahun>.html -> <out>/lkjip_<tahun>.pdf beside it, written atomically."""
    page = Path(page)
    return replace_atomically(page.with_suffix(".pdf"), lambda target: _print(page, target))
