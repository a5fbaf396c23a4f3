"""The annual report (LKjIP): tables and charts as a workbook and a web page.

It reads only the curated Parquet of the year, builds the tables with transforms.report_data,
and writes `<out>/lkjip_<tahun>.xlsx` (flows/report_xlsx.py: one sheet per table, laid
out as the office prints them) and `<out>/lkjip_<tahun>.html` (flows/report_html.py: the
same tables and the charts as inline SVG; self-contained, opens offline); what each
table holds is declared once in flows/report_layout.py. Findings of level error of the
year are named at the top of both. `laporan_tahunan` is the Prefect flow; `make_report`
is the plain function the CLI calls.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from flows.raw_folder import LkjipError
from flows.release_store import PARTITION_TYPES
from flows.report_html import write_html, write_overview
from flows.report_xlsx import write_xlsx
from schemas.curated import MODELS
from transforms import report_data
from transforms.report_data import AnnualReport

TABLES = tuple(MODELS)
MAX_WORKERS = 2  # polars parallelises inside a task; more threads only add memory


# --- reading -----------------------------------------------------------------------------------
def check_published(curated: Path, tahun: int) -> None:
    """Curated folder + year -> nothing, or LkjipError when the year's tables are not there."""
    for name in TABLES:
        if not (curated / name / f"tahun={tahun}").exists():
            raise LkjipError(
                f"tabel terkurasi {name} tahun {tahun} tidak ada di {curated}; jalankan dulu: "
                f"lkjip run --tahun {tahun} --triwulan 4 --curated {curated}"
            )
    if not any((curated / "realisasi_anggaran" / f"tahun={tahun}").rglob("triwulan=4")):
        raise LkjipError(
            f"data terkurasi tahun {tahun} di {curated} belum sampai triwulan 4; laporan "
            f"tahunan memerlukannya: lkjip run --tahun {tahun} --triwulan 4 --curated {curated}"
        )


def read_curated(curated: Path, tahun: int) -> dict[str, pl.DataFrame]:
    """Curated folder + year -> the year's frame of every table the report needs."""
    return {
        name: pl.scan_parquet(
            curated / name,
            hive_partitioning=True,
            hive_schema=PARTITION_TYPES,
        )
        .filter(pl.col("tahun") == tahun)
        .collect()
        for name in TABLES
    }


def failures_command(tahun: int, curated: Path) -> str:
    """-> the command that lists the year's findings (with --curated when not the default)."""
    command = f"lkjip failures --tahun {tahun}"
    return command if Path(curated) == Path("curated") else f"{command} --curated {curated}"


# --- entry points -------------------------------------------------------------------------------
def make_report(tahun: int, curated: Path, out: Path) -> tuple[Path, ...]:
    """Year + curated folder + output folder -> the files written; what the CLI calls.

    One office: (xlsx, html) in `out`. Many (a curated folder partitioned by kode_opd):
    each office's pair in `out/<kode_opd>/`, then the overview of all offices,
    `out/lkjip_<tahun>_opd.html`.
    """
    curated, out = Path(curated), Path(out)
    check_published(curated, tahun)
    frames = read_curated(curated, tahun)
    command = failures_command(tahun, curated)
    offices = office_codes(frames)
    if len(offices) <= 1:
        report = report_data.build(frames, tahun)
        return write_xlsx(report, out, command), write_html(report, out, command)
    written: list[Path] = []
    links = {}
    for kode in offices:
        own = {name: f.filter(pl.col("kode_opd") == kode) for name, f in frames.items()}
        report = report_data.build(own, tahun)
        folder = out / kode
        written += [write_xlsx(report, folder, command), write_html(report, folder, command)]
        links[kode] = f"{kode}/lkjip_{tahun}.html"
    overview = report_data.office_overview(frames)
    return (*written, write_overview(overview, tahun, out, links))


def office_codes(frames: dict[str, pl.DataFrame]) -> list[str]:
    """-> the offices of a year's curated frames (their kode_opd, sorted; none named: [])."""
    codes = frames["realisasi_anggaran"].get_column("kode_opd").drop_nulls().unique()
    return sorted(codes.to_list())


@task(name="baca-tabel-terkurasi", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def read(curated: Path, tahun: int) -> dict[str, pl.DataFrame]:
    """Curated folder -> the year's curated frames."""
    frames = read_curated(curated, tahun)
    get_run_logger().info(
        "Dibaca %s: %s", curated, ", ".join(f"{n} {f.height} baris" for n, f in frames.items())
    )
    return frames


@task(name="susun-tabel-laporan", cache_policy=NO_CACHE)
def build(frames: dict[str, pl.DataFrame], tahun: int) -> AnnualReport:
    """Curated frames -> the report's tables."""
    report = report_data.build(frames, tahun)
    logger = get_run_logger()
    logger.info("Laporan %s disusun dari data s.d. TW%s", tahun, report.triwulan)
    if report.error_count:
        logger.warning(
            "%s temuan tingkat error tahun %s: laporan memuat catatannya", report.error_count, tahun
        )
    return report


@task(name="tulis-xlsx", retries=1, retry_delay_seconds=1, cache_policy=NO_CACHE)
def write_workbook(report: AnnualReport, out: Path, command: str) -> Path:
    """Report -> the workbook on disk."""
    path = write_xlsx(report, out, command)
    get_run_logger().info("Ditulis: %s", path)
    return path


@task(name="tulis-html", retries=1, retry_delay_seconds=1, cache_policy=NO_CACHE)
def write_page(report: AnnualReport, out: Path, command: str) -> Path:
    """Report -> the web page on disk."""
    path = write_html(report, out, command)
    get_run_logger().info("Ditulis: %s", path)
    return path


@flow(name="laporan-tahunan", task_runner=ThreadPoolTaskRunner(max_workers=MAX_WORKERS))
def laporan_tahunan(
    tahun: int, curated: Path = Path("curated"), out: Path = Path("laporan")
) -> dict[str, str | int]:
    """Build the year's LKjIP tables and charts from the curated tables (after a TW4 run)."""
    curated, out = Path(curated), Path(out)
    check_published(curated, tahun)
    report = build(read(curated, tahun), tahun)
    command = failures_command(tahun, curated)
    xlsx, page = (
        write_workbook.submit(report, out, command),
        write_page.submit(report, out, command),
    )
    return {
        "xlsx": str(xlsx.result()),
        "html": str(page.result()),
        "temuan_error": report.error_count,
    }
