"""redactor.toml (issue 20 item 5): defaults a team repeats, overridden by REDACTOR_* variables,
overridden by flags; unknown keys are usage errors with "did you mean"; `config show` says where
each value came from. A value from the file is a claim like a flag: decided exactly the same."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from redactor import config
from redactor.cli.config import apply_config, config_group
from redactor.cli.log import report_command
from redactor.cli.options import build_request, request_options, typed_errors
from redactor.cli.request import request_group
from redactor.errors import UsageError

TEAM = """
log = "team.sqlite3"
map = "maps/dmv.yaml"
table = "drivers"
policy = "oregon-180-805"
agency = "Denver Police Department"
requester = "Records Unit"
output_mode = "0640"

[report]
agency_name = "Synthetic Department of Revenue"
preparer = "J. Doe, Records Unit"
attest_name = "A. Officer"
attest_title = "Chief Compliance Officer"
"""


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """The redactor group as main.py wires it: the file becomes the default_map."""
    apply_config(ctx)


cli.add_command(config_group)
cli.add_command(report_command)
cli.add_command(request_group)


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "redactor.toml").write_text(TEAM)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ('lgo = "x"', "unknown key 'lgo'", "did you mean log?"),
        (
            '[report]\nprepare = "x"',
            "unknown key 'report.prepare'",
            "did you mean report.preparer?",
        ),
        ('[reprot]\npreparer = "x"', "unknown key 'reprot'", "known keys:"),
        ("agency = 3", "agency must be a string", 'agency = "..."'),
        ("policy = []", "policy is an empty list", "policy = ["),
        ('output_mode = "rw-r-----"', "is not an octal mode", 'output_mode = "0640"'),
        ("log = ", "not valid TOML", "docs/config.md"),
    ],
)
def test_a_bad_file_is_a_usage_error_naming_file_and_key(
    tmp_path: Path, text: str, message: str, hint: str
) -> None:
    p = tmp_path / "redactor.toml"
    p.write_text(text)
    with pytest.raises(UsageError) as err:
        config.load(p)
    assert str(p) in err.value.message and message in err.value.message
    assert hint in (err.value.hint or ""), err.value.hint


def test_a_bad_file_stops_every_command_with_exit_2(team: Path) -> None:
    (team / "redactor.toml").write_text('atest_name = "x"\n')
    r = run("config", "show")
    assert r.exit_code == 2 and "unknown key 'atest_name'" in r.stderr
    assert "did you mean report.attest_name?" in r.stderr


def test_file_then_env_then_flag(team: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDACTOR_LOG", raising=False)
    shown = json.loads(run("config", "show", "--json").stdout)
    assert shown["schema"] == "redactor.config-show/1" and shown["file"] == str(
        team / "redactor.toml"
    )
    keys = {k["key"]: k for k in shown["keys"]}
    assert keys["log"] == {
        "key": "log",
        "value": str(team / "team.sqlite3"),  # a path in the file is relative to the file
        "source": "file",
        "from": str(team / "redactor.toml"),
    }
    assert keys["policy"]["value"] == ["oregon-180-805"] and keys["table"]["source"] == "file"
    monkeypatch.setenv("REDACTOR_LOG", str(team / "env.sqlite3"))
    keys = {k["key"]: k for k in json.loads(run("config", "show", "--json").stdout)["keys"]}
    assert keys["log"]["source"] == "env" and keys["log"]["from"] == "REDACTOR_LOG"
    r = run("config", "show", "--json", "--log", "flag.sqlite3")
    keys = {k["key"]: k for k in json.loads(r.stdout)["keys"]}
    assert keys["log"] == {"key": "log", "value": "flag.sqlite3", "source": "flag", "from": "--log"}
    text = run("config", "show").stdout
    assert "requester" in text and "[file (" in text and "REDACTOR_MAX_ROW_MB" in text


def test_the_xdg_file_when_none_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xdg = tmp_path / "xdg"
    (xdg / "redactor").mkdir(parents=True)
    (xdg / "redactor" / "redactor.toml").write_text('requester = "Night Desk"\n')
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    assert config.find() == xdg / "redactor" / "redactor.toml"
    (work / "redactor.toml").write_text('requester = "Day Desk"\n')
    assert config.load().get("requester") == "Day Desk"  # the working directory's wins


def test_defaults_reach_commands_through_default_map(
    team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dm = config.default_map(config.load(), environ={})
    assert dm["redact"]["table"] == "drivers" and dm["redact"]["policies"] == ["oregon-180-805"]
    assert dm["request"]["open"]["agency"] == "Denver Police Department"
    assert "agency" not in dm.get("log", {}).get("list", {})  # `log list --agency` is a filter
    assert (
        "log_target"
        not in config.default_map(config.load(), environ={"REDACTOR_LOG": "x"})["redact"]
    )
    # the report's agency name, preparer and attestation come from the file; a flag wins
    monkeypatch.setenv("REDACTOR_LOG", str(team / "r.sqlite3"))
    from redactor.requestlog import open_log

    open_log(str(team / "r.sqlite3")).close()
    r = run("report", "--quarter", "2026Q3", "--output-format", "md")
    assert r.exit_code == 0, r.stderr
    assert "Synthetic Department of Revenue" in r.stdout and "Chief Compliance Officer" in r.stdout
    assert "warning: no --agency-name" not in r.stderr
    r = run("report", "--quarter", "2026Q3", "--output-format", "md", "--preparer", "K. Flag")
    assert "K. Flag" in r.stdout and "J. Doe" not in r.stdout


def test_request_open_takes_the_office_from_the_file_as_a_claim(
    team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The agency in the file is decided exactly as --agency: ICE from a file is ICE."""
    (team / "redactor.toml").write_text('agency = "ICE"\nrequester = "Desk"\n')
    monkeypatch.setenv("REDACTOR_POLICY", "oregon-180-805")
    r = run("request", "open", "--purpose", "criminal_investigation")
    assert r.exit_code == 0, r.stderr
    assert "U.S. Immigration and Customs Enforcement" in r.stderr  # matched in the registry
    rid = r.stdout.strip()
    shown = json.loads(run("request", "show", rid, "--json").stdout)
    assert shown["opened"]["agency"] == "ICE" and shown["opened"]["recipient"]["agency"] == "ICE"


@click.command()
@request_options
@typed_errors
def probe(purposes, requester, agency, evidence, policies, log_target, manifest, dry_run) -> None:
    req = build_request(purposes, requester, agency, evidence)
    click.echo(f"{req.agency}|{req.requester}|{req.opened_request}")


def test_with_request_id_the_opened_request_wins_over_the_file(
    team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDACTOR_POLICY", "oregon-180-805")
    opened = run(
        "request",
        "open",
        "--agency",
        "ICE",
        "--requester",
        "J. Agent",
        "--purpose",
        "criminal_investigation",
    )
    rid = opened.stdout.strip()
    defaults = config.default_map(config.load())["redact"]  # REDACTOR_LOG is set: env wins
    r = CliRunner().invoke(probe, ["--request", rid], default_map=defaults)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == f"ICE|J. Agent|{rid}"  # not the file's Denver Police Department
    typed = CliRunner().invoke(probe, ["--request", rid, "--agency", "X"], default_map=defaults)
    assert typed.exit_code == 2 and "--agency cannot be given with --request" in typed.stderr
    no_id = CliRunner().invoke(probe, ["--purpose", "criminal_investigation"], default_map=defaults)
    assert no_id.stdout.strip() == "Denver Police Department|Records Unit|None"
