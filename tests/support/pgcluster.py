"""A throwaway PostgreSQL cluster for tests: initdb into a temp dir, serve on a unix socket only.

Usage in a test module::

    from tests.support.pgcluster import pg_cluster, pg_url  # noqa: F401  (pytest fixtures)

    def test_something(pg_url):          # a fresh, empty database on the shared cluster
        psycopg.connect(pg_url)

Or without pytest::

    cluster = start_cluster()            # Cluster(url=..., dsn=..., socket_dir=...)
    url = cluster.new_database()         # postgresql://postgres@/db_1?host=%2Ftmp%2F...
    reader = cluster.reader_url("db_1")  # the same database as the least-privilege reader role
    cluster.stop()

redactor refuses to export as a superuser (or a role that can read server files), so tests that
run queries through it seed the database as ``postgres`` and then connect with
:func:`reader_url` (or the ``pg_reader_url`` fixture): a ``LOGIN`` role with ``SELECT`` on the
database's tables, present and future, and nothing else.

The server listens on no TCP address (``listen_addresses=''``), only on a socket inside its own
temp directory, with ``trust`` authentication for the ``postgres`` superuser. PostgreSQL refuses
to run as root, so when the tests run as root the server runs as the ``postgres`` system user
(or ``nobody``) and the temp directory is handed to that user. One cluster serves the whole
test session (started on first use, stopped at interpreter exit); each ``pg_url`` is a new
database, so tests never see each other's tables.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

SUPERUSER = "postgres"
READER = "redactor_reader"  # the least-privilege role tests export as
PORT = 5432  # only names the socket file; nothing listens on TCP


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def find_bindir() -> Path:
    """Directory holding ``initdb``/``pg_ctl``: PATH first, then Debian's versioned dirs."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(os.path.realpath(on_path)).parent

    def version(initdb: str) -> int:
        name = Path(initdb).parent.parent.name
        return int(name) if name.isdigit() else 0

    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    if versions:
        return Path(versions[-1]).parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found; "
        "install the 'postgresql' package (scripts/system-deps.sh does it)"
    )


def _server_user() -> pwd.struct_passwd | None:
    """The unprivileged account to run the server as, or None to run as ourselves."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable(
        "running as root and no 'postgres' or 'nobody' user to run the server as"
    )


@dataclass
class Cluster:
    """A running throwaway cluster. ``url``/``dsn`` point at its ``postgres`` database."""

    root: Path
    bindir: Path
    user: pwd.struct_passwd | None
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    stopped: bool = False

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url_for(self, dbname: str) -> str:
        return f"postgresql://{SUPERUSER}@/{dbname}?host={quote(str(self.socket_dir), safe='')}"

    def dsn_for(self, dbname: str) -> str:
        return f"host={self.socket_dir} port={PORT} user={SUPERUSER} dbname={dbname}"

    @property
    def url(self) -> str:
        return self.url_for("postgres")

    @property
    def dsn(self) -> str:
        return self.dsn_for("postgres")

    def new_database(self, name: str | None = None) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        with self._lock:
            name = name or f"db_{next(self._counter)}"
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def reader_url(self, dbname: str, role: str = READER) -> str:
        """URL of ``dbname`` for a reader role (created if need be) with SELECT on its tables."""
        return reader_url(self.url_for(dbname), role)

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        _run(
            self,
            [
                str(self.bindir / "pg_ctl"),
                "stop",
                "-D",
                str(self.data_dir),
                "-m",
                "immediate",
                "-w",
            ],
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def _run(cluster: Cluster, argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess:
    kwargs: dict = {}
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    if cluster.user is not None:
        kwargs.update(user=cluster.user.pw_uid, group=cluster.user.pw_gid, extra_groups=[])
        env["HOME"] = str(cluster.root)
    proc = subprocess.run(
        argv, env=env, cwd=cluster.root, capture_output=True, text=True, check=False, **kwargs
    )
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"{Path(argv[0]).name} failed ({proc.returncode}): {proc.stderr.strip()}"
        )
    return proc


def start_cluster(base_dir: str | os.PathLike | None = None) -> Cluster:
    """initdb + pg_ctl start; returns a running :class:`Cluster`. Raises PostgresUnavailable.

    ``base_dir`` defaults to the system temp dir; keep it short, since a unix socket path is
    limited to ~100 bytes (pytest's ``tmp_path`` can be too long).
    """
    bindir = find_bindir()
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="rpg-", dir=base_dir))
    cluster = Cluster(root=root, bindir=bindir, user=user)
    try:
        cluster.socket_dir.mkdir()
        if user is not None:
            for p in (root, cluster.socket_dir):
                os.chown(p, user.pw_uid, user.pw_gid)
        _run(
            cluster,
            [
                str(bindir / "initdb"),
                "-D",
                str(cluster.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            ],
        )
        opts = (
            f"-c listen_addresses='' -c unix_socket_directories='{cluster.socket_dir}' "
            f"-p {PORT} -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=60 -c shared_buffers=32MB"
        )
        _run(
            cluster,
            [
                str(bindir / "pg_ctl"),
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(cluster.data_dir),
                "-l",
                str(root / "server.log"),
                "-o",
                opts,
            ],
        )
    except BaseException:
        log = root / "server.log"
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        cluster.stop()
        if detail:
            raise RuntimeError(f"PostgreSQL did not start; server log tail:\n{detail}") from None
        raise
    return cluster


_shared: Cluster | None = None
_shared_lock = threading.Lock()


def shared_cluster() -> Cluster:
    """One cluster per process, started on first use and stopped at exit."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.stopped:
            _shared = start_cluster()
            atexit.register(_shared.stop)
        return _shared


_roles_lock = threading.Lock()


def reader_url(superuser_url: str, role: str = READER) -> str:
    """Give ``role`` (a LOGIN role without any other attribute, created if need be) read access
    to the database of ``superuser_url``: CONNECT, USAGE on schema public, SELECT on its tables
    now and on tables the superuser creates there later. Returns the URL with ``role`` as user.
    """
    import psycopg
    from psycopg import sql

    parts = urlsplit(superuser_url)
    dbname = parts.path.lstrip("/")
    ident = sql.Identifier(role)
    with _roles_lock, psycopg.connect(superuser_url, autocommit=True) as con:
        exists = con.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if not exists:
            # another process may create it meanwhile
            with contextlib.suppress(
                psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation
            ):
                con.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ident))
        con.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(dbname), ident)
        )
        con.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident))
        con.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(ident))
        con.execute(
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {}"
            ).format(ident)
        )
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{quote(role, safe='')}@{host}"))


@pytest.fixture(scope="session")
def pg_cluster() -> Cluster:
    """The session's throwaway cluster; skips the test when PostgreSQL is not installed."""
    try:
        return shared_cluster()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    """URL of a fresh, empty database on the session cluster (as the superuser)."""
    return pg_cluster.new_database()


@pytest.fixture
def pg_reader_url(pg_url: str) -> str:
    """The database of ``pg_url`` for the reader role: seed it through ``pg_url`` (tables the
    superuser creates later are readable too), query it through this URL."""
    return reader_url(pg_url)
