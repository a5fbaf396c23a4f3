"""The command line: `lkjip run`, `lkjip failures` (DATA-CONTRACT.md section 4).

A thin layer over the flows: it parses options, runs, prints a readable summary, and on
any error prints one line and exits non-zero.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

# Typer vendors its own click; its exception classes live here (pinned in the lock file).
from typer._click.exceptions import NoArgsIsHelpError, UsageError

from flows.pipeline import LkjipError
from flows.publish import KEEP_RELEASES, PublishError, Rilis
from transforms.findings import reading_order

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
MAX_TUNGGU = 24 * 3600  # --tunggu: at most a day


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
    paksa: Annotated[
        bool,
        typer.Option(
            "--paksa", help="Terbitkan walaupun hasilnya lebih sedikit dari rilis yang berlaku."
        ),
    ] = False,
    tunggu: Annotated[
        int,
        typer.Option(
            "--tunggu",
            help="Bila run lain sedang memakai folder curated, tunggu paling lama sekian detik "
            "(0: langsung menolak).",
            min=0,
            max=MAX_TUNGGU,
        ),
    ] = 0,
) -> None:
    """Consolidate quarters 1..TRIWULAN of TAHUN from RAW and publish to CURATED."""
    from flows.publish import run_lock
    from flows.serve import temporary_api

    check_inputs(raw, tahun)
    about = f"konsolidasi {tahun} TW{triwulan}"
    with run_lock(curated, tunggu, say=say, tentang=about) as waited:
        if waited >= 1:
            say(f"Run lain sudah selesai; lanjut setelah menunggu {waited:.0f} detik")
        quiet_known_errors()
        with temporary_api(say=say) as api_url:
            from flows.consolidate import flow_with_runner

            try:
                result = flow_with_runner(dask)(
                    tahun=tahun, triwulan=triwulan, raw=raw, curated=curated, paksa=paksa
                )
            except Exception as error:
                if not server_lost(error):
                    raise
                raise LkjipError(
                    f"hubungan ke server Prefect {api_url} terputus di tengah run ({error}); "
                    "periksa server itu lalu jalankan lagi; rilis yang berlaku: "
                    f"lkjip rilis --tahun {tahun} --curated {curated}"
                ) from None
    _print_run({**result, "menunggu": waited}, tahun, curated)


def server_lost(error: BaseException) -> bool:
    """-> whether a run failed because the Prefect server stopped answering."""
    import httpx

    if isinstance(error, httpx.TransportError):
        return True
    return isinstance(error, RuntimeError) and "Failed to reach API" in str(error)


def say(text: str) -> None:
    """A progress line for the operator, on stderr (stdout keeps the summary)."""
    print(shown(text), file=sys.stderr, flush=True)


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
    """Keep Prefect's log lines for errors we explain in one line, without their traceback.

    Also makes every log line printed to the terminal inert (inert_console_logs).
    """

    class _NoTraceback(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            error = record.exc_info[1] if record.exc_info else None
            if isinstance(error, (LkjipError, PublishError)) or (
                error is not None and server_lost(error)
            ):
                record.exc_info = None
                record.exc_text = None
            return True

    from prefect.logging.configuration import ensure_logging_setup

    ensure_logging_setup()  # Prefect's handlers exist from here on

    quiet = _NoTraceback()
    for name in ("prefect", "prefect.flow_runs", "prefect.task_runs"):
        logger = logging.getLogger(name)
        logger.addFilter(quiet)
        for handler in logger.handlers:
            handler.addFilter(quiet)
    inert_console_logs()


def inert_console_logs() -> None:
    """Every log handler that writes to a terminal stream prints file-derived text inert.

    A task's name or message can carry a folder or file name as sent (an ESC sequence,
    rich markup): the formatted line gets its control characters escaped, and its markup
    too where the handler renders markup (PREFECT_LOGGING_MARKUP).
    """
    loggers = [logging.getLogger(), *map(logging.getLogger, list(logging.root.manager.loggerDict))]
    for logger in loggers:
        for handler in logger.handlers:
            terminal = isinstance(handler, logging.StreamHandler) and not isinstance(
                handler, logging.FileHandler
            )
            if terminal and not isinstance(handler.formatter, _InertFormatter):
                markup = bool(getattr(getattr(handler, "console", None), "_markup", False))
                handler.setFormatter(_InertFormatter(handler.formatter, markup))


class _InertFormatter(logging.Formatter):
    """A handler's formatter whose lines come out inert (control characters escaped)."""

    def __init__(self, inner: logging.Formatter | None, markup: bool) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()
        self.markup = markup

    def format(self, record: logging.LogRecord) -> str:
        """-> the inner formatter's text, inert (markup escaped when the handler renders it)."""
        text = self.inner.format(record)
        return inert(text) if self.markup else _inert_plain(text)


