"""`lkjip serve` serves the Data Docs and the findings page over HTTP on the loopback, and the
summary artifact of a run it executes links there (issue 11, item 5).

One `lkjip serve` against the session's Prefect server, with its file server on a free
loopback port; one run of the served deployment on a raw copy with findings in three bidang
(one of them in a file whose name is HTML). The links are read from the run's artifact.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import polars as pl
import pytest
from cli_runner import LKJIP

from flows.report_pdf import BROWSER_FLAGS
from flows.serve import DEPLOYMENT, free_port
from transforms.run_summary import link

ROOT = Path(__file__).resolve().parents[1]
TAHUN = 2023
HTML_NAME = "Realisasi <img src=x onerror=alert(1)>.csv"  # a file name that is HTML
HTML_FILE = f"{TAHUN}/TW2/usaha-kecil/{HTML_NAME}"
WORDS_CSV = f"{TAHUN}/TW3/kelembagaan-pengawasan/koreksi_tw3.csv"
BIDANG = {"usaha-kecil", "kelembagaan-pengawasan", "pemberdayaan-koperasi"}
FILTERED = "kelembagaan-pengawasan"


def _raw_with_findings(raw: Path) -> None:
    """Copy the demo raw folder and break two files: findings in three bidang."""
    shutil.copytree(ROOT / "raw" / str(TAHUN), raw / str(TAHUN))
    # Excel's UTF-16 "Unicode Text" saved as .csv (a V001), under a name that is HTML.
    (raw / HTML_FILE).write_bytes("Kode;Uraian;Realisasi TW\r\n1;a;2\r\n".encode("utf-16"))
    # A correction line whose amount is written in words (a V003).
    (raw / WORDS_CSV).write_bytes(
        "Kode;Uraian;Akun;Anggaran;Realisasi TW;Realisasi s/d TW;Fisik (%)\r\n"
        "2.17.03.1.01.01;Belanja Makanan dan Minuman Rapat;5.1.02.01.01.0052;"
        "829.737.000,00;lima juta;-;21,49\r\n".encode("cp1252")
    )


def _wait(condition, what: str, timeout: float, process: subprocess.Popen | None = None):
    """Poll `condition()` until it returns something true; -> that (AssertionError if never)."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if process is not None and process.poll() is not None:
            raise AssertionError(f"lkjip serve ended before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout:.0f} s")
        time.sleep(0.5)


async def _run_deployment(timeout: float = 600.0) -> tuple[object, dict]:
    """Run the served deployment for TW4 -> (its final flow run, its artifacts by key)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async with get_client() as client:
        deadline = time.monotonic() + timeout
        while True:
            try:
                deployment = await client.read_deployment_by_name(
                    f"konsolidasi-triwulan/{DEPLOYMENT}"
                )
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(1)
        run = await client.create_flow_run_from_deployment(
            deployment.id, parameters={"tahun": TAHUN, "triwulan": 4}
        )
        while not (run := await client.read_flow_run(run.id)).state.is_final():
            if time.monotonic() > deadline:
                raise AssertionError(f"flow run {run.id} still {run.state.name}")
            await asyncio.sleep(2)
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]))
        )
        return run, {a.key: a for a in artifacts}


@pytest.fixture(scope="module")
def served(subprocess_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`lkjip serve` with a file server on a free port, and one run of its deployment."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    work = tmp_path_factory.mktemp("serve-links")
    raw, curated, laporan = work / "raw", work / "curated", work / "laporan"
    _raw_with_findings(raw)
    port = free_port()
    where = ["--raw", str(raw), "--curated", str(curated), "--out", str(laporan)]
    out = (work / "serve.out").open("wb")
    process = subprocess.Popen(
        [str(LKJIP), "serve", *where, "--port-berkas", str(port)],
        env=subprocess_env,
        cwd=work,
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        said = _wait(
            lambda: re.search(
                r"Data Docs dan halaman temuan: (\S+)/",
                (work / "serve.out").read_text(errors="replace"),
            ),
            "file server line",
            120,
            process,
        )
        with temporary_settings(updates={PREFECT_API_URL: subprocess_env["PREFECT_API_URL"]}):
            run, artifacts = asyncio.run(_run_deployment())
        yield {
            "port": port,
            "said": said.group(1),
            "run": run,
            "artifacts": artifacts,
            "curated": curated,
            "log": work / "serve.out",
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
        out.close()


@pytest.fixture(scope="module")
def links(served: dict) -> dict[str, str]:
    """-> the summary artifact's links, by their title."""
    assert served["run"].state.is_completed(), served["log"].read_text(errors="replace")[-4000:]
    summary = served["artifacts"][f"lkjip-{TAHUN}-tw4-ringkasan"].data
    return dict(re.findall(r"\[([^\]]+)\]\((http[^)]+)\)", summary))


