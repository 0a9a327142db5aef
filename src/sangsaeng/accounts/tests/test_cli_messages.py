"""Command-line refusals that name a user or a port read as Korean: no "이(가)" / "을(를)"
after a word whose reading decides the particle (a Latin username, a number)."""

from __future__ import annotations

import re
import socket

import pytest
from django.core.management.base import CommandError

from sangsaeng.partners.io.cli import resolve_user
from sangsaeng.web.management.commands import serve

BOTH_FORMS = re.compile(r"이\(가\)|을\(를\)|은\(는\)|와\(과\)|과\(와\)")


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["sangsaeng-operator", "김철수", "이영희"])
def test_unknown_user_message_has_no_double_particle(username):
    with pytest.raises(CommandError) as caught:
        resolve_user(username)
    message = str(caught.value)
    assert username in message
    assert "사용자" in message
    assert not BOTH_FORMS.search(message), message


def test_port_in_use_message_has_no_double_particle():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CommandError) as caught:
            serve.check_port_free("127.0.0.1", port)
    message = str(caught.value)
    assert str(port) in message
    assert "already in use" in message
    assert not BOTH_FORMS.search(message), message
