"""``sangsaeng user`` and ``sangsaeng token``."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.contrib.auth.hashers import get_hasher
from django.core.management import CommandError, call_command
from django.test import Client

from sangsaeng.accounts.models import ApiToken, AuditEntry, Role, User
from sangsaeng.partners.models import Company
from sangsaeng.testing import factories

STRONG = "kettle-orbit-Meadow-17"


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def api_get(token: str, path: str = "/api/v1/companies") -> Any:
    return Client().get(path, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.django_db
class TestUserCreate:
    def test_operator_with_password_is_hashed_with_configured_hasher(self) -> None:
        out, _ = run("user", "create", "kim", "--role", "operator", "--password", STRONG)
        user = User.objects.get(username="kim")
        assert user.role == Role.OPERATOR and user.company is None
        assert user.check_password(STRONG)
        assert user.password.split("$")[0] == get_hasher().algorithm
        assert STRONG not in out
        assert "kim" in out

    def test_generated_password_is_printed_and_works(self) -> None:
        out, err = run("user", "create", "lee", "--role", "auditor", "--no-input")
        password = re.search(r"password: (\S+)", out).group(1)  # type: ignore[union-attr]
        assert len(password) >= 16
        assert User.objects.get(username="lee").check_password(password)
        assert "not be shown again" in err

    def test_prompts_on_a_terminal(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("sys.stdin.isatty", lambda: True)
        answers = iter([STRONG, STRONG])
        monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
        out, _ = run("user", "create", "park", "--role", "consultant")
        assert User.objects.get(username="park").check_password(STRONG)
        assert "password:" not in out

    def test_prompt_mismatch_is_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("sys.stdin.isatty", lambda: True)
        answers = iter([STRONG, STRONG + "x"])
        monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
        with pytest.raises(CommandError, match="do not match"):
            run("user", "create", "park", "--role", "consultant")
        assert not User.objects.filter(username="park").exists()

    def test_partner_bound_to_company_by_brn_with_dashes(self, company_a: Company) -> None:
        brn = company_a.brn_display
        run("user", "create", "ptn", "--role", "partner", "--company", brn, "--password", STRONG)
        user = User.objects.get(username="ptn")
        assert user.role == Role.PARTNER and user.company == company_a

    def test_partner_without_company_is_refused(self) -> None:
        with pytest.raises(CommandError, match="needs --company"):
            run("user", "create", "ptn", "--role", "partner", "--password", STRONG)
        assert not User.objects.filter(username="ptn").exists()

    def test_unknown_company_is_refused(self) -> None:
        brn = factories.next_brn()
        with pytest.raises(CommandError, match="No company with BRN"):
            run("user", "create", "ptn", "--role", "partner", "--company", brn)

    def test_invalid_brn_is_refused(self) -> None:
        valid = factories.next_brn()
        wrong = valid[:9] + str((int(valid[9]) + 1) % 10)
        with pytest.raises(CommandError, match="invalid business registration number"):
            run("user", "create", "ptn", "--role", "partner", "--company", wrong)

    @pytest.mark.parametrize("role", ["admin", "", "partners", "운영자"])
    def test_bad_role_is_refused(self, role: str) -> None:
        with pytest.raises(CommandError, match="Unknown role"):
            run("user", "create", "x", "--role", role, "--password", STRONG)

    def test_role_is_case_insensitive(self) -> None:
        run("user", "create", "big", "--role", "OPERATOR", "--password", STRONG)
        assert User.objects.get(username="big").role == Role.OPERATOR

    def test_duplicate_username_is_refused(self, operator: User) -> None:
        with pytest.raises(CommandError, match="already exists"):
            run("user", "create", operator.username, "--role", "auditor", "--password", STRONG)

    def test_weak_password_is_refused(self) -> None:
        with pytest.raises(CommandError, match="password refused"):
            run("user", "create", "weak", "--role", "auditor", "--password", "12345678")

    def test_invalid_username_is_refused(self) -> None:
        with pytest.raises(CommandError, match="invalid username"):
            run("user", "create", "bad name!", "--role", "auditor", "--password", STRONG)

    def test_creation_is_audited(self, company_a: Company) -> None:
        run("user", "create", "ptn", "--role", "partner", "--company", company_a.brn, "--no-input")
        entry = AuditEntry.objects.get(model="accounts.user", action="create")
        assert entry.source == "cli"
        assert entry.changes["role"] == [None, "partner"]
        assert entry.changes["company"] == [None, company_a.pk]

    def test_missing_action(self) -> None:
        with pytest.raises(CommandError):
            run("user")

    def test_list(self, partner_a: User) -> None:
        out, _ = run("user", "list")
        assert partner_a.username in out and "partner" in out


@pytest.mark.django_db
class TestToken:
    def test_created_token_authenticates_against_the_api(
        self, operator: User, company_a: Company
    ) -> None:
        out, err = run("token", "create", operator.username, "--name", "ci")
        token = out.strip()
        assert token.startswith("ss_") and "\n" not in token
        assert "Bearer" in err
        response = api_get(token)
        assert response.status_code == 200
        assert company_a.name in [item["name"] for item in response.json()["items"]]
        stored = ApiToken.objects.get(user=operator)
        assert stored.name == "ci" and token not in stored.key_hash

    def test_partner_token_sees_only_its_company(
        self, partner_a: User, company_a: Company, company_b: Company
    ) -> None:
        token = run("token", "create", partner_a.username)[0].strip()
        names = [item["name"] for item in api_get(token).json()["items"]]
        assert names == [company_a.name]

    def test_unknown_user(self) -> None:
        with pytest.raises(CommandError, match="No such user"):
            run("token", "create", "nobody")

    def test_inactive_user(self, operator: User) -> None:
        operator.is_active = False
        operator.save()
        with pytest.raises(CommandError, match="inactive"):
            run("token", "create", operator.username)

    def test_without_a_token_the_api_refuses(self) -> None:
        assert Client().get("/api/v1/companies").status_code == 401

    def test_list_and_revoke(self, operator: User) -> None:
        token = run("token", "create", operator.username, "--name", "old")[0].strip()
        listing, _ = run("token", "list", operator.username)
        assert token[:8] in listing and "active" in listing
        run("token", "revoke", token[:8])
        assert api_get(token).status_code == 401
        assert "revoked" in run("token", "list", operator.username)[0]
        with pytest.raises(CommandError, match="No active token"):
            run("token", "revoke", token[:8])

    def test_creation_is_audited(self, operator: User) -> None:
        run("token", "create", operator.username)
        assert AuditEntry.objects.filter(model="accounts.apitoken", action="create").count() == 1
