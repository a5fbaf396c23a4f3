"""The command line: `lkjip run`, `lkjip failures` (DATA-CONTRACT.md section 4).

A thin layer over the flows: it parses options, runs, prints a readable summary, and on
any error prints one line and exits non-zero.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

# Typer vendors its own click; its exception classes live here (pinned in the lock file).
from typer._click.core import Context
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)
from typer._click.formatting import HelpFormatter
from typer.core import TyperGroup

from flows.raw_folder import LkjipError
from flows.release_store import KEEP_RELEASES, PublishError, Release, read_table
from transforms.findings import reading_order

# The help screen's own words (click's and Typer's) in Bahasa Indonesia.
HEADINGS = {"Options": "Pilihan", "Commands": "Perintah", "Arguments": "Argumen"}
HELP_PHRASES = (
    ("Show this message and exit.", "Tampilkan bantuan ini lalu keluar."),
    ("[OPTIONS]", "[PILIHAN]"),
    ("COMMAND [ARGS]...", "PERINTAH [ARGUMEN]..."),
    ("<int range>", "<angka>"),
    ("<float range>", "<angka>"),
    ("<int>", "<angka>"),
    ("<float>", "<angka>"),
    ("<str>", "<teks>"),
    ("<text>", "<teks>"),
    ("<path>", "<lokasi>"),
    ("<boolean>", "<ya/tidak>"),
    ("<choice>", "<pilihan>"),
    ("(dynamic)", "(dihitung)"),
)
HELP_NOTES = re.compile(r"(?<=[\[; ])(default: |env var: |required(?=[;\]]))")
NOTE_WORDS = {"default: ": "bawaan: ", "env var: ": "variabel lingkungan: ", "required": "wajib"}


def indonesian_help(text: str) -> str:
    """A piece of a help screen -> the framework's English words in it in Bahasa Indonesia."""
    for english, ours in HELP_PHRASES:
        text = text.replace(english, ours)
    return HELP_NOTES.sub(lambda found: NOTE_WORDS[found.group(1)], text)


class IndonesianHelp(HelpFormatter):
    """Click's help formatter with its headings, usage line and notes in Bahasa Indonesia."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        """Write the usage line as 'Cara pakai: lkjip run [PILIHAN]'."""
        super().write_usage(prog, indonesian_help(args), prefix or "Cara pakai: ")

    def write_heading(self, heading: str) -> None:
        """Write a section heading (Pilihan, Perintah) in Bahasa Indonesia."""
        super().write_heading(HEADINGS.get(heading, heading))

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        """Write option/command rows with their framework notes in Bahasa Indonesia."""
        rows = [(indonesian_help(term), indonesian_help(text)) for term, text in rows]
        super().write_dl(rows, col_max, col_spacing)


class IndonesianContext(Context):
    """A click context whose help screens are in Bahasa Indonesia."""

    formatter_class = IndonesianHelp


class LkjipGroup(TyperGroup):
    """The `lkjip` group: it and every command in it print their help in Bahasa Indonesia."""

    context_class = IndonesianContext

    def get_command(self, ctx: Context, cmd_name: str):
        """-> the command `cmd_name`, made to use the Indonesian help context."""
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            command.context_class = IndonesianContext
        return command


app = typer.Typer(
    name="lkjip",
    cls=LkjipGroup,
    help="Konsolidasi realisasi triwulanan tiap bidang dan terbitkan tabel LKjIP.",
    context_settings={"help_option_names": ["--help", "-h"]},
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
console = Console()

Tahun = Annotated[
    int, typer.Option("--tahun", help="Tahun anggaran, mis. 2023.", min=2000, max=2100)
]
Raw = Annotated[Path, typer.Option("--raw", help="Folder masukan mentah (raw).")]
Curated = Annotated[Path, typer.Option("--curated", help="Folder tabel curated.")]
MAX_TUNGGU = 24 * 3600  # --tunggu: at most a day


@app.command(
    help="Konsolidasikan triwulan 1..TRIWULAN tahun TAHUN dari RAW dan terbitkan ke CURATED.",
    short_help="Konsolidasikan triwulan dan terbitkan tabel curated.",
)
def run(
    tahun: Tahun,
    triwulan: Annotated[
        int,
        typer.Option("--triwulan", help="Konsolidasikan triwulan 1 sampai ini.", min=1, max=4),
    ],
    raw: Raw = Path("raw"),
    curated: Curated = Path("curated"),
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            envvar="LKJIP_DASK_ADDRESS",
            help="Jalankan tugas di Dask: alamat scheduler (tcp://host:8786) atau 'local'.",
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
    from flows.quality_gate import start_gate_process
    from flows.release_store import run_lock
    from flows.serve import temporary_api

    check_inputs(raw, tahun)
    start_gate_process()  # Great Expectations imports on the other core meanwhile
    about = f"konsolidasi {tahun} TW{triwulan}"
    with run_lock(curated, tunggu, say=say, tentang=about) as waited:
        if waited >= 1:
            say(f"Run lain sudah selesai; lanjut setelah menunggu {waited:.0f} detik")
        quiet_known_errors()
        with temporary_api(say=say) as api_url:
            from flows.prefect_flow import flow_with_runner

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

    One office's reference files are small: they are read here once more, which spares
    the operator a Prefect server start and a traceback for a missing or broken DPA. For
    a raw folder of many offices only their presence is checked here (reading every
    office's twice cost a minute at national scale); a broken one stops the run from its
    muat-referensi task, in one line too.
    """
    from flows.raw_folder import check_references, find_offices, load_references

    offices, listing = find_offices(raw, tahun)
    for office in offices:
        if listing is None:
            load_references(raw, tahun, office, listing)
        else:
            check_references(raw, tahun, office)


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


