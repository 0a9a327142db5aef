"""The real server: ``sangsaeng serve`` and ``sangsaeng demo`` started as processes, asked over
HTTP, then stopped. Each runs against its own temporary SQLite data directory and is bounded in
time; the process is killed if it does not stop by itself."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

START_TIMEOUT = 90  # seconds; the demo migrates a fresh database first


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.pop("STATIC_ROOT", None)
    env.pop("WEB_CONCURRENCY", None)
    env.update(
        DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="sangsaeng.config.settings",
        PYTHONUNBUFFERED="1",
    )
    return env


@contextlib.contextmanager
def running(args: list[str], data_dir: Path, port: int) -> Iterator[tuple[str, Path]]:
    """Start ``sangsaeng ARGS``; yield (base URL, output file) once /healthz answers."""
    log = data_dir / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            [sys.executable, "-m", "sangsaeng.cli", *args],
            env=server_env(data_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server did not answer in {START_TIMEOUT} s:\n{log.read_text()}")
            time.sleep(0.3)
        yield base, log
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def get(url: str, opener: urllib.request.OpenerDirector | None = None) -> tuple[int, bytes]:
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_serve_answers_healthz_and_static(tmp_path: Path) -> None:
    port = free_port()
    args = ["serve", "--port", str(port), "--workers", "1", "--threads", "2"]
    with running(args, tmp_path, port) as (base, log):
        status, body = get(base + "/healthz")
        assert status == 200 and json.loads(body) == {"status": "ok"}
        status, body = get(base + "/static/vendor/htmx/htmx.min.js")
        assert status == 200 and len(body) > 1000
        assert get(base + "/static/nothing-here.js")[0] == 404
    output = log.read_text()
    assert f"http://127.0.0.1:{port}/" in output
    assert "sangsaeng migrate" in output  # the fresh database was never migrated
    assert any((tmp_path / "static").iterdir())  # collected before serving


def test_demo_serves_and_the_printed_login_works(tmp_path: Path) -> None:
    port = free_port()
    with running(["demo", "--port", str(port), "--workers", "1"], tmp_path, port) as (base, log):
        output = log.read_text()
        assert f"http://127.0.0.1:{port}/" in output
        match = re.search(r"^\s+협력사 Partner.*?\s(\S+)\s+(\S+)\s*$", output, re.MULTILINE)
        assert match, output
        username, password = match.groups()
        assert (username, password) == ("hangil", "sangsaeng-partner")

        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        status, page = get(base + "/accounts/login/", opener)
        assert status == 200
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "username": username,
                "password": password,
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - our own local server
            base + "/accounts/login/", data=form, headers={"Referer": base + "/accounts/login/"}
        )
        with opener.open(request, timeout=10) as response:  # follows the redirect home
            assert response.status == 200
            assert response.url.rstrip("/") == base
            assert "한길이에스티" in response.read().decode()
