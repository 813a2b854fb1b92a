"""Shared fixtures: real stores in tmp_path, the real CLI in a subprocess, one clock for the day."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from forms.catalog import Catalog, load_catalog
from forms.workdays import WorkingCalendar
from storage.crypto import TEST_KDF
from storage.store import Session, Store

pytest_plugins = [
    "tests.browser",  # the `chromium` and `page` fixtures (a real headless browser)
    "tests.pgserver",  # `center_backend`: each center test on SQLite and on a real PostgreSQL
]

settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci")

VILLAGE_CODE = "430481101201"
VILLAGE_NAME = "石鼓村"
AGENT = "王秀梅"
PIN = "739146"
TODAY = date(2026, 11, 23)  # a Monday; tests that need "today" use this, not the wall clock
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def calendar() -> WorkingCalendar:
    return WorkingCalendar.default()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def store(home: Path) -> Iterator[Store]:
    s = Store.create(
        home, village_code=VILLAGE_CODE, village_name=VILLAGE_NAME, operator_name=AGENT, pin=PIN,
        kdf=TEST_KDF,
    )
    yield s
    s.close()


@pytest.fixture
def session(store: Store) -> Session:
    return store.login(AGENT, PIN)


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class Cli:
    """Runs the real `village-agent` in a subprocess, as an agent's script would."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = {
            **os.environ,
            "VILLAGE_AGENT_HOME": str(home),
            "VILLAGE_AGENT_PIN": PIN,
            "VILLAGE_AGENT_TEST_KDF": "1",
            "VILLAGE_AGENT_LANG": "zh",
            "PYTHONIOENCODING": "utf-8",
        }
        self.env.pop("VILLAGE_AGENT_DEBUG", None)

    def __call__(self, *args: str, env: dict[str, str] | None = None, stdin: str = "") -> CliResult:
        proc = subprocess.run(
            [sys.executable, "-m", "village_agent.cli", *args],
            capture_output=True, text=True, env={**self.env, **(env or {})}, input=stdin,
            cwd=ROOT, timeout=120,
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    def init(self) -> CliResult:
        result = self("init", "--village-code", VILLAGE_CODE, "--village-name", VILLAGE_NAME,
                      "--operator", AGENT)
        assert result.code == 0, result.stderr
        return result


@pytest.fixture
def cli(home: Path) -> Cli:
    return Cli(home)


@pytest.fixture
def township_backend() -> str | None:
    """The township's store: SQLite here. A module whose tests run on both backends overrides it:

        @pytest.fixture
        def township_backend(center_backend: str | None) -> str | None:
            return center_backend
    """
    return None


@pytest.fixture
def township(tmp_path: Path, township_backend: str | None) -> Iterator[tuple[Any, str]]:
    """A township center's store, served by uvicorn on a loopback port: (node, url)."""
    from sync.node import Node
    from tests.sync_helpers import make_center, serving

    session = make_center(tmp_path / "township", database=township_backend)
    node = Node.of(session)
    with serving(node) as url:
        yield node, url
    session.store.close()
