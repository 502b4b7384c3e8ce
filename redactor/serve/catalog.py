"""Catalog probes answered from the field map's view of the schema, never from the backend.

The view holds only the tables the field map lists, that the database has and that are not
``sensitive_table``, each with the columns the session's decision releases, typed as the
rewrite returns them (a masked column is the type of its mask; a dropped column is absent). It
is built into an empty in-memory DuckDB database (no external access, no extensions, settings
locked), in a schema ``public``; the client's probe runs there, after the functions that would
otherwise describe DuckDB (``version()``, ``current_setting``, ``current_database``…) are
replaced by this server's answers. So a probe can learn the view and nothing else: there are no
rows, no statistics and no other tables in that database. Nor does a probe see DuckDB itself:
the catalog relations that would describe it (its functions, types without a PostgreSQL oid,
view definitions, dependencies, comments, prepared statements, the catalog names "memory" and
"system", the owner "duckdb") are shadowed by relations of PostgreSQL's shape holding the view,
PostgreSQL's names (DuckDB's "main", where the types live, is shown as ``pg_catalog``) or no
rows; what a PostgreSQL without such objects answers with no rows (keys, indexes, triggers,
rules, policies, extensions, functions, comments) is answered with no rows. A probe DuckDB
cannot answer is an error (SQLSTATE 0A000); nothing falls through to the backend.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass

import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from redactor.serve import values as v

_DUCK_TYPES = {
    v.BOOL: "BOOLEAN",
    v.INT2: "SMALLINT",
    v.INT4: "INTEGER",
    v.INT8: "BIGINT",
    v.FLOAT4: "REAL",
    v.FLOAT8: "DOUBLE",
    v.TEXT: "VARCHAR",
    v.BYTEA: "BLOB",
    v.DATE: "DATE",
    v.TIME: "TIME",
    v.TIMESTAMP: "TIMESTAMP",
    v.TIMESTAMPTZ: "TIMESTAMPTZ",
    v.NUMERIC: "DECIMAL(38, 10)",
}
log = logging.getLogger("redactor.serve")
PROBE_TIMEOUT = 10.0  # seconds
# PostgreSQL catalog functions DuckDB lacks; sizes are 0 (a table's size tells its row count).
_MACROS = (
    "CREATE MACRO pg_get_userbyid(x) AS 'redactor'",
    "CREATE MACRO pg_get_indexdef(a, b := 0, c := false) AS CAST(NULL AS VARCHAR)",
    "CREATE MACRO pg_encoding_to_char(x) AS 'UTF8'",
    "CREATE MACRO pg_get_statisticsobjdef_columns(x) AS CAST(NULL AS VARCHAR)",
    "CREATE MACRO pg_relation_is_publishable(x) AS false",
    # PostgreSQL's names (DuckDB says int4); strings are sent as text (OID 25) on the wire
    "CREATE MACRO redactor_format_type(t, m) AS CASE t WHEN 16 THEN 'boolean' "
    "WHEN 17 THEN 'bytea' WHEN 20 THEN 'bigint' WHEN 21 THEN 'smallint' WHEN 23 THEN 'integer' "
    "WHEN 25 THEN 'text' WHEN 1043 THEN 'text' WHEN 700 THEN 'real' "
    "WHEN 701 THEN 'double precision' WHEN 1082 THEN 'date' "
    "WHEN 1083 THEN 'time without time zone' WHEN 1114 THEN 'timestamp without time zone' "
    "WHEN 1184 THEN 'timestamp with time zone' WHEN 1700 THEN 'numeric' "
    "ELSE format_type(t, m) END",
    "CREATE MACRO pg_get_serial_sequence(t, c) AS CAST(NULL AS VARCHAR)",
    "CREATE MACRO array_upper(a, d) AS len(a)",
    "CREATE MACRO array_lower(a, d) AS CASE WHEN len(a) > 0 THEN 1 END",
    "CREATE MACRO pg_get_triggerdef(x, p := false) AS CAST(NULL AS VARCHAR)",
    "CREATE MACRO pg_get_ruledef(x, p := false) AS CAST(NULL AS VARCHAR)",
    "CREATE MACRO pg_get_function_arguments(x) AS CAST(NULL AS VARCHAR)",
    "CREATE MACRO pg_get_function_result(x) AS CAST(NULL AS VARCHAR)",
    "CREATE MACRO pg_tablespace_location(x) AS CAST(NULL AS VARCHAR)",
    "CREATE MACRO pg_relation_size(x, f := 'main') AS 0",
    "CREATE MACRO pg_total_relation_size(x) AS 0",
    "CREATE MACRO pg_table_size(x) AS 0",
    "CREATE MACRO pg_indexes_size(x) AS 0",
    "CREATE MACRO pg_get_partkeydef(x) AS CAST(NULL AS VARCHAR)",
    "CREATE MACRO quote_ident(x) AS '\"' || replace(x, '\"', '\"\"') || '\"'",
    "CREATE MACRO to_regclass(x) AS "
    "(SELECT min(oid) FROM redactor_catalog.pg_class WHERE relname = x)",
    # a scan count would tell how the tables are used; the view's tables have no index anyway
    "CREATE MACRO pg_stat_get_numscans(x) AS 0::BIGINT",
    # PostgreSQL's keyword list is not DuckDB's (pivot, qualify…): none rather than DuckDB's
    "CREATE MACRO pg_get_keywords() AS TABLE SELECT ''::VARCHAR AS word, ''::VARCHAR AS catcode, "
    "true AS barelabel, ''::VARCHAR AS catdesc, ''::VARCHAR AS baredesc LIMIT 0",
)
# Catalog relations answered by this server's own tables (missing in DuckDB's pg_catalog, or
# describing DuckDB itself, like pg_settings); the probe's references are pointed at them.
SHADOW_SCHEMA = "redactor_catalog"
_HIDDEN_SCHEMAS = "('main', 'redactor_catalog')"
# information_schema views, for the view's schema public only
_INFO_SHADOWS = {
    "tables": "table_schema",
    "columns": "table_schema",
    "views": "table_schema",
    "schemata": "schema_name",
    "table_constraints": "table_schema",
    "key_column_usage": "table_schema",
}
_SHADOWS = {
    # only the view's tables (DuckDB's own information_schema and pg_catalog views are not
    # PostgreSQL's); the other shadows below select from it
    "pg_class": "SELECT *, false AS relforcerowsecurity FROM pg_catalog.pg_class WHERE "
    "relnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'public')",
    "pg_attribute": "SELECT * FROM pg_catalog.pg_attribute WHERE attrelid IN "
    f"(SELECT oid FROM {SHADOW_SCHEMA}.pg_class)",
    # DuckDB's catalog types and functions live in "main": shown as pg_catalog, as PostgreSQL's
    "pg_namespace": "SELECT oid, CASE nspname WHEN 'main' THEN 'pg_catalog' ELSE nspname END "
    "AS nspname, nspowner, nspacl FROM pg_catalog.pg_namespace WHERE nspname <> "
    f"'{SHADOW_SCHEMA}'",
    # PostgreSQL's types (DuckDB's own, hugeint, struct, union…, have no oid); strings go out
    # as text (25) and the view's columns are varchar (1043)
    "pg_type": "SELECT * FROM pg_catalog.pg_type WHERE oid IS NOT NULL UNION ALL SELECT * "
    "REPLACE (25::BIGINT AS oid, 'text' AS typname, true AS typispreferred) FROM "
    "pg_catalog.pg_type WHERE oid = 1043",
    "pg_collation": "SELECT oid, collname, 0::BIGINT AS collnamespace, 0::BIGINT AS collowner, "
    "'d' AS collprovider, true AS collisdeterministic, -1 AS collencoding, "
    "'C' AS collcollate, 'C' AS collctype FROM pg_catalog.pg_collation",
    "pg_tables": "SELECT * REPLACE ('redactor' AS tableowner) FROM pg_catalog.pg_tables "
    "WHERE schemaname = 'public'",
    "pg_views": "SELECT * REPLACE ('redactor' AS viewowner) FROM pg_catalog.pg_views "
    "WHERE schemaname = 'public'",
    "pg_inherits": "SELECT 0::BIGINT AS inhrelid, 0::BIGINT AS inhparent, 0 AS inhseqno, "
    "false AS inhdetachpending LIMIT 0",
    "pg_policy": "SELECT 0::BIGINT AS oid, ''::VARCHAR AS polname, 0::BIGINT AS polrelid, "
    "''::VARCHAR AS polcmd, true AS polpermissive, []::BIGINT[] AS polroles, "
    "''::VARCHAR AS polqual, ''::VARCHAR AS polwithcheck LIMIT 0",
    "pg_trigger": "SELECT 0::BIGINT AS oid, 0::BIGINT AS tgrelid, 0::BIGINT AS tgparentid, "
    "''::VARCHAR AS tgname, 0::BIGINT AS tgfoid, 0::SMALLINT AS tgtype, 'O' AS tgenabled, "
    "false AS tgisinternal, 0::BIGINT AS tgconstrrelid, 0::BIGINT AS tgconstrindid, "
    "0::BIGINT AS tgconstraint, false AS tgdeferrable, false AS tginitdeferred, "
    "0::SMALLINT AS tgnargs, []::SMALLINT[] AS tgattr, ''::BLOB AS tgargs, "
    "''::VARCHAR AS tgqual, ''::VARCHAR AS tgoldtable, ''::VARCHAR AS tgnewtable LIMIT 0",
    "pg_publication": "SELECT 0::BIGINT AS oid, ''::VARCHAR AS pubname, false AS puballtables,"
    " false AS pubviaroot LIMIT 0",
    "pg_publication_rel": "SELECT 0::BIGINT AS prrelid, 0::BIGINT AS prpubid, "
    "''::VARCHAR AS prqual, []::INTEGER[] AS prattrs LIMIT 0",
    "pg_publication_namespace": "SELECT 0::BIGINT AS pnnspid, 0::BIGINT AS pnpubid LIMIT 0",
    "pg_statistic_ext": "SELECT 0::BIGINT AS oid, 0::BIGINT AS stxrelid, ''::VARCHAR AS "
    "stxname, 0::BIGINT AS stxnamespace, []::INTEGER[] AS stxkeys, []::VARCHAR[] AS stxkind, "
    "-1 AS stxstattarget LIMIT 0",
    "pg_roles": "SELECT 10::BIGINT AS oid, 'redactor' AS rolname, false AS rolsuper, "
    "false AS rolinherit, false AS rolcreaterole, false AS rolcreatedb, true AS rolcanlogin, "
    "false AS rolreplication, false AS rolbypassrls, -1 AS rolconnlimit",
    "pg_user": "SELECT 10::BIGINT AS usesysid, 'redactor' AS usename, false AS usesuper",
    "pg_auth_members": "SELECT 0::BIGINT AS roleid, 0::BIGINT AS member LIMIT 0",
    "pg_partitioned_table": "SELECT 0::BIGINT AS partrelid LIMIT 0",
    "pg_foreign_table": "SELECT 0::BIGINT AS ftrelid LIMIT 0",
    "pg_rewrite": "SELECT 0::BIGINT AS oid, ''::VARCHAR AS rulename, 0::BIGINT AS ev_class, "
    "'1' AS ev_type, 'O' AS ev_enabled, false AS is_instead, ''::VARCHAR AS ev_qual, "
    "''::VARCHAR AS ev_action LIMIT 0",
    # DuckDB's functions, dependencies, comments, prepared statements and access methods
    # describe DuckDB: PostgreSQL's shapes, with no rows (the view has no functions, no
    # comments: a comment in the backend can hold a value) or PostgreSQL's own rows
    "pg_proc": "SELECT 0::BIGINT AS oid, ''::VARCHAR AS proname, 0::BIGINT AS pronamespace, "
    "0::BIGINT AS proowner, 0::BIGINT AS prolang, 0::REAL AS procost, 0::REAL AS prorows, "
    "0::BIGINT AS provariadic, ''::VARCHAR AS prosupport, 'f' AS prokind, false AS prosecdef, "
    "false AS proleakproof, false AS proisstrict, false AS proretset, 'v' AS provolatile, "
    "'u' AS proparallel, 0::SMALLINT AS pronargs, 0::SMALLINT AS pronargdefaults, "
    "0::BIGINT AS prorettype, []::BIGINT[] AS proargtypes, []::BIGINT[] AS proallargtypes, "
    "[]::VARCHAR[] AS proargmodes, []::VARCHAR[] AS proargnames, ''::VARCHAR AS "
    "proargdefaults, []::BIGINT[] AS protrftypes, ''::VARCHAR AS prosrc, ''::VARCHAR AS probin, "
    "''::VARCHAR AS prosqlbody, []::VARCHAR[] AS proconfig, []::VARCHAR[] AS proacl LIMIT 0",
    "pg_aggregate": "SELECT 0::BIGINT AS aggfnoid, 'n' AS aggkind, 0::SMALLINT AS "
    "aggnumdirectargs, 0::BIGINT AS aggtransfn, 0::BIGINT AS aggfinalfn, 0::BIGINT AS "
    "aggsortop, 0::BIGINT AS aggtranstype, ''::VARCHAR AS agginitval LIMIT 0",
    "pg_depend": "SELECT 0::BIGINT AS classid, 0::BIGINT AS objid, 0 AS objsubid, "
    "0::BIGINT AS refclassid, 0::BIGINT AS refobjid, 0 AS refobjsubid, 'n' AS deptype LIMIT 0",
    "pg_description": "SELECT 0::BIGINT AS objoid, 0::BIGINT AS classoid, 0 AS objsubid, "
    "''::VARCHAR AS description LIMIT 0",
    "pg_shdescription": "SELECT 0::BIGINT AS objoid, 0::BIGINT AS classoid, "
    "''::VARCHAR AS description LIMIT 0",
    "pg_prepared_statements": "SELECT ''::VARCHAR AS name, ''::VARCHAR AS statement, "
    "now() AS prepare_time, []::VARCHAR[] AS parameter_types, false AS from_sql, "
    "0::BIGINT AS generic_plans, 0::BIGINT AS custom_plans LIMIT 0",
    "pg_am": "SELECT * FROM (VALUES (2::BIGINT, 'heap', 'heap_tableam_handler', 't'), "
    "(403::BIGINT, 'btree', 'bthandler', 'i')) AS am(oid, amname, amhandler, amtype)",
    "pg_extension": "SELECT 0::BIGINT AS oid, ''::VARCHAR AS extname, 0::BIGINT AS extowner, "
    "0::BIGINT AS extnamespace, false AS extrelocatable, ''::VARCHAR AS extversion, "
    "[]::BIGINT[] AS extconfig, []::VARCHAR[] AS extcondition LIMIT 0",
    "pg_default_acl": "SELECT 0::BIGINT AS oid, 0::BIGINT AS defaclrole, 0::BIGINT AS "
    "defaclnamespace, 'r' AS defaclobjtype, []::VARCHAR[] AS defaclacl LIMIT 0",
    "pg_policies": "SELECT ''::VARCHAR AS schemaname, ''::VARCHAR AS tablename, "
    "''::VARCHAR AS policyname, 'PERMISSIVE' AS permissive, []::VARCHAR[] AS roles, "
    "''::VARCHAR AS cmd, ''::VARCHAR AS qual, ''::VARCHAR AS with_check LIMIT 0",
    # No keys, constraints or indexes are shown (the view's tables have none): reflection of
    # primary keys, unique constraints and indexes (SQLAlchemy, DBeaver) gets empty answers.
    "pg_index": "SELECT *, false AS indnullsnotdistinct FROM pg_catalog.pg_index LIMIT 0",
    "pg_constraint": "SELECT *, []::SMALLINT[] AS confdelsetcols FROM pg_catalog.pg_constraint "
    "LIMIT 0",
    "pg_opclass": "SELECT 0::BIGINT AS oid, 0::BIGINT AS opcmethod, ''::VARCHAR AS opcname, "
    "0::BIGINT AS opcnamespace, 0::BIGINT AS opcowner, 0::BIGINT AS opcfamily, "
    "0::BIGINT AS opcintype, true AS opcdefault, 0::BIGINT AS opckeytype LIMIT 0",
}
_SHADOW_TABLES = frozenset({"pg_settings", "pg_database"})  # filled per session
# DuckDB functions that describe the host, read files or run SQL: never in a probe.
_DENIED_PREFIXES = (
    "duckdb_",
    "pragma_",
    "read_",
    "glob",
    "sniff_",
    "parquet_",
    "query",
    "which_secret",
    "iceberg",
    "delta_",
    "sql_auto",
    "getenv",
    "load",
    "install",
    "checkpoint",
    "force_checkpoint",
    "enable_",
    "disable_",
    "test_",
    "summary",
    "repeat_row",
    "range",
    "json_execute",
)
_TABLE_FUNCTIONS = frozenset(
    {
        "unnest",
        "generate_series",
        "exploding_generate_series",
        "generate_subscripts",
        "regexp_split_to_table",
        "pg_get_keywords",
    }
)
_ARITY = {"pg_get_expr": 2, "pg_get_constraintdef": 1, "pg_get_viewdef": 1}
_QUALIFIED_CALL = re.compile(r"\bpg_catalog\s*\.\s*(\w+)\s*\(", re.I)


class ProbeError(Exception):
    """A probe the synthetic catalog cannot answer."""


@dataclass(frozen=True, slots=True)
class ViewColumn:
    name: str
    arrow_type: pa.DataType


@dataclass(frozen=True, slots=True)
class SchemaView:
    """Tables and their released columns, as a session's decision shows them."""

    tables: Mapping[str, tuple[ViewColumn, ...]]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _duck_type(t: pa.DataType) -> str:
    if pa.types.is_decimal(t) and t.precision <= 38:
        return f"DECIMAL({t.precision}, {t.scale})"
    return _DUCK_TYPES.get(v.type_oid(t), "VARCHAR")


