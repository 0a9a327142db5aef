"""The API at ``/api/v1/``: django-ninja, token auth, and one JSON error shape.

Every error body is ``{"code": <stable string>, "message": <Korean text>, "errors": [...]}``.
Handlers below turn every kind of bad request into a 4xx; no request shape reaches a 500."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from sangsaeng.api.auth import TokenAuth
from sangsaeng.lib.errors import DomainError
from sangsaeng.partners.validation import FieldErrors

api = NinjaAPI(
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
    items = [
        {
            "field": _field_name(e.get("loc", ())),
            "code": e.get("type", "invalid"),
            "message": e.get("msg", ""),
        }
        for e in exc.errors
    ]
    return error(request, 422, "validation_error", "입력값을 확인하세요.", items)


def _field_name(loc: tuple | list) -> str | None:
    """``("body", "body", "brn")`` → ``"brn"``: drop the source and the parameter's own name."""
    parts = [str(p) for p in loc]
    if len(parts) > 2 and parts[0] in {"body", "query", "form"}:
        parts = parts[2:]
    elif parts:
        parts = parts[1:]
    return ".".join(parts) or None


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(request, 401, "unauthorized", "유효한 API 토큰이 필요합니다.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "not_found", "찾을 수 없습니다.")


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


from sangsaeng.funds.api import router as funds_router  # noqa: E402
from sangsaeng.partners.api import router as partners_router  # noqa: E402
from sangsaeng.payments.api import router as payments_router  # noqa: E402

api.add_router("/", partners_router)
api.add_router("/funds", funds_router)
api.add_router("/payments", payments_router)
