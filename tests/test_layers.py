"""The layers of DESIGN rule 11, read from the imports: the four blueprints build on core/,
models and extensions and never on each other; core/ (and what it builds on) on none of them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLUEPRINTS = ("admin", "api", "wall", "widget")
DOMAIN = ("core", "models", "extensions")


def modules_of(name: str) -> list[Path]:
    package = ROOT / name
    return sorted(package.rglob("*.py")) if package.is_dir() else [ROOT / f"{name}.py"]


def imported(path: Path) -> set[str]:
    """The top-level package of every module this file imports, at any depth (a function's
    late import counts as much as the module's own)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def crossings(name: str, forbidden: set[str]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {other}"
        for path in modules_of(name)
        for other in sorted(imported(path) & forbidden)
    ]


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_a_blueprint_imports_no_other_blueprint(blueprint):
    assert crossings(blueprint, set(BLUEPRINTS) - {blueprint}) == []


@pytest.mark.parametrize("layer", DOMAIN)
def test_the_domain_imports_no_blueprint(layer):
    assert crossings(layer, set(BLUEPRINTS)) == []


def test_the_checks_read_every_layer():
    # A renamed package must not leave the checks above reading nothing.
    for name in (*BLUEPRINTS, "core"):
        assert ROOT / name / "__init__.py" in modules_of(name)
    for name in ("models", "extensions"):
        assert all(path.is_file() for path in modules_of(name))