def _call_name(e: exp.Func) -> str:
    if isinstance(e, exp.Anonymous):
        return e.name.lower()
    return {
        "CURRENT_VERSION": "version",
        "CURRENT_USER": "current_user",
        "SESSION_USER": "session_user",
        "CURRENT_SCHEMA": "current_schema",
        "CURRENT_DATABASE": "current_database",
    }.get(e.sql_name(), "")


class ProbeEngine:
    """One synthetic catalog database for one session."""

    def __init__(self, view: SchemaView, settings: Mapping[str, str]) -> None:
        import duckdb

        self.settings = settings
        self._lock = threading.Lock()
        con = duckdb.connect(
            ":memory:",
            config={
                "enable_external_access": False,
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
                "threads": 1,
                "memory_limit": "256MB",
            },
        )
        con.execute("CREATE SCHEMA public")
        for table, cols in sorted(view.tables.items()):
            body = ", ".join(f"{_quote(c.name)} {_duck_type(c.arrow_type)}" for c in cols)
            con.execute(f"CREATE TABLE public.{_quote(table)} ({body or 'redactor_empty INT'})")
        con.execute(f"CREATE SCHEMA {SHADOW_SCHEMA}")
        for name, body in _SHADOWS.items():
            con.execute(f"CREATE VIEW {SHADOW_SCHEMA}.{name} AS {body}")
        database = _literal(settings.get("current_database", "postgres"))
        for name, col in _INFO_SHADOWS.items():
            # DuckDB's names for its catalogs ("memory", "system") and owner ("duckdb") are
            # this server's database and role
            names = [r[0] for r in con.execute(f"DESCRIBE information_schema.{name}").fetchall()]
            replaced = [
                f"CASE WHEN {_quote(c)} IS NULL THEN NULL ELSE {database} END AS {_quote(c)}"
                if c.lower().endswith("_catalog") or c.lower() == "catalog_name"
                else f"'redactor' AS {_quote(c)}"
                if c.lower().endswith("_owner")
                else _quote(c)
                for c in names
            ]
            con.execute(
                f"CREATE VIEW {SHADOW_SCHEMA}.info_{name} AS SELECT {', '.join(replaced)} FROM "
                f"information_schema.{name} WHERE "
                # the view's relations only (DuckDB's own views, with their definitions, are in
                # its information_schema and pg_catalog); schemata lists those schemas' names
                + (f"{col} NOT IN {_HIDDEN_SCHEMAS}" if name == "schemata" else f"{col} = 'public'")
            )
        for macro in _MACROS:
            con.execute(macro)
        rows = sorted((k, v) for k, v in settings.items() if " " not in k)
        con.execute(
            f"CREATE TABLE {SHADOW_SCHEMA}.pg_settings (name VARCHAR, setting VARCHAR, "
            "unit VARCHAR, category VARCHAR, short_desc VARCHAR, context VARCHAR, "
            "vartype VARCHAR, source VARCHAR)"
        )
        con.executemany(
            f"INSERT INTO {SHADOW_SCHEMA}.pg_settings VALUES (?, ?, NULL, "
            "'redactor serve', '', 'user', 'string', 'default')",
            rows,
        )
        # one database: the one the client named (the backend's name and its others are not
        # shown), owned by the one role
        con.execute(
            f"CREATE TABLE {SHADOW_SCHEMA}.pg_database (oid BIGINT, datname VARCHAR, datdba "
            "BIGINT, encoding INTEGER, datlocprovider VARCHAR, datistemplate BOOLEAN, "
            "datallowconn BOOLEAN, datconnlimit INTEGER, datfrozenxid BIGINT, datminmxid BIGINT, "
            "dattablespace BIGINT, datcollate VARCHAR, datctype VARCHAR, daticulocale VARCHAR, "
            "datcollversion VARCHAR, datacl VARCHAR[])"
        )
        con.execute(
            f"INSERT INTO {SHADOW_SCHEMA}.pg_database VALUES (16384, ?, 10, 6, 'c', false, "
            "true, -1, 0, 0, 0, 'C', 'C', NULL, NULL, NULL)",
            [settings.get("current_database", "postgres")],
        )
        con.execute("SET schema = 'public'")
        con.execute("SET search_path = 'public'")
        con.execute("SET lock_configuration = true")
        self.con = con

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.con.close()

    def _setting(self, name: str) -> str | None:
        return self.settings.get(name.lower())

    def _replace(self, node: exp.Expression) -> exp.Expression:
        s = self.settings
        if isinstance(node, exp.CurrentVersion):
            return exp.Literal.string(s["version"])
        if (
            isinstance(node, exp.CurrentUser)
            or type(node).__name__ == "SessionUser"
            or (
                isinstance(node, exp.Anonymous)
                and node.name.lower() in ("session_user", "current_role")
            )
        ):
            return exp.Literal.string(s["session_user"])
        if type(node).__name__ in ("CurrentDatabase", "CurrentCatalog"):
            return exp.Literal.string(s["current_database"])
        if isinstance(node, exp.CurrentSchema):
            return exp.Literal.string("public")
        if isinstance(node, exp.Anonymous):
            name = node.name.lower()
            args = node.expressions
            if name == "version":
                return exp.Literal.string(s["version"])
            if name in ("current_database", "current_catalog"):
                return exp.Literal.string(s["current_database"])
            if name == "current_schema":
                return exp.Literal.string("public")
            first = args[0] if args else None
            while isinstance(first, exp.Cast):  # current_setting('x'::varchar), as SQLAlchemy
                first = first.this
            if name == "current_setting" and isinstance(first, exp.Literal):
                value = self._setting(first.name)
                if value is None:
                    missing_ok = len(args) > 1 and args[1].sql().lower() == "true"
                    if not missing_ok:
                        raise ProbeError(f'unrecognized configuration parameter "{first.name}"')
                    return exp.Null()
                return exp.Literal.string(value)
            if name == "format_type" and len(args) == 2:
                return exp.Anonymous(this="redactor_format_type", expressions=list(args))
            if name in ("json_build_object", "jsonb_build_object"):  # only over empty relations
                return exp.cast(exp.Null(), "VARCHAR")
            if name in _ARITY and len(args) > _ARITY[name]:  # pretty-print flags: ignored
                node.set("expressions", args[: _ARITY[name]])
                return node
            if name == "pg_backend_pid":
                return exp.Literal.number(s["backend_pid"])
            if name in ("inet_server_addr", "inet_server_port"):
                return exp.Null()
        if (
            isinstance(node, exp.Column)
            and not node.table
            and node.name.lower() in ("current_user", "session_user", "user")
        ):
            return exp.Literal.string(s["session_user"])
        return node

    @staticmethod
    def _check(tree: exp.Expression) -> None:
        """Refuse DuckDB's own functions (host paths, files, settings, SQL in strings) and
        table functions other than the few catalog queries use."""
        for f in tree.find_all(exp.Func):
            name = (f.name if isinstance(f, exp.Anonymous) else f.sql_name()).lower()
            if name.startswith(_DENIED_PREFIXES):
                raise ProbeError(f"function {name} is not answered")
        for t in tree.find_all(exp.Table):
            fn = t.this
            if isinstance(fn, exp.Func):
                name = (fn.name if isinstance(fn, exp.Anonymous) else fn.sql_name()).lower()
                if name not in _TABLE_FUNCTIONS:
                    raise ProbeError(f"table function {name} is not answered")

    def translate(self, sql: str) -> str:
        try:
            tree = sqlglot.parse_one(sql, read="postgres")
        except SqlglotError:
            raise ProbeError("the probe does not parse") from None
        for dot in list(tree.find_all(exp.Dot)):  # pg_catalog.f(…) is f(…) here
            if dot.this.name.lower() == "pg_catalog" and isinstance(dot.expression, exp.Func):
                dot.replace(dot.expression)
        for select in tree.find_all(exp.Select):  # PostgreSQL names such a column after the call
            select.set(
                "expressions",
                [
                    exp.alias_(e, _call_name(e)) if isinstance(e, exp.Func) and _call_name(e) else e
                    for e in select.expressions
                ],
            )
        self._check(tree)
        tree = tree.transform(self._replace)
        for t in tree.find_all(exp.Table):
            shadowed = t.name.lower() in _SHADOWS or t.name.lower() in _SHADOW_TABLES
            if shadowed and (t.db or "pg_catalog").lower() == "pg_catalog":
                t.set("db", exp.to_identifier(SHADOW_SCHEMA))
        for dt in list(tree.find_all(exp.DataType)):  # pg_catalog.int2 is int2
            kind = dt.args.get("kind")
            if (
                dt.this == exp.DataType.Type.USERDEFINED
                and isinstance(kind, exp.Dot)
                and kind.this.name.lower() == "pg_catalog"
            ):
                name = kind.expression.name.lower()
                try:
                    dt.replace(exp.DataType.build(name, dialect="postgres"))
                except (SqlglotError, ValueError):
                    dt.replace(exp.DataType.build("VARCHAR"))
        for t in tree.find_all(exp.Table):
            if (t.db or "").lower() == "information_schema" and t.name.lower() in _INFO_SHADOWS:
                t.set("this", exp.to_identifier(f"info_{t.name.lower()}"))
                t.set("db", exp.to_identifier(SHADOW_SCHEMA))
        for t in tree.find_all(exp.Table):  # an explicit alias: DuckDB's binder needs it in ON
            if not t.alias and t.name and not isinstance(t.this, exp.Func):
                original = t.name
                if t.db.lower() == SHADOW_SCHEMA and original.startswith("info_"):
                    original = original.removeprefix("info_")
                t.set("alias", exp.TableAlias(this=exp.to_identifier(original)))
        for col in tree.find_all(exp.Column):  # pg_catalog.pg_class.relname is pg_class.relname
            if col.args.get("db") is not None:
                col.set("db", None)
        for cast in list(tree.find_all(exp.Cast)):
            target = cast.to.sql().lower().removeprefix("pg_catalog.")
            if target == "regtype":
                cast.replace(
                    exp.Anonymous(this="format_type", expressions=[cast.this.copy(), exp.Null()])
                )
            elif target == "regclass" and not isinstance(cast.this, exp.Literal):
                cast.replace(
                    exp.paren(
                        sqlglot.parse_one(
                            f"SELECT min(relname) FROM {SHADOW_SCHEMA}.pg_class WHERE oid = "
                            + cast.this.sql(dialect="duckdb")
                        )
                    )
                )
            elif target in ("regproc", "regprocedure", "regnamespace", "regrole", "regoper"):
                cast.replace(exp.cast(cast.this.copy(), "VARCHAR"))
            elif cast.to.sql().lower().startswith("pg_catalog."):
                try:
                    cast.set("to", exp.DataType.build(target, dialect="postgres"))
                except (SqlglotError, ValueError):
                    cast.set("to", exp.DataType.build("VARCHAR"))
        for cast in list(tree.find_all(exp.Cast)):
            target = cast.to.sql().lower()
            if target in ("regclass", "pg_catalog.regclass") and isinstance(cast.this, exp.Literal):
                name = cast.this.name.split(".")[-1].strip('"')
                cast.replace(
                    exp.paren(
                        sqlglot.parse_one(
                            f"SELECT min(oid) FROM {SHADOW_SCHEMA}.pg_class WHERE relname = "
                            + exp.Literal.string(name).sql()
                        )
                    )
                )
        for dt in list(tree.find_all(exp.DataType)):  # 'x'::name: PostgreSQL's name is text
            if dt.this == exp.DataType.Type.NAME:
                dt.replace(exp.DataType.build("VARCHAR"))
        try:
            out = tree.sql(dialect="duckdb")
        except SqlglotError:
            out = sql
        return _QUALIFIED_CALL.sub(r"\1(", out)

    def run(self, sql: str) -> pa.Table:
        duck = self.translate(sql)
        with self._lock:
            timer = threading.Timer(PROBE_TIMEOUT, self.con.interrupt)
            timer.daemon = True
            timer.start()
            try:
                return self.con.sql(duck).to_arrow_table()
            except Exception as e:
                # DuckDB's text names only the synthetic catalog and the client's own probe
                log.info("catalog probe not answered: %s", str(e).splitlines()[0][:300])
                raise ProbeError(type(e).__name__) from None
            finally:
                timer.cancel()
