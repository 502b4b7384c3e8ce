"""A real ``redactor serve`` for tests: a subprocess on a free port, with its own users file,
request log and opened request; stopped (SIGTERM, then SIGKILL) when done."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "s3cret-Pw!"
USER = "analyst"


def redactor(
    *args: str, stdin: str | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "redactor", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def add_user(users: Path, name: str = USER, password: str = PASSWORD) -> None:
    r = redactor(
        "users", "add", name, "--users", str(users), "--password-stdin", stdin=password + "\n"
    )
    assert r.returncode == 0, r.stderr


def open_request(
    log: Path,
    *,
    agency: str = "ICE",
    purpose: str = "civil_immigration_enforcement",
    policy: str = "colorado-sb21-131",
) -> str:
    """A request opened in ``log`` as `redactor request open` opens one (through the log's
    API, so that these tests do not depend on that command's wiring)."""
    from redactor.policy import load_pack
    from redactor.requestlog import open_log
    from redactor.requestlog.opened import OpenedRequest

    opened = OpenedRequest(
        request_id="",
        agency=agency,
        requester="Agent Synthetic",
        purposes=(purpose,),
        policies=(policy,),
        packs=(load_pack(policy).ref,),
        os_user="tester",
    )
    with open_log(log) as lg:
        return lg.open_request(opened)


@dataclass
class Served:
    proc: subprocess.Popen
    port: int
    log: Path
    users: Path
    stderr: list[str] = field(default_factory=list)

    def dsn(
        self,
        request: str | None = None,
        *,
        user: str = USER,
        password: str = PASSWORD,
        **extra: str,
    ) -> str:
        parts = [
            f"host=127.0.0.1 port={self.port} user={user} password={password} "
            "dbname=anything sslmode=disable"
        ]
        if request:
            parts.append(f"options='-c redactor.request={request}'")
        parts += [f"{k}={v}" for k, v in extra.items()]
        return " ".join(parts)

    def alive(self) -> bool:
        return self.proc.poll() is None


@contextlib.contextmanager
def serve(
    db_url: str, field_map: dict | str, tmp: Path, *extra: str, env: dict | None = None
) -> Iterator[Served]:
    tmp.mkdir(parents=True, exist_ok=True)
    if isinstance(field_map, dict):
        map_path = tmp / "map.yaml"
        map_path.write_text(yaml.safe_dump(field_map))
    else:
        map_path = Path(field_map)
    users = tmp / "users.txt"
    log = tmp / "requests.sqlite3"
    if not users.exists():
        add_user(users)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "redactor",
            "serve",
            "--db",
            db_url,
            "--map",
            str(map_path),
            "--users",
            str(users),
            "--listen",
            "127.0.0.1:0",
            "--log",
            str(log),
            *extra,
        ],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "REDACTOR_POLICY": "colorado-sb21-131", **(env or {})},
    )
    lines: list[str] = []
    port_box: list[int] = []
    ready = threading.Event()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            m = re.search(r"listening on [^ ]+:(\d+)", line)
            if m:
                port_box.append(int(m.group(1)))
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    ready.wait(60)
    if not port_box:
        proc.kill()
        raise RuntimeError("redactor serve did not start:\n" + "".join(lines))
    served = Served(proc, port_box[0], log, users, lines)
    try:
        yield served
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def wait_for(cond, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()
