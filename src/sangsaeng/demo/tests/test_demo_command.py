"""``sangsaeng demo --no-serve``: data, logins and the printed banner, run in-process."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from sangsaeng.accounts.models import User
from sangsaeng.demo import seeds
from sangsaeng.partners import queries
from sangsaeng.partners.models import Company, SupplyLink
from sangsaeng.web.management.commands import demo, serve


@pytest.fixture(autouse=True)
def _static_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.STATIC_ROOT = tmp_path / "static"


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--no-serve", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
class TestDemoCommand:
    def test_prepares_data_logins_and_static(self, settings: Any) -> None:
        out = run_demo()
        assert Company.objects.count() == len(seeds.ORGS)
        assert SupplyLink.objects.count() == len(seeds.LINKS)
        assert "http://127.0.0.1:8000/" in out
        for login in seeds.LOGINS:
            assert login.username in out and login.password in out
        assert "비밀번호 Password" in out and "Ctrl+C" not in out
        assert any(Path(settings.STATIC_ROOT).rglob("htmx.min.js"))

    def test_printed_logins_work(self) -> None:
        run_demo()
        for login in seeds.LOGINS:
            client = Client()
            form = {"username": login.username, "password": login.password}
            assert client.post("/accounts/login/", form).status_code == 302, login.username
            assert client.get("/").status_code == 200

    def test_running_twice_does_not_duplicate(self) -> None:
        run_demo()
        counts = (Company.objects.count(), SupplyLink.objects.count(), User.objects.count())
        out = run_demo()
        assert (Company.objects.count(), SupplyLink.objects.count(), User.objects.count()) == counts
        assert f"already there: {len(seeds.ORGS)}" in out

    def test_synthetic_companies_hang_under_the_seed_anchors(self) -> None:
        run_demo("--companies", "1500", "--seed", "9")
        assert Company.objects.count() == len(seeds.ORGS) + 1500
        ls = Company.objects.get(brn=seeds.brn_of("ls-electric"))
        hangil = Company.objects.get(brn=seeds.brn_of("hangil-est"))
        tiers = queries.tiers_from(ls.pk)
        assert tiers[hangil.pk] == 1
        assert len(tiers) > len(seeds.expected_tiers("ls-electric"))
        run_demo("--companies", "1500", "--seed", "9")
        assert Company.objects.count() == len(seeds.ORGS) + 1500

    # Not inside a test transaction: PostgreSQL cannot TRUNCATE (flush) tables that the same
    # transaction wrote to while their deferred foreign-key checks are still pending.
    @pytest.mark.django_db(transaction=True)
    def test_reset_starts_afresh(self, operator: User) -> None:
        run_demo("--companies", "200")
        run_demo("--reset")
        assert Company.objects.count() == len(seeds.ORGS)
        assert not User.objects.filter(username=operator.username).exists()
        assert User.objects.filter(username="operator").exists()

    def test_host_and_port_in_the_url(self) -> None:
        out = run_demo("--host", "0.0.0.0", "--port", "8123")  # noqa: S104
        assert "http://127.0.0.1:8123/" in out
        assert "ALLOWED_HOSTS" in out

    @pytest.mark.parametrize(
        "args", [("--port", "0"), ("--port", "70000"), ("--companies", "-5"), ("--workers", "0")]
    )
    def test_bad_options(self, args: tuple[str, str]) -> None:
        with pytest.raises(CommandError):
            run_demo(*args)


class TestBanner:
    def test_columns_line_up_with_hangul(self) -> None:
        assert demo.text_width("한길") == 4 and demo.text_width("ab") == 2
        assert demo.text_width(demo.pad("협력사", 10)) == 10

    def test_company_count_accepts_separators(self) -> None:
        assert demo.company_count("100,000") == demo.company_count("100_000") == 100_000


class TestServeOptions:
    def test_defaults(self) -> None:
        options = serve.gunicorn_options()
        assert options["bind"] == ["127.0.0.1:8000"]
        assert options["workers"] >= 1 and options["worker_class"] == "gthread"
        assert options["control_socket_disable"] is True
        assert options["accesslog"] is None

    def test_ipv6_and_wildcards(self) -> None:
        assert serve.bind_address("::1", 8000) == "[::1]:8000"
        assert serve.bind_address("[::1]", 8000) == "[::1]:8000"
        assert serve.display_url("0.0.0.0", 9000) == "http://127.0.0.1:9000/"  # noqa: S104
        assert serve.display_url("::", 9000) == "http://[::1]:9000/"
        assert serve.display_url("example.org", 80) == "http://example.org:80/"

    def test_workers(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("WEB_CONCURRENCY", "3")
        assert serve.gunicorn_options(workers=None)["workers"] == 3
        assert serve.gunicorn_options(workers=5, access_log=True)["accesslog"] == "-"
        monkeypatch.delenv("WEB_CONCURRENCY")
        assert 1 <= serve.default_workers() <= serve.MAX_DEFAULT_WORKERS

    def test_gunicorn_accepts_the_settings(self) -> None:
        app = serve.SangsaengServer(serve.gunicorn_options("127.0.0.1", 8999, 2, 3))
        assert app.cfg is not None
        assert app.cfg.bind == ["127.0.0.1:8999"]
        assert app.cfg.workers == 2 and app.cfg.threads == 3
        assert callable(app.load())

    def test_port_in_use_is_a_clear_error(self) -> None:
        import socket

        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            with pytest.raises(CommandError, match="already in use"):
                serve.check_port_free("127.0.0.1", port)
