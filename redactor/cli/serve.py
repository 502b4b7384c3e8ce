"""``redactor serve`` (the PostgreSQL wire-protocol front end) and ``redactor users`` (its
logins). Registered lazily by :mod:`redactor.cli.main` as ``serve`` and ``users``."""

from __future__ import annotations

import sys

import click

from redactor.cli.options import CONTEXT_SETTINGS, typed_errors
from redactor.errors import UsageError


@click.group("users", context_settings=CONTEXT_SETTINGS)
def users_group() -> None:
    """Logins of `redactor serve` (SCRAM-SHA-256 verifiers only; no password is stored)."""


@users_group.command("add")
@click.argument("name")
@click.option(
    "--users",
    "users_path",
    required=True,
    metavar="USERS",
    help="the users file (created if missing; written atomically, mode 0600)",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="read the password from the first line of "
    "standard input (required: passwords are never taken on the command line)",
)
@click.option("--replace", is_flag=True, help="change the password of an existing login")
@typed_errors
def users_add(name: str, users_path: str, password_stdin: bool, replace: bool) -> None:
    """Add a login NAME for `redactor serve` (salted SCRAM-SHA-256 verifier)."""
    from redactor.serve.users import add_user

    if not password_stdin:
        raise UsageError(
            "give the password on standard input with --password-stdin",
            hint="e.g. printf '%s\\n' \"$PW\" | redactor users add alice --users "
            "users.txt --password-stdin",
        )
    line = sys.stdin.readline()
    password = line[:-1] if line.endswith("\n") else line
    password = password[:-1] if password.endswith("\r") else password
    replaced = add_user(users_path, name, password, replace=replace)
    click.echo(
        f"redactor: {'changed' if replaced else 'added'} login {name} in {users_path}", err=True
    )


@click.command("serve", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--db",
    "db_url",
    required=True,
    metavar="URL",
    help="the one database served: sqlite:///…, duckdb:///… or postgresql://… (a "
    "read-only role; credentials are never echoed or logged)",
)
@click.option(
    "--map",
    "map_path",
    required=True,
    metavar="FIELD_MAP",
    help="reviewed field map (YAML) for the database's tables",
)
@click.option(
    "--users",
    "users_path",
    required=True,
    metavar="USERS",
    help="logins file written by `redactor users add`",
)
@click.option(
    "--listen",
    default="127.0.0.1:5433",
    show_default=True,
    metavar="HOST:PORT",
    help="address to listen on (port 0: any free port, printed at start)",
)
@click.option(
    "--tls-cert",
    metavar="FILE",
    help="PEM certificate chain; with --tls-key, only TLS connections are accepted",
)
@click.option("--tls-key", metavar="FILE", help="PEM private key of --tls-cert")
@click.option(
    "--log",
    "log_target",
    metavar="PATH|URL",
    help="request log: SQLite path or "
    "postgresql:// URL [default: $REDACTOR_LOG, else the user data directory]; the "
    "requests sessions bind to are read from it",
)
@click.option(
    "--policy",
    "policies",
    multiple=True,
    metavar="PACK|FILE",
    help="policy pack(s) for requests opened without one [default: $REDACTOR_POLICY, "
    "else the default pack]",
)
@click.option(
    "--max-connections",
    type=click.IntRange(1, 10_000),
    default=32,
    show_default=True,
    help="clients served at once; more are refused (53300)",
)
@click.option(
    "--idle-timeout",
    type=click.FloatRange(min=0.1),
    default=600.0,
    show_default=True,
    metavar="SECONDS",
    help="close a session that sends nothing for this long",
)
@click.option(
    "--statement-timeout",
    type=click.FloatRange(min=0.1),
    metavar="SECONDS",
    help="limit of each database call [default: $REDACTOR_STATEMENT_TIMEOUT, else 1800]",
)
@click.option(
    "--max-message",
    type=click.IntRange(1024, 1 << 30),
    default=16 << 20,
    show_default=True,
    metavar="BYTES",
    help="longest protocol message accepted; a longer one closes that connection",
)
@typed_errors
def serve_command(
    db_url: str,
    map_path: str,
    users_path: str,
    listen: str,
    tls_cert: str | None,
    tls_key: str | None,
    log_target: str | None,
    policies: tuple[str, ...],
    max_connections: int,
    idle_timeout: float,
    statement_timeout: float | None,
    max_message: int,
) -> None:
    """Serve one database over the PostgreSQL protocol, every statement through redaction.

    Clients (psql, psycopg, JDBC, SQLAlchemy, BI tools) log in with a login from --users and
    bind the session to a request opened with `redactor request open`: startup option
    options='-c redactor.request=ID', or SET redactor.request = 'ID'. Each statement is checked
    and rewritten as by `redactor export`, logged before its first row, and streamed masked.

    \b
    Example:
      redactor serve --db postgresql://reader@db/agency --map field_maps/dmv.yaml \\
        --users /etc/redactor/users --listen 0.0.0.0:5433 --tls-cert c.pem --tls-key k.pem
      psql "host=… port=5433 user=alice options='-c redactor.request=3f2a…'"
    """
    import logging
    import signal

    from redactor import settings
    from redactor.fieldmap import load_field_map
    from redactor.policy import load_pack
    from redactor.serve.audit import Audit
    from redactor.serve.execute import Backend
    from redactor.serve.server import Config, Server, parse_listen, tls_context
    from redactor.sql.urls import parse_url

    logging.basicConfig(level=logging.INFO, format="redactor serve: %(message)s", stream=sys.stderr)
    parse_url(db_url)
    chosen = settings.current()  # this command's REDACTOR_* settings, already validated
    if statement_timeout is not None:  # the flag wins over REDACTOR_STATEMENT_TIMEOUT
        chosen = chosen.model_copy(update={"statement_timeout": float(statement_timeout)})
    for p in policies:
        load_pack(p)
    host, port = parse_listen(listen)
    tls = tls_context(tls_cert, tls_key)
    field_map = load_field_map(map_path)
    backend = Backend(db_url, field_map)
    backend.catalog()  # the database is reachable and the role is allowed, or stop now
    audit = Audit(log_target)
    config = Config(
        host=host,
        port=port,
        max_connections=max_connections,
        idle_timeout=idle_timeout,
        max_message=max_message,
        policies=policies,
    )
    server = Server(backend, audit, users_path, config, tls)
    bound = server.bind()
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    click.echo(
        f"redactor serve: listening on {bound[0]}:{bound[1]} "
        f"({'TLS only' if tls else 'no TLS'}); database {backend.db.display}; "
        f"request log {audit.location}",
        err=True,
    )
    try:
        with settings.scope(chosen):  # every session thread starts in a copy of this context
            server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        audit.close()
