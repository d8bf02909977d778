"""The import rules of the README's architecture section, checked on every module's source.

Each package may import only the packages below it; ``hueai`` (the composition root)
may import all of them and nothing imports it but the benchmarks and the tests.
Imports inside functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: package -> the project packages it may import (itself always allowed).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "nlu": {"core"},
    "knowledge": {"core", "nlu"},
    "dialogue": {"core", "nlu", "knowledge"},
    "media_monitor": {"core", "nlu"},
    "channels": {"core", "nlu", "knowledge", "dialogue"},
    "voice": {"core", "nlu", "knowledge", "dialogue"},
    "training": {"core", "nlu", "knowledge", "dialogue", "media_monitor"},
    "hueai": {"core", "nlu", "knowledge", "dialogue", "media_monitor", "channels", "voice", "training"},
    "bench": {"core", "nlu", "knowledge", "dialogue", "media_monitor", "channels", "voice", "training", "hueai"},
}
PROJECT = set(ALLOWED)


def imported_packages(path: Path) -> set[str]:
    """The top-level project packages ``path`` imports, anywhere in the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & PROJECT


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_the_layers_below(package: str) -> None:
    violations = []
    for path in sorted((REPO / package).rglob("*.py")):
        for imported in imported_packages(path) - ALLOWED[package] - {package}:
            violations.append(f"{path.relative_to(REPO)} imports {imported}")
    assert not violations, "\n".join(violations)


def test_every_package_has_a_rule() -> None:
    packages = {p.parent.name for p in REPO.glob("*/__init__.py")}
    assert packages == PROJECT


def test_the_readme_table_states_the_same_rules() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for package, allowed in ALLOWED.items():
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{package}/`")), None)
        assert row is not None, f"README layout table has no row for {package}/"
        stated = row.rsplit("|", 2)[-2]
        for other in PROJECT - {package}:
            assert (f"`{other}`" in stated) == (other in allowed), f"{package}/ row: {other}"
