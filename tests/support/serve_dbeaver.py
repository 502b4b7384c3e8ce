"""DBeaver's own catalog SQL against `redactor serve`, over the PostgreSQL JDBC driver.

DBeaver (plugins/org.jkiss.dbeaver.ext.postgresql, 24.x) connects through pgjdbc but reads the
catalog with its own prepared statements. :data:`SCRIPT` replays them, texts as the Java builds
them with the default connection settings (one database, no filters, "show all types" off,
server ≥ 10, sequences supported), in the order DBeaver sends them for (a) connecting, (b)
expanding database → schema ``public`` → Tables, (c) opening a table's Columns, Constraints,
Indexes, References, Triggers, Rules, Policies and Properties tabs, and (d) its Data tab
(``JDBCTable.readData``: ``SELECT x.* FROM public.people x`` with ``setMaxRows(200)``, or with
``LIMIT 200`` when "use SQL to limit fetch size" is on). Oids are bound as DBeaver binds them:
the schema's and the table's oid from the earlier answers.

``ServeDbeaver.java`` (run by the machine's Java as a single-file source program) replays the
script over pgjdbc's extended protocol and prints every answer; :func:`run` parses them.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.serve_jdbc import jdbc_jar, missing  # noqa: F401 - re-exported

SOURCE = Path(__file__).with_name("ServeDbeaver.java")
_TYPES = (
    "SELECT t.oid,t.*,c.relkind,format_type(nullif(t.typbasetype, 0), t.typtypmod) as "
    "base_type_name, d.description\nFROM pg_catalog.pg_type t"
    "\nLEFT OUTER JOIN pg_catalog.pg_type et ON et.oid=t.typelem "
    "\nLEFT OUTER JOIN pg_catalog.pg_class c ON c.oid=t.typrelid"
    "\nLEFT OUTER JOIN pg_catalog.pg_description d ON t.oid=d.objoid"
    "\nWHERE t.typname IS NOT NULL"
    "\nAND (c.relkind IS NULL OR c.relkind = 'c') AND (et.typcategory IS NULL OR "
    "et.typcategory <> 'C')"
)
_TABLES = (
    "SELECT c.oid,c.*,d.description,pg_catalog.pg_get_expr(c.relpartbound, c.oid) as "
    "partition_expr,  pg_catalog.pg_get_partkeydef(c.oid) as partition_key "
    "\nFROM pg_catalog.pg_class c\n"
    "LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND "
    "d.classoid='pg_class'::regclass\n"
    "WHERE c.relnamespace=? AND c.relkind not in ('i','I','c')"
)
_COLUMNS = (
    "SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,"
    "dsc.description,dep.objid"
    "\nFROM pg_catalog.pg_attribute a"
    "\nINNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid)"
    "\nLEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = "
    "ad.adnum)"
    "\nLEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = "
    "dsc.objsubid)"
    "\nLEFT OUTER JOIN pg_depend dep on dep.refobjid = a.attrelid AND dep.deptype = 'i' "
    "and dep.refobjsubid = a.attnum and dep.classid = dep.refclassid"
    "\nWHERE NOT a.attisdropped AND c.relkind not in ('i','I','c')"
)
_CONSTRAINTS = (
    "SELECT c.oid,c.*,t.relname as tabrelname,rt.relnamespace as refnamespace,d.description"
    ", case when c.contype='c' then \"substring\"(pg_get_constraintdef(c.oid), 7) else null "
    "end consrc_copy"
    "\nFROM pg_catalog.pg_constraint c"
    "\nINNER JOIN pg_catalog.pg_class t ON t.oid=c.conrelid"
    "\nLEFT OUTER JOIN pg_catalog.pg_class rt ON rt.oid=c.confrelid"
    "\nLEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND "
    "d.classoid='pg_constraint'::regclass"
    "\nWHERE "
)
_INDEXES = (
    "SELECT i.*,i.indkey as keys,c.relname,c.relnamespace,c.relam,c.reltablespace,"
    "tc.relname as tabrelname,dsc.description"
    ",pg_catalog.pg_get_expr(i.indpred, i.indrelid) as pred_expr"
    ",pg_catalog.pg_get_expr(i.indexprs, i.indrelid, true) as expr"
    ",pg_catalog.pg_relation_size(i.indexrelid) as index_rel_size"
    ",pg_catalog.pg_stat_get_numscans(i.indexrelid) as index_num_scans"
    "\nFROM pg_catalog.pg_index i"
    "\nINNER JOIN pg_catalog.pg_class c ON c.oid=i.indexrelid"
    "\nINNER JOIN pg_catalog.pg_class tc ON tc.oid=i.indrelid"
    "\nLEFT OUTER JOIN pg_catalog.pg_description dsc ON i.indexrelid=dsc.objoid"
    "\nWHERE "
)
_EXTENSIONS = """SELECT 
 e.oid,
 cfg.tbls,
  n.nspname as schema_name,
 e.* 
