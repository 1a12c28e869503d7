"""The account-linking test infrastructure works offline and leaves nothing running: the Firebase
Auth emulator from node_modules/ (firebase-tools) and Debian's Chromium driven by Playwright."""

import os
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devstack.auth_emulator import (
    AuthApiError,
    create_user,
    launch_auth_emulator,
    sign_in_with_password,
    token_claims,
)
from devstack.browser import launch_browser

PROJECT = "demo-browser-infra"
MARK = "SMARTHOME_INFRA_TEST_RUN"


def started_processes(
    token: str, groups: frozenset[int] = frozenset()
) -> dict[int, tuple[int, str]]:
    """Live processes the test started: {pid: (process group, command line)}.

    A process is the test's when its environment carries the test's token (inherited, however
    it was forked or re-parented), or when it is in one of ``groups``: Chromium's zygote and
    the processes forked from it overwrite their environment with their titles, but stay in the
    browser's process group. This process and zombies (already dead) do not count."""
    wanted = f"{MARK}={token}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            stat = (entry / "stat").read_text()
            environ = (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        state, _ppid, pgid = stat.rsplit(")", 1)[1].split()[:3]
        if state != "Z" and (wanted in environ or int(pgid) in groups):
            found[int(entry.name)] = (int(pgid), cmdline.decode(errors="replace")[:160])
    return found


def their_groups(processes: dict[int, tuple[int, str]]) -> frozenset[int]:
    """The process groups of the test's processes, but this process's own."""
    return frozenset(pgid for pgid, _ in processes.values()) - {os.getpgrp()}


def left_after_stop(token: str, groups: frozenset[int], timeout: float = 10) -> list[str]:
    deadline = time.monotonic() + timeout
    while (left := started_processes(token, groups)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [f"{pid} {line}" for pid, (_, line) in left.items()]


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    """A token in the environment that every process started from here inherits."""
    value = uuid.uuid4().hex
    monkeypatch.setenv(MARK, value)
    return value


def test_auth_emulator_signs_in_with_password_and_stops_cleanly(tmp_path, token):
    emulator = launch_auth_emulator(PROJECT, tmp_path / "auth.log").ready()
    workdir = getattr(emulator, "workdir", None)
    try:
        running = started_processes(token)
        groups = their_groups(running)
        commands = [line for _, line in started_processes(token, groups).values()]
        assert any("firebase emulators:start" in line for line in commands), commands
        assert not any("java" in line for line in commands), commands

        created = create_user(emulator.host, PROJECT, "demo", "demo@example.com", "s3cret-pass")
        assert created["localId"] == "demo"

        answer = sign_in_with_password(emulator.host, "demo@example.com", "s3cret-pass")
        assert answer["localId"] == "demo"
        claims = token_claims(answer["idToken"])
        assert claims["user_id"] == "demo"
        assert claims["sub"] == "demo"
        assert claims["aud"] == PROJECT
        assert claims["email"] == "demo@example.com"
        assert claims["firebase"]["sign_in_provider"] == "password"

        with pytest.raises(AuthApiError) as refused:
            sign_in_with_password(emulator.host, "demo@example.com", "wrong-password")
        assert refused.value.message in {"INVALID_PASSWORD", "INVALID_LOGIN_CREDENTIALS"}
        assert refused.value.status == 400
    finally:
        emulator.stop()

    assert left_after_stop(token, groups) == []
    assert workdir is not None
    assert not workdir.exists()
    log = (tmp_path / "auth.log").read_text()
    assert "All emulators ready" in log
    assert "Unable to fetch the CLI MOTD" not in log


PAGE = b"""<!doctype html>
<html><body>
<form method="post" action="/submit">
  <input id="email" name="email" type="email">
  <input id="password" name="password" type="password">
  <button id="go" type="submit">Sign in</button>
</form>
</body></html>"""


@pytest.fixture
def form_server() -> Iterator[tuple[str, list[tuple[str, dict[str, list[str]]]]]]:
    """A page with a form on 127.0.0.1, and the list of POSTs it has received."""
    received: list[tuple[str, dict[str, list[str]]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer(PAGE)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            received.append((self.path, urllib.parse.parse_qs(self.rfile.read(length).decode())))
            self._answer(b"<!doctype html><p id='done'>signed in</p>")

        def _answer(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_headless_chromium_submits_a_form_and_stops_cleanly(form_server, token):
    url, received = form_server
    with launch_browser() as browser:
        groups = their_groups(started_processes(token))
        commands = [line for _, line in started_processes(token, groups).values()]
        assert any("chrome_crashpad_handler" in line for line in commands), commands
        assert any("--type=zygote" in line for line in commands), commands

        page = browser.new_page()
        page.goto(url)
        page.fill("#email", "demo@example.com")
        page.fill("#password", "s3cret-pass")
        page.click("#go")
        page.wait_for_selector("#done", timeout=10_000)
        assert page.url == url + "submit"

    assert received == [("/submit", {"email": ["demo@example.com"], "password": ["s3cret-pass"]})]
    assert left_after_stop(token, groups) == []