@app.command(
    help="Layani deployment triwulanan (10 Jan/Apr/Jul/Okt, 07.00 WIB) dengan server lokal, "
    "beserta Data Docs dan halaman temuan lewat HTTP di 127.0.0.1.",
    short_help="Layani deployment triwulanan, Data Docs dan halaman temuan.",
)
def serve(
    raw: Raw = Path("raw"),
    curated: Curated = Path("curated"),
    laporan: Annotated[
        Path, typer.Option("--out", help="Folder laporan tahunan yang dibuat sesudah TW4.")
    ] = Path("laporan"),
    port: Annotated[
        int, typer.Option("--port", help="Port server Prefect lokal (127.0.0.1).")
    ] = 4200,
    port_berkas: Annotated[
        int | None,
        typer.Option(
            "--port-berkas",
            help="Port HTTP Data Docs dan halaman temuan di 127.0.0.1 (bawaan: --port + 1; "
            "0: port bebas mana saja).",
            min=0,
            max=65535,
        ),
    ] = None,
) -> None:
    """Serve the quarterly deployment (10 Jan/Apr/Jul/Oct, 07:00 WIB) with a local server."""
    from flows.serve import serve as serve_deployment

    files_port = port + 1 if port_berkas is None else port_berkas
    serve_deployment(raw, curated, laporan, port=port, port_berkas=files_port)


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
    accepted = temuan.filter(pl.col("diterima")) if "diterima" in temuan.columns else None
    if accepted is not None:
        temuan = temuan.filter(~pl.col("diterima"))
    if temuan.height == 0:
        console.print("Tidak ada temuan terbuka.")
    else:
        per_rule = temuan.group_by("aturan", "tingkat").len().sort("aturan")
        console.print(
            "Temuan: "
            + ", ".join(f"{inert(a)} ({inert(t)}) {n}" for a, t, n in per_rule.iter_rows())
        )
    if accepted is not None and accepted.height:
        console.print(f"Peringatan yang sudah diterima: {accepted.height}")
    if temuan.height == 0 and (accepted is None or accepted.height == 0):
        return
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
    found = read_table(path) if path.exists() else None
    if found is None:
        raise LkjipError(
            f"belum ada hasil tahun {tahun} di {curated}; jalankan dulu: lkjip run --tahun {tahun}"
        )
    return found


