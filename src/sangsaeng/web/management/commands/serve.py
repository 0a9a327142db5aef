"""``sangsaeng serve``: run Sangsaeng with its production web server.

Gunicorn is embedded (``gunicorn.app.base.BaseApplication``) and loads the WSGI application of
``sangsaeng.config.wsgi``; WhiteNoise, already in the middleware, serves the static files, so
no other process is needed. ``sangsaeng demo`` serves through the same code.

    sangsaeng serve [--host 127.0.0.1] [--port 8000] [--workers N] [--threads 4] [--access-log]
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import DEFAULT_DB_ALIAS, connections
from gunicorn.app.base import BaseApplication

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_THREADS = 4
MAX_DEFAULT_WORKERS = 8


def port_number(value: str) -> int:
    """argparse type: a TCP port, 1 to 65535."""
    try:
        port = int(value)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"포트는 1~65535의 정수여야 합니다 / invalid port: {value}"
        )
    return port


def positive_int(value: str) -> int:
    """argparse type: an integer of at least 1."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"1 이상의 정수여야 합니다 / must be >= 1: {value}")
    return number


def default_workers() -> int:
    """``WEB_CONCURRENCY`` if set, else 2 × CPUs + 1 (gunicorn's advice), at most 8."""
    env = os.environ.get("WEB_CONCURRENCY", "").strip()
    if env.isascii() and env.isdigit() and int(env) > 0:
        return int(env)
    return min(2 * (os.cpu_count() or 1) + 1, MAX_DEFAULT_WORKERS)


def bind_address(host: str, port: int) -> str:
    """``host:port`` as gunicorn binds it; IPv6 addresses in brackets."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


def display_url(host: str, port: int) -> str:
    """The address to open in a browser (a wildcard bind is reachable on the loopback)."""
    wildcard = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1", "[::]": "::1"}  # noqa: S104
    shown = wildcard.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def gunicorn_options(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    workers: int | None = None,
    threads: int = DEFAULT_THREADS,
    access_log: bool = False,
) -> dict[str, Any]:
    """The gunicorn settings Sangsaeng runs with."""
    options: dict[str, Any] = {
        "bind": [bind_address(host, port)],
        "workers": workers or default_workers(),
        # Threaded workers: a slow client or a keep-alive connection does not hold a process.
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 120,
        "graceful_timeout": 30,
        "keepalive": 5,
        # Recycle workers now and then, so a slow leak never grows without bound.
        "max_requests": 2_000,
        "max_requests_jitter": 200,
        "proc_name": "sangsaeng",
        "errorlog": "-",
        "loglevel": "info" if access_log else "warning",
        "accesslog": "-" if access_log else None,
        # Gunicorn's control socket lives at one fixed path per user: two servers would clash.
        "control_socket_disable": True,
    }
    return options


class SangsaengServer(BaseApplication):
    """Gunicorn running ``sangsaeng.config.wsgi.application`` with the given settings."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        assert self.cfg is not None
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        from sangsaeng.config.wsgi import application

        return application


def static_root_empty() -> bool:
    root = Path(settings.STATIC_ROOT)
    return not root.is_dir() or not any(root.iterdir())


def collect_static(force: bool = False) -> bool:
    """Copy the static files to STATIC_ROOT, quietly; unless ``force``, only if it is empty."""
    if force or static_root_empty():
        call_command("collectstatic", interactive=False, verbosity=0)
        return True
    return False


def check_port_free(host: str, port: int) -> None:
    """Fail early, with a clear message, if the address is taken."""
    bind_host = host.strip("[]") or "0.0.0.0"  # noqa: S104 - only probes what was asked for
    family = socket.AF_INET6 if ":" in bind_host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((bind_host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"이미 다른 프로그램이 쓰고 있는 포트입니다: {port}. --port 로 다른 포트를 "
                    f"지정하세요. / Port {port} is already in use; choose another with --port."
                ) from exc
            raise CommandError(
                f"{bind_address(host, port)} 에 연결할 수 없습니다 / cannot bind: {exc}"
            ) from exc


def unapplied_migrations() -> int:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def run_server(
    host: str,
    port: int,
    workers: int | None = None,
    threads: int = DEFAULT_THREADS,
    access_log: bool = False,
    stdout: OutputWrapper | None = None,
) -> None:
    """Serve until stopped (Ctrl+C or SIGTERM). Does not return normally: gunicorn exits."""
    options = gunicorn_options(host, port, workers, threads, access_log)
    check_port_free(host, port)
    # Workers are forked from this process: none may inherit its database connection.
    connections.close_all()
    if stdout is not None:
        stdout.write(
            f"상생 Sangsaeng: {display_url(host, port)}  "
            f"(gunicorn, {options['workers']} workers × {threads} threads; "
            "중지 stop: Ctrl+C)"
        )
        stdout.flush()
    SangsaengServer(options).run()


class Command(BaseCommand):
    help = (
        "운영용 웹 서버(gunicorn)로 상생을 실행합니다. "
        "Run Sangsaeng with its production web server (gunicorn)."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})"
        )
        parser.add_argument(
            "--port",
            type=port_number,
            default=DEFAULT_PORT,
            help=f"port to listen on (default {DEFAULT_PORT})",
        )
        parser.add_argument(
            "--workers",
            type=positive_int,
            default=None,
            help="worker processes (default: $WEB_CONCURRENCY or 2 x CPUs + 1, at most 8)",
        )
        parser.add_argument(
            "--threads",
            type=positive_int,
            default=DEFAULT_THREADS,
            help=f"threads per worker (default {DEFAULT_THREADS})",
        )
        parser.add_argument(
            "--access-log", action="store_true", help="log every request to standard error"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        pending = unapplied_migrations()
        if pending:
            self.stderr.write(
                self.style.WARNING(
                    f"적용되지 않은 마이그레이션 {pending}개: 'sangsaeng migrate'를 먼저 "
                    f"실행하세요. / {pending} unapplied migration(s): run 'sangsaeng migrate'."
                )
            )
        if collect_static():
            self.stdout.write(f"정적 파일 준비 / static files collected: {settings.STATIC_ROOT}")
        run_server(
            options["host"],
            options["port"],
            options["workers"],
            options["threads"],
            options["access_log"],
            stdout=self.stdout,
        )
