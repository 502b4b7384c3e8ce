"""The HTML report in a real headless Chromium, driven over the DevTools protocol (a pipe, no
port, no extra package): the page loads with no console error, its three charts are drawn,
every bar is as tall as its count says and painted in its outcome's colour in a screenshot;
and the PDF is that page printed.

Skipped, with the reason, where Chromium is not installed (scripts/system-deps.sh installs it).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import select
import shutil
import struct
import subprocess
import time
import zlib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from redactor.cli.log import report_command
from redactor.requestlog import Completion, RequestRecord, open_log
from redactor.requestlog.report_charts import COLORS, IMMIGRATION_COLOR

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--window-size=1200,900",
)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    pytest.skip(
        "Chromium is not installed (scripts/system-deps.sh installs it as root); "
        "the HTML report cannot be checked in a browser"
    )


class DevTools:
    """Chromium with ``--remote-debugging-pipe``: commands on fd 3, replies and events on fd 4,
    each message JSON ending in NUL."""

    def __init__(self, browser: str, profile: Path) -> None:
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire() -> None:  # in the child: its fds 3 and 4 are the pipe ends
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self.proc = subprocess.Popen(
            [
                browser,
                *FLAGS,
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire,
            pass_fds=(3, 4),
            start_new_session=True,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf, self._next, self.events = b"", 0, []

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._from_child], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("no answer from Chromium")
            chunk = os.read(self._from_child, 1 << 16)
            if not chunk:
                raise EOFError("Chromium closed the DevTools pipe")
            self._buf += chunk
        raw, _, self._buf = self._buf.partition(b"\0")
        return json.loads(raw)

    def send(self, method: str, session: str | None = None, timeout: float = 60, **params):
        self._next += 1
        msg = {"id": self._next, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next:
                assert "error" not in reply, reply
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        for e in self.events:
            if e.get("method") == method:
                return e
        while True:
            e = self._read(deadline)
            self.events.append(e)
            if e.get("method") == method:
                return e

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.send("Browser.close", timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, 9)
        self.proc.wait(timeout=30)
        os.close(self._to_child)
        os.close(self._from_child)


def _png_rgb(data: bytes) -> tuple[int, int, int, bytes]:
    """(width, height, bytes per pixel, raw pixels) of an 8-bit RGB/RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, bpp = 8, b"", 0, 0, 4
    while pos < len(data):
        (length,), ctype = struct.unpack(">I", data[pos : pos + 4]), data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if ctype == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0
            bpp = 3 if color == 2 else 4
        elif ctype == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, out = zlib.decompress(idat), width * bpp, bytearray()
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        ftype, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += line
        prev = line
    return width, height, bpp, bytes(out)


def _add(log, time_: str, decision: str, agency: str, purposes: tuple[str, ...], **kw) -> str:
    status = kw.pop("status", "completed")
    rid = log.begin(
        RequestRecord(
            command="redact",
            decision=decision,
            agency=agency,
            purposes=purposes,
            requester="Officer Canary Quill",
            time=time_,
            **kw,
        )
    )
    if status:
        log.complete(rid, Completion(status, rows_in=5, rows_out=5))
    return rid


@pytest.fixture
def quarter_log(tmp_path) -> str:
    """2026Q3: immigration-related requests 2 (July), 0 (August), 3 (September)."""
    path = str(tmp_path / "requests.sqlite3")
    court = {
        "kind": "court_order",
        "reference": "26-1",
        "issuer": "state_court",
        "status": "accepted",
        "reviewer": "Sgt. B. Reviewer",
    }
    with open_log(path) as log:
        imm = {"immigration_request": True, "restricted": True}
        _add(
            log,
            "2026-07-02T10:00:00Z",
            "refused",
            "ICE ERO",
            ("civil_immigration_enforcement",),
            reasons=("colorado-sb21-131/no_immigration_enforcement: a prohibited purpose",),
            **imm,
        )
        _add(
            log,
            "2026-07-03T10:00:00Z",
            "redacted",
            "ICE",
            ("research",),
            category_actions={"ssn": "drop"},
            **imm,
        )
        _add(
            log,
            "2026-08-03T10:00:00Z",
            "redacted",
            "CDLE",
            ("research",),
            immigration_request=False,
        )
        for day in ("01", "02"):
            _add(
                log,
                f"2026-09-{day}T10:00:00Z",
                "released",
                "HSI",
                ("criminal_immigration_enforcement",),
                categories_lifted=("name",),
                exceptions_granted=("colorado-sb21-131/judicial_process: court_order:26-1",),
                evidence=[court],
                category_actions={"name": "release"},
                **imm,
            )
        _add(
            log, "2026-09-03T10:00:00Z", "refused", "CBP", ("civil_immigration_enforcement",), **imm
        )
    return path


def _run(*args: str):
    group = click.Group()
    group.add_command(report_command, "report")
    return CliRunner().invoke(group, ["report", *args], catch_exceptions=False)


