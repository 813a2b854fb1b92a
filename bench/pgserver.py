"""A throw-away PostgreSQL server: `initdb` in a temporary folder, `pg_ctl` on a free port, only a
unix socket inside that 0700 folder listening; stopped (`-m immediate`) and removed after.

Shared by the test session (`tests/pgserver.py`, which adds its skip-or-fail rule and fixtures)
and the benchmarks (`bench/ingest.py --backend postgresql`). No pytest here.

`initdb` refuses to run as root: then the folder is handed to the unprivileged `postgres` account
the distribution's package creates, and `initdb`/`pg_ctl` run as it through `runuser`. The cluster
trusts local socket connections, which only processes that can enter its folder reach (that
account and root). fsync stays on: an acknowledged COMMIT is on disk, as in production.
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
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "postgres"


def bindir() -> Path | None:
    """The server's own folder (Debian keeps initdb off PATH, in /usr/lib/postgresql/N/bin)."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def free_port() -> int:
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
            conn.execute(sql)

    def new_database(self, template: str = "template0") -> str:
        name = f"t{os.getpid()}_{next(self._names)}"
        self.admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def drop(self, url: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')


def database_name(url: str) -> str:
    """The database a URL made by `PgServer.url` names."""
    return url.split("/")[3].split("?")[0]


def as_owner(argv: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *argv] if owner else argv


@contextmanager
def running(binaries: Path) -> Iterator[PgServer]:
    """A server started from the binaries in `binaries`, for as long as the block lasts."""
    owner = None
    folder = Path(tempfile.mkdtemp(prefix="village-pg-"))
    if os.geteuid() == 0:
        owner = SUPERUSER
        entry = pwd.getpwnam(owner)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    folder.chmod(0o700)
    server = PgServer(bindir=binaries, folder=folder, port=free_port())
    data = folder / "data"
    try:
        subprocess.run(as_owner([str(binaries / "initdb"), "-D", str(data), "-U", SUPERUSER,
                                 "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], owner),
                       check=True, capture_output=True, text=True)
        subprocess.run(as_owner(["mkdir", "-m", "0700", str(server.socket_dir)], owner),
                       check=True, capture_output=True, text=True)
        # fsync stays on (the crash tests rely on it); only the unix socket listens.
        options = (f"-c listen_addresses='' -c unix_socket_directories={server.socket_dir}"
                   f" -p {server.port}")
        subprocess.run(as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-w", "-t", "60",
                                 "-l", str(folder / "server.log"), "-o", options, "start"], owner),
                       check=True, capture_output=True, text=True)
        yield server
    finally:
        subprocess.run(as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                 "-w", "stop"], owner), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
