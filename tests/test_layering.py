"""Imports point one way: pipeline/ -> ocr/, parsers/ -> schemas/ and vietnamese/ (the floor)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("pipeline", "ocr", "parsers", "schemas", "vietnamese")
# What each package may import from the project (besides itself).
ALLOWED: dict[str, set[str]] = {
    "pipeline": {"ocr", "parsers", "schemas", "vietnamese"},
    "ocr": {"schemas", "vietnamese"},
    "parsers": {"schemas", "vietnamese"},
    "schemas": set(),
    "vietnamese": set(),
}


def _project_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        found.update(name.split(".")[0] for name in names if name.split(".")[0] in PACKAGES)
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_one_way(package: str) -> None:
    wrong = {
        f"{path.relative_to(ROOT)} imports {other}"
        for path in (ROOT / package).rglob("*.py")
        for other in _project_imports(path) - {package}
        if other not in ALLOWED[package]
    }
    assert not wrong, sorted(wrong)
