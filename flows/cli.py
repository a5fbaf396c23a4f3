"""The command line: `lkjip run`, `lkjip failures` (DATA-CONTRACT.md section 4).

A thin layer over the flows: it parses options, runs, prints a readable summary, and on
any error prints one line and exits non-zero.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

# Typer vendors its own click; its exception classes live here (pinned in the lock file).
from typer._click.exceptions import NoArgsIsHelpError, UsageError

from flows.pipeline import LkjipError
from flows.publish import PublishError

app = typer.Typer(
    name="lkjip",
    help="Consolidate the quarterly realisation of each bidang and publish the LKjIP tables.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
console = Console()

Tahun = Annotated[int, typer.Option("--tahun", help="Budget year, e.g. 2023.", min=2000, max=2100)]
Raw = Annotated[Path, typer.Option("--raw", help="Folder of the raw inputs.")]
Curated = Annotated[Path, typer.Option("--curated", help="Folder of the curated tables.")]


@app.command()
def run(
    tahun: Tahun,
    triwulan: Annotated[
        int, typer.Option("--triwulan", help="Consolidate quarters 1..triwulan.", min=1, max=4)
    ],
    raw: Raw = Path("raw"),
    curated: Curated = Path("curated"),
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            envvar="LKJIP_DASK_ADDRESS",
            help="Run tasks on Dask: a scheduler address (tcp://host:8786) or 'local'.",
        ),
    ] = None,
) -> None:
    """Consolidate quarters 1..TRIWULAN of TAHUN from RAW and publish to CURATED."""
    check_inputs(raw, tahun)
    quiet_known_errors()
    if dask:
        from flows.serve import api_for_workers

        with api_for_workers():
            from flows.consolidate import flow_with_runner

            result = flow_with_runner(dask)(
                tahun=tahun, triwulan=triwulan, raw=raw, curated=curated
            )
    else:
        from flows.consolidate import konsolidasi

        result = konsolidasi(tahun=tahun, triwulan=triwulan, raw=raw, curated=curated)
    _print_run(result, tahun, curated)


def check_inputs(raw: Path, tahun: int) -> None:
    """Fail fast, in one line, when the year's raw folder or a reference file is unusable.

    The reference files are small; reading them here once more costs little and spares
    the operator a Prefect server start and a traceback for a missing or broken DPA.
    """
    from flows.pipeline import load_references

    if not (raw / str(tahun)).is_dir():
        raise LkjipError(f"folder {raw / str(tahun)} tidak ada")
    load_references(raw, tahun)


def quiet_known_errors() -> None:
    """Keep Prefect's log lines for errors we explain in one line, without their traceback."""
    import logging

    class _NoTraceback(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            error = record.exc_info[1] if record.exc_info else None
            if isinstance(error, (LkjipError, PublishError)):
                record.exc_info = None
                record.exc_text = None
            return True

    import prefect  # noqa: F401  (sets up Prefect's logging handlers)

    quiet = _NoTraceback()
    for name in ("prefect", "prefect.flow_runs", "prefect.task_runs"):
        logger = logging.getLogger(name)
        logger.addFilter(quiet)
        for handler in logger.handlers:
            handler.addFilter(quiet)


@app.command()
def serve(
    raw: Raw = Path("raw"),
    curated: Curated = Path("curated"),
    laporan: Annotated[
        Path, typer.Option("--out", help="Folder of the annual report built after TW4.")
    ] = Path("laporan"),
    port: Annotated[
        int, typer.Option("--port", help="Port of the local Prefect server (127.0.0.1).")
    ] = 4200,
) -> None:
    """Serve the quarterly deployment (10 Jan/Apr/Jul/Oct, 07:00 WIB) with a local server."""
    from flows.serve import serve as serve_deployment

    serve_deployment(raw, curated, laporan, port=port)


def _print_run(result: dict, tahun: int, curated: Path) -> None:
    """Flow result -> a short summary: rows per status, findings per rule, where to look."""
    hitungan: pl.DataFrame = result["hitungan"]
    temuan: pl.DataFrame = result["temuan"]
    per_status = hitungan.group_by("status").agg(pl.col("baris").sum()).sort("status")
    console.print(f"[bold]Terbit[/bold] {result['run_id']} -> {curated}")
    console.print(
        "Baris dibaca: "
        + ", ".join(f"{s} {n}" for s, n in per_status.iter_rows())
        + f" (jumlah {hitungan.get_column('baris').sum()})"
    )
    if temuan.height == 0:
        console.print("Tidak ada temuan.")
        return
    per_rule = temuan.group_by("aturan", "tingkat").len().sort("aturan")
    console.print("Temuan: " + ", ".join(f"{a} ({t}) {n}" for a, t, n in per_rule.iter_rows()))
    console.print(f"Lihat rinciannya: lkjip failures --tahun {tahun} --curated {curated}")


def read_temuan(curated: Path, tahun: int) -> pl.DataFrame:
    """Curated folder -> the published findings of a year (LkjipError when there are none)."""
    path = curated / "temuan" / f"tahun={tahun}"
    if not path.exists():
        raise LkjipError(
            f"belum ada hasil tahun {tahun} di {curated}; jalankan dulu: lkjip run --tahun {tahun}"
        )
    return pl.read_parquet(path / "*.parquet")


@app.command()
def failures(
    tahun: Tahun,
    triwulan: Annotated[
        int | None, typer.Option("--triwulan", help="Only this quarter.", min=1, max=4)
    ] = None,
    bidang: Annotated[str | None, typer.Option("--bidang", help="Only this kode_bidang.")] = None,
    aturan: Annotated[
        str | None, typer.Option("--aturan", help="Only this rule, e.g. V003.")
    ] = None,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="Also write the findings to this .xlsx file.")
    ] = None,
    curated: Curated = Path("curated"),
) -> None:
    """Show the findings of TAHUN as a table a steward can read."""
    temuan = filter_temuan(read_temuan(curated, tahun), triwulan, bidang, aturan)
    if temuan.height == 0:
        console.print("Tidak ada temuan untuk pilihan ini.")
    else:
        console.print(findings_table(temuan))
        errors = temuan.filter(pl.col("tingkat") == "error").height
        console.print(
            f"{temuan.height} temuan: {errors} error, {temuan.height - errors} peringatan"
        )
    if xlsx is not None:
        write_findings_xlsx(temuan, xlsx)
        console.print(f"Ditulis: {xlsx}")


