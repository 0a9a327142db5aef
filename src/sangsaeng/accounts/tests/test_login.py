"""Sign-in: rate-limited failures, a modern hasher, CSRF on the form."""

import pytest
from django.test import Client

from sangsaeng.accounts.models import Role, User
from sangsaeng.testing.factories import make_user

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_good_login_lands_on_home(operator):
    client = Client()
    response = login(client, operator.username, "correct-horse-battery")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_repeated_failures_lock_the_account(operator, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(2):
        assert login(client, operator.username, "wrong").status_code == 200
    locked = login(client, operator.username, "wrong")
    assert locked.status_code == 429
    # Even the right password is refused while the lock holds.
    assert login(client, operator.username, "correct-horse-battery").status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_for_one_user_do_not_lock_another(operator, auditor, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    for _ in range(2):
        login(client, operator.username, "wrong")
    assert login(client, auditor.username, "correct-horse-battery").status_code == 302


def test_passwords_are_hashed_with_argon2(db, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = make_user(Role.AUDITOR, password="a-long-enough-password")
    assert User.objects.get(pk=user.pk).password.startswith("argon2$")


def test_login_form_requires_csrf(operator):
    client = Client(enforce_csrf_checks=True)
    response = login(client, operator.username, "correct-horse-battery")
    assert response.status_code == 403


def test_pages_require_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_korean_first_even_for_an_english_browser(operator):
    client = Client()
    client.force_login(operator)
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert page.headers["Content-Language"] == "ko"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert client.get("/").headers["Content-Language"] == "en"