@app.command(
    help="Tampilkan temuan tahun TAHUN sebagai tabel yang mudah dibaca steward.",
    short_help="Tampilkan temuan yang diterbitkan.",
)
def failures(
    tahun: Tahun,
    triwulan: Annotated[
        int | None, typer.Option("--triwulan", help="Hanya triwulan ini.", min=1, max=4)
    ] = None,
    bidang: Annotated[str | None, typer.Option("--bidang", help="Hanya kode_bidang ini.")] = None,
    aturan: Annotated[
        str | None, typer.Option("--aturan", help="Hanya aturan ini, mis. V003.")
    ] = None,
    opd: Annotated[
        str | None,
        typer.Option(
            "--opd", help="Hanya kantor ini (kode_opd), bila curated berisi banyak kantor."
        ),
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="Hanya temuan dengan status ini terhadap rilis sebelumnya: "
            "baru, masih_ada atau selesai.",
        ),
    ] = None,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="Tulis juga temuan ke berkas .xlsx ini.")
    ] = None,
    kembalikan: Annotated[
        Path | None,
        typer.Option(
            "--kembalikan",
            help="Tulis ke folder ini, untuk tiap bidang yang mempunyai temuan pada --triwulan, "
            "salinan .xlsx setiap berkas kirimannya dengan sel yang salah ditandai dan diberi "
            "komentar: FOLDER/<kode_bidang>/<nama berkas>(.xlsx).",
        ),
    ] = None,
    raw: Raw = Path("raw"),
    curated: Curated = Path("curated"),
) -> None:
    """Show the findings of TAHUN as a table a steward can read."""
    if kembalikan is not None and triwulan is None:
        raise BadParameter(
            "--kembalikan memerlukan --triwulan (berkas triwulan mana yang dikembalikan)",
            param_hint="'--kembalikan'",
        )
    found = read_findings(curated, tahun, status)
    check_choices(curated, tahun, found, bidang, aturan, opd)
    temuan = reading_order(filter_temuan(found, triwulan, bidang, aturan, opd))
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
    if kembalikan is not None:
        _print_returns(temuan, raw, tahun, triwulan, kembalikan)


def _print_returns(temuan: pl.DataFrame, raw: Path, tahun: int, triwulan: int, out: Path) -> None:
    """Findings -> each bidang's files returned with their faults marked, and where they are."""
    from flows.annotated_return import write_returns

    written = write_returns(temuan, raw, tahun, triwulan, out)
    for item in written:
        print(shown(f"Dikembalikan ({item.kode_bidang}): {item.target}"))
    console.print(
        f"{len(written)} berkas dikembalikan ke {inert(str(out))}"
        if written
        else "Tidak ada berkas yang dikembalikan: tidak ada temuan bidang pada pilihan ini."
    )


@app.command(
    help="Tulis tabel dan grafik LKjIP tahun TAHUN dari CURATED sebagai .xlsx dan .html "
    "(dan .pdf).",
    short_help="Tulis laporan LKjIP tahunan (.xlsx, .html, .pdf).",
)
def report(
    tahun: Tahun,
    curated: Curated = Path("curated"),
    out: Annotated[Path, typer.Option("--out", help="Folder tujuan laporan.")] = Path("laporan"),
    pdf: Annotated[
        bool,
        typer.Option("--pdf", help="Cetak juga halamannya ke OUT/lkjip_<tahun>.pdf (Chromium)."),
    ] = False,
) -> None:
    """Write the LKjIP tables and charts of TAHUN from CURATED as .xlsx and .html (and .pdf)."""
    from flows.annual_report import make_report

    with progress() as step:
        step(f"Membuat laporan {tahun} (.xlsx dan .html)")
        paths = make_report(tahun, curated, out)
        if pdf:
            from flows.report_pdf import write_pdf

            step("Mencetak PDF dengan Chromium")
            paths = (*paths, write_pdf(paths[1]))
    for path in paths:
        print(shown(str(path)))  # plain print: a long path must stay on one line


@contextmanager
def progress():
    """Yield `step(text)`: a spinner naming the current step on a terminal, else nothing."""
    if not sys.stdout.isatty():
        yield lambda text: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("Mulai")
        yield lambda text: bar.update(task, description=inert(text))