@app.command()
def report(
    tahun: Tahun,
    curated: Curated = Path("curated"),
    out: Annotated[Path, typer.Option("--out", help="Folder to write the report to.")] = Path(
        "laporan"
    ),
) -> None:
    """Write the LKjIP tables and charts of TAHUN from CURATED as .xlsx and .html into OUT."""
    from flows.report import make_report

    for path in make_report(tahun, curated, out):
        print(path)  # plain print: a long path must stay on one line


def filter_temuan(
    temuan: pl.DataFrame, triwulan: int | None, bidang: str | None, aturan: str | None
) -> pl.DataFrame:
    """Findings + optional quarter, bidang and rule -> the findings that match."""
    if triwulan is not None:
        temuan = temuan.filter(pl.col("triwulan") == triwulan)
    if bidang is not None:
        temuan = temuan.filter(pl.col("kode_bidang") == bidang)
    if aturan is not None:
        temuan = temuan.filter(pl.col("aturan") == aturan.upper())
    return temuan


NARROW = 120


def findings_table(temuan: pl.DataFrame, width: int | None = None) -> Table:
    """Findings -> a rich table: rule, level, quarter, bidang, where, message.

    Under NARROW columns (a classic terminal, or output piped to a file) the first four
    go into one column, so the message keeps room for a whole file path on one line.
    """
    if (width or console.width) < NARROW:
        return _narrow_findings_table(temuan)
    table = Table(show_lines=True, expand=True)
    table.add_column("Aturan", no_wrap=True)
    table.add_column("Tingkat", no_wrap=True)
    table.add_column("TW", no_wrap=True)
    table.add_column("Bidang")
    table.add_column("Berkas / lembar / baris", ratio=1, overflow="fold")
    table.add_column("Pesan", ratio=3, overflow="fold")
    for row in temuan.iter_rows(named=True):
        where = " / ".join(
            str(v) for v in (row["berkas"], row["lembar"], row["baris"]) if v is not None
        )
        style = "red" if row["tingkat"] == "error" else "yellow"
        table.add_row(
            row["aturan"],
            f"[{style}]{row['tingkat']}[/{style}]",
            "" if row["triwulan"] is None else str(row["triwulan"]),
            row["kode_bidang"] or "",
            where,
            row["pesan"],
        )
    return table


def _narrow_findings_table(temuan: pl.DataFrame) -> Table:
    """Findings -> a two-column table: the finding (rule, level, quarter, bidang), the message."""
    table = Table(show_lines=True, expand=True)
    table.add_column("Temuan", no_wrap=True)
    table.add_column("Pesan", overflow="fold")
    for row in temuan.iter_rows(named=True):
        style = "red" if row["tingkat"] == "error" else "yellow"
        quarter = "" if row["triwulan"] is None else f"TW{row['triwulan']}"
        head = "\n".join(
            part
            for part in (
                f"{row['aturan']} [{style}]{row['tingkat']}[/{style}]",
                quarter,
                row["kode_bidang"] or "",
            )
            if part
        )
        table.add_row(head, row["pesan"])
    return table


def write_findings_xlsx(temuan: pl.DataFrame, path: Path) -> None:
    """Findings -> an .xlsx a steward can filter: frozen header, autofilter, wrapped messages."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = [
        "aturan",
        "tingkat",
        "triwulan",
        "kode_bidang",
        "berkas",
        "lembar",
        "baris",
        "kolom",
        "sel",
        "kode",
        "jenis_belanja",
        "nilai",
        "nilai_diharapkan",
        "selisih",
        "pesan",
        "temuan_id",
    ]
    temuan.select(columns).write_excel(
        path,
        worksheet="Temuan",
        autofilter=True,
        freeze_panes=(1, 0),
        column_widths={"berkas": 260, "pesan": 620, "nilai": 120, "nilai_diharapkan": 120},
        column_formats={
            "selisih": "#,##0.00;(#,##0.00)",
            "pesan": {"text_wrap": True, "valign": "top"},
            "berkas": {"text_wrap": True, "valign": "top"},
        },
    )


# Defaults for Prefect's embedded server when the operator has not set them: no
# telemetry (this machine may have no internet), and a patient SQLite, so a slow disk or
# a busy machine waits for a lock instead of failing the run with "database is locked".
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_DATABASE_TIMEOUT": "60",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the command; usage and run errors as one line, non-zero exit."""
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    try:
        code = app(args=argv, prog_name="lkjip", standalone_mode=False)
    except NoArgsIsHelpError as asked:
        print(asked.ctx.get_help())
        sys.exit(0)
    except UsageError as error:
        command = error.ctx.command_path if error.ctx else "lkjip"
        print(f"{command}: {error.format_message()} (lihat {command} --help)", file=sys.stderr)
        sys.exit(2)
    except typer.Abort:
        sys.exit(130)
    except (LkjipError, PublishError) as error:
        print(f"lkjip: {error}", file=sys.stderr)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
