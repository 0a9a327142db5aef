"""Every rule and refusal of the payment services, with the ledger checked after each."""

from __future__ import annotations

import datetime as dt

import pytest

from sangsaeng.accounts.models import Role
from sangsaeng.ledger.models import Account
from sangsaeng.lib.errors import Conflict, DomainError, PermissionDenied
from sangsaeng.partners import services as partner_services
from sangsaeng.partners.models import SupplyLink
from sangsaeng.payments import book, services
from sangsaeng.payments.models import Claim, ClaimKind, Operation, Payout
from sangsaeng.payments.tests.conftest import (
    SETTINGS,
    D,
    assert_invariants,
    key,
    made,
    tx_count,
)
from sangsaeng.testing import factories

pytestmark = pytest.mark.django_db


JAN2, MAR1, MAR5, APR30 = D(2024, 1, 2), D(2024, 3, 1), D(2024, 3, 5), D(2024, 4, 30)


def deposit(w, amount=100_000_000, day=JAN2):
    return services.escrow_deposit(
        actor=w.operator,
        programme=w.programme,
        amount=amount,
        value_date=day,
        idempotency_key=key(),
    )


def issue(w, amount=10_000_000, holder=None, day=MAR1, maturity=APR30, **kw):
    op = services.claim_issue(
        actor=w.operator, programme=w.programme, holder=holder or w.t1, amount=amount,
        maturity=maturity, value_date=day, idempotency_key=kw.pop("idempotency_key", key()), **kw,
    )  # fmt: skip
    return made(op.result_claim)


def split(w, claim, to, amount, day=MAR5, actor=None):
    op = services.claim_split(
        actor=actor or w.operator, claim=claim, to=to, amount=amount, value_date=day,
        idempotency_key=key(),
    )  # fmt: skip
    return made(op.result_claim)


def owed(w, company) -> int:
    return -Account.objects.get(code=book.owed_code(w.programme.pk, company.pk)).balance


def refused(code, fn, *args, **kwargs):
    """``fn`` is refused with ``code`` and posts nothing."""
    before = tx_count()
    with pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    assert exc.value.code == code, exc.value.message
    assert tx_count() == before
    return exc.value


# -- programmes and escrow ------------------------------------------------------------------------


def test_open_creates_accounts_and_is_idempotent(world, operator):
    p = world.programme
    assert p.escrow_account.code == f"pay.{p.pk}.escrow"
    assert Account.objects.filter(code__startswith=f"pay.{p.pk}.").count() == 7
    k = key()
    args = dict(
        actor=operator, buyer=world.buyer, bank=world.bank, name="두번째", settings=SETTINGS,
        opened_on=D(2024, 1, 1), idempotency_key=k,
    )  # fmt: skip
    first = services.programme_open(**args)
    assert services.programme_open(**args).pk == first.pk
    with pytest.raises(Conflict) as exc:
        services.programme_open(**{**args, "name": "다른 이름"})
    assert exc.value.code == "idempotency_key_reused"


def test_open_refuses_a_bank_that_is_not_a_bank(world, operator):
    refused(
        "bank_not_a_bank", services.programme_open, actor=operator, buyer=world.buyer,
        bank=world.t1, name="x", settings=SETTINGS, idempotency_key=key(),
    )  # fmt: skip
    refused(
        "rate_invalid", services.programme_open, actor=operator, buyer=world.buyer,
        bank=world.bank, name="x", settings={**SETTINGS, "base_rate": "abc"}, idempotency_key=key(),
    )  # fmt: skip


def test_pricing_is_stored_on_the_programme_and_can_change(world, operator):
    p = services.programme_set_pricing(
        actor=operator, programme=world.programme, settings={**SETTINGS, "base_rate": "2.75"}
    )
    assert str(p.base_rate) == "2.7500"
    assert p.spread_tiers[0] == {"max_days": 30, "spread": "1.3000"}