@app.command(
    help="Daftar rilis tahun TAHUN di CURATED, atau jadikan rilis sebelumnya berlaku lagi "
    "(--kembali).",
    short_help="Daftar rilis, atau kembali ke rilis sebelumnya.",
)
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
    from flows.release_store import list_releases, restore_release

    if kembali is not None:
        restored, previous = restore_release(curated, tahun, kembali, say=say)
        if previous == restored.name:
            console.print(
                f"Rilis {inert(restored.name)} sudah yang berlaku; tidak ada yang diubah."
            )
        else:
            console.print(
                f"[bold]Berlaku lagi[/bold] {inert(restored.name)} untuk tahun {tahun} "
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
    found: list[Release], tahun: int, curated: Path, width: int | None = None
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
            "[bold green]ya[/bold green]" if item.active else "",
            inert(item.name),
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


def _total_text(item: Release) -> str:
    """Release -> 'TW4: Rp 25.035.654.473', its total realisasi kumulatif of its last quarter."""
    from flows.releases import rupiah

    quarter = item.manifest.get("triwulan")
    total = rupiah(item.realisasi_kumulatif)
    return f"TW{quarter}: {total}" if quarter else total


STATUS_TEMUAN = ("baru", "masih_ada", "selesai")


def read_findings(curated: Path, tahun: int, status: str | None) -> pl.DataFrame:
    """Curated folder -> the year's findings of that status (the open and accepted ones when
    None, the resolved ones of `temuan_selesai` for selesai); UsageError for another status.
    """
    from typer._click.globals import get_current_context

    from transforms.finding_history import conform

    if status is not None and status not in STATUS_TEMUAN:
        raise UsageError(
            f"--status '{status}' tidak dikenal; pilih salah satu: {', '.join(STATUS_TEMUAN)}",
            ctx=get_current_context(silent=True),
        )
    temuan = conform(read_temuan(curated, tahun))
    if status is None:
        return temuan
    if status != "selesai":
        return temuan.filter(pl.col("status") == status)
    path = curated / "temuan_selesai" / f"tahun={tahun}"
    resolved = read_table(path, tahun) if path.exists() else None
    return temuan.clear() if resolved is None else conform(resolved)


PENERIMAAN_KOLOM = ("temuan_id", "alasan", "oleh", "tanggal")


@app.command(
    help="Terima peringatan TEMUAN tahun TAHUN dengan alasan dan penyetujunya: satu baris "
    "ditambahkan ke raw/<tahun>/referensi/penerimaan.csv dan berlaku pada run berikutnya. "
    "Error tidak dapat diterima.",
    short_help="Terima sebuah peringatan dengan alasan dan penyetujunya.",
)
def terima(
    tahun: Tahun,
    temuan: Annotated[
        str, typer.Option("--temuan", help="temuan_id peringatan (lihat lkjip failures).")
    ],
    alasan: Annotated[str, typer.Option("--alasan", help="Alasan peringatan diterima.")],
    oleh: Annotated[str, typer.Option("--oleh", help="Nama yang menyetujui penerimaan.")],
    raw: Raw = Path("raw"),
    curated: Curated = Path("curated"),
) -> None:
    """Accept a published peringatan of TAHUN: append it to referensi/penerimaan.csv."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    alasan, oleh, temuan = (" ".join(v.split()) for v in (alasan, oleh, temuan))
    if not alasan or not oleh:
        raise LkjipError("--alasan dan --oleh harus diisi")
    found = read_temuan(curated, tahun).filter(pl.col("temuan_id") == temuan)
    if found.height == 0:
        raise LkjipError(
            f"temuan {temuan} tidak ada di temuan terbit tahun {tahun} di {curated}; "
            f"salin temuan_id dari lkjip failures --tahun {tahun}"
        )
    row = found.row(0, named=True)
    if row["tingkat"] != "peringatan":
        raise LkjipError(
            f"temuan {temuan} ({row['aturan']}) berlevel {row['tingkat']} dan tidak dapat "
            "diterima; perbaiki datanya lalu jalankan ulang"
        )
    tanggal = dt.datetime.now(ZoneInfo("Asia/Jakarta")).date().isoformat()
    from flows.raw_folder import Office

    office = Office(row.get("kode_opd"), row.get("kode_opd") or "") if row.get("kode_opd") else None
    if office is not None and (raw / str(tahun)).is_dir():
        office = None  # a single-office raw folder that names its office in opd.csv
    path, nomor = append_acceptance(raw, tahun, [temuan, alasan, oleh, tanggal], office)
    console.print(
        inert(
            f"Diterima: temuan {temuan} ({row['aturan']}, peringatan) oleh {oleh}; dicatat di "
            f"{path} baris {nomor}. Berlaku pada run berikutnya: lkjip run --tahun {tahun}."
        )
    )


def append_acceptance(raw: Path, tahun: int, values: list[str], office=None) -> tuple[Path, int]:
    """raw + year (+ the office, of many) + one acceptance -> (penerimaan.csv, its new row
    number), written atomically.

    The file keeps its separator and BOM; a file in Windows-1252 is rewritten as UTF-8.
    """
    import csv
    import io

    from flows.raw_folder import REFERENSI_SUFFIXES, SINGLE, reference_folder

    folder = reference_folder(raw, tahun, office or SINGLE)
    others = [folder / f"penerimaan{x}" for x in REFERENSI_SUFFIXES if x != ".csv"]
    if any(os.path.lexists(o) for o in others):
        raise LkjipError(
            f"{folder} berisi penerimaan dalam bentuk lain dari .csv; simpan sebagai "
            "penerimaan.csv lalu ulangi"
        )
    if not folder.is_dir():
        raise LkjipError(f"folder {folder} tidak ada")
    path = folder / "penerimaan.csv"
    data = path.read_bytes() if path.is_file() else b""
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\n")
    if not text.strip():
        text = ""
        writer.writerow(PENERIMAAN_KOLOM)
    elif not text.endswith("\n"):
        text += "\n"
    writer.writerow(values)
    content = text + out.getvalue()
    temp = path.with_name(f".penerimaan.csv.{os.getpid()}.tmp")
    with open(temp, "wb") as handle:
        handle.write((b"\xef\xbb\xbf" if bom else b"") + content.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    return path, content.rstrip("\n").count("\n") + 1


def check_choices(
    curated: Path,
    tahun: int,
    temuan: pl.DataFrame,
    bidang: str | None,
    aturan: str | None,
    opd: str | None = None,
) -> None:
    """An unknown --bidang, --aturan or --opd -> UsageError listing the valid values (a
    typo must not read as "no findings")."""
    from typer._click.globals import get_current_context

    from schemas.rules import RULES

    choices = []
    if bidang is not None:
        known = set(temuan.get_column("kode_bidang").drop_nulls().to_list())
        dpa = curated / "dpa" / f"tahun={tahun}"
        owners = read_table(dpa) if dpa.exists() else None
        if owners is not None:
            known |= set(owners.get_column("kode_bidang").drop_nulls().to_list())
        if bidang not in known:
            choices.append(("--bidang", bidang, sorted(known)))
    if aturan is not None and aturan.upper() not in RULES:
        choices.append(("--aturan", aturan, sorted(RULES)))
    if opd is not None:
        offices = curated / "opd" / f"tahun={tahun}"
        listed = read_table(offices) if offices.exists() else None
        known = set(temuan.get_column("kode_opd").drop_nulls().to_list())
        if listed is not None and "kode_opd" in listed.columns:
            known |= set(listed.get_column("kode_opd").drop_nulls().to_list())
        if opd not in known:
            choices.append(("--opd", opd, sorted(known)))
    for option, value, valid in choices[:1]:
        raise UsageError(
            f"{option} '{inert(value)}' tidak dikenal; pilih salah satu: {', '.join(valid)}",
            ctx=get_current_context(silent=True),
        )


def filter_temuan(
    temuan: pl.DataFrame,
    triwulan: int | None,
    bidang: str | None,
    aturan: str | None,
    opd: str | None = None,
) -> pl.DataFrame:
    """Findings + optional quarter, bidang, rule and office -> the findings that match."""
    if triwulan is not None:
        temuan = temuan.filter(pl.col("triwulan") == triwulan)
    if bidang is not None:
        temuan = temuan.filter(pl.col("kode_bidang") == bidang)
    if aturan is not None:
        temuan = temuan.filter(pl.col("aturan") == aturan.upper())
    if opd is not None:
        temuan = temuan.filter(pl.col("kode_opd") == opd)
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


def _status_text(row: dict) -> str:
    """A finding -> its status against the previous release, and who accepted it and why."""
    text = f", status {row['status']}" if row.get("status") else ""
    if row.get("diterima"):
        text += f", diterima oleh {row['diterima_oleh']}: {row['alasan_terima']}"
    return inert(text)


def _message_cell(row: dict) -> str:
    """A finding -> its message (inert) and its id; a consequence names its root."""
    tail = f"\n[dim]id {row['temuan_id']}{_status_text(row)}"
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
    """Findings -> the workbook a steward sends as is (flows/annotated_return.py): a summary sheet,
    one named table per bidang with Indonesian titles, filters and a frozen header."""
    from flows.annotated_return import write_findings_workbook

    write_findings_workbook(temuan, path)


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
        print(f"{command}: {shown(usage_text(error))} (lihat {command} --help)", file=sys.stderr)
        sys.exit(2)
    except typer.Abort:
        sys.exit(130)
    except (LkjipError, PublishError) as error:
        fail(str(error))
    except OSError as error:
        from flows.release_store import os_error_text

        fail(os_error_text(error, "perintah ini"))
    sys.exit(code if isinstance(code, int) else 0)


def usage_text(error: UsageError) -> str:
    """A click/Typer usage error -> one sentence in Bahasa Indonesia naming what was wrong."""
    if isinstance(error, NoSuchOption):
        text = f"pilihan {error.option_name} tidak dikenal"
        if error.possibilities:
            text += "; mungkin maksudnya " + " atau ".join(sorted(error.possibilities))
        return text
    if isinstance(error, MissingParameter):
        return f"pilihan {_param_hint(error)} wajib diisi"
    if isinstance(error, BadParameter):
        return f"nilai {_param_hint(error)} tidak sah: {_bad_value_text(error)}"
    if isinstance(error, BadOptionUsage):
        if "does not take a value" in error.message:
            return f"pilihan {error.option_name} tidak menerima nilai"
        return f"pilihan {error.option_name} perlu diberi nilai"
    return _plain_usage_text(error)


def _param_hint(error: BadParameter) -> str:
    """-> the option a parameter error is about, as '--tahun'."""
    if error.param_hint is not None:
        hint = error.param_hint
        return " / ".join(hint) if isinstance(hint, list | tuple) else str(hint)
    if error.param is not None:
        return error.param.get_error_hint()
    return "pilihan"


# Messages of the framework itself (click, Typer, pydantic), never our own Indonesian ones.
FRAMEWORK_MESSAGE = re.compile(
    r"Input should|not in the range|is not a valid|is not one of|does not exist|"
    r"is a file|is a directory|is not readable|is not writable|Value must be"
)


def _bad_value_text(error: BadParameter) -> str:
    """A bad value's message -> what the value must be, in Bahasa Indonesia.

    A message of our own (already Indonesian) is kept as it is.
    """
    message = error.message
    if not FRAMEWORK_MESSAGE.search(message):
        return message
    low, high = getattr(error.param, "min", None), getattr(error.param, "max", None)
    if "integer" in message or low is not None or high is not None:
        what = "harus bilangan bulat"
    elif "number" in message or "float" in message:
        what = "harus angka"
    else:
        return "nilai itu tidak dapat dipakai di sini"
    if low is not None and high is not None:
        return f"{what} dari {low} sampai {high}"
    if low is not None:
        return f"{what}, paling kecil {low}"
    return f"{what}, paling besar {high}" if high is not None else what


def _plain_usage_text(error: UsageError) -> str:
    """A usage error without a parameter (unknown command, extra argument) -> Indonesian."""
    message = error.message
    unknown = re.fullmatch(r"No such command '(.*)'\.", message)
    if unknown:
        group = error.ctx.command if error.ctx else None
        names = ", ".join(group.list_commands(error.ctx)) if group is not None else ""
        known = getattr(group, "list_commands", None)
        return f"perintah '{unknown.group(1)}' tidak dikenal" + (
            f"; perintah yang ada: {names}" if known else ""
        )
    extra = re.fullmatch(r"Got unexpected extra argument\(s\) \((.*)\)", message)
    if extra:
        return f"argumen berlebih yang tidak dikenal: {extra.group(1)}"
    if message == "Missing command.":
        return "perintah belum disebut"
    if re.search(r"[A-Za-z]+ (should|must|is|does|requires|takes)\b", message):
        return "perintah ini tidak dapat dipahami"
    return message


def fail(message: str) -> None:
    """Print the one `lkjip:` line of a failed command (inert, on one line) and exit 1."""
    print(f"lkjip: {shown(message)}", file=sys.stderr, flush=True)
    sys.exit(1)
