"""A real headless browser for end-to-end tests: Debian's Chromium driven by Playwright.

Playwright never downloads a browser here (`playwright install` needs the internet): it drives
the Chromium that `make browser-deps` installs from Debian's packages at /usr/bin/chromium.
Playwright's ``launch()`` gives every browser a fresh, empty profile (``--user-data-dir`` in a new
temporary folder, removed on close) and ``--no-sandbox`` (we run as root); the flags below stop
Chromium's own calls to Google's hosts, which a machine without internet would make it wait on.
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # No name resolution but for loopback: Chromium still looks up Google's hosts (update,
    # autofill, accounts) despite the flags above, and a page must never reach past this machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def chromium_path() -> Path:
    """Debian's Chromium (CHROMIUM_PATH overrides), or a clear error naming the install step."""
    path = Path(os.environ.get("CHROMIUM_PATH") or CHROMIUM)
    if not (path.is_file() and os.access(path, os.X_OK)):
        found = shutil.which("chromium")
        hint = f" (a chromium is on PATH at {found})" if found else ""
        raise RuntimeError(
            f"Chromium not found at {path}{hint}: run `make browser-deps` "
            "(Debian's chromium package)"
        )
    return path


@contextmanager
def launch_browser(*, timeout_ms: float = 30_000) -> Iterator[Browser]:
    """A headless Chromium; on exit every context, the browser and Playwright's driver stop."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(executable),
            headless=True,
            chromium_sandbox=False,
            args=CHROMIUM_ARGS,
            timeout=timeout_ms,
        )
        try:
            yield browser
        finally:
            browser.close()
