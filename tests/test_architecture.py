"""The layout's rules, checked on the source: who may import whom (DESIGN "Layout")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "scomm"


def imports_of(package: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in (SRC / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        out[str(path.relative_to(SRC))] = names
    return out


@pytest.mark.parametrize("package, forbidden", [
    ("domain", ("scomm.adapters", "scomm.entrypoints", "scomm.sim", "scomm.agencies")),
    ("policy", ("scomm.adapters", "scomm.entrypoints", "scomm.sim", "scomm.agencies")),
    ("biometrics", ("scomm.adapters", "scomm.entrypoints", "scomm.sim", "scomm.agencies")),
    ("agencies", ("scomm.sim", "scomm.entrypoints")),
    ("oversight", ("scomm.sim", "scomm.entrypoints")),
    ("adapters", ("scomm.entrypoints", "scomm.agencies")),
])
def test_layer_does_not_import(package: str, forbidden: tuple[str, ...]) -> None:
    bad = {f"{mod} imports {name}" for mod, names in imports_of(package).items()
           for name in names if name.startswith(forbidden)}
    # adapters may register the sim_ tables with the shared metadata (migrations need them)
    bad = {b for b in bad if not b.endswith("imports scomm.sim.truth") or "adapters" not in b}
    assert not bad, sorted(bad)


def test_only_sim_reads_ground_truth() -> None:
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if rel.parts[0] == "sim" or rel.parts[:2] == ("adapters", "migrations"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "sim_people" not in text and "sim_bookings" not in text, rel


def test_agencies_never_read_the_wall_clock() -> None:
    for package in ("domain", "agencies", "policy"):
        for path in (SRC / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "datetime.now(" not in text and "date.today(" not in text, path
