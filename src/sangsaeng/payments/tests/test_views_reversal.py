"""Reversal on the claim page: the form is offered to the buyer's operators on an untouched issue
or pass-on only, posts once, shows the service's refusals next to its fields, and a reversed
claim is marked on the claim page, in the programme's tree and on the holdings page (where it
counts in no total)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sangsaeng.accounts.models import Role
from sangsaeng.ledger.models import Account, Transaction
from sangsaeng.lib.dates import today_kst
from sangsaeng.partners.models import Company
from sangsaeng.payments import book, services
from sangsaeng.payments.models import Claim, Operation, OperationKind
from sangsaeng.payments.tests.conftest import D, World, assert_invariants, key, login, made
from sangsaeng.testing import factories

pytestmark = pytest.mark.django_db
MATURITY = D(2024, 4, 30)


def owed(world: World, company: Company) -> int:
    found = Account.objects.filter(code=book.owed_code(world.programme.pk, company.pk)).first()
    return found.normal_balance if found else 0


def free_deposit(world: World) -> int:
    account = world.programme.deposit_account
    assert account is not None
    account.refresh_from_db()
    return account.normal_balance


def page_of(client: Client, claim: Claim) -> str:
    page = client.get(reverse("payments:claim", args=[claim.pk]))
    assert page.status_code == 200
    return page.content.decode()


def shown_key(html: str) -> str:
    """The hidden idempotency key the page made for the reverse form."""
    found = re.search(r'name="reverse-idempotency_key" value="([0-9a-f]{32})"', html)
    assert found, "no reverse form on the page"
    return found.group(1)


def body(k: str, day: str = "2024-03-06", reason: str = "금액 오기") -> dict[str, str]:
    return {"reverse-idempotency_key": k, "reverse-value_date": day, "reverse-reason": reason}


def written() -> tuple[int, int, list[tuple[int, int, dt.date | None]]]:
    claims = Claim.objects.values_list("pk", "remaining", "reversed_on").order_by("pk")
    return Transaction.objects.count(), Operation.objects.count(), list(claims)


def messages_of(page: Any) -> list[str]:
    return [str(m) for m in page.context["messages"]]


# -- the form is offered ----------------------------------------------------------------------


def test_the_form_is_offered_on_an_untouched_pass_on_and_issue(tree, world):
    _world, root, child = tree
    client = login(world.operator)
    html = page_of(client, child)
    assert 'id="reverse"' in html and "넘김 취소" in html and "발행 취소" not in html
    assert "4,000,000원이 한길이에스티에 돌아갑니다" in html
    assert 'name="reverse-value_date"' in html and 'name="reverse-reason"' in html
    # The key is made when the page is shown, like the other forms': a new one each time.
    assert shown_key(html) != shown_key(page_of(client, child))
    # The root has a live child: touched, so not offered.
    assert 'id="reverse"' not in page_of(client, root)
    other = made(
        services.claim_issue(
            actor=world.operator, programme=world.programme, holder=world.t1b, amount=1_000_000,
            maturity=MATURITY, value_date=D(2024, 3, 2), idempotency_key=key(),
        ).result_claim
    )  # fmt: skip
    html = page_of(client, other)
    assert "발행 취소" in html and "넘김 취소" not in html
    assert "1,000,000원이 구매기업의 미배정 예치금으로 돌아갑니다" in html
    # A manager may reverse too (the same permission the service checks).
    assert 'id="reverse"' in page_of(login(factories.make_user(Role.MANAGER)), other)


def test_the_form_is_not_offered_to_readers_or_partners(tree, world, auditor):
    _world, _root, child = tree
    for user in (auditor, world.partner_t2):
        html = page_of(login(user), child)
        assert 'id="reverse"' not in html and "넘김 취소" not in html
    before = written()
    k = key()
    url = reverse("payments:reverse", args=[child.pk])
    assert login(auditor).post(url, body(k)).status_code == 403
    assert login(world.partner_t2).post(url, body(k)).status_code == 403  # its own claim
    assert login(world.partner_t1).post(url, body(k)).status_code == 404  # not its claim
    assert login(world.operator).get(url).status_code == 405
    assert written() == before


def test_the_form_is_not_offered_on_cash_outs_settled_or_passed_on_claims(tree, world):
    _world, root, child = tree
    client = login(world.operator)
    bank_claim = made(
        services.claim_cash_out(
            actor=world.operator, claim=child, amount=1_000_000, value_date=D(2024, 3, 6),
            idempotency_key=key(),
        ).result_claim
    )  # fmt: skip
    for claim in (bank_claim, child, root):  # a cash-out; cashed out from; passed on from
        assert 'id="reverse"' not in page_of(client, claim)
    services.claim_settle(
        actor=world.operator, claim=root, value_date=MATURITY, idempotency_key=key()
    )
    untouched = made(
        services.claim_issue(
            actor=world.operator, programme=world.programme, holder=world.t1b, amount=1_000_000,
            maturity=MATURITY, value_date=D(2024, 3, 2), idempotency_key=key(),
        ).result_claim
    )  # fmt: skip
    services.claim_settle(
        actor=world.operator, claim=untouched, value_date=MATURITY, idempotency_key=key()
    )
    assert 'id="reverse"' not in page_of(client, untouched)  # settled


# -- reversing through the page ---------------------------------------------------------------


def test_operator_reverses_a_pass_on(tree, world):
    _world, root, child = tree
    client = login(world.operator)
    k = shown_key(page_of(client, child))
    txs = Transaction.objects.count()
    url = reverse("payments:reverse", args=[child.pk])
    page = client.post(url, body(k), follow=True)
    assert page.redirect_chain == [(reverse("payments:claim", args=[child.pk]), 302)]
    assert messages_of(page) == ["넘김을 취소했습니다. 4,000,000원이 한길이에스티에 돌아갔습니다."]
    child.refresh_from_db()
    root.refresh_from_db()
    assert (child.reversed_on, child.remaining, child.amount) == (D(2024, 3, 6), 0, 4_000_000)
    assert (root.remaining, root.last_op_date) == (10_000_000, D(2024, 3, 6))
    op = Operation.objects.get(kind=OperationKind.REVERSE)
    assert (op.claim_id, op.amount, op.details["reason"]) == (child.pk, 4_000_000, "금액 오기")
    assert child.reversal_id == op.pk
    assert (owed(world, world.t1), owed(world, world.t2)) == (10_000_000, 0)
    assert Transaction.objects.count() == txs + 1
    assert_invariants()
    # A double click (the same key) posts nothing more and lands on the same page.
    again = client.post(url, body(k))
    assert again.status_code == 302
    assert Transaction.objects.count() == txs + 1
    assert Operation.objects.filter(kind=OperationKind.REVERSE).count() == 1
    # The claim page marks it, with the reason; no form any more, nothing to act on.
    html = page.content.decode()
    assert 'id="reversed"' in html and "취소됨 (2024-03-06)" in html
    assert "취소일" in html and "(금액 오기)" in html
    assert 'id="reverse"' not in html and 'id="split"' not in html
    # The root's tree shows the reversed node with its badge; the root may be reversed in turn
    # only once it has no live child: now it has none, so it is offered.
    html = page_of(client, root)
    assert html.count("취소됨 (2024-03-06)") == 1 and "발행 취소" in html


def test_operator_reverses_an_issue(tree, world):
    _world, root, child = tree
    client = login(world.operator)
    services.claim_reverse(
        actor=world.operator, claim=child, value_date=D(2024, 3, 6), idempotency_key=key()
    )
    deposit = free_deposit(world)
    url = reverse("payments:reverse", args=[root.pk])
    html = page_of(client, root)
    assert reverse("payments:settle", args=[root.pk]) in html  # due: offered until reversed
    page = client.post(url, body(shown_key(html), day="2024-03-07"), follow=True)
    assert messages_of(page) == [
        "발행을 취소했습니다. 10,000,000원이 구매기업의 미배정 예치금으로 돌아갔습니다."
    ]
    root.refresh_from_db()
    assert (root.reversed_on, root.remaining) == (D(2024, 3, 7), 0)
    assert free_deposit(world) == deposit + 10_000_000 == 100_000_000
    assert owed(world, world.t1) == 0
    assert_invariants()
    html = page.content.decode()
    assert "취소됨 (2024-03-07)" in html and "취소됨 (2024-03-06)" in html  # both nodes
    assert reverse("payments:settle", args=[root.pk]) not in html  # nothing to settle
    # A reversed issue is no tree: the programme page no longer lists it.
    programme = login(world.operator).get(reverse("payments:programme", args=[world.programme.pk]))
    assert reverse("payments:claim", args=[root.pk]) not in programme.content.decode()


def test_refusals_are_shown_next_to_the_field(tree, world):
    _world, _root, child = tree
    client = login(world.operator)
    k = shown_key(page_of(client, child))
    url = reverse("payments:reverse", args=[child.pk])
    before = written()
    # Before the pass-on itself: the service's message under the value date.
    page = client.post(url, body(k, day="2024-03-04"))
    assert page.status_code == 200
    form = page.context["reverse_form"]
    message = "기준일이 이 채권의 이전 거래일보다 빠릅니다. (2024-03-05 이후여야 합니다.)"
    assert form.errors == {"value_date": [message]}
    html = page.content.decode()
    assert f'id="id_reverse-value_date_error" class="field-error">{message}</small>' in html
    assert '<details id="reverse" open>' in html
    assert f'value="{k}"' in html  # the same key: corrected, it still posts once
    # In the future.
    tomorrow = (today_kst() + dt.timedelta(days=1)).isoformat()
    page = client.post(url, body(k, day=tomorrow))
    assert page.context["reverse_form"].errors == {"value_date": ["기준일이 미래일 수 없습니다."]}
    # Not a date, and a reason too long: the form's own errors.
    page = client.post(url, body(k, day="3월 6일", reason="가" * 201))
    assert set(page.context["reverse_form"].errors) == {"value_date", "reason"}
    assert written() == before
    # Corrected, with the same key, it posts.
    assert client.post(url, body(k, day="2024-03-05")).status_code == 302
    child.refresh_from_db()
    assert child.reversed_on == D(2024, 3, 5)
    assert_invariants()


def test_a_claim_touched_after_the_page_was_shown_is_refused_with_a_message(tree, world):
    _world, _root, child = tree
    client = login(world.operator)
    k = shown_key(page_of(client, child))
    services.claim_split(
        actor=world.operator, claim=child, to=world.t3, amount=1_000_000,
        value_date=D(2024, 3, 6), idempotency_key=key(),
    )  # fmt: skip
    before = written()
    page = client.post(reverse("payments:reverse", args=[child.pk]), body(k), follow=True)
    assert page.redirect_chain == [(reverse("payments:claim", args=[child.pk]), 302)]
    assert messages_of(page) == [
        "이미 넘기거나 현금화한 부분이 있는 채권은 취소할 수 없습니다. 넘긴 채권을 먼저 취소하세요."
    ]
    assert written() == before
    child.refresh_from_db()
    assert child.reversed_on is None and child.remaining == 3_000_000
    # Reversed by someone else meanwhile: said too, and nothing is reversed twice.
    grandchild = Claim.objects.get(parent=child)
    k = shown_key(page_of(client, grandchild))
    services.claim_reverse(
        actor=world.operator, claim=grandchild, value_date=D(2024, 3, 7), idempotency_key=key()
    )
    before = written()
    page = client.post(reverse("payments:reverse", args=[grandchild.pk]), body(k), follow=True)
    assert messages_of(page) == ["이미 2024-03-07에 취소된 채권입니다."]
    assert written() == before
    assert_invariants()


# -- where a reversed claim shows -------------------------------------------------------------


def test_reversed_claims_are_marked_in_the_tree_and_holdings_and_hold_nothing(tree, world):
    _world, root, child = tree
    client = login(world.operator)
    kept = made(
        services.claim_split(
            actor=world.operator, claim=root, to=world.t2, amount=1_500_000,
            value_date=D(2024, 3, 5), idempotency_key=key(),
        ).result_claim
    )  # fmt: skip
    holdings = reverse("payments:holdings")
    page = client.get(holdings, {"company": world.t2.pk})
    assert page.context["total"] == 5_500_000
    client.post(
        reverse("payments:reverse", args=[child.pk]), body(shown_key(page_of(client, child)))
    )
    child.refresh_from_db()
    assert child.reversed_on == D(2024, 3, 6)
    assert_invariants()

    # The programme's tree: the reversed node is listed with its badge; the tree's figures
    # count only what is live.
    page = client.get(reverse("payments:programme", args=[world.programme.pk]))
    html = page.content.decode()
    tree_html = html[html.index('id="maturities"') : html.index('id="operations"')]
    assert tree_html.count("취소됨 (2024-03-06)") == 1
    assert reverse("payments:claim", args=[child.pk]) in tree_html
    tiers = {row.tier: row for row in page.context["tier_rows"]}
    assert (tiers[2].nodes, tiers[2].amount, tiers[2].retained) == (1, 1_500_000, 1_500_000)
    assert page.context["figures"].outstanding == 10_000_000

    # Holdings: listed with the badge, counted in no total (staff and the partner alike).
    for user, params in ((world.operator, {"company": world.t2.pk}), (world.partner_t2, {})):
        page = login(user).get(holdings, params)
        assert page.status_code == 200
        assert page.context["total"] == 1_500_000 == owed(world, world.t2)
        html = page.content.decode()
        row = html[html.index(f">{child.pk}</a>") :].split("</tr>")[0]
        assert "취소됨 (2024-03-06)" in row and "4,000,000원" in row
        assert html.count("취소됨 (2024-03-06)") == 1
        assert f">{kept.pk}</a></td>" in html  # the live one, no badge
        assert 'id="total">1,500,000원<' in html
    # The history lists the reversal as its own operation.
    page = login(world.partner_t2).get(holdings)
    assert "취소됨" in page.content.decode().split('id="history"')[1]


def test_english_pages(tree, world):
    """The same page in English: the msgids, the badge with its date."""
    _world, _root, child = tree
    client = login(world.operator)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = page_of(client, child)
    assert '<html lang="en"' in html
    assert "Reverse the pass-on" in html and "4,000,000원 goes back to 한길이에스티" in html
    url = reverse("payments:reverse", args=[child.pk])
    page = client.post(url, body(shown_key(html), reason=""), follow=True)
    assert messages_of(page) == ["Pass-on reversed: 4,000,000 won is back with 한길이에스티."]
    html = page.content.decode()
    assert "Reversed (2024-03-06)" in html and "reversed on" in html
    assert "취소됨" not in html
