"""``run --pdf``: print the HTML report to PDF with headless Chromium, when it is installed."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from framework.errors import BadInput

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PRINT_TIMEOUT_S = 120


def find_browser() -> str | None:
    """The first Chromium-family executable on PATH, or None."""
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def require_browser() -> str:
    """The browser that prints the PDF; refused before any work when there is none.

    Raises:
        BadInput: no Chromium on PATH.
    """
    browser = find_browser()
    if browser is None:
        raise BadInput("--pdf needs Chromium to print the report; install it (apt-get install chromium) or drop --pdf")
    return browser


def print_pdf(html_file: Path, pdf_file: Path, browser: str) -> Path:
    """Print ``html_file`` to ``pdf_file`` with the report's print stylesheet (A4, no header or footer).

    Raises:
        RuntimeError: when the browser fails or writes nothing.
    """
    with tempfile.TemporaryDirectory(prefix="casebook-pdf-") as profile:
        command = [
            browser,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_file}",
            html_file.resolve().as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=PRINT_TIMEOUT_S, check=False)
    if done.returncode != 0 or not pdf_file.is_file() or pdf_file.stat().st_size == 0:
        raise RuntimeError(f"{Path(browser).name} could not print the report (exit {done.returncode})")
    return pdf_file