def _inert_plain(text: str) -> str:
    """Text -> control characters escaped, line breaks and tabs kept (no rich markup)."""
    return "\n".join("\t".join(map(shown, line.split("\t"))) for line in text.split("\n"))


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
    console.print(f"[bold]Terbit[/bold] {inert(result['run_id'])} -> {inert(str(curated))}")
    console.print(_replaced_line(result, tahun), soft_wrap=True)  # the id stays whole
    console.print(
        "Baris dibaca: "
        + ", ".join(f"{inert(s)} {n}" for s, n in per_status.iter_rows())
        + f" (jumlah {hitungan.get_column('baris').sum()})"
    )
    if temuan.height == 0:
        console.print("Tidak ada temuan.")
        return
    per_rule = temuan.group_by("aturan", "tingkat").len().sort("aturan")
    console.print(
        "Temuan: " + ", ".join(f"{inert(a)} ({inert(t)}) {n}" for a, t, n in per_rule.iter_rows())
    )
    console.print(
        f"Lihat rinciannya: lkjip failures --tahun {tahun} --curated {inert(str(curated))}"
    )


def _replaced_line(result: dict, tahun: int) -> str:
    """Flow result -> which release it replaced (and that it waited for another run first)."""
    from flows.releases import created_text

    waited = result.get("menunggu") or 0
    old = result.get("menggantikan")
    if not old:
        line = f"rilis pertama tahun {tahun} di folder ini."
    else:
        line = (
            f"menggantikan rilis {old.get('rilis')} (run {old.get('run_id')}, "
            f"dibuat {created_text(old)})."
        )
    if waited >= 1:
        return inert(f"Setelah menunggu run lain {waited:.0f} detik: {line}")
    return inert(line[0].upper() + line[1:])


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
    temuan = reading_order(filter_temuan(read_temuan(curated, tahun), triwulan, bidang, aturan))
    if temuan.height == 0:
        console.print("Tidak ada temuan untuk pilihan ini.")
    else:
        console.print(findings_table(temuan))
        errors = temuan.filter(pl.col("tingkat") == "error").height
        folded = temuan.filter(pl.col("akibat")).height
        console.print(
            f"{temuan.height} temuan: {errors} error, {temuan.height - errors} peringatan"
            + (f"; {folded} di antaranya akibat temuan lain (↳)" if folded else "")
        )
    if xlsx is not None:
        write_findings_xlsx(temuan, xlsx)
        console.print(f"Ditulis: {inert(str(xlsx))}")


@app.command()
def report(
    tahun: Tahun,
    curated: Curated = Path("curated"),
    out: Annotated[Path, typer.Option("--out", help="Folder to write the report to.")] = Path(
        "laporan"
    ),
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print the page to OUT/lkjip_<tahun>.pdf (Chromium).")
    ] = False,
) -> None:
    """Write the LKjIP tables and charts of TAHUN from CURATED as .xlsx and .html (and .pdf)."""
    from flows.report import make_report

    paths = make_report(tahun, curated, out)
    if pdf:
        from flows.report_pdf import write_pdf

        paths = (*paths, write_pdf(paths[1]))
    for path in paths:
        print(shown(str(path)))  # plain print: a long path must stay on one line


@app.command()
def rilis(
    tahun: Tahun,
    curated: Curated = Path("curated"),
    kembali: Annotated[
        str | None,
        typer.Option(
            "--kembali",
            help="Jadikan rilis ini (ID rilis atau run id) yang berlaku lagi.",
        ),
    ] = None,
) -> None:
    """List the releases of TAHUN in CURATED, or make an earlier one current (--kembali)."""
    from flows.publish import list_releases, restore_release

    if kembali is not None:
        restored, previous = restore_release(curated, tahun, kembali, say=say)
        if previous == restored.nama:
            console.print(
                f"Rilis {inert(restored.nama)} sudah yang berlaku; tidak ada yang diubah."
            )
        else:
            console.print(
                f"[bold]Berlaku lagi[/bold] {inert(restored.nama)} untuk tahun {tahun} "
                f"(sebelumnya {inert(previous or '-')}); tidak ada rilis yang dihapus."
            )
    found = list_releases(curated, tahun)
    if not found:
        raise LkjipError(
            f"belum ada rilis tahun {tahun} di {curated}; jalankan dulu: lkjip run --tahun {tahun}"
        )
    console.print(releases_table(found, tahun, curated))
    console.print(
        f"{len(found)} rilis disimpan. Yang disimpan: yang berlaku dan {KEEP_RELEASES} rilis "
        "terbaru lainnya; yang lebih lama dihapus saat rilis baru terbit."
    )
    console.print(f"Kembali ke rilis lain: lkjip rilis --tahun {tahun} --kembali <ID rilis>")