@pytest.mark.parametrize(
    ("tiers", "term"), [([[30, "1.3"]], 365), ([[30, "1.3"], [90, "1.4"]], 91)]
)
def test_pricing_must_price_every_term_up_to_the_longest(world, operator, tiers, term):
    settings = {**SETTINGS, "spread_tiers": tiers, "max_term_days": term}
    with pytest.raises(DomainError) as exc:
        services.programme_set_pricing(actor=operator, programme=world.programme, settings=settings)
    assert (exc.value.code, exc.value.field) == ("spread_tiers_short", "spread_tiers")
    with pytest.raises(DomainError):
        services.programme_open(
            actor=operator, buyer=world.buyer, bank=world.bank, name="짧은 구간", settings=settings,
            opened_on=D(2024, 1, 1), idempotency_key=key(),
        )  # fmt: skip
    settings["max_term_days"] = tiers[-1][0]  # the last tier reaches the longest term: fine
    services.programme_set_pricing(actor=operator, programme=world.programme, settings=settings)


def test_pricing_must_still_price_the_open_claims(world, operator):
    deposit(world)
    claim = issue(world, maturity=dt.date(2024, 8, 28))  # issued on 2024-03-01: 180 days
    settings = {**SETTINGS, "spread_tiers": [[30, "1.3"], [120, "1.4"]], "max_term_days": 120}
    with pytest.raises(DomainError) as exc:
        services.programme_set_pricing(actor=operator, programme=world.programme, settings=settings)
    assert (exc.value.code, exc.value.field) == ("spread_tiers_short", "spread_tiers")
    assert "180일" in exc.value.message
    settings["spread_tiers"] = [[30, "1.3"], [180, "1.4"]]  # reaches the open claim's term
    services.programme_set_pricing(actor=operator, programme=world.programme, settings=settings)
    services.claim_settle(
        actor=operator, claim=claim, value_date=dt.date(2024, 8, 28), idempotency_key=key()
    )
    settings["spread_tiers"] = [[30, "1.3"], [120, "1.4"]]  # settled: nothing left to price
    services.programme_set_pricing(actor=operator, programme=world.programme, settings=settings)


def test_deposit_posts_once_on_retry(world):
    k = key()
    args = dict(actor=world.operator, programme=world.programme, amount=5_000, idempotency_key=k,
                value_date=D(2024, 1, 2))  # fmt: skip
    first = services.escrow_deposit(**args)
    before = tx_count()
    again = services.escrow_deposit(**args)
    assert again.pk == first.pk and tx_count() == before
    assert (
        world.programme.escrow_account.__class__.objects.get(
            pk=world.programme.escrow_account_id
        ).balance
        == 5_000
    )
    with pytest.raises(Conflict) as exc:
        services.escrow_deposit(**{**args, "amount": 6_000})
    assert exc.value.code == "idempotency_key_reused"
    assert_invariants()


@pytest.mark.parametrize(
    ("amount", "code"),
    [(0, "amount_not_positive"), (-5, "amount_not_positive"), ("100", "amount_not_integer"),
     (1.5, "amount_not_integer"), (True, "amount_not_integer"), (10**16, "amount_too_large")],
)  # fmt: skip
def test_deposit_refuses_bad_amounts(world, amount, code):
    refused(code, deposit, world, amount=amount)


def test_value_dates(world):
    refused("value_date_future", deposit, world, day=dt.date.today() + dt.timedelta(days=2))
    refused("value_date_before_opening", deposit, world, day=D(2023, 12, 31))
    refused(
        "idempotency_key_required", services.escrow_deposit, actor=world.operator,
        programme=world.programme, amount=1, idempotency_key="  ",
    )  # fmt: skip


def test_withdraw_only_what_backs_no_claim(world):
    deposit(world, amount=1_000)
    issue(world, amount=600, day=D(2024, 3, 1))
    refused(
        "escrow_insufficient", services.escrow_withdraw, actor=world.operator,
        programme=world.programme, amount=401, value_date=D(2024, 3, 2), idempotency_key=key(),
    )  # fmt: skip
    # Back-dated before the issue: on 2024-02-01 there was 1,000 free, but taking 401 then
    # would leave the 600 claim of 2024-03-01 uncovered.
    refused(
        "escrow_insufficient", services.escrow_withdraw, actor=world.operator,
        programme=world.programme, amount=401, value_date=D(2024, 2, 1), idempotency_key=key(),
    )  # fmt: skip
    services.escrow_withdraw(
        actor=world.operator, programme=world.programme, amount=400, value_date=D(2024, 2, 1),
        idempotency_key=key(),
    )  # fmt: skip
    assert_invariants()


