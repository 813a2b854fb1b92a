"""A real PostgreSQL server for the test session: `initdb` in a temporary folder, `pg_ctl` on a
free port, listening only on a unix socket inside that folder; stopped when the session ends.

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

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SUPERUSER = "postgres"
TEMPLATE = "village_template"


def _required() -> bool:
    return any(os.environ.get(name, "") not in ("", "0")
               for name in ("CI_REQUIRE_BROWSER", "CI_REQUIRE_POSTGRES"))


def _bindir() -> Path | None:
    """The server's own folder (Debian keeps initdb off PATH, in /usr/lib/postgresql/N/bin)."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgServer:
    bindir: Path
    folder: Path
    port: int
    _names: Iterator[int] = field(default_factory=itertools.count)

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    def url(self, dbname: str) -> str:
        return f"postgresql://{SUPERUSER}@/{dbname}?host={self.socket_dir}&port={self.port}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def new_database(self, template: str = "template0") -> str:
        name = f"t{os.getpid()}_{next(self._names)}"
        self.admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def drop(self, url: str) -> None:
        name = url.split("/")[3].split("?")[0]
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _as_owner(argv: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *argv] if owner else argv


def start_server() -> Iterator[PgServer]:
    bindir = _bindir()
    if bindir is None:
        reason = "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
        if _required():
            pytest.fail(f"{reason}, and CI requires both backends: install them (./install.sh)",
                        pytrace=False)
        pytest.skip(f"{reason} (./install.sh installs them; CI_REQUIRE_POSTGRES=1 makes this fail)")
    owner = None
    folder = Path(tempfile.mkdtemp(prefix="village-pg-"))
    if os.geteuid() == 0:
        owner = SUPERUSER
        entry = pwd.getpwnam(owner)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    folder.chmod(0o700)
    server = PgServer(bindir=bindir, folder=folder, port=_free_port())
    data = folder / "data"
    run = {"check": True, "capture_output": True, "text": True}
    subprocess.run(_as_owner([str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER,
                              "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], owner), **run)
    sockets = folder / "socket"
    subprocess.run(_as_owner(["mkdir", "-m", "0700", str(sockets)], owner), **run)
    # fsync stays on (the crash tests rely on it); only the unix socket listens.
    options = f"-c listen_addresses='' -c unix_socket_directories={sockets} -p {server.port}"
    subprocess.run(_as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-w", "-t", "60",
                              "-l", str(folder / "server.log"), "-o", options, "start"], owner),
                   **run)
    try:
        yield server
    finally:
        subprocess.run(_as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                  "-w", "stop"], owner), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


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
