"""``redactor serve``: a PostgreSQL wire-protocol (v3) front end over the export path.

Analysts point psql, psycopg, JDBC or SQLAlchemy at it; every statement goes through the same
guard, rewrite, post-check and column plan as ``redactor export`` and is logged under the
request the session is bound to before its first row is sent. See docs/serve.md.

Modules: :mod:`scram` (verifiers and the SCRAM-SHA-256 exchange), :mod:`users` (the users file),
:mod:`wire` (message framing and encoders), :mod:`values` (Arrow values as PostgreSQL text and
binary), :mod:`statements` (what a statement is: query, probe, SET, transaction control),
:mod:`params` (parameters bound as literals), :mod:`catalog` (probes answered from the field
map's view), :mod:`execute` (one data statement through the export path), :mod:`audit` (every
request-log call of the server), :mod:`session` (one client connection), :mod:`server` (the
listener, limits, TLS and cancel keys).
"""