def test_only_managers_move_escrow_money(world, auditor, consultant):
    for user in (world.partner_t1, auditor, consultant):
        with pytest.raises(PermissionDenied):
            services.escrow_deposit(
                actor=user, programme=world.programme, amount=1, idempotency_key=key()
            )
    manager = factories.make_user(Role.MANAGER)
    services.escrow_deposit(
        actor=manager, programme=world.programme, amount=1, idempotency_key=key()
    )


# -- issue ----------------------------------------------------------------------------------------


def test_issue_to_a_direct_supplier(world):
    deposit(world)
    claim = issue(world)
    assert (claim.kind, claim.depth, claim.tier, claim.remaining) == ("issue", 0, 1, 10_000_000)
    assert owed(world, world.t1) == 10_000_000
    assert_invariants()


def test_issue_refusals(world):
    deposit(world, amount=10_000_000)
    refused("not_your_supplier", issue, world, holder=world.t2)  # tier 2, not direct
    refused("not_your_supplier", issue, world, holder=world.stranger)
    refused("recipient_not_partner", issue, world, holder=world.bank)
    refused("maturity_not_after_issue", issue, world, maturity=D(2024, 3, 1))
    refused("maturity_not_after_issue", issue, world, maturity=D(2024, 2, 1))
    refused("term_too_long", issue, world, maturity=D(2025, 3, 2))
    refused("escrow_insufficient", issue, world, amount=10_000_001)
    refused("amount_not_positive", issue, world, amount=0)
    refused("amount_not_positive", issue, world, amount=-1)
    issue(world, amount=10_000_000)
    refused("escrow_insufficient", issue, world, amount=1)


def test_issue_checks_the_link_on_the_value_date(world):
    deposit(world)
    link = SupplyLink.objects.get(buyer=world.buyer, supplier=world.t1)
    partner_services.supply_link_update(
        actor=world.operator, link=link, data={"start_date": "2024-03-10"}
    )
    refused("not_your_supplier", issue, world, day=D(2024, 3, 9))
    issue(world, day=D(2024, 3, 10))


def test_issue_cannot_use_a_deposit_dated_later(world):
    deposit(world, amount=1_000, day=D(2024, 5, 1))
    refused("escrow_insufficient", issue, world, amount=1_000, day=D(2024, 3, 1))
    issue(world, amount=1_000, day=D(2024, 5, 1), maturity=D(2024, 6, 1))


# -- pass on (split) ------------------------------------------------------------------------------


def test_split_down_three_tiers(world):
    deposit(world)
    root = issue(world)
    c2 = split(world, root, world.t2, 4_000_000)
    c3 = split(world, c2, world.t3, 1_000_000, day=D(2024, 3, 6))
    root.refresh_from_db()
    c2.refresh_from_db()
    assert (root.remaining, c2.remaining, c3.remaining) == (6_000_000, 3_000_000, 1_000_000)
    assert (c2.depth, c3.depth, c3.root_id, c3.maturity) == (1, 2, root.pk, root.maturity)
    assert (owed(world, world.t1), owed(world, world.t2), owed(world, world.t3)) == (
        6_000_000, 3_000_000, 1_000_000,
    )  # fmt: skip
    assert_invariants()


def test_many_splits_up_to_the_remainder(world):
    deposit(world)
    root = issue(world, amount=1_000)
    for _ in range(4):
        split(world, root, world.t2, 250)
    root.refresh_from_db()
    assert root.remaining == 0
    refused("split_exceeds_held", split, world, root, world.t2, 1)


def test_split_refusals(world):
    deposit(world)
    root = issue(world)
    refused("split_exceeds_held", split, world, root, world.t2, 10_000_001)
    refused("not_your_supplier", split, world, root, world.t3, 1)  # t3 supplies t2, not t1
    refused("not_your_supplier", split, world, root, world.stranger, 1)
    refused("split_to_self", split, world, root, world.t1, 1)
    refused("amount_not_positive", split, world, root, world.t2, 0)
    refused("amount_not_positive", split, world, root, world.t2, -3)
    refused("claim_matured", split, world, root, world.t2, 1, day=D(2024, 4, 30))
    refused("claim_matured", split, world, root, world.t2, 1, day=D(2024, 5, 1))
    refused("value_date_before_previous", split, world, root, world.t2, 1, day=D(2024, 2, 29))
    split(world, root, world.t2, 1, day=D(2024, 3, 10))
    refused("value_date_before_previous", split, world, root, world.t2, 1, day=D(2024, 3, 9))
    assert_invariants()


