"""The report as PDF: the HTML page printed by headless Chromium (``--print-to-pdf``).

The page is ours (escaped text, no script, a Content-Security-Policy that forbids every
external load), written to a private temporary folder with a fresh browser profile that is
removed afterwards. Chromium is found as ``$REDACTOR_CHROMIUM``, else ``chromium``,
``chromium-browser``, ``google-chrome`` or ``google-chrome-stable`` on ``PATH``; without one
the PDF is refused with a message naming what to install (exit 2).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from redactor.errors import DataError, UsageError
from redactor.settings import current

if TYPE_CHECKING:
    from redactor.requestlog.report import Report

CHROMIUM_ENV = "REDACTOR_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_S = 120.0
FLAGS = (
    "--headless",
    "--no-sandbox",  # the page is our own, scriptless; the sandbox cannot start as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--no-pdf-header-footer",
)


class PdfUnavailableError(UsageError):
    """A PDF was asked for but no Chromium is installed (exit 2)."""


def find_chromium() -> str | None:
    given = current().chromium
    if given:
        return shutil.which(given) or (given if os.access(given, os.X_OK) else None)
    for name in CANDIDATES:
        if found := shutil.which(name):
            return found
    return None


def require_chromium() -> str:
    """The browser to print with, or a usage error naming what to install."""
    found = find_chromium()
    if found:
        return found
    given = current().chromium
    raise PdfUnavailableError(
        f"a PDF report needs Chromium, and {CHROMIUM_ENV}={given!r} is not an executable"
        if given
        else "a PDF report needs Chromium (headless), and none is on PATH",
        hint="install it (Debian/Ubuntu: apt-get install chromium; scripts/system-deps.sh "
        f"does it) or set {CHROMIUM_ENV} to its path; or write --output-format html and print "
        "that page to PDF from a browser",
    )


def html_to_pdf(page: str, *, browser: str | None = None, timeout: float = TIMEOUT_S) -> bytes:
    """``page`` (a whole HTML document) printed to PDF by headless Chromium."""
    browser = browser or require_chromium()
    with tempfile.TemporaryDirectory(prefix="redactor-report-") as tmp:
        folder = Path(tmp)
        source, target = folder / "report.html", folder / "report.pdf"
        source.write_text(page, encoding="utf-8")
        os.chmod(source, 0o600)
        cmd = [
            browser,
            *FLAGS,
            f"--user-data-dir={folder / 'profile'}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        env = {**os.environ, "HOME": str(folder)}  # nothing written to the user's profile
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=env,
        )
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise DataError(
                f"Chromium did not print the report within {timeout:.0f} s; nothing was written",
                hint="run it again; if it keeps failing write --output-format html",
            ) from None
        finally:
            _kill_group(proc)  # the renderer and zygote processes it started
        data = target.read_bytes() if target.exists() else b""
        if proc.returncode != 0 or not data.startswith(b"%PDF-"):
            last = (err or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise DataError(
                f"Chromium ({browser}) could not print the report (exit {proc.returncode}); "
                "nothing was written",
                hint=f"its last message: {last[0][:200]}" if last[0] else None,
            )
        return data


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def render_pdf(report: Report) -> bytes:
    """The report's HTML page as PDF."""
    from redactor.requestlog.report_html import render_html

    browser = require_chromium()  # before the charts are drawn
    return html_to_pdf(render_html(report), browser=browser)
