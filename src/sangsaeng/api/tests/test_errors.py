"""Every answer under the API is JSON with a stable code and a Korean message: unknown paths,
wrong methods and pydantic's validation errors included."""

import re

import pytest
from django.test import Client

from sangsaeng.api.validation import field_name, korean_detail, korean_message

pytestmark = pytest.mark.django_db

HANGUL = re.compile(r"[가-힣]")


def _is_korean_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    data = response.json()
    assert data["code"] == code
    assert HANGUL.search(data["message"]), data["message"]
    return data


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/payments/nonexistent",
        "/api/v1/nonexistent",
        "/api/v1/companies/",  # the trailing slash no operation has
        "/api/v1/companies/1/nonexistent/deeper",
        "/api/v1/",
        "/api/v2/companies",  # outside this API's prefix, still the API's
        "/api/",
    ],
)
def test_unknown_path_is_a_json_404(api_as, operator, path):
    _is_korean_json_error(api_as(operator).get(path), 404, "not_found")


def test_unknown_path_is_a_json_404_without_a_token_or_csrf_token():
    client = Client(enforce_csrf_checks=True)
    _is_korean_json_error(client.get("/api/v1/nonexistent"), 404, "not_found")
    response = client.post("/api/v1/nonexistent", data="{}", content_type="application/json")
    _is_korean_json_error(response, 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "/api/v1/payments/claims/10"),
        ("put", "/api/v1/companies"),
        ("post", "/api/v1/companies/1/chain"),
    ],
)
def test_wrong_method_is_a_json_405(api_as, operator, method, path):
    api = api_as(operator)
    response = getattr(api.client, method)(path, headers=api.headers)
    data = _is_korean_json_error(response, 405, "method_not_allowed")
    assert method.upper() in data["message"]
    assert response["Allow"]
    assert all(m.strip() in data["message"] for m in response["Allow"].split(","))


def test_known_routes_still_work(api_as, operator):
    api = api_as(operator)
    assert api.get("/api/v1/companies").status_code == 200
    assert api.get("/api/v1/openapi.json").status_code == 200


def test_validation_details_are_korean_and_keep_pydantic_type_and_loc(api_as, operator):
    response = api_as(operator).post("/api/v1/companies", {"name": "x", "employees": "many"})
    data = _is_korean_json_error(response, 422, "validation_error")
    by_field = {e["field"]: e for e in data["errors"]}
    employees = by_field["employees"]
    assert employees["type"] == employees["code"] == "int_parsing"
    assert employees["loc"][-1] == "employees"
    assert employees["message"] == "'employees' 항목은 정수여야 합니다."
    brn = by_field["brn"]
    assert brn["type"] == "missing"
    assert brn["message"] == "'brn' 항목은 반드시 입력해야 합니다."
    for item in data["errors"]:
        assert HANGUL.search(item["message"]), item
        assert "Input should" not in item["message"] and "Field required" not in item["message"]


def test_query_validation_is_korean(api_as, operator):
    response = api_as(operator).get("/api/v1/companies", {"limit": 0})
    data = _is_korean_json_error(response, 422, "validation_error")
    (item,) = data["errors"]
    assert item["field"] == "limit"
    assert item["loc"] == ["query", "limit"]
    assert item["message"] == "'limit' 항목은 1 이상이어야 합니다."


@pytest.mark.parametrize(
    ("error_type", "ctx", "predicate"),
    [
        ("missing", None, "반드시 입력해야 합니다"),
        ("int_parsing", None, "정수여야 합니다"),
        ("int_type", None, "정수여야 합니다"),
        ("string_type", None, "문자열이어야 합니다"),
        ("date_parsing", {"error": "x"}, "YYYY-MM-DD 형식의 올바른 날짜여야 합니다"),
        ("date_from_datetime_parsing", {"error": "x"}, "YYYY-MM-DD 형식의 올바른 날짜여야 합니다"),
        ("bool_parsing", None, "true 또는 false여야 합니다"),
        ("string_too_long", {"max_length": 200}, "200자 이하여야 합니다"),
        ("too_long", {"max_length": 3, "field_type": "List"}, "3개 이하여야 합니다"),
        ("string_too_short", {"min_length": 1}, "비워 둘 수 없습니다"),
        ("greater_than", {"gt": 0}, "0보다 커야 합니다"),
        ("greater_than_equal", {"ge": 1}, "1 이상이어야 합니다"),
        ("less_than", {"lt": 10}, "10보다 작아야 합니다"),
        ("less_than_equal", {"le": 100}, "100 이하여야 합니다"),
        ("enum", {"expected": "'a', 'b' or 'c'"}, "다음 중 하나여야 합니다: 'a', 'b', 'c'"),
        ("literal_error", {"expected": "'up' or 'down'"}, "다음 중 하나여야 합니다: 'up', 'down'"),
        ("extra_forbidden", None, "받을 수 없는 항목입니다"),
        ("something_new", None, "값이 올바르지 않습니다"),
        ("greater_than", {}, "?보다 커야 합니다"),
    ],
)
def test_korean_message_per_pydantic_type(error_type, ctx, predicate):
    assert korean_message(error_type, "amount", ctx) == f"'amount' 항목은 {predicate}."


def test_invalid_json_message_names_the_body():
    assert (
        korean_message("json_invalid", None, {"error": "EOF"})
        == "요청 본문이 올바른 JSON이 아닙니다."
    )


def test_message_without_a_field_names_the_body():
    assert korean_message("model_type", None) == "요청 본문은 객체여야 합니다."
    assert korean_message("missing", None) == "요청 본문은 반드시 입력해야 합니다."


def test_detail_keeps_type_and_loc():
    detail = korean_detail(
        {"type": "int_parsing", "loc": ("body", "payload", "operations", 0, "amount"), "msg": "x"}
    )
    assert detail == {
        "field": "operations.0.amount",
        "code": "int_parsing",
        "type": "int_parsing",
        "loc": ["body", "payload", "operations", 0, "amount"],
        "message": "'operations.0.amount' 항목은 정수여야 합니다.",
    }


@pytest.mark.parametrize(
    ("loc", "name"),
    [
        (("body", "body", "brn"), "brn"),
        (("query", "limit"), "limit"),
        (("path", "claim_id"), "claim_id"),
        (("body", "body"), "body"),
        ((), None),
    ],
)
def test_field_name(loc, name):
    assert field_name(loc) == name
