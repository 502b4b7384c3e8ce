"""Machine output (issue 20 item 4): `policy list|show`, `map check` and `request show` print
one versioned JSON document each, as docs/json.md describes, and docs/json.md names them all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from redactor.cli import cli
from redactor.cli.maps import CHECK_SCHEMA
from redactor.cli.policy import LIST_SCHEMA, SHOW_SCHEMA
from redactor.cli.request import SHOW_SCHEMA as REQUEST_SCHEMA
from redactor.policy import builtin_pack_ids, load_pack

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_policy_list_json_has_every_builtin_pack() -> None:
    r = run("policy", "list", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["schema"] == LIST_SCHEMA == "redactor.policy-list/1"
    assert [p["id"] for p in doc["packs"]] == builtin_pack_ids()
    first = doc["packs"][0]
    assert set(first) == {
        "id", "version", "title", "jurisdiction", "status", "effective", "instrument",
        "sources", "sha256",
    }  # fmt: skip
    assert first["sha256"] == load_pack(first["id"]).sha256


def test_policy_show_json_is_the_validated_pack() -> None:
    r = run("policy", "show", "oregon-180-805", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    lp = load_pack("oregon-180-805")
    assert doc["schema"] == SHOW_SCHEMA == "redactor.policy-show/1"
    assert (doc["id"], doc["version"], doc["sha256"]) == (lp.pack.id, lp.pack.version, lp.sha256)
    assert [r["id"] for r in doc["pack"]["rules"]] == [r.id for r in lp.pack.rules]
    assert set(doc["pack"]["actions"]) == {str(c) for c in lp.pack.actions}


def test_map_check_json_ok_and_not_ok(tmp_path: Path) -> None:
    good = tmp_path / "m.yaml"
    good.write_text("name: k\ntables:\n  t:\n    columns:\n      SSN: ssn\n      cd: none\n")
    doc = json.loads(run("map", "check", str(good), "--json").stdout)
    assert doc["schema"] == CHECK_SCHEMA == "redactor.map-check/1" and doc["ok"] is True
    assert doc["tables"] == [
        {
            "name": "t",
            "columns": 2,
            "protected": 1,
            "sensitive_table": False,
            "categories": {"none": 1, "ssn": 1},
        }
    ]
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: k\ntables:\n  t:\n    columns:\n      SSN: sssn\n")
    r = run("map", "check", str(bad), "--json")
    doc = json.loads(r.stdout)
    assert r.exit_code == 4 and doc["ok"] is False and doc["exit_code"] == 4
    assert "sssn" in doc["error"] and doc["error"] in r.stderr


@pytest.mark.parametrize("command", [("policy", "list"), ("map", "check", "x.yaml")])
def test_quiet_is_accepted(command: tuple[str, ...], tmp_path: Path) -> None:
    r = run(*command, "-q", "--help")
    assert r.exit_code == 0 and "--quiet" in r.stdout and "--json" in r.stdout


def test_request_show_json_is_versioned(tmp_path: Path) -> None:
    rid = run(
        "request", "open", "--agency", "ICEE", "--requester", "J. Doe", "--policy",
        "oregon-180-805", "--purpose", "criminal_investigation",
    ).stdout.strip()  # fmt: skip
    doc = json.loads(run("request", "show", rid, "--json").stdout)
    assert doc["schema"] == REQUEST_SCHEMA == "redactor.request-show/1"
    assert doc["request_id"] == rid and doc["opened"]["agency"] == "ICEE"
    assert set(doc) == {"schema", "request_id", "opened", "reviews", "evidence", "runs"}


def test_docs_name_every_schema() -> None:
    text = (ROOT / "docs" / "json.md").read_text()
    for schema in (
        LIST_SCHEMA,
        SHOW_SCHEMA,
        CHECK_SCHEMA,
        REQUEST_SCHEMA,
        "redactor.config-show/1",
    ):
        assert f"`{schema}`" in text, schema


STATELESS = [("policy", "list"), ("policy", "show"), ("map", "check"), ("config", "show")]


def invoke(*args: str):
    """`redactor ARGS` (config through its own group until main.py registers it)."""
    if args[0] != "config":
        return run(*args)
    from redactor.cli.config import config_group

    return CliRunner().invoke(config_group, list(args[1:]))


@pytest.mark.parametrize("command", STATELESS, ids=" ".join)
def test_help_examples_run(command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    """Every `redactor …` line under Examples in --help runs (up to a pipe) and exits 0."""
    import shlex

    monkeypatch.chdir(ROOT)
    help_text = invoke(*command, "--help").stdout
    lines = [ln.strip() for ln in help_text.splitlines() if ln.strip().startswith("redactor ")]
    assert lines, help_text
    for line in lines:
        r = invoke(*shlex.split(line.split(" | ")[0].split(" && ")[0].split("#")[0])[1:])
        assert r.exit_code == 0, (line, r.stderr)
