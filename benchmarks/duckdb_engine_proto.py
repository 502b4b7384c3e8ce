"""Prototype (issue 18, item 3): redactor's plan compiled to one DuckDB query over the file.

Not the engine: a measurement of what the engine change would buy and cost. Two modes::

    python -m benchmarks.duckdb_engine_proto IN -o OUT --map MAP --table T --log LOG \
        [--mode copy|stream] [--quiet]

Both decide and plan exactly as redactor does (the CLI's request, packs, field map, the first
block read by redactor's own reader as the detection sample, ``pipeline.plan_columns``) and log
the request before any output exists (a restricted request of civil immigration enforcement by
ICE, as the benchmark's redactor runs).

``copy``   ``COPY (SELECT <released columns, masks as SQL> FROM read_csv(…)) TO <temp>``: DuckDB's
           parallel reader and writer; dropped columns are never converted. Beside it, one
           thread reads the input once for its SHA-256 (hashlib releases the GIL) and, for CSV,
           NUL bytes, UTF-8 validity (the columns DuckDB does not convert are otherwise not
           checked) and an even sample of lines for the later-rows check of the columns
           detection released (Parquet: a DuckDB reservoir sample of those columns only).
           Then the output's SHA-256, fsync, completion logged, manifest, rename.
``stream`` DuckDB as the *reader* only: its record batches (released columns read, dropped ones
           as constant NULLs) go through ``redactor.pipeline.run`` unchanged: the same drift
           checks, transform, writers, atomic output, manifest and log as redactor.

A ragged row (too many or too few fields) or an unterminated quote anywhere in a CSV is a DuckDB
``InvalidInputException`` ("CSV Error on Line: N … Expected Number of Columns: X Found: Y",
followed by the original line, which is data): only the line number and the counts are kept, as
a ``DataError`` (exit 4). The dialect is fixed (no sniffing: a sniffed "no quoting" dialect
would read an unterminated quote as text).
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import csv
import hashlib
import io
import os
import re
import secrets
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from redactor.categories import Action
from redactor.errors import DataError, RedactorError
from redactor.io.formats import resolve_format

PURPOSE = "civil_immigration_enforcement"
AGENCY = "ICE"
CHUNK = 8 << 20
_T0 = time.perf_counter()


def phase(name: str) -> None:
    """With PROTO_TIMES=1, the wall and CPU seconds since start at each phase (stderr)."""
    if os.environ.get("PROTO_TIMES"):
        cpu = time.process_time()
        print(f"  {name}: {time.perf_counter() - _T0:.3f} s wall, {cpu:.3f} s CPU", file=sys.stderr)


SAMPLE_LINES = 5_000


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def csv_scan(path: str, names: list[str]) -> str:
    cols = "{" + ", ".join(f"{_lit(n)}: 'VARCHAR'" for n in names) + "}"
    return (
        f"read_csv({_lit(path)}, header=true, auto_detect=false, delim=',', quote='\"', "
        f"escape='\"', strict_mode=true, columns={cols})"
    )


_LINE = re.compile(r"CSV Error on Line: (\d+)")
_COUNTS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def duckdb_error(e: Exception, path: str) -> DataError:
    """DuckDB's CSV error without the original line it quotes (that line is data)."""
    text = str(e)
    line = _LINE.search(text)
    counts = _COUNTS.search(text)
    where = f"line {line.group(1)}" if line else "a row"
    if counts:
        what = f"{counts.group(2)} fields where the header has {counts.group(1)}"
    elif "unicode" in text.lower():
        what = "text that is not UTF-8"
    elif "quote" in text.lower() or "Value with unterminated quote" in text:
        what = "an unterminated quoted value"
    else:
        what = "a malformed row"
    return DataError(f"{path}: {where} has {what}; nothing was written")


