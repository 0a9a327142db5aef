"""Import and export pages: upload a file of companies or supply links, download the
registry (or the list page's current selection) as xlsx or CSV, and the blank import
templates. The work is done by ``partners.io``, which the CLI commands also call.

Only registry editors may import. Everyone signed in may export, but only what they may see:
the export functions apply ``visible_companies``, so a partner gets its own company and its
own links.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO, Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from sangsaeng.accounts import permissions
from sangsaeng.accounts.models import User
from sangsaeng.lib import dates, errors
from sangsaeng.partners import queries
from sangsaeng.partners.forms import CompanyFilterForm
from sangsaeng.partners.forms_io import COLUMNS, COMPANIES, LINKS, ImportForm
from sangsaeng.partners.io import ImportErrors, export_companies, export_links
from sangsaeng.partners.models import Company, SupplyLink
from sangsaeng.web.http import current_user

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# (Korean name, ASCII fallback) of the downloaded files.
EXPORT_NAMES = {COMPANIES: ("기업목록", "companies"), LINKS: ("공급망", "supply-links")}
TEMPLATE_NAMES = {
    COMPANIES: ("기업_가져오기_양식", "companies-import-template"),
    LINKS: ("공급망_가져오기_양식", "supply-links-import-template"),
}


def _require_registry_editor(user: User) -> None:
    if not permissions.can_edit_registry(user):
        raise PermissionDenied


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    _require_registry_editor(user)
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "columns": COLUMNS}
    if request.method == "POST" and form.is_valid():
        try:
            context["result"] = form.run(actor=user)
        except ImportErrors as exc:
            context["failure"] = exc
        except errors.PermissionDenied as exc:
            raise PermissionDenied(exc.message) from exc
    return render(request, "partners/import.html", context)


@login_required
def import_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """A file with just the header row, as the export writes it."""
    user = current_user(request)
    _require_registry_editor(user)
    if kind == COMPANIES:
        write = _writer(export_companies, user, fmt, companies=Company.objects.none())
    else:
        write = _writer(export_links, user, fmt, links=SupplyLink.objects.none())
    korean, ascii_name = TEMPLATE_NAMES[kind]
    return _attachment(write, fmt, korean, ascii_name)


@login_required
def export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """Companies: what the list page's filters (same query string) select. Links: every link
    the user may see."""
    user = current_user(request)
    if kind == COMPANIES:
        filters = CompanyFilterForm(request.GET, user=user).filters()
        selected = queries.company_search(user, filters)
        write = _writer(export_companies, user, fmt, companies=selected)
    else:
        write = _writer(export_links, user, fmt)
    korean, ascii_name = EXPORT_NAMES[kind]
    stamp = dates.today_kst().strftime("%Y%m%d")
    return _attachment(write, fmt, f"{korean}_{stamp}", f"{ascii_name}_{stamp}")


def _writer(
    function: Callable[..., int], user: User, fmt: str, **selection: Any
) -> Callable[[IO[bytes]], int]:
    def write(target: IO[bytes]) -> int:
        try:
            return function(target, user=user, fmt=fmt, **selection)
        except errors.PermissionDenied as exc:
            raise PermissionDenied(exc.message) from exc

    return write


def _attachment(
    write: Callable[[IO[bytes]], int], fmt: str, name: str, ascii_name: str
) -> HttpResponse:
    buffer = io.BytesIO()
    write(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(f"{name}.{fmt}", f"{ascii_name}.{fmt}")
    # Registry data: never kept by a shared proxy or the browser's disk cache.
    patch_cache_control(response, private=True, no_store=True)
    return response


def content_disposition(filename: str, fallback: str) -> str:
    """``attachment`` with an ASCII ``filename`` for old clients and the real (Korean) name as
    RFC 5987 ``filename*``, which every current browser prefers."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
