"""The ledger accounts of a programme and the postings of each operation.

Accounts (codes ``pay.<programme id>.…``; debit-normal marked D, credit-normal C)::

    escrow          D  cash in the settlement escrow account (결제대금 예치계좌)
    deposit         C  the buyer's deposit not yet backing a claim (its free money in escrow)
    owed.<company>  C  what the escrow owes that holder at maturity: partners and the bank alike
    bank.advances   D  the bank's early payments, at face value, to be recovered at maturity
    bank.cash       D  the bank's own money (outside the escrow; may go negative)
    bank.discount   C  discount interest the bank earned on cash-outs
    bank.fee        C  system fees earned on cash-outs

Postings (debit +, credit −)::

    deposit D        escrow +D                deposit −D
    withdraw W       deposit +W               escrow −W
    issue A → T1     deposit +A               owed.T1 −A
    pass on a H → S  owed.H +a                owed.S −a
    cash out a by H  owed.H +a  owed.bank −a  bank.advances +a
      (d = i + f)    bank.cash −(a−d)  bank.discount −i  bank.fee −f
    settle a tree    owed.H +r_H for each holder  escrow −Σr
      (bank part b)  bank.cash +b  bank.advances −b

So at every moment ``escrow = deposit + Σ owed`` (the escrow covers every outstanding claim,
since ``deposit`` may not go negative), ``owed.H`` is what H will be paid, and
``bank.advances = owed.bank``. After settlement ``bank.cash`` is the bank's net income.
"""

from __future__ import annotations

from django.db import transaction

from sangsaeng.accounts.models import User
from sangsaeng.ledger import services as ledger
from sangsaeng.ledger.models import Account, NormalSide
from sangsaeng.partners.models import Company
from sangsaeng.payments.models import Programme

# Ledger transaction kinds written by payments.
KIND_DEPOSIT = "payments.deposit"
KIND_WITHDRAW = "payments.withdraw"
KIND_ISSUE = "payments.issue"
KIND_SPLIT = "payments.split"
KIND_CASH_OUT = "payments.cash_out"
KIND_SETTLE = "payments.settle"

Legs = list[tuple[Account, int]]


def code(programme_id: int, suffix: str) -> str:
    return f"pay.{programme_id}.{suffix}"


def owed_code(programme_id: int, company_id: int) -> str:
    return code(programme_id, f"owed.{company_id}")


# (code suffix, name, normal side, may go negative, owner). The Programme field holding each is
# ``<suffix with _>_account``; its ledger purpose ``payments.<suffix with _>``.
_FIXED = [
    ("escrow", "결제대금 예치계좌", "debit", False, "buyer"),
    ("deposit", "구매기업 예치금(미배정)", "credit", False, "buyer"),
    ("bank.advances", "은행 조기지급(만기 회수)", "debit", False, "bank"),
    ("bank.cash", "은행 자금", "debit", True, "bank"),
    ("bank.discount", "은행 할인이자 수익", "credit", False, "bank"),
    ("bank.fee", "시스템 수수료 수익", "credit", False, "bank"),
]
FIELDS = [suffix.replace(".", "_") + "_account" for suffix, *_ in _FIXED]


def open_accounts(programme: Programme, actor: User | None) -> None:
    """Open the programme's fixed accounts and store them on it (inside the caller's
    transaction), and the bank's claim account."""
    for field, (suffix, name, side, negative, owner) in zip(FIELDS, _FIXED, strict=True):
        account = ledger.account_open(
            code=code(programme.pk, suffix),
            name=f"[{programme.name}] {name}"[:200],
            purpose="payments." + suffix.replace(".", "_"),
            normal_side=NormalSide(side),
            owner=programme.buyer if owner == "buyer" else programme.bank,
            allow_negative=negative,
            actor=actor,
        )
        setattr(programme, field, account)
    programme.save(update_fields=FIELDS)
    owed_account(programme, programme.bank)


def owed_account(programme: Programme, company: Company) -> Account:
    """The account of what the escrow owes ``company``, opened on first use."""
    found = Account.objects.filter(code=owed_code(programme.pk, company.pk)).first()
    if found is not None:
        return found
    with transaction.atomic():
        return ledger.account_open(
            code=owed_code(programme.pk, company.pk),
            name=f"[{programme.name}] {company.name} 상생결제채권"[:200],
            purpose="payments.claims",
            normal_side=NormalSide.CREDIT,
            owner=company,
        )


def owed_accounts(programme: Programme, company_ids: set[int]) -> dict[int, Account]:
    """Existing claim accounts of many holders at once (all were opened when they first
    received a claim)."""
    codes = {owed_code(programme.pk, cid): cid for cid in company_ids}
    return {codes[a.code]: a for a in Account.objects.filter(code__in=list(codes))}


def non_zero(legs: Legs) -> Legs:
    """The ledger refuses zero postings: drop them (a cash-out may have no fee)."""
    return [(account, amount) for account, amount in legs if amount != 0]
