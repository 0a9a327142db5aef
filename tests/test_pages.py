"""Site-wide pages: the server-error page, and the menu each role sees (every link opens)."""

from __future__ import annotations

import re

import pytest
from django.test import Client, RequestFactory
from django.views import defaults

from sangsaeng.accounts.models import Role
from sangsaeng.testing import factories

pytestmark = pytest.mark.django_db


def test_the_server_error_page_is_korean_first_and_styled():
    response = defaults.server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "일시적인 오류가 발생했습니다" in html and 'lang="ko"' in html
    assert "pico.min.css" in html and "Server Error" not in html


@pytest.mark.parametrize("role", [r for r in Role.values])
def test_every_menu_link_opens_for_every_role(role, operator):
    company = factories.make_company(operator, name="메뉴정밀") if role == Role.PARTNER else None
    user = factories.make_user(role, company=company)
    client = Client()
    client.force_login(user)
    home = client.get("/")
    assert home.status_code == 200
    header = home.content.decode().split('<header class="site-header">', 1)[1].split("</header>")[0]
    links = [href for href in re.findall(r'<a href="([^"]+)"', header) if href.startswith("/")]
    assert len(links) >= 2, links
    for href in links:
        page = client.get(href, follow=True)
        assert page.status_code == 200, (role, href, page.status_code)
