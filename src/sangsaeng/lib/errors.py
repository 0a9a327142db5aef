"""Domain errors. Every refusal carries a stable machine ``code`` and a human message; the API
turns them into JSON with a 4xx status, the web into a message next to the field."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain rules refuse. ``field`` names the input at fault, if one is."""

    status = 400

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class NotFound(DomainError):
    status = 404


class PermissionDenied(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409
