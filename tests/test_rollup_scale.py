"""A sheet with a "Jumlah" row under every sub kegiatan (thousands of them): the roll-up
check stays linear (block sums, no cross join), runs in bounded memory, and still finds
the one wrong total planted among them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUBS = 20_000  # 80.000 rows: 3 kode rekening lines and a Jumlah per sub kegiatan
WRONG = 12_345  # the sub kegiatan whose Jumlah of Realisasi TW is 1.000 too high
ADDRESS_SPACE = 3 * 1024**3  # the whole child (python, polars, pandera) within 3 GiB


def rupiah(n: int) -> str:
    return f"{n:,}".replace(",", ".") + ",00"


def write_export(path: Path) -> int:
    """-> writes the export; -> the row number (as Excel shows it) of the wrong Jumlah."""
    lines = ["Kode;Uraian;Akun;Anggaran;Realisasi TW;Realisasi s/d TW;Fisik (%)"]
    wrong_row = 0
    for s in range(SUBS):
        code = f"2.17.{s // 10000 % 100:02d}.1.{s // 100 % 100:02d}.{s % 100:02d}"
        anggaran = realisasi = 0
        for r in range(3):
            a, b = 4_000_000 + r * 1_000 + s, 1_000_000 + r * 100 + s
            anggaran, realisasi = anggaran + a, realisasi + b
            lines.append(
                f"{code};Belanja {s}-{r};5.1.02.01.01.{r:04d};{rupiah(a)};{rupiah(b)};"
                f"{rupiah(b)};45,50"
            )
        stated = realisasi + (1_000 if s == WRONG else 0)
        lines.append(f";Jumlah;;{rupiah(anggaran)};{rupiah(stated)};{rupiah(realisasi)};")
        if s == WRONG:
            wrong_row = len(lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return wrong_row


_CHILD = f"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({ADDRESS_SPACE}, {ADDRESS_SPACE}))
from pathlib import Path
from flows.readers import read_file
from transforms.findings import finalize
from transforms.ingest import ingest
path = Path(sys.argv[1])
sub = ingest([read_file(path, "2023/TW1/b/x.csv")], tahun=2023, triwulan=1, kode_bidang="b")
temuan = finalize(sub.temuan, "uji")
print(json.dumps({{
    "status": dict(sub.keuangan.group_by("status").len().rows()),
    "temuan": temuan.select("aturan", "baris", "sel", "pesan").rows(),
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
}}))
"""


def test_a_jumlah_under_every_sub_kegiatan_is_checked_in_bounded_memory(tmp_path: Path):
    path = tmp_path / "x.csv"
    wrong_row = write_export(path)
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == {"diterima": 3 * SUBS, "total": SUBS}
    (finding,) = result["temuan"]
    aturan, baris, sel, pesan = finding
    assert (aturan, baris, sel) == ("V008", wrong_row, f"E{wrong_row}")
    stated = sum(1_000_000 + r * 100 + WRONG for r in range(3)) + 1_000
    assert rupiah(stated).removesuffix(",00") in pesan
    print(f"peak RSS of the child: {result['peak_mib']} MiB")
