"""A real PostgreSQL server for the test session: `initdb` in a temporary folder, `pg_ctl` on a
free port, listening only on a unix socket inside that folder; stopped when the session ends.

Starting and stopping the server is `bench/pgserver.py`'s (the ingest benchmark starts one the
same way); this module adds the rule for missing binaries and the fixtures.

The binaries come from the distribution's packages (`install.sh` installs `postgresql`). When
they are missing the PostgreSQL half of `center_backend` skips, unless CI_REQUIRE_BROWSER (or
CI_REQUIRE_POSTGRES) is set, as `.ci/run` does: then it fails, so CI always runs both backends.

`initdb` refuses to run as root (these tests run as root here and in CI): the cluster's folder is
then handed to the unprivileged `postgres` account the package creates, and `initdb`/`pg_ctl`
run as that account through `runuser`. The cluster trusts local socket connections, which only
processes that can enter its 0700 folder reach (that account and root).

Each test gets its own database, made by `CREATE DATABASE … TEMPLATE` from one that was migrated
once per session, which takes milliseconds instead of running every migration again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from bench.pgserver import PgServer, running
from bench.pgserver import bindir as _bindir

__all__ = ["TEMPLATE", "PgServer", "_bindir", "start_server"]  # what tests import from here

TEMPLATE = "village_template"


def _required() -> bool:
    return any(os.environ.get(name, "") not in ("", "0")
               for name in ("CI_REQUIRE_BROWSER", "CI_REQUIRE_POSTGRES"))


def start_server() -> Iterator[PgServer]:
    """The server (`bench/pgserver.py` starts and stops it); missing binaries skip or fail."""
    binaries = _bindir()
    if binaries is None:
        reason = "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
        if _required():
            pytest.fail(f"{reason}, and CI requires both backends: install them (./install.sh)",
                        pytrace=False)
        pytest.skip(f"{reason} (./install.sh installs them; CI_REQUIRE_POSTGRES=1 makes this fail)")
    with running(binaries) as server:
        yield server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    yield from start_server()


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer) -> str:
    """A database every migration has run on once; tests copy it."""
    from storage.pg import PgDatabase

    pg_server.admin(f'CREATE DATABASE "{TEMPLATE}" TEMPLATE template0')
    PgDatabase(pg_server.url(TEMPLATE)).close()
    return TEMPLATE


@pytest.fixture(params=["sqlite", "postgresql"])
def center_backend(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None for the embedded SQLite store, else the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    server: PgServer = request.getfixturevalue("pg_server")
    template: str = request.getfixturevalue("pg_template")
    url = server.new_database(template)
    yield url
    server.drop(url)