@pytest.mark.slow
def test_html_report_renders_in_chromium_with_its_charts(quarter_log, tmp_path):
    browser = _chromium()
    page = tmp_path / "q3.html"
    r = _run(
        "--quarter",
        "2026Q3",
        "-o",
        str(page),
        "--log",
        quarter_log,
        "--agency-name",
        "Colorado DMV",
        "--preparer",
        "J. Doe",
    )
    assert r.exit_code == 0, r.output
    text = page.read_text()
    assert "<script" not in text and not re.search(r"(?:src|href)=\"(?!#|data:)", text), (
        "the page must load nothing from outside itself"
    )

    dt = DevTools(browser, tmp_path / "profile")
    try:
        target = dt.send("Target.createTarget", url="about:blank")["targetId"]
        session = dt.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            dt.send(f"{domain}.enable", session)
        dt.send(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=1200,
            height=900,
            deviceScaleFactor=1,
            mobile=False,
        )
        dt.send("Page.navigate", session, url=page.as_uri())
        dt.wait_for("Page.loadEventFired")
        found = json.loads(
            dt.send(
                "Runtime.evaluate",
                session,
                returnByValue=True,
                expression="""JSON.stringify({
                  figures: [...document.querySelectorAll('figure.chart')].map(f => ({
                    id: f.id, svg: f.querySelectorAll('svg').length,
                    w: f.querySelector('svg').getBoundingClientRect().width,
                    top: f.getBoundingClientRect().top + scrollY,
                    bottom: f.getBoundingClientRect().bottom + scrollY})),
                  bars: [...document.querySelectorAll('[id^="months-bar-"]')].map(g => {
                    const b = g.getBoundingClientRect();
                    return {id: g.id, x: b.x + b.width / 2, y: b.y + b.height / 2 + scrollY,
                            h: b.height}; }),
                  agencies: [...document.querySelectorAll('[id^="agencies-agency-"]')]
                    .map(g => { const b = g.getBoundingClientRect();
                      return {id: g.id, w: b.width, x: b.x + b.width / 2,
                              y: b.y + b.height / 2 + scrollY}; }),
                  summary: document.getElementById('summary').innerText})""",
            )["result"]["value"]
        )
        # only the two charts whose colours are checked: a small PNG to decode
        top = int(found["figures"][0]["top"])
        bottom = int(found["figures"][1]["bottom"]) + 1
        shot = dt.send(
            "Page.captureScreenshot",
            session,
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": top, "width": 1200, "height": bottom - top, "scale": 1},
        )
        (tmp_path / "q3.png").write_bytes(base64.b64decode(shot["data"]))
    finally:
        dt.close()

    problems = [
        e
        for e in dt.events
        if (
            e.get("method") == "Runtime.consoleAPICalled"
            and e["params"]["type"] in ("error", "warning", "assert")
        )
        or e.get("method") == "Runtime.exceptionThrown"
        or (
            e.get("method") == "Log.entryAdded"
            and e["params"]["entry"]["level"] in ("error", "warning")
        )
    ]
    assert problems == [], problems
    assert [(f["id"], f["svg"]) for f in found["figures"]] == [
        ("chart-months", 1),
        ("chart-agencies", 1),
        ("chart-exceptions", 1),
    ]
    assert all(f["w"] > 300 for f in found["figures"])
    assert found["summary"].startswith("6 requests were logged")

    # each month's bars: height in proportion to the count, painted in the outcome's colour
    bars = {}
    for b in found["bars"]:
        m = re.fullmatch(r"months-bar-(\d{4}-\d\d)-(\w+)-(\d+)", b["id"])
        assert m, b["id"]
        bars[(m[1], m[2])] = (int(m[3]), b)
    drawn = {k: n for k, (n, _) in bars.items() if n}
    assert drawn == {
        ("2026-07", "refused"): 1,
        ("2026-07", "redacted"): 1,
        ("2026-09", "released"): 2,
        ("2026-09", "refused"): 1,
    }
    unit = bars[("2026-07", "refused")][1]["h"]
    assert unit > 10
    width, _, bpp, pixels = _png_rgb((tmp_path / "q3.png").read_bytes())
    for (_, outcome), (n, b) in bars.items():
        if not n:
            continue
        assert abs(b["h"] - n * unit) <= 1.5, (outcome, n, b["h"], unit)
        at = ((int(b["y"]) - top) * width + int(b["x"])) * bpp
        assert pixels[at : at + 3] == bytes.fromhex(COLORS[outcome][1:]), (outcome, b)
    # ICE (2 requests, both immigration-related) is drawn in the immigration colour
    ice = [a for a in found["agencies"] if "-immigration-" in a["id"] and a["w"] > 0]
    assert ice, found["agencies"]
    for a in ice:
        at = ((int(a["y"]) - top) * width + int(a["x"])) * bpp
        assert pixels[at : at + 3] == bytes.fromhex(IMMIGRATION_COLOR[1:])


@pytest.mark.slow
def test_pdf_is_the_page_printed_and_needs_chromium(quarter_log, tmp_path, monkeypatch):
    _chromium()
    pdf = tmp_path / "q3.pdf"
    r = _run(
        "--quarter",
        "2026Q3",
        "-o",
        str(pdf),
        "--log",
        quarter_log,
        "-q",
        "--agency-name",
        "Colorado DMV",
        "--preparer",
        "J. Doe",
    )
    assert r.exit_code == 0, r.output
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert re.search(rb"/Count [1-9]", data) and pdf.stat().st_mode & 0o777 == 0o600
    assert r.stderr == ""  # -q: nothing but warnings

    monkeypatch.setenv("REDACTOR_CHROMIUM", str(tmp_path / "no-such-browser"))
    missing = tmp_path / "none.pdf"
    r = _run("--quarter", "2026Q3", "-o", str(missing), "--log", quarter_log)
    assert (
        r.exit_code == 2
        and "needs Chromium" in r.stderr
        and "apt-get install chromium" in (r.stderr)
    )
    assert not missing.exists()
