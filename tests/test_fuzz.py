"""Fuzzing the readers: mutated exports never crash a run and never take unbounded memory.

Hypothesis starts from the bundled raw files' bytes and mutates them: bits flipped, bytes
inserted or deleted, the file truncated, a region duplicated; for a workbook also a part
inside the zip (the sheet XML, the shared strings), zipped again so calamine parses the
damage instead of stopping at a checksum, and a cell moved far away (calamine allocates
the whole rectangle up to it). Each result goes through `read_file` and
`ingest` as one bidang's submission: it must come back as rows and findings, never as an
exception. The search runs in a child process whose address space is capped at 2 GiB, so
a mutation that made any reader grow without bound fails the test instead of the machine.
Derandomized and without an example database: CI runs the same examples every time.
"""

from __future__ import annotations

import io
import re
import resource
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.readers import read_file
from schemas.cells import column_letter
from transforms.findings import finalize
from transforms.ingest import ingest

ROOT = Path(__file__).resolve().parents[1]
TW1 = ROOT / "raw" / "2023" / "TW1"
SEEDS_CSV = sorted(TW1.rglob("*.csv"))
SEEDS_XLSX = sorted(TW1.rglob("*.xlsx"))
ADDRESS_SPACE = 2 * 1024**3
EXAMPLES = {"csv": 150, "xlsx": 60, "xlsx_part": 80}
FUZZ = dict(  # noqa: C408 (settings of every search; run_searches adds its count)
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# One mutation: (kind, position as a fraction of the length, a size, bytes to insert).
mutation = st.tuples(
    st.sampled_from(["flip", "insert", "delete", "truncate", "duplicate"]),
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.integers(min_value=1, max_value=4096),
    st.binary(min_size=1, max_size=16),
)
mutations = st.lists(mutation, min_size=1, max_size=4)
# Inside a workbook part also "far": a cell moved to a far address (up to XFD1048576).
part_mutations = st.lists(
    st.tuples(
        st.sampled_from(["flip", "insert", "delete", "truncate", "duplicate", "far"]),
        st.floats(min_value=0, max_value=1, allow_nan=False),
        st.integers(min_value=1, max_value=4096),
        st.binary(min_size=1, max_size=16),
    ),
    min_size=1,
    max_size=4,
)
_CELL_REF = re.compile(rb'<c r="[A-Z]+[0-9]+"')


def move_far(xml: bytes, where: float, size: int) -> bytes:
    """Sheet XML -> one of its cells moved to column 4 x size, row where x 1.048.576."""
    cells = list(_CELL_REF.finditer(xml))
    if not cells:
        return xml
    cell = cells[min(int(where * len(cells)), len(cells) - 1)]
    far = f'<c r="{column_letter(4 * size)}{int(where * 1_048_575) + 1}"'.encode()
    return xml[: cell.start()] + far + xml[cell.end() :]


def mutate(data: bytes, steps: list[tuple[str, float, int, bytes]]) -> bytes:
    """Bytes + mutations -> the mutated bytes."""
    for kind, where, size, extra in steps:
        at = int(where * len(data))
        if kind == "far":
            data = move_far(data, where, size)
        elif kind == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([data[at] ^ (1 << (size % 8))]) + data[at + 1 :]
        elif kind == "insert":
            data = data[:at] + extra * (1 + size % 64) + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + size :]
        elif kind == "truncate":
            data = data[:at]
        elif kind == "duplicate":
            data = data[:at] + data[at : at + size] + data[at:]
    return data


def mutate_part(workbook: bytes, part_index: int, steps: list) -> bytes:
    """An .xlsx + which XML part + mutations -> the workbook with that part mutated, rezipped."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w") as target:
        names = source.namelist()
        xml = [n for n in names if n.startswith("xl/") and n.endswith(".xml")]
        chosen = xml[part_index % len(xml)]
        for name in names:
            data = source.read(name)
            target.writestr(name, mutate(data, steps) if name == chosen else data)
    return out.getvalue()


def check(data: bytes, suffix: str) -> None:
    """Bytes saved as one export -> read and ingested; raises only on a crash."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"realisasi{suffix}"
        path.write_bytes(data)
        kiriman = ingest([read_file(path, path.name)], tahun=2023, triwulan=1, kode_bidang="x")
        finalize(kiriman.temuan, "fuzz")
        for table in (kiriman.keuangan, kiriman.kinerja):
            assert table.get_column("status").null_count() == 0  # every row accounted for


@given(seed=st.sampled_from(SEEDS_CSV), steps=mutations)
def fuzz_csv(seed: Path, steps: list) -> None:
    """A mutated bundled CSV is read and ingested without an exception."""
    check(mutate(seed.read_bytes(), steps), ".csv")


@given(seed=st.sampled_from(SEEDS_XLSX), steps=mutations)
def fuzz_xlsx(seed: Path, steps: list) -> None:
    """A mutated bundled workbook (its zip bytes) is read and ingested without an exception."""
    check(mutate(seed.read_bytes(), steps), ".xlsx")


@given(seed=st.sampled_from(SEEDS_XLSX), part=st.integers(0, 50), steps=part_mutations)
def fuzz_xlsx_part(seed: Path, part: int, steps: list) -> None:
    """A bundled workbook with one XML part mutated is read and ingested without an exception."""
    check(mutate_part(seed.read_bytes(), part, steps), ".xlsx")


def run_searches() -> None:
    """Run every search with its example count (in the capped child process)."""
    searches = {"csv": fuzz_csv, "xlsx": fuzz_xlsx, "xlsx_part": fuzz_xlsx_part}
    for name, search in searches.items():
        settings(max_examples=EXAMPLES[name], **FUZZ)(search)()
        print(name, EXAMPLES[name], "examples", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"peak RSS {peak} MiB")


_CHILD = (
    "import resource, sys\n"
    f"resource.setrlimit(resource.RLIMIT_AS, ({ADDRESS_SPACE}, {ADDRESS_SPACE}))\n"
    "sys.path[:0] = ['tests', '.']\n"
    "import test_fuzz\n"
    "test_fuzz.run_searches()\n"
)


def test_mutated_exports_never_crash_the_readers_within_2_gib():
    assert SEEDS_CSV and SEEDS_XLSX
    done = subprocess.run(
        [sys.executable, "-c", _CHILD],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout[-4000:]}\n{done.stderr[-8000:]}"
    assert "peak RSS" in done.stdout, done.stdout


def test_the_mutations_change_the_bytes_as_intended():
    data = bytes(range(10))
    assert mutate(data, [("flip", 0.0, 1, b"x")]) == bytes([2]) + data[1:]
    assert mutate(data, [("insert", 0.5, 1, b"ab")]) == data[:5] + b"abab" + data[5:]
    assert mutate(data, [("delete", 0.5, 2, b"x")]) == data[:5] + data[7:]
    assert mutate(data, [("truncate", 0.3, 1, b"x")]) == data[:3]
    assert mutate(data, [("duplicate", 0.8, 5, b"x")]) == data[:8] + data[8:] + data[8:]
    xml = b'<row><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>'
    assert move_far(xml, 1.0, 4096) == xml.replace(b'r="B1"', b'r="XFD1048576"')
