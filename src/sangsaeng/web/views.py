"""The home page and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from sangsaeng.accounts import permissions
from sangsaeng.web.dashboard import registry_counts
from sangsaeng.web.http import current_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Staff see how the registry breaks down; a partner user sees its own company."""
    user = current_user(request)
    if permissions.role_of(user) == "partner":
        return render(request, "web/home.html", {"own_company": user.company})
    return render(request, "web/home.html", {"counts": registry_counts()})


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})