class InputCheck(threading.Thread):
    """One pass over the input file: SHA-256, and for CSV NUL bytes, UTF-8 and a line sample."""

    def __init__(self, path: str, csv_text: bool, sample_every: int) -> None:
        super().__init__(daemon=True)
        self.path, self.csv_text, self.sample_every = path, csv_text, sample_every
        self.digest = ""
        self.error: DataError | None = None
        self.lines: list[bytes] = []

    def run(self) -> None:
        h = hashlib.sha256()
        dec = codecs.getincrementaldecoder("utf-8")()
        newlines = 0
        next_sample = self.sample_every
        pos = 0
        with open(self.path, "rb", buffering=0) as f:
            while chunk := f.read(CHUNK):
                h.update(chunk)
                if self.csv_text and self.error is None:
                    if (nul := chunk.find(b"\0")) >= 0:
                        line = newlines + chunk.count(b"\n", 0, nul) + 1
                        self.error = DataError(f"{self.path}: line {line} holds a NUL byte")
                    try:
                        dec.decode(chunk)
                    except UnicodeDecodeError as e:
                        line = newlines + chunk.count(b"\n", 0, max(e.start, 0)) + 1
                        self.error = DataError(f"{self.path}: line {line} is not UTF-8")
                    # sample the first whole line after every sample_every bytes
                    while next_sample < pos + len(chunk):
                        at = chunk.find(b"\n", next_sample - pos)
                        if at < 0:
                            break
                        end = chunk.find(b"\n", at + 1)
                        if end < 0:
                            break
                        self.lines.append(chunk[at + 1 : end])
                        next_sample = pos + end + self.sample_every
                    newlines += chunk.count(b"\n")
                pos += len(chunk)
        if self.csv_text and self.error is None:
            try:
                dec.decode(b"", final=True)
            except UnicodeDecodeError:
                self.error = DataError(f"{self.path}: the last line is not UTF-8")
        self.digest = h.hexdigest()


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb", buffering=0) as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def request(args):
    """Decision, field map and job, as ``redactor redact`` builds them."""
    from redactor.audit import Job
    from redactor.cli.options import build_request, load_packs
    from redactor.fieldmap import load_field_map
    from redactor.io.formats import Format
    from redactor.policy.decide import decide

    req = build_request((PURPOSE,), "benchmark", AGENCY, ())
    decision = decide(req, load_packs(()), record_limit_enforced=True)
    field_map = load_field_map(args.map)
    fmt = resolve_format(args.input, None, role="input")
    job = Job(source=args.input, output=args.output, output_format=Format(fmt), table=args.table)
    return decision, field_map, job, fmt


def first_block(path: str, fmt) -> tuple[pa.Schema, pa.RecordBatch]:
    from redactor.io.readers import open_source

    with open_source(path, fmt) as src:
        for b in src.batches:
            if b.num_rows:
                return src.schema, b
    raise DataError(f"{path}: no data rows")


def plan_for(decision, field_map, job, schema, first):
    from redactor.planning import plan_columns
    from redactor.sampling import SAMPLE_ROWS, spread_sample

    sample = pa.Table.from_batches([spread_sample(first, SAMPLE_ROWS)])
    table = field_map.table(job.table) if field_map is not None else None
    return plan_columns(schema, decision, table, sample, strict=job.strict)


def select_list(plan, names: list[str], csv_text: bool) -> list[str]:
    """SQL for every column the plan keeps: released as read, withheld through the SQL masks."""
    import sqlglot.expressions as exp

    from redactor.sql.masks import mask_for

    out = []
    for p, name in zip(plan, names, strict=True):
        if p.drops:
            continue
        col = _q(name)
        # redactor reads CSV empties as "" (never null); DuckDB as NULL
        value = f"COALESCE({col}, '')" if csv_text else col
        if not p.withheld:
            out.append(f"{value} AS {_q(p.name)}")
            continue
        if p.action in (Action.HASH, Action.SCRUB):
            raise DataError(f"prototype: {p.action} is not compiled to SQL ({p.name})")
        m = mask_for(
            p.action,
            exp.column(name, quoted=True),
            dialect="duckdb",
            sql_type="VARCHAR",
            category=p.category,
            keep_last=p.keep_last,
            generalize_to=p.generalize_to,
        )
        out.append(f"{m.expression.sql(dialect='duckdb')} AS {_q(p.name)}")
    return out


def _drifted(s, column) -> bool:
    """redactor's rule for a released column that later rows contradict."""
    from redactor.sampling import drifted

    return drifted(s.category, s.flagged, s.clear, column) is not None


def drift_check_lines(lines: list[bytes], names, plan, watched, job) -> None:
    """The later-rows check on the sampled lines (a line inside a quoted multi-line value
    gives the wrong field count and is skipped)."""
    from redactor.detect import classify_columns
    from redactor.planning import detectable

    rows = []
    for raw in lines:
        with contextlib.suppress(csv.Error, UnicodeDecodeError):
            fields = next(csv.reader(io.StringIO(raw.decode("utf-8"))))
            if len(fields) == len(names):
                rows.append(fields)
    if not rows or not watched:
        return
    table = pa.table({names[i]: pa.array([r[i] for r in rows], pa.string()) for i in watched})
    found = classify_columns(detectable(table), presidio=False)
    for i in watched:
        s = found[names[i]]
        if _drifted(s, table.column(names[i])):
            raise DataError(
                f"{job.source}: column {i + 1} was released on the evidence of the first rows, "
                f"but later rows look like {s.category}; nothing was written"
            )