def _get(url: str) -> tuple[int, str, str]:
    """GET `url` -> (status, content type, text); an HTTP error status is returned, not raised."""
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            body = answer.read().decode("utf-8", errors="replace")
            return answer.status, answer.headers["Content-Type"], body
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode(errors="replace")


def _raw_get(port: int, path: str) -> int:
    """GET a path sent exactly as written (no client-side normalisation) -> the status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.slow
def test_the_summary_links_to_the_served_pages_over_http(served: dict, links: dict) -> None:
    base = f"http://127.0.0.1:{served['port']}"
    assert served["said"] == base
    assert links["Data Docs"] == f"{base}/data_docs/{TAHUN}/index.html"
    assert links["Halaman temuan"] == f"{base}/temuan/{TAHUN}.html"
    assert "file://" not in served["artifacts"][f"lkjip-{TAHUN}-tw4-ringkasan"].data


@pytest.mark.slow
def test_the_linked_pages_are_served(served: dict, links: dict) -> None:
    status, kind, docs = _get(links["Data Docs"])
    assert (status, kind) == (200, "text/html; charset=utf-8")
    assert "Data Docs created by Great Expectations" in docs
    status, kind, page = _get(links["Halaman temuan"])
    assert (status, kind) == (200, "text/html; charset=utf-8")
    for bidang in BIDANG:
        assert f'data-bidang="{bidang}"' in page
    # The file name that is HTML is shown as text, never as markup.
    assert "Realisasi &lt;img src=x onerror=alert(1)&gt;.csv" in page
    assert "<img" not in page
    # The same page, written beside the release's Data Docs, opens from disk.
    on_disk = served["curated"] / "data_docs" / str(TAHUN) / "temuan.html"
    assert 'data-bidang="kelembagaan-pengawasan"' in on_disk.read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize(
    "path",
    [
        f"/data_docs/{TAHUN}/../../manifest/tahun={TAHUN}.json",
        f"/data_docs/{TAHUN}/%2e%2e/%2e%2e/temuan/tahun={TAHUN}",
        f"/data_docs/{TAHUN}/../../../../../../etc/passwd",
        "/data_docs/../../etc/passwd",
        f"/data_docs/{TAHUN}/keluar",
        "/temuan/1999.html",
        "/",
    ],
)
def test_nothing_outside_the_data_docs_is_served(served: dict, path: str) -> None:
    docs = served["curated"] / "data_docs" / str(TAHUN)
    if not (docs / "keluar").is_symlink():  # a link inside the Data Docs leading out of curated
        (docs / "keluar").symlink_to("/etc/hostname")
    assert _raw_get(served["port"], path) == 404


@pytest.mark.slow
def test_the_findings_page_filters_by_bidang_in_chromium(
    served: dict, links: dict, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    temuan = pl.read_parquet(served["curated"] / "temuan" / f"tahun={TAHUN}" / "*.parquet")
    expected = temuan.filter(pl.col("kode_bidang") == FILTERED).height
    assert 0 < expected < temuan.height
    screenshot = tmp_path / "temuan.png"
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=list(BROWSER_FLAGS))
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("dialog", lambda d: (errors.append(f"dialog {d.message}"), d.dismiss()))
            page.goto(links["Halaman temuan"], wait_until="load")
            before = page.locator("tr.temuan:visible").count()
            page.select_option("#pilih-bidang", FILTERED)
            shown = page.locator("tr.temuan:visible")
            shown_bidang = {shown.nth(i).get_attribute("data-bidang") for i in range(shown.count())}
            count = shown.count()
            sections = page.locator("section.bidang:visible").count()
            counted = page.inner_text("#jumlah")
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert before == temuan.height
    assert count == expected and shown_bidang == {FILTERED}
    assert sections == 1
    assert counted == f"{expected} temuan ditampilkan"
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_run_outside_serve_names_paths_as_text_never_file_links() -> None:
    assert link("Data Docs", "/data/curated/data_docs/2023/index.html") == (
        "Data Docs: `/data/curated/data_docs/2023/index.html`"
    )
    assert link("Halaman temuan", "http://127.0.0.1:4201/temuan/2023.html") == (
        "[Halaman temuan](http://127.0.0.1:4201/temuan/2023.html)"
    )
