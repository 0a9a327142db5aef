"""Request guards that apply to every page and endpoint."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse


class RejectNulBytesMiddleware:
    """Refuse NUL characters in the URL or form fields with a 400.

    PostgreSQL cannot store or compare text containing NUL, so such a value would otherwise
    surface as a 500 deep inside a query. No legitimate input contains one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or _has_nul(request):
            return JsonResponse(
                {"code": "invalid_characters", "message": "요청에 허용되지 않는 문자가 있습니다."},
                status=400,
            )
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    if any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.GET.lists()):
        return True
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        return any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.POST.lists())
    return False


class KoreanFirstMiddleware:
    """Korean unless the person chose otherwise with the language switch.

    Django would otherwise follow the browser's Accept-Language, so an office PC set to English
    would open in English. The switch stores the choice in a cookie, which still wins.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
