"""Demo money: KEIS's cooperation fund (seed 004) and LS ELECTRIC's win-win payment programme
with Woori Bank (seed 000), built through the services like real use.

Dates are relative to the day the demo is loaded, so that the programme always has a settled
claim tree (matured), outstanding trees passed down three tiers, and cash-outs. Loading again
changes nothing: each part is skipped when it is already there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sangsaeng.accounts.models import User
from sangsaeng.demo import seeds
from sangsaeng.funds.demo import seed_keis_fund
from sangsaeng.lib.dates import today_kst
from sangsaeng.partners.models import Company
from sangsaeng.payments import services as pay
from sangsaeng.payments.models import Claim, Programme

EOK = 100_000_000
PROGRAMME_NAME = "LS일렉트릭 상생결제 (우리은행)"
PRICING = {
    # A published early-payment price: base rate + 1.3–1.5 %p by term + 1 %p system fee.
    "base_rate": "2.50",
    "spread_tiers": [[30, "1.30"], [90, "1.40"], [None, "1.50"]],
    "system_fee": "1.00",
    "day_count": 365,
    "rounding": "floor",
    "max_term_days": 180,
}


@dataclass
class MoneyResult:
    fund_created: bool
    programme_created: bool
    settled: int


def company(key: str) -> Company:
    return Company.objects.get(brn=seeds.brn_of(key))


def load(*, today: dt.date | None = None) -> MoneyResult:
    operator = User.objects.get(username="operator")
    manager = User.objects.get(username="manager")
    fund_created = not _fund_exists()
    seed_keis_fund(
        operator=operator,
        approver=manager,
        owner=company("keis"),
        partners=[company("innocity-fm"), company("jincheon-it")],
    )
    programme_created = False
    if not Programme.objects.filter(name=PROGRAMME_NAME).exists():
        _payment_programme(operator, today or today_kst())
        programme_created = True
    settled = pay.settle_due(as_of=today or today_kst(), actor=operator)
    return MoneyResult(fund_created, programme_created, len(settled))


def _fund_exists() -> bool:
    from sangsaeng.funds.models import Fund

    return Fund.objects.filter(code="keis").exists()


def _payment_programme(operator: User, today: dt.date) -> None:
    """Three claim trees: one matured (settled below), two outstanding and passed down."""

    def day(offset: int) -> dt.date:
        return today + dt.timedelta(days=offset)

    def key(name: str) -> str:
        return f"demo:ls-woori:{name}"

    ls, hangil, sejin = company("ls-electric"), company("hangil-est"), company("sejin-electric")
    silla, ochang, cheongwon = (
        company("silla-parts"),
        company("ochang-pcb"),
        company("cheongwon-chem"),
    )
    programme = pay.programme_open(
        actor=operator, buyer=ls, bank=company("woori-bank"), name=PROGRAMME_NAME,
        opened_on=day(-120), settings=PRICING, idempotency_key=key("open"), source="demo",
    )  # fmt: skip
    pay.escrow_deposit(
        actor=operator, programme=programme, amount=30 * EOK, value_date=day(-120),
        idempotency_key=key("deposit"),
    )  # fmt: skip

    # Tree A: issued 100 days ago for 60 days, so it has matured; Hangil passed 2억 to Silla,
    # which cashed half of it out early.
    a = _issue(operator, programme, hangil, 5 * EOK, day(-100), day(-40), key("a"))
    a_silla = _split(operator, a, silla, 2 * EOK, day(-95), key("a-silla"))
    pay.claim_cash_out(
        actor=operator, claim=a_silla, amount=1 * EOK, value_date=day(-80),
        idempotency_key=key("a-silla-cash"),
    )  # fmt: skip

    # Tree B: outstanding, three tiers deep (LS → 한길 → 오창기판 → 청원화학), with a cash-out
    # at tier 3.
    b = _issue(operator, programme, hangil, 8 * EOK, day(-30), day(30), key("b"))
    b_ochang = _split(operator, b, ochang, 3 * EOK, day(-25), key("b-ochang"))
    b_cheongwon = _split(operator, b_ochang, cheongwon, 1 * EOK, day(-20), key("b-cheongwon"))
    pay.claim_cash_out(
        actor=operator, claim=b_cheongwon, amount=EOK // 2, value_date=day(-10),
        idempotency_key=key("b-cheongwon-cash"),
    )  # fmt: skip

    # Tree C: a fresh claim to another ACE CLUB member, passed on to its own supplier.
    c = _issue(operator, programme, sejin, 4 * EOK, day(-5), day(55), key("c"))
    _split(operator, c, silla, EOK * 3 // 2, day(-3), key("c-silla"))


def _issue(
    actor: User, programme: Programme, holder: Company, amount: int,
    issued: dt.date, maturity: dt.date, key: str,
) -> Claim:  # fmt: skip
    op = pay.claim_issue(
        actor=actor, programme=programme, holder=holder, amount=amount, maturity=maturity,
        value_date=issued, idempotency_key=key,
    )  # fmt: skip
    return _result(op)


def _split(actor: User, claim: Claim, to: Company, amount: int, when: dt.date, key: str) -> Claim:
    op = pay.claim_split(
        actor=actor, claim=claim, to=to, amount=amount, value_date=when, idempotency_key=key
    )
    return _result(op)


def _result(op: object) -> Claim:
    claim = getattr(op, "result_claim", None)
    assert isinstance(claim, Claim), "the operation made no claim"
    return claim
