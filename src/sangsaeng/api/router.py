"""The API at ``/api/v1/``: django-ninja, token auth, and one JSON error shape.

Every error body is ``{"code": <stable string>, "message": <Korean text>, "errors": [...]}``.
Handlers below turn every kind of bad request into a 4xx; no request shape reaches a 500, and
no path under the API answers with the site's HTML pages (unknown path, wrong method)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from sangsaeng.api.auth import TokenAuth
from sangsaeng.api.validation import korean_detail
from sangsaeng.lib.errors import DomainError
from sangsaeng.partners.validation import FieldErrors

NOT_FOUND_MESSAGE = "찾을 수 없습니다."


class JsonErrorsAPI(NinjaAPI):
    """A NinjaAPI whose URL patterns answer JSON where django-ninja itself does not.

    django-ninja answers a known path with an unsupported method with a plain-text
    ``HttpResponseNotAllowed`` (no hook: ``PathView._not_allowed``), and a path it does not know
    falls through to Django's HTML 404 page. Each view is wrapped to turn the first into the JSON
    405, and a catch-all pattern after the API's own turns the second into the JSON 404."""

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        wrapped: list[URLResolver | URLPattern] = [
            URLPattern(p.pattern, _json_errors(p.callback), p.default_args, p.name)
            if isinstance(p, URLPattern)
            else p
            for p in patterns
        ]
        wrapped.append(re_path(r"^", api_not_found, name="not-found"))
        return wrapped, app_name, namespace


api = JsonErrorsAPI(
    title="Sangsaeng API",
    version="1",
    description="상생 동반성장 운영 시스템 API. Authorization: Bearer <token>.",
    auth=TokenAuth(),
    urls_namespace="api",
)


def error(
    request: HttpRequest, status: int, code: str, message: str, errors: list | None = None
) -> HttpResponse:
    body: dict = {"code": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


@api.exception_handler(FieldErrors)
def _field_errors(request: HttpRequest, exc: FieldErrors) -> HttpResponse:
    items = [{"field": e.field, "code": e.code, "message": e.message} for e in exc.errors]
    return error(request, exc.status, exc.code, exc.message, items)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    errors = [{"field": exc.field, "code": exc.code, "message": exc.message}] if exc.field else None
    return error(request, exc.status, exc.code, exc.message, errors)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """pydantic's English messages replaced by Korean ones; its ``type`` and ``loc`` kept."""
    items = [korean_detail(dict(e)) for e in exc.errors]
    return error(request, 422, "validation_error", "입력값을 확인하세요.", items)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(request, 401, "unauthorized", "유효한 API 토큰이 필요합니다.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "not_found", NOT_FOUND_MESSAGE)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and "parse request body" in str(exc):
        return error(request, 400, "invalid_json", "요청 본문이 올바른 JSON이 아닙니다.")
    return error(request, exc.status_code, f"http_{exc.status_code}", str(exc))


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    return error(request, 400, "invalid_value", "값이 허용 범위를 벗어났습니다.")


@api.exception_handler(OverflowError)
def _overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    return error(request, 400, "invalid_value", "값이 허용 범위를 벗어났습니다.")


@api.exception_handler(DjangoValidationError)
def _django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return error(request, 400, "invalid_value", "; ".join(exc.messages))


@csrf_exempt  # a 404 for every method: a POST without a CSRF token must not get the 403 page
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The JSON 404 for a path no API operation matches. Also usable from the project's urls,
    for paths under ``/api/`` outside this API's prefix."""
    return error(request, 404, "not_found", NOT_FOUND_MESSAGE)


def _method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    methods = ", ".join(sorted(m.strip() for m in allowed.split(",") if m.strip()))
    message = f"이 주소에서는 {request.method} 요청을 처리하지 않습니다. 허용되는 메서드: {methods}"
    response = error(request, 405, "method_not_allowed", message)
    response["Allow"] = methods
    return response


def _json_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """``view`` with its plain-text 405 and any Http404 it lets out answered as JSON.

    ninja's own root view raises Http404 outside any operation, so no exception handler sees it.
    The operations here are synchronous; an async one is left as it is rather than broken."""
    if iscoroutinefunction(view):
        return view

    @functools.wraps(view)  # keeps csrf_exempt, which ninja sets on its views
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return api_not_found(request)
        if isinstance(response, HttpResponseNotAllowed):
            return _method_not_allowed(request, response["Allow"])
        return response

    return wrapper


from sangsaeng.funds.api import router as funds_router  # noqa: E402
from sangsaeng.partners.api import router as partners_router  # noqa: E402
from sangsaeng.payments.api import router as payments_router  # noqa: E402

api.add_router("/", partners_router)
api.add_router("/funds", funds_router)
api.add_router("/payments", payments_router)
