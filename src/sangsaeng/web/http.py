"""Request and response helpers shared by every app's views."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from sangsaeng.accounts.models import User


def current_user(request: HttpRequest) -> User:
    """The signed-in user of a ``login_required`` view."""
    return cast(User, request.user)


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx asked for a fragment.

    A history-restore request (the user pressed Back and htmx's cache missed) also carries
    ``HX-Request``, but htmx swaps its answer in as the whole page, so it must get one.
    """
    headers = request.headers
    return (
        headers.get("HX-Request") == "true" and headers.get("HX-History-Restore-Request") != "true"
    )


def render_partial(
    request: HttpRequest, template: str, partial: str, context: dict[str, Any]
) -> HttpResponse:
    """Render just ``partial`` for htmx, else the full ``template`` (which includes it)."""
    response = render(request, partial if is_htmx(request) else template, context)
    # Browsers and proxies must not hand a cached fragment to a full page load or back.
    patch_vary_headers(response, ["HX-Request"])
    return response