def run_copy(args) -> int:
    import duckdb

    from redactor.audit import Outcome, completion, manifest_doc, request_record
    from redactor.io.writers import dumps_json
    from redactor.planning import released_by_detection, status_of
    from redactor.requestlog import open_log

    decision, field_map, job, fmt = request(args)
    csv_text = fmt.value == "csv"
    size = os.path.getsize(args.input)
    check = InputCheck(args.input, csv_text, max(1, size // SAMPLE_LINES))
    check.start()  # the input's bytes are read once, beside DuckDB
    phase("request")
    schema, first = first_block(args.input, fmt)
    phase("first block")
    names = schema.names
    plan = plan_for(decision, field_map, job, schema, first)
    phase("plan")
    outcome = Outcome(decision=decision, plan=plan, status=status_of(plan))
    select = ", ".join(select_list(plan, names, csv_text))
    src = csv_scan(args.input, names) if csv_text else f"read_parquet({_lit(args.input)})"
    dest = Path(args.output)
    tmp = dest.parent / f".{dest.name}.proto-{secrets.token_hex(4)}.tmp"
    opts = "FORMAT csv, HEADER, FORCE_QUOTE *" if csv_text else "FORMAT parquet"
    log = open_log(args.log)
    try:
        outcome.request_id = log.begin(
            request_record(decision, job, field_map, plan, outcome.status)
        )
        con = duckdb.connect()
        try:
            copied = con.execute(
                f"COPY (SELECT {select} FROM {src}) TO {_lit(str(tmp))} ({opts})"
            ).fetchall()
            outcome.rows_in = outcome.rows_out = int(copied[0][0])  # COPY returns its row count
            phase("copy")
            watched = released_by_detection(plan)
            if watched and not csv_text:
                cols = ", ".join(_q(names[i]) for i in watched)
                sample = con.execute(
                    f"SELECT {cols} FROM {src} USING SAMPLE reservoir({SAMPLE_LINES} ROWS) "
                    "REPEATABLE (1)"
                ).to_arrow_table()
                check.join()
                lines_table = sample
                from redactor.detect import classify_columns
                from redactor.planning import detectable

                found = classify_columns(detectable(lines_table), presidio=False)
                for i in watched:
                    s = found[names[i]]
                    if _drifted(s, lines_table.column(names[i])):
                        raise DataError(f"{job.source}: column {i + 1} drifted")
        except duckdb.Error as e:
            raise duckdb_error(e, args.input) from None
        check.join()
        phase("input hashed")
        if check.error is not None:
            raise check.error
        if csv_text:
            drift_check_lines(check.lines, names, plan, released_by_detection(plan), job)
        phase("later-rows check")
        fd = os.open(tmp, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
        os.chmod(tmp, 0o600)
        outcome.output_sha256 = sha256_file(str(tmp))
        outcome.input_sha256 = check.digest
        manifest = Path(f"{dest}.manifest.json")
        mtmp = manifest.parent / f".{manifest.name}.{secrets.token_hex(4)}.tmp"
        mtmp.write_text(
            dumps_json(manifest_doc(decision, plan, job, field_map, outcome, None)) + "\n"
        )
        log.complete(outcome.request_id, completion(outcome, job, None))
        os.replace(mtmp, manifest)
        os.replace(tmp, dest)
        phase("output hashed, logged, committed")
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if outcome.request_id is not None:
            msg = str(e).splitlines()[0] if isinstance(e, RedactorError) else type(e).__name__
            log.complete(outcome.request_id, completion(outcome, job, msg))
        raise
    finally:
        log.close()
    if not args.quiet:
        print(
            f"wrote {dest} (input {outcome.input_sha256[:12]}, output {outcome.output_sha256[:12]})"
        )
    return 0


def run_stream(args) -> int:
    import duckdb

    from redactor import pipeline
    from redactor.requestlog import open_log

    decision, field_map, job, fmt = request(args)
    csv_text = fmt.value == "csv"
    check = InputCheck(args.input, csv_text, 1 << 62)
    check.start()
    schema, first = first_block(args.input, fmt)
    names = schema.names
    plan = plan_for(decision, field_map, job, schema, first)
    src = csv_scan(args.input, names) if csv_text else f"read_parquet({_lit(args.input)})"
    cols = [
        (f"COALESCE({_q(n)}, '')" if csv_text else _q(n)) if not p.drops else "NULL::VARCHAR"
        for p, n in zip(plan, names, strict=True)
    ]
    select = ", ".join(f"{c} AS {_q(n)}" for c, n in zip(cols, names, strict=True))
    query = f"SELECT {select} FROM {src} OFFSET {first.num_rows}"

    def batches() -> Iterator[pa.RecordBatch]:
        yield first
        con = duckdb.connect()
        try:
            reader = con.sql(query).to_arrow_reader(65_536)
            yield from reader  # dropped columns: NULLs of any type, the transform never reads them
        except duckdb.Error as e:
            raise duckdb_error(e, args.input) from None
        check.join()
        if check.error is not None:
            raise check.error

    def digest() -> str:
        check.join()
        return check.digest

    log = open_log(args.log)
    try:
        pipeline.run(
            decision, schema, batches(), job, field_map=field_map, log=log, input_sha256=digest
        )
    finally:
        log.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.duckdb_engine_proto", description=__doc__
    )
    ap.add_argument("input")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--map", required=True)
    ap.add_argument("--table", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument(
        "--mode", choices=("copy", "stream"), default=os.environ.get("PROTO_MODE", "copy")
    )
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    try:
        rc = run_copy(args) if args.mode == "copy" else run_stream(args)
    except RedactorError as e:
        print(f"proto: {e}", file=sys.stderr)
        return e.exit_code if hasattr(e, "exit_code") else 4
    if not args.quiet:
        print(f"{time.perf_counter() - t0:.3f} s", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