FROM 
 pg_catalog.pg_extension e 
 join pg_namespace n on n.oid =e.extnamespace
 left join  (
         select
            ARRAY_AGG(ns.nspname || '.' ||  cls.relname) tbls, oid_ext
          from
            (
            select
                unnest(e1.extconfig) oid , e1.oid oid_ext
            from
                pg_catalog.pg_extension e1 ) c 
                join    pg_class cls on cls.oid = c.oid 
                join pg_namespace ns on ns.oid = cls.relnamespace
            group by oid_ext        
         ) cfg on cfg.oid_ext = e.oid
ORDER BY e.oid"""  # noqa: W291 - DBeaver's text, trailing blanks included

# (name, sql, binds, maxrows); a bind is ("long"|"string", value or "{block.column}")
Step = tuple[str, str, tuple[tuple[str, str], ...], int]
SCRIPT: tuple[Step, ...] = (
    # (a) connecting: PostgreDataSource.initialize, JDBCSQLDialect, PostgreExecutionContext
    ("version", "SELECT version()", (), 0),
    ("keywords", "@meta keywords", (), 0),
    ("isolation", "@meta isolation", (), 0),
    ("enum_check", "SELECT * FROM pg_catalog.pg_enum WHERE 1<>1 LIMIT 1", (), 0),
    ("reltype_check", "SELECT reltype FROM pg_catalog.pg_class WHERE 1<>1 LIMIT 1", (), 0),
    (
        "database",
        "SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE datname=?",
        (("string", "anything"),),
        0,
    ),
    (  # with "Show all databases" on (PostgreDataSource.prepareReadDatabaseListStatement)
        "databases",
        "SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE 1 = 1 AND datallowconn AND "
        "NOT datistemplate OR db.datname =?\nORDER BY db.datname",
        (("string", "anything"),),
        0,
    ),
    ("context", "SELECT current_schema(),session_user", (), 0),
    (
        "schemas",
        "SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n\n"
        "LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0 AND "
        "d.classoid='pg_namespace'::regclass\n ORDER BY nspname",
        (),
        0,
    ),
    ("search_path", "SHOW search_path", (), 0),
    (
        "setting",
        "select * from pg_catalog.pg_settings where name=?",
        (("string", "standard_conforming_strings"),),
        0,
    ),
    ("typcategory_check", "SELECT typcategory FROM pg_catalog.pg_type WHERE 1<>1 LIMIT 1", (), 0),
    ("types", _TYPES, (), 0),
    ("enums", "SELECT * FROM pg_catalog.pg_enum", (), 0),
    (
        "roles",
        "SELECT a.oid,a.*,pd.description FROM pg_catalog.pg_roles a \n"
        "left join pg_catalog.pg_shdescription pd on a.oid = pd.objoid\nORDER BY a.rolname",
        (),
        0,
    ),
    (
        "tablespaces",
        "SELECT t.oid,t.*,pg_tablespace_location(t.oid) loc\nFROM pg_catalog.pg_tablespace t "
        "\nORDER BY t.oid",
        (),
        0,
    ),
    ("extensions", _EXTENSIONS, (), 0),
    # (b) database → schema public → Tables
    (
        "public_oid",
        "SELECT s.oid as schema_id\nfrom pg_catalog.pg_namespace s\nWHERE s.nspname =?",
        (("string", "public"),),
        0,
    ),
    ("tables", _TABLES, (("long", "{public_oid.schema_id}"),), 0),
    (
        "inheritance",
        "SELECT i.inhrelid relid, pc.relnamespace parent_ns, pc.oid parent_oid, i.inhseqno\n"
        "FROM pg_catalog.pg_inherits i, pg_class rc, pg_class pc\n"
        "WHERE rc.oid=i.inhrelid AND rc.relnamespace=? AND pc.oid=i.inhparent",
        (("long", "{public_oid.schema_id}"),),
        0,
    ),
    (
        "schema_stats",
        "select c.oid,pg_catalog.pg_total_relation_size(c.oid) as total_rel_size,"
        "pg_catalog.pg_relation_size(c.oid) as rel_size\nFROM pg_class c\nWHERE c.relnamespace=?",
        (("long", "{public_oid.schema_id}"),),
        0,
    ),
    (
        "schema_columns",
        _COLUMNS + " AND c.relnamespace=?\nORDER BY a.attnum",
        (("long", "{public_oid.schema_id}"),),
        0,
    ),
    (  # the schema's Functions folder (PostgreSchema.ProceduresCache)
        "functions",
        "SELECT p.oid as poid,p.*,pg_catalog.pg_get_expr(p.proargdefaults, 0) as arg_defaults,"
        "d.description\nFROM pg_catalog.pg_proc p\nLEFT OUTER JOIN pg_catalog.pg_description d "
        "ON d.objoid=p.oid and d.classoid='pg_proc'::regclass  AND d.objsubid = 0"
        "\nWHERE p.pronamespace=?\nORDER BY p.proname",
        (("long", "{public_oid.schema_id}"),),
        0,
    ),
    (  # the schema's Data types folder (PostgreDataTypeCache)
        "schema_types",
        _TYPES + "\nAND t.typnamespace=? ",
        (("long", "{public_oid.schema_id}"),),
        0,
    ),
    (  # the schema's Permissions (PostgreSchema default privileges)
        "default_acl",
        "SELECT * FROM pg_default_acl WHERE defaclnamespace = ?",
        (("long", "{public_oid.schema_id}"),),
        0,
    ),
    # (c) one table: its lookup, Columns, Constraints, Indexes, References, Triggers, …
    (
        "people",
        _TABLES + " AND relname=?",
        (("long", "{public_oid.schema_id}"), ("string", "people")),
        0,
    ),
    (
        "columns",
        _COLUMNS + " AND c.oid=?\nORDER BY a.attnum",
        (("long", "{people.oid}"),),
        0,
    ),
    (
        "column_type",
        "SELECT t.oid,t.*,c.relkind,format_type(nullif(t.typbasetype, 0), t.typtypmod) as "
        "base_type_name FROM pg_catalog.pg_type t\nLEFT OUTER JOIN pg_class c ON "
        "c.oid=t.typrelid\nLEFT OUTER JOIN pg_catalog.pg_description d ON t.oid=d.objoid"
        "\nWHERE t.oid=? ",
        (("long", "{columns.atttypid}"),),
        0,
    ),
    (
        "constraints",
        _CONSTRAINTS + "c.conrelid=?\nORDER BY c.oid",
        (("long", "{people.oid}"),),
        0,
    ),
    (
        "schema_constraints",
        _CONSTRAINTS + "t.relnamespace=?\nORDER BY c.oid",
        (("long", "{public_oid.schema_id}"),),
        0,
    ),
    ("indexes", _INDEXES + " i.indrelid=? ORDER BY c.relname", (("long", "{people.oid}"),), 0),
    (
        "schema_indexes",
        _INDEXES + " c.relnamespace=? ORDER BY c.relname",
        (("long", "{public_oid.schema_id}"),),
        0,
    ),
    (
        "references",
        "SELECT DISTINCT connamespace FROM pg_catalog.pg_constraint WHERE confrelid=?",
        (("long", "{people.oid}"),),
        0,
    ),
    (
        "super_tables",
        "SELECT i.*,c.relnamespace FROM pg_catalog.pg_inherits i,pg_catalog.pg_class c "
        "WHERE i.inhrelid=? AND c.oid=i.inhparent ORDER BY i.inhseqno",
        (("long", "{people.oid}"),),
        0,
    ),
    (
        "sub_tables",
        "SELECT i.*,c.relnamespace FROM pg_catalog.pg_inherits i,pg_catalog.pg_class c "
        "WHERE i.inhparent=? AND c.oid=i.inhrelid",
        (("long", "{people.oid}"),),
        0,
    ),
    (
        "triggers",
        "SELECT x.oid,x.*,p.pronamespace as func_schema_id,d.description"
        "\nFROM pg_catalog.pg_trigger x"
        "\nLEFT OUTER JOIN pg_catalog.pg_proc p ON p.oid=x.tgfoid "
        "\nLEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=x.oid AND d.objsubid=0 "
        "\nWHERE x.tgrelid = ? AND NOT x.tgisinternal",
        (("long", "{people.oid}"),),
        0,
    ),
    (
        "rules",
        "SELECT r.oid,r.*, pg_get_ruledef(r.oid) AS definition\nFROM pg_rewrite r\n"
        "WHERE r.ev_class={people.oid} AND r.rulename <> '_RETURN'::name",
        (),
        0,
    ),
    (
        "policies",
        "select * from pg_catalog.pg_policies where schemaname=? and tablename=?",
        (("string", "public"), ("string", "people")),
        0,
    ),
    (
        "table_size",
        "select pg_catalog.pg_total_relation_size(?) as total_rel_size,"
        "pg_catalog.pg_relation_size(?) as rel_size",
        (("long", "{people.oid}"), ("long", "{people.oid}")),
        0,
    ),
    # (d) the Data tab: a data statement (guard, rewrite, masks, request log)
    ("data", "SELECT x.* FROM public.people x", (), 200),
    ("data_limit", "SELECT x.* FROM public.people x\nLIMIT 200", (), 0),
)


def script_text(steps: tuple[Step, ...] = SCRIPT) -> str:
    out = []
    for name, sql, binds, maxrows in steps:
        out.append(f"@@ {name}")
        out += [f"@{kind} {value}" for kind, value in binds]
        if maxrows:
            out.append(f"@maxrows {maxrows}")
        out.append(sql)
    return "\n".join(out) + "\n"


@dataclass
class Answer:
    """One step's answer: its column names and rows (None is SQL NULL), or its error."""

    cols: list[str] = field(default_factory=list)
    rows: list[list[str | None]] = field(default_factory=list)
    error: str | None = None  # "SQLSTATE message"

    def column(self, name: str) -> list[str | None]:
        i = self.cols.index(name)
        return [r[i] for r in self.rows]


