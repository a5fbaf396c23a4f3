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
