"""Shared fixtures: every test gets its own request log, and no test touches the user's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=40, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    logdir = tmp_path_factory.mktemp("log")
    monkeypatch.setenv("REDACTOR_LOG", str(logdir / "requests.sqlite3"))
    monkeypatch.delenv("REDACTOR_POLICY", raising=False)
    monkeypatch.delenv("REDACTOR_KEY_FILE", raising=False)
    monkeypatch.setenv("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    # no user's ~/.config/redactor/redactor.toml reaches a test (docs/config.md)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg")))
    yield


@pytest.fixture
def log_path() -> Path:
    return Path(os.environ["REDACTOR_LOG"])


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    p = tmp_path / "hmac.key"
    p.write_bytes(os.urandom(32).hex().encode())  # a real key: guessable ones are refused
    monkeypatch.setenv("REDACTOR_KEY_FILE", str(p))
    return p
