"""No Chinese text in the code of the folders below: it lives in the catalogues and the catalog data.

Every `.py` under SCOPE is parsed; a string constant holding a CJK ideograph fails the test
unless it is a docstring, sits inside a catalogue (a module named *_texts.py, sync/i18n.py, or a
dict assigned to a name ending in MESSAGES), sits in a data module (named *_data.py: values the
forms record and accept, the demo's and the templates' sample people), or is a comment (a `-- `
note in a migration's SQL counts as one). The catalog itself (forms/catalog/, forms/calendar/) is
TOML, not Python. bench/ is outside SCOPE: its Chinese is the benchmarks' workload (sample
villagers, places), measured as bytes, which nobody reads (docs/architecture.md).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCOPE = ("storage", "sync", "center", "village_agent", "forms")
CATALOGUE_MODULES = ("sync/i18n.py",)
CJK = re.compile(r"[\u4e00-\u9fff]")
SQL_COMMENT = re.compile(r"\s-- .*$", re.MULTILINE)  # a column's note in a migration is a comment


def _is_catalogue_module(path: Path) -> bool:
    relative = path.relative_to(ROOT).as_posix()
    return (relative in CATALOGUE_MODULES or path.name.endswith("_texts.py")
            or path.name.endswith("_data.py"))


def _exempt(tree: ast.AST) -> set[int]:
    """ids of the constants that may hold Chinese: docstrings and *MESSAGES dicts."""
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                exempt.add(id(body[0].value))
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        if any(isinstance(t, ast.Name) and t.id.endswith("MESSAGES") for t in targets):
            exempt.update(id(n) for n in ast.walk(value))
    return exempt


def inline_chinese(source: str, name: str = "<source>") -> list[str]:
    """`file:line: text` for each string constant with Chinese outside docstrings and catalogues."""
    tree = ast.parse(source, name)
    exempt = _exempt(tree)
    return [f"{name}:{node.lineno}: {node.value[:40]}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and CJK.search(SQL_COMMENT.sub("", node.value)) and id(node) not in exempt]


def test_the_product_says_nothing_in_chinese_outside_the_catalogues() -> None:
    found = []
    for folder in SCOPE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if not _is_catalogue_module(path):
                found += inline_chinese(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == [], "Chinese text in code; move it into a catalogue:\n" + "\n".join(found)


def test_the_finder_catches_raise_sites_and_f_strings_but_not_docstrings_or_catalogues() -> None:
    source = '''
"""模块说明"""
OWN_MESSAGES = {"k": {"zh": "目录里的话", "en": "words"}}
def f(n):
    """函数说明"""
    # 注释
    raise ValueError("bad", "中文错误")
def g(n):
    return f"第{n}条"
SQL = """CREATE TABLE t (name TEXT -- 民政窗口
)"""
'''
    found = inline_chinese(source)
    assert [line.split(":")[1] for line in found] == ["7", "9", "9"], found


def test_only_catalogue_and_data_modules_are_exempt() -> None:
    """The exemption goes by the module's name: a module that is neither is checked."""
    assert _is_catalogue_module(ROOT / "center" / "cli_texts.py")
    assert _is_catalogue_module(ROOT / "forms" / "values_data.py")
    assert not _is_catalogue_module(ROOT / "center" / "cli.py")
    assert not _is_catalogue_module(ROOT / "village_agent" / "demo.py")
