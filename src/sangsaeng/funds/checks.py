"""The fund's invariants, run by ``sangsaeng verify`` (registered in ``FundsConfig.ready``).

Each reads in bulk (grouped aggregates and joins), never record by record.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from sangsaeng.funds.models import (
    Allocation,
    Contribution,
    Disbursement,
    DisbursementLeg,
    DisbursementStatus,
    Fund,
    FundUse,
    Refund,
)
from sangsaeng.ledger.invariants import Findings
from sangsaeng.ledger.models import Account, PendingStatus, Posting

LEG_PENDING = {
    DisbursementStatus.REQUESTED: PendingStatus.OPEN,
    DisbursementStatus.APPROVED: PendingStatus.OPEN,
    DisbursementStatus.PAID: PendingStatus.POSTED,
    DisbursementStatus.REJECTED: PendingStatus.VOIDED,
}


def check_conservation(findings: Findings) -> None:
    """Each fund's cash equals the money its pool and uses hold: nothing is created or lost
    between the fund's accounts."""
    balances = dict(
        Account.objects.filter(purpose__startswith="funds.").values_list("pk", "balance")
    )
    held: dict[int, int] = defaultdict(int)
    for fund_id, restricted, budget in FundUse.objects.values_list(
        "fund_id", "restricted_account_id", "budget_account_id"
    ):
        held[fund_id] -= balances.get(restricted, 0) + balances.get(budget, 0)
    count = total = 0
    for fund_id, code, cash, pool in Fund.objects.values_list(
        "pk", "code", "cash_account_id", "pool_account_id"
    ):
        count += 1
        cash_balance = balances.get(cash, 0)
        net_assets = held[fund_id] - balances.get(pool, 0)
        total += cash_balance
        if cash_balance != net_assets:
            findings.fail(f"fund {code}: cash {cash_balance:,} != pool and uses {net_assets:,}")
    findings.figure("funds", count)
    findings.figure("money held by funds (KRW)", total)


def _moves(account: str, sign: int) -> Exists:
    """The record's transaction posts ``sign * amount`` on the account ``account`` names."""
    return Exists(
        Posting.objects.filter(
            transaction_id=OuterRef("transaction_id"),
            account_id=OuterRef(account),
            amount=OuterRef("amount") * sign,
        )
    )


def check_records(findings: Findings) -> None:
    """Every money record has its ledger transaction, moving the record's amount through the
    fund's cash (an allocation: into the use's budget); reversed records have a reversal."""
    for model in (Contribution, Allocation, Refund):
        bad = model.objects.filter(
            Q(transaction__isnull=True)
            | Q(reversed_at__isnull=True, reversal_transaction__isnull=False)
            | Q(reversed_at__isnull=False, reversal_transaction__isnull=True)
        )
        for pk in bad.values_list("pk", flat=True):
            findings.fail(f"{model.__name__} {pk}: transaction or reversal missing")
    refunds = Refund.objects.filter(transaction__isnull=False).exclude(
        Q(_moves("fund__cash_account_id", 1), kind="partner")
        | Q(_moves("fund__cash_account_id", -1), kind="donor")
    )
    mismatched: list[tuple[QuerySet[Any], str]] = [
        (Contribution.objects.exclude(_moves("fund__cash_account_id", 1)), "Contribution"),
        (Allocation.objects.exclude(_moves("use__budget_account_id", -1)), "Allocation"),
        (refunds, "Refund"),
    ]
    for qs, name in mismatched:
        for pk in qs.filter(transaction__isnull=False).values_list("pk", flat=True):
            findings.fail(f"{name} {pk}: its ledger transaction does not move its amount")
    findings.figure("contributions", Contribution.objects.count())


def check_disbursements(findings: Findings) -> None:
    """A disbursement's legs add up to its amount, and their ledger reservations are in the
    state its status says (open while requested or approved, posted once paid, voided once
    rejected); a reversed one has every leg reversed."""
    sums = Disbursement.objects.annotate(legs_total=Sum("legs__amount"), legs_n=Count("legs"))
    for pk in sums.exclude(legs_total=F("amount")).values_list("pk", flat=True):
        findings.fail(f"Disbursement {pk}: legs do not add up to its amount")
    disagree = Q()
    for status, pending_status in LEG_PENDING.items():
        disagree |= Q(disbursement__status=status) & ~Q(pending__status=pending_status)
    wrong = DisbursementLeg.objects.filter(disagree).values_list(
        "disbursement_id", "pending__status"
    )
    for pk, state in wrong.distinct():
        findings.fail(f"Disbursement {pk}: its status disagrees with a {state} reservation")
    unposted = DisbursementLeg.objects.filter(
        disbursement__status=DisbursementStatus.PAID, transaction__isnull=True
    )
    for pk in unposted.values_list("disbursement_id", flat=True).distinct():
        findings.fail(f"Disbursement {pk}: paid but a leg has no transaction")
    half = DisbursementLeg.objects.filter(
        Q(disbursement__reversed_at__isnull=False, reversal_transaction__isnull=True)
        | Q(disbursement__reversed_at__isnull=True, reversal_transaction__isnull=False)
    )
    for pk in half.values_list("disbursement_id", flat=True).distinct():
        findings.fail(f"Disbursement {pk}: reversal flag and leg reversals disagree")
    counts = dict(Disbursement.objects.order_by().values_list("status").annotate(n=Count("id")))
    for value in DisbursementStatus.values:
        findings.figure(f"disbursements {value}", counts.get(value, 0))


def register_fund_checks() -> None:
    from sangsaeng.ledger.invariants import register_check

    register_check("funds.conservation", check_conservation)
    register_check("funds.records", check_records)
    register_check("funds.disbursements", check_disbursements)
