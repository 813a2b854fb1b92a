"""The packages depend one way: forms ← storage ← sync ← center, and sync ← village_agent.

Read from the source (every import, at the top or inside a function), so a lazy import cannot
hide a wrong direction. The center never imports the village app; the village app imports the
center only in its demo, which runs a township on loopback beside the village point.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("forms", "storage", "sync", "center", "village_agent")
MAY_IMPORT = {
    "forms": {"forms"},
    "storage": {"forms", "storage"},
    "sync": {"forms", "storage", "sync"},
    "center": {"forms", "storage", "sync", "center"},
    "village_agent": {"forms", "storage", "sync", "village_agent"},
}
EXCEPTIONS = {("village_agent/demo.py", "center")}  # the demo starts a township on loopback


def imported_packages(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_imports_only_what_lies_below_it(package: str) -> None:
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        for target in imported_packages(path) - MAY_IMPORT[package]:
            if (name, target) not in EXCEPTIONS:
                wrong.append(f"{name} imports {target}")
    assert wrong == []


def test_the_check_sees_a_wrong_direction(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from village_agent.cli import main\n    import center.ingest\n")
    assert imported_packages(module) == {"village_agent", "center"}


def test_the_fault_proxy_is_not_installed_on_a_village_pc() -> None:
    assert not (ROOT / "sync" / "faultproxy.py").exists()
    assert (ROOT / "tests" / "faultproxy.py").exists()