def test_split_needs_the_link_in_force(world):
    deposit(world)
    root = issue(world)
    link = SupplyLink.objects.get(buyer=world.t1, supplier=world.t2)
    partner_services.supply_link_update(
        actor=world.operator, link=link, data={"end_date": "2024-03-04"}
    )
    refused("not_your_supplier", split, world, root, world.t2, 1, day=D(2024, 3, 5))
    split(world, root, world.t2, 1, day=D(2024, 3, 4))


def test_partner_splits_only_what_it_holds(world):
    deposit(world)
    root = issue(world)
    with pytest.raises(PermissionDenied):
        split(world, root, world.t2, 1, actor=world.partner_t2)
    child = split(world, root, world.t2, 5, actor=world.partner_t1)
    assert child.holder_id == world.t2.pk
    split(world, child, world.t3, 2, actor=world.partner_t2)


def test_split_retry_posts_once(world):
    deposit(world)
    root = issue(world)
    k = key()
    args = dict(actor=world.partner_t1, claim=root, to=world.t2, amount=7, idempotency_key=k,
                value_date=D(2024, 3, 5))  # fmt: skip
    first = services.claim_split(**args)
    before = tx_count()
    assert services.claim_split(**args).pk == first.pk
    assert tx_count() == before
    assert Claim.objects.filter(parent=root).count() == 1
    # The same key from someone else is not theirs to replay.
    with pytest.raises(Conflict):
        services.claim_split(**{**args, "actor": world.operator})


# -- cash-out -------------------------------------------------------------------------------------


def test_cash_out_posts_the_advance_and_the_fee(world):
    deposit(world)
    root = issue(world)  # 10,000,000 due 2024-04-30
    op = services.claim_cash_out(
        actor=world.partner_t1, claim=root, value_date=D(2024, 3, 1), idempotency_key=key()
    )
    # 60 days at 3.50 + 1.40 + 1.00 = 5.90 %: discount 96,986 (fee 16,438), advance 9,903,014.
    co = op.cash_out
    assert (co.days, co.discount, co.fee, co.interest, co.advance) == (
        60, 96_986, 16_438, 80_548, 9_903_014,
    )  # fmt: skip
    bank_claim = made(op.result_claim)
    assert (bank_claim.holder_id, bank_claim.kind, bank_claim.amount) == (
        world.bank.pk, ClaimKind.CASH_OUT, 10_000_000,
    )  # fmt: skip
    p = world.programme
    balances = dict(
        Account.objects.filter(code__startswith=f"pay.{p.pk}.bank").values_list("code", "balance")
    )
    assert balances[f"pay.{p.pk}.bank.advances"] == 10_000_000
    assert balances[f"pay.{p.pk}.bank.cash"] == -9_903_014
    assert balances[f"pay.{p.pk}.bank.discount"] == -80_548
    assert balances[f"pay.{p.pk}.bank.fee"] == -16_438
    assert owed(world, world.t1) == 0 and owed(world, world.bank) == 10_000_000
    assert_invariants()


def test_partial_cash_out_and_quote(world):
    deposit(world)
    root = issue(world)
    q = services.cash_out_quote(claim=root, amount=1_000_000, value_date=D(2024, 4, 1))
    # 29 days: spread 1.30 → 5.80 %; 1,000,000 × 0.058 × 29 / 365 = 4,608.21… → 4,608.
    assert (q.days, str(q.annual_rate), q.discount, q.advance) == (29, "5.8000", 4_608, 995_392)
    op = services.claim_cash_out(
        actor=world.operator, claim=root, amount=1_000_000, value_date=D(2024, 4, 1),
        idempotency_key=key(), expected_advance=q.advance,
    )  # fmt: skip
    assert op.cash_out.advance == q.advance
    root.refresh_from_db()
    assert root.remaining == 9_000_000


