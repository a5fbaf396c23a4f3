"""The codebase's layout as the README documents it: one name per module, imports one way,
and every path the README's tables name is a real file."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("flows", "transforms", "schemas")  # each may import only the ones after it
README = (ROOT / "README.md").read_text(encoding="utf-8")


def modules() -> list[Path]:
    return sorted(
        p.relative_to(ROOT)
        for layer in LAYERS
        for p in (ROOT / layer).glob("*.py")
        if p.name != "__init__.py"
    )


def section(title: str) -> str:
    start = README.index(title)
    end = README.index("\n#", start + len(title))
    return README[start:end]


def test_no_two_product_modules_share_a_name() -> None:
    stems = Counter(p.stem for p in modules())
    assert [s for s, n in stems.items() if n > 1] == []


def test_imports_go_one_way() -> None:
    upward = []
    for path in modules():
        layer = LAYERS.index(path.parts[0])
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                top = name.split(".")[0]
                if top in LAYERS and LAYERS.index(top) < layer:
                    upward.append(f"{path}: {name}")
    assert upward == []


def test_every_path_the_where_a_change_goes_table_names_exists() -> None:
    table = section("### Where a change goes")
    paths = re.findall(r"`((?:flows|schemas|transforms)/[\w/]+\.py)`", table)
    assert len(paths) >= 15
    assert [p for p in paths if not (ROOT / p).is_file()] == []


def test_the_module_table_lists_every_module_and_only_those() -> None:
    table = section("### Modules")
    listed = re.findall(r"^\| `([\w/]+\.py)` \|", table, flags=re.MULTILINE)
    assert sorted(listed) == [p.as_posix() for p in modules()]


def test_requirements_txt_pins_exactly_what_uv_lock_locks() -> None:
    """uv.lock is the lock; requirements.txt (what `make` installs with pip) is its export:
    the same packages at the same versions, each with hashes, so neither drifts alone."""
    import tomllib

    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    locked = {
        re.sub(r"[-_.]+", "-", p["name"]).lower(): p["version"]
        for p in lock["package"]
        if p.get("source", {}).get("editable") != "."  # the project itself
    }
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    pinned = {
        re.sub(r"[-_.]+", "-", name).lower(): version
        for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", text, re.M)
    }
    assert pinned == locked
    blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", text.split("\n", 2)[2])
    assert all("--hash=sha256:" in block for block in blocks if "==" in block)