WIDE_RELEASES = 160  # a release's row fits on one line from this many columns on


def releases_table(
    found: list[Rilis], tahun: int, curated: Path, width: int | None = None
) -> Table:
    """Releases of a year -> a rich table: current mark, id, run id, date, findings, total.

    Under WIDE_RELEASES columns the details go into one column, one per line, so the
    release id (what `--kembali` takes) stays whole on one line.
    """
    from flows import releases

    title = f"Rilis tahun {tahun} di {inert(str(curated))} (terlama di atas)"
    table = Table(title=title, title_justify="left")
    rows = [
        (
            "[bold green]ya[/bold green]" if item.berlaku else "",
            inert(item.nama),
            inert(str(item.manifest.get("run_id", "-"))),
            inert(releases.created_text(item.manifest)),
            inert(releases.findings_text(item.manifest)),
            _total_text(item),
        )
        for item in found
    ]
    if (width or console.width) < WIDE_RELEASES:
        table.add_column("ID rilis", no_wrap=True)
        table.add_column("Run id / dibuat / temuan / realisasi kumulatif", overflow="fold")
        for berlaku, nama, *details in rows:
            table.add_row(
                nama + ("\n[bold green]berlaku[/bold green]" if berlaku else ""), "\n".join(details)
            )
        return table
    table.add_column("Berlaku", no_wrap=True)
    table.add_column("ID rilis", no_wrap=True)
    table.add_column("Run id", no_wrap=True)
    table.add_column("Dibuat", no_wrap=True)
    table.add_column("Temuan")
    table.add_column("Realisasi kumulatif", justify="right", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    return table


def _total_text(item: Rilis) -> str:
    """Release -> 'TW4: Rp 25.035.654.473', its total realisasi kumulatif of its last quarter."""
    from flows.releases import rupiah

    quarter = item.manifest.get("triwulan")
    total = rupiah(item.realisasi_kumulatif)
    return f"TW{quarter}: {total}" if quarter else total


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
            _rule_cell(row),
            f"[{style}]{row['tingkat']}[/{style}]",
            "" if row["triwulan"] is None else str(row["triwulan"]),
            inert(row["kode_bidang"] or ""),
            inert(where),
            _message_cell(row),
        )
    return table


def shown(text: str) -> str:
    """Text -> the same with every control or invisible format character (ESC, newline, a
    bidi override) written as an escape (\\x1b, \\u202e), so none acts on the terminal.
    """
    return "".join(ch if ch.isprintable() else _escape_char(ch) for ch in text)


def _escape_char(ch: str) -> str:
    """One character -> its Python escape: \\xNN, \\uNNNN or \\UNNNNNNNN."""
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def inert(text: str) -> str:
    """Text from a file -> safe to print with rich: markup escaped, control characters
    shown as escapes instead of reaching the terminal (line breaks and tabs kept).
    """
    return escape(_inert_plain(text))


def _rule_cell(row: dict) -> str:
    """A finding -> its rule, marked ↳ when it is a consequence of the finding above it."""
    return f"↳ {row['aturan']}" if row.get("akibat") else row["aturan"]


def _message_cell(row: dict) -> str:
    """A finding -> its message (inert) and its id; a consequence names its root."""
    tail = f"\n[dim]id {row['temuan_id']}"
    if row.get("akibat"):
        tail += f", akibat dari temuan {row['akar']}"
    return inert(row["pesan"]) + tail + "[/dim]"


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
                f"{_rule_cell(row)} [{style}]{row['tingkat']}[/{style}]",
                quarter,
                inert(row["kode_bidang"] or ""),
            )
            if part
        )
        table.add_row(head, _message_cell(row))
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
        "akar",
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
        print(
            f"{command}: {shown(error.format_message())} (lihat {command} --help)", file=sys.stderr
        )
        sys.exit(2)
    except typer.Abort:
        sys.exit(130)
    except (LkjipError, PublishError) as error:
        fail(str(error))
    except OSError as error:
        from flows.publish import os_error_text

        fail(os_error_text(error, "perintah ini"))
    sys.exit(code if isinstance(code, int) else 0)


def fail(message: str) -> None:
    """Print the one `lkjip:` line of a failed command (inert, on one line) and exit 1."""
    print(f"lkjip: {shown(message)}", file=sys.stderr, flush=True)
    sys.exit(1)