def test_cash_out_refusals(world):
    deposit(world)
    root = issue(world)

    def cash(amount=None, day=None, **kw):
        day = day or D(2024, 3, 10)
        return services.claim_cash_out(
            actor=world.operator,
            claim=root,
            amount=amount,
            value_date=day,
            idempotency_key=key(),
            **kw,
        )

    refused("cash_out_at_maturity", cash, day=D(2024, 4, 30))
    refused("cash_out_at_maturity", cash, day=D(2024, 5, 2))
    refused("cash_out_exceeds_held", cash, amount=10_000_001)
    refused("amount_not_positive", cash, amount=0)
    refused("amount_not_positive", cash, amount=-1)
    refused("value_date_before_previous", cash, day=D(2024, 2, 1))
    refused("quote_changed", cash, expected_advance=1)
    op = cash()
    refused("nothing_held", cash)
    bank_claim = made(op.result_claim)
    refused(
        "bank_claim", services.claim_cash_out, actor=world.operator, claim=bank_claim,
        value_date=D(2024, 3, 11), idempotency_key=key(),
    )  # fmt: skip
    refused("bank_claim", split, world, bank_claim, world.t2, 1, day=D(2024, 3, 11))
    with pytest.raises(PermissionDenied):
        services.claim_cash_out(actor=world.partner_t2, claim=root, idempotency_key=key())
    assert_invariants()


# -- settlement -----------------------------------------------------------------------------------


def _tree(w):
    deposit(w)
    root = issue(w)
    c2 = split(w, root, w.t2, 4_000_000)
    c3 = split(w, c2, w.t3, 1_000_000, day=D(2024, 3, 6))
    services.claim_cash_out(
        actor=w.operator, claim=c2, amount=500_000, value_date=D(2024, 3, 20), idempotency_key=key()
    )
    return root, c2, c3


def test_settle_pays_every_holder_once(world):
    root, _c2, c3 = _tree(world)
    refused(
        "not_yet_due", services.claim_settle, actor=world.operator, claim=root,
        value_date=D(2024, 4, 29), idempotency_key=key(),
    )  # fmt: skip
    k = key()
    op = services.claim_settle(
        actor=world.operator, claim=root, value_date=D(2024, 4, 30), idempotency_key=k
    )
    paid = dict(Payout.objects.filter(operation=op).values_list("holder_id", "amount"))
    assert paid == {
        world.t1.pk: 6_000_000, world.t2.pk: 2_500_000, world.t3.pk: 1_000_000,
        world.bank.pk: 500_000,
    }  # fmt: skip
    assert sum(paid.values()) == root.amount
    for company in (world.t1, world.t2, world.t3, world.bank):
        assert owed(world, company) == 0
    # A retry returns the same settlement; a second settlement is refused.
    before = tx_count()
    assert (
        services.claim_settle(
            actor=world.operator, claim=root, value_date=D(2024, 4, 30), idempotency_key=k
        ).pk
        == op.pk
    )
    assert tx_count() == before
    refused(
        "already_settled", services.claim_settle, actor=world.operator, claim=c3,
        value_date=D(2024, 5, 1), idempotency_key=key(),
    )  # fmt: skip
    refused("claim_settled", split, world, c3, world.t3, 1, day=D(2024, 4, 1))
    assert_invariants()


def test_a_bankrupt_tier_one_changes_nothing_below(world):
    root, *_ = _tree(world)
    services.insolvency_declare(actor=world.operator, company=world.t1, declared_on=D(2024, 4, 1))
    # Its supply link ends too; the claims it passed on before stand on their own.
    link = SupplyLink.objects.get(buyer=world.t1, supplier=world.t2)
    partner_services.supply_link_update(
        actor=world.operator, link=link, data={"end_date": "2024-04-01"}
    )
    refused("holder_insolvent", split, world, root, world.t2, 1, day=D(2024, 4, 2))
    refused(
        "holder_insolvent", services.claim_cash_out, actor=world.operator, claim=root,
        value_date=D(2024, 4, 2), idempotency_key=key(),
    )  # fmt: skip
    refused("recipient_insolvent", issue, world, day=D(2024, 4, 2), maturity=D(2024, 5, 2))
    (op,) = services.settle_due(as_of=D(2024, 5, 1))
    paid = dict(Payout.objects.filter(operation=op).values_list("holder_id", "amount"))
    assert paid[world.t2.pk] == 2_500_000 and paid[world.t3.pk] == 1_000_000
    assert paid[world.t1.pk] == 6_000_000  # to the estate
    assert op.value_date == D(2024, 4, 30)
    assert_invariants()