def _unescape(cell: str) -> str | None:
    if cell == "\\N":
        return None
    out, i = [], 0
    while i < len(cell):
        ch = cell[i]
        if ch == "\\" and i + 1 < len(cell):
            out.append({"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}.get(cell[i + 1], cell[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def parse(stdout: str) -> dict[str, Answer]:
    answers: dict[str, Answer] = {}
    current: Answer | None = None
    for line in stdout.splitlines():
        if line.startswith("== "):
            current = answers.setdefault(line[3:], Answer())
        elif current is None:
            continue
        elif line.startswith("cols "):
            current.cols = [_unescape(c) or "" for c in line[5:].split("\t")]
        elif line.startswith("row "):
            current.rows.append([_unescape(c) for c in line[4:].split("\t")])
        elif line.startswith("error "):
            current.error = _unescape(line[6:])
    return answers


def run(
    tmp: Path, port: int, request: str, user: str, password: str
) -> tuple[subprocess.CompletedProcess, dict[str, Answer]]:
    script = tmp / "dbeaver.script"
    script.write_text(script_text())
    url = (
        f"jdbc:postgresql://127.0.0.1:{port}/anything?sslmode=disable"
        f"&options=-c%20redactor.request={request}"
    )
    r = subprocess.run(
        ["java", "-cp", str(jdbc_jar()), str(SOURCE), url, user, password, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return r, parse(r.stdout)
