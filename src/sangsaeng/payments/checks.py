"""Invariant checks run by ``sangsaeng verify`` (registered in ``apps.PaymentsConfig.ready``).

``claim_trees_add_up``: every node's amount is its children (those not reversed) plus what it
retained; children inherit maturity and programme, one step deeper; a tree is settled all at
once; every settled node that retained something was paid exactly once, that amount, to its
holder; each settled tree has exactly one settlement. A reversed node retains nothing, has no
child left unreversed, was never paid, is no settled root, and its reversal operation mirrors
on the ledger the operation that made it.

``escrow_matches_claims``: the ledger agrees with the trees. For each programme the escrow
equals the buyer's free deposit plus everything owed (so the escrow covers every outstanding
claim), each holder's claim account equals what it retains in unsettled trees, the bank's
advances equal what it is owed, and every operation that moves money has its transaction.

Both read in bulk: a handful of grouped queries whatever the number of claims.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from sangsaeng.ledger.invariants import Findings
from sangsaeng.ledger.models import Account
from sangsaeng.payments.models import CashOut, Claim, Operation, OperationKind, Payout, Programme

SHOW = 20


def _report(findings: Findings, qs: QuerySet, message: str) -> None:
    """One problem per row of ``qs`` (the rows that break a rule); the first few by id."""
    pks = list(qs.values_list("pk", flat=True)[: SHOW + 1])
    for pk in pks[:SHOW]:
        findings.fail(message.format(pk=pk))
    if len(pks) > SHOW:
        extra = qs.count() - SHOW
        findings.fail(f"… and {extra:,} more: {message.format(pk='*')}")


def claim_trees_add_up(findings: Findings) -> None:
    children = (
        Claim.objects.filter(parent_id=OuterRef("pk"), reversed_on__isnull=True)
        .order_by()
        .values("parent_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    nodes = Claim.objects.order_by("pk").annotate(passed=Coalesce(Subquery(children), Value(0)))
    _report(
        findings,
        nodes.filter(reversed_on__isnull=True).exclude(amount=F("passed") + F("remaining")),
        "claim #{pk}: amount != children + retained",
    )
    kids = Claim.objects.filter(parent__isnull=False).order_by("pk")
    _report(
        findings,
        kids.filter(
            ~Q(maturity=F("parent__maturity"))
            | ~Q(programme=F("parent__programme"))
            | ~Q(depth=F("parent__depth") + 1)
            | Q(issue_date__lt=F("parent__issue_date"))
        ),
        "claim #{pk}: differs from its parent (maturity, programme, depth or date)",
    )
    _report(
        findings,
        kids.filter(
            ~Q(root=F("parent__root")) & Q(parent__root__isnull=False)
            | ~Q(root=F("parent")) & Q(parent__root__isnull=True)
        ),
        "claim #{pk}: root is not its parent's root",
    )
    _report(
        findings,
        kids.filter(
            Q(settled_on__isnull=True, root__settled_on__isnull=False)
            | Q(settled_on__isnull=False, root__settled_on__isnull=True)
            | Q(settled_on__isnull=False, root__settled_on__isnull=False)
            & ~Q(settled_on=F("root__settled_on"))
        ),
        "claim #{pk}: settled apart from its tree",
    )
    _check_payouts(findings)
    _check_cash_outs(findings)
    _check_reversals(findings, nodes)
    findings.figure("claims", Claim.objects.count())
    findings.figure("claim trees", Claim.objects.filter(parent__isnull=True).count())


def _check_payouts(findings: Findings) -> None:
    _report(
        findings,
        Claim.objects.filter(settled_on__isnull=False, remaining__gt=0, payout__isnull=True),
        "claim #{pk}: settled but never paid",
    )
    _report(
        findings,
        Payout.objects.filter(
            ~Q(amount=F("claim__remaining"))
            | ~Q(holder=F("claim__holder"))
            | ~Q(paid_on=F("claim__settled_on"))
            | Q(claim__settled_on__isnull=True)
        ),
        "payout #{pk}: does not match its claim",
    )
    settles = (
        Operation.objects.filter(kind=OperationKind.SETTLE)
        .order_by()
        .values("claim_id")
        .annotate(n=Count("id"))
    )
    for row in settles.filter(n__gt=1)[:SHOW]:
        findings.fail(f"claim #{row['claim_id']}: settled {row['n']} times")
    settled_roots = Claim.objects.filter(parent__isnull=True, settled_on__isnull=False)
    _report(
        findings,
        settled_roots.exclude(
            pk__in=Operation.objects.filter(kind=OperationKind.SETTLE).values("claim_id")
        ),
        "claim #{pk}: settled without a settlement",
    )
    paid = Payout.objects.aggregate(total=Sum("amount"))["total"] or 0
    findings.figure("paid at maturity (won)", paid)


def _check_cash_outs(findings: Findings) -> None:
    _report(
        findings,
        CashOut.objects.filter(
            ~Q(bank_claim__amount=F("amount"))
            | ~Q(bank_claim__parent=F("claim"))
            | ~Q(bank_claim__holder=F("claim__programme__bank"))
            | ~Q(bank_claim__kind="cash_out")
        ),
        "cash-out #{pk}: its bank claim does not match",
    )


def _check_reversals(findings: Findings, nodes: QuerySet) -> None:
    reversed_nodes = nodes.filter(reversed_on__isnull=False)
    _report(
        findings,
        reversed_nodes.filter(
            ~Q(remaining=0)
            | ~Q(passed=0)
            | Q(payout__isnull=False)
            | Q(parent__isnull=True, settled_on__isnull=False)
        ),
        "claim #{pk}: reversed but still retains, has children, was paid or settled",
    )
    made = Operation.objects.filter(
        result_claim=OuterRef("pk"), kind__in=[OperationKind.ISSUE, OperationKind.SPLIT]
    ).values("transaction_id")[:1]
    _report(
        findings,
        reversed_nodes.annotate(made_tx=Subquery(made)).filter(
            ~Q(reversal__kind=OperationKind.REVERSE)
            | ~Q(reversal__claim=F("pk"))
            | ~Q(reversal__value_date=F("reversed_on"))
            | Q(reversal__transaction__isnull=True)
            | Q(made_tx__isnull=True)
            | ~Q(reversal__transaction__reverses=F("made_tx"))
        ),
        "claim #{pk}: its reversal does not mirror the operation that made it",
    )
    _report(
        findings,
        Operation.objects.filter(kind=OperationKind.REVERSE, reversed_claim__isnull=True),
        "operation #{pk}: a reversal that reversed no claim",
    )
    findings.figure("reversed claims", reversed_nodes.count())


def escrow_matches_claims(findings: Findings) -> None:
    owed_by_trees: dict[tuple[int, int], int] = defaultdict(int)
    open_nodes = Claim.objects.filter(settled_on__isnull=True, remaining__gt=0).order_by()
    for prog, holder, total in open_nodes.values_list("programme_id", "holder_id").annotate(
        total=Sum("remaining")
    ):
        owed_by_trees[(prog, holder)] = total
    owed_by_ledger: dict[tuple[int, int], int] = {}
    owed_total: dict[int, int] = defaultdict(int)
    for code, balance in Account.objects.filter(purpose="payments.claims").values_list(
        "code", "balance"
    ):
        _pay, prog, _owed, holder = code.split(".")
        owed_by_ledger[(int(prog), int(holder))] = -balance
        owed_total[int(prog)] += -balance
    for key in sorted(set(owed_by_trees) | set(owed_by_ledger)):
        trees, ledger = owed_by_trees.get(key, 0), owed_by_ledger.get(key, 0)
        if trees != ledger:
            findings.fail(
                f"programme {key[0]}, company {key[1]}: claims retain {trees:,} "
                f"but the ledger owes {ledger:,}"
            )
    escrow_total = 0
    for prog in Programme.objects.select_related(
        "escrow_account", "deposit_account", "bank_advances_account"
    ).iterator(chunk_size=500):
        escrow_total += _check_programme(findings, prog, owed_total[prog.pk], owed_by_ledger)
    _report(
        findings,
        Operation.objects.exclude(kind=OperationKind.OPEN).filter(transaction__isnull=True),
        "operation #{pk}: moved money without a ledger transaction",
    )
    findings.figure("outstanding claims (won)", sum(owed_by_trees.values()))
    findings.figure("in escrow (won)", escrow_total)


def _check_programme(
    findings: Findings, prog: Programme, owed: int, owed_by_ledger: dict[tuple[int, int], int]
) -> int:
    if prog.escrow_account is None or prog.deposit_account is None:
        findings.fail(f"programme {prog.pk}: its ledger accounts are missing")
        return 0
    escrow = prog.escrow_account.normal_balance
    deposit = prog.deposit_account.normal_balance
    if escrow != deposit + owed:
        findings.fail(
            f"programme {prog.pk}: escrow {escrow:,} != free deposit {deposit:,} + owed {owed:,}"
        )
    if escrow < owed:
        findings.fail(f"programme {prog.pk}: escrow {escrow:,} does not cover claims {owed:,}")
    advances = prog.bank_advances_account.normal_balance if prog.bank_advances_account else 0
    bank_owed = owed_by_ledger.get((prog.pk, prog.bank_id), 0)
    if advances != bank_owed:
        findings.fail(
            f"programme {prog.pk}: bank advances {advances:,} != owed to the bank {bank_owed:,}"
        )
    return escrow