def test_settle_due_settles_only_what_is_due(world):
    deposit(world)
    a = issue(world, maturity=D(2024, 4, 30))
    b = issue(world, maturity=D(2024, 5, 31))
    done = services.settle_due(as_of=D(2024, 5, 1))
    assert [op.claim_id for op in done] == [a.pk]
    assert services.settle_due(as_of=D(2024, 5, 1)) == []
    assert [op.claim_id for op in services.settle_due(as_of=D(2024, 6, 1))] == [b.pk]
    assert Operation.objects.filter(kind="settle").count() == 2
    assert_invariants()


def test_settle_is_for_managers(world):
    root, *_ = _tree(world)
    with pytest.raises(PermissionDenied):
        services.claim_settle(
            actor=world.partner_t1, claim=root, value_date=D(2024, 4, 30), idempotency_key=key()
        )


def test_insolvency_is_idempotent_for_the_same_date(world):
    first = services.insolvency_declare(
        actor=world.operator, company=world.t1, declared_on=D(2024, 4, 1)
    )
    assert (
        services.insolvency_declare(
            actor=world.operator, company=world.t1, declared_on=D(2024, 4, 1)
        ).pk
        == first.pk
    )
    with pytest.raises(Conflict):
        services.insolvency_declare(
            actor=world.operator, company=world.t1, declared_on=D(2024, 4, 2)
        )


def test_insolvency_declared_twice_at_once_answers_from_the_first(world, monkeypatch):
    """Two first declarations at once: neither finds a row to lock, the one-to-one key refuses
    the second insert; it then answers from the row that won (or refuses another date)."""
    from sangsaeng.payments.models import Insolvency
    from sangsaeng.payments.services import claims

    first = services.insolvency_declare(
        actor=world.operator, company=world.t1, declared_on=D(2024, 4, 1)
    )
    calls = []

    def lock_missing_once(company_id):  # what the racing request saw: no row yet
        calls.append(company_id)
        if len(calls) == 1:
            return None
        return Insolvency.objects.filter(company_id=company_id).first()

    monkeypatch.setattr(claims, "lock_insolvency", lock_missing_once)
    again = services.insolvency_declare(
        actor=world.operator, company=world.t1, declared_on=D(2024, 4, 1)
    )
    assert again.pk == first.pk and len(calls) == 2
    calls.clear()
    with pytest.raises(Conflict) as refused:
        services.insolvency_declare(
            actor=world.operator, company=world.t1, declared_on=D(2024, 4, 2)
        )
    assert refused.value.code == "already_insolvent"
    assert Insolvency.objects.filter(company=world.t1).count() == 1


def test_a_pricing_change_made_against_stale_settings_is_refused(world):
    """``expected`` is the digest of the settings a page showed: checked under the programme's
    lock, a change made meanwhile refuses it and nothing is written."""
    from sangsaeng.accounts.models import AuditEntry

    prog = world.programme
    shown = services.pricing_digest(prog)
    settings = services.pricing_of(prog)
    base = {
        "base_rate": "3.00", "spread_tiers": [[None, str(settings.spread_tiers[-1].spread)]],
        "system_fee": str(prog.system_fee), "day_count": prog.day_count,
        "rounding": prog.rounding, "max_term_days": prog.max_term_days,
    }  # fmt: skip
    services.programme_set_pricing(actor=world.operator, programme=prog, settings=base)
    audits = AuditEntry.objects.count()
    with pytest.raises(Conflict) as refused:
        services.programme_set_pricing(
            actor=world.operator, programme=prog, settings={**base, "base_rate": "4.00"},
            expected=shown,
        )  # fmt: skip
    assert refused.value.code == "pricing_changed"
    prog.refresh_from_db()
    assert str(prog.base_rate.normalize()) == "3" and AuditEntry.objects.count() == audits
    changed = services.programme_set_pricing(
        actor=world.operator, programme=prog, settings={**base, "base_rate": "4.00"},
        expected=services.pricing_digest(prog),
    )  # fmt: skip
    assert str(changed.base_rate.normalize()) == "4"
