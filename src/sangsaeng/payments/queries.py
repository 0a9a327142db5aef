"""Reads for win-win payments: programme figures, claim trees by tier and maturity, a
company's holdings and history. Every list a user sees goes through ``permissions``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum

from sangsaeng.accounts.models import User
from sangsaeng.ledger.models import Account
from sangsaeng.payments import book
from sangsaeng.payments.models import Claim, ClaimKind, Operation, Payout, Programme
from sangsaeng.payments.permissions import can_read_all, is_partner, visible_claims


def programmes(user: User) -> QuerySet[Programme]:
    """Programmes the user may open: all for staff readers; a partner sees those it holds
    claims in (by name only: the tree stays hidden)."""
    qs = Programme.objects.select_related("buyer", "bank")
    if can_read_all(user):
        return qs
    if is_partner(user) and user.company_id:
        held = Claim.objects.filter(holder_id=user.company_id).values("programme_id")
        return qs.filter(pk__in=held)
    return qs.none()


@dataclass(frozen=True)
class ProgrammeFigures:
    escrow: int
    free_deposit: int
    outstanding: int
    bank_advances: int
    bank_income: int
    open_trees: int
    settled_trees: int


def figures(programme: Programme) -> ProgrammeFigures:
    """The programme's balances from the ledger, and its tree counts."""
    ids = [programme.escrow_account_id, programme.deposit_account_id]
    ids += [programme.bank_advances_account_id, programme.bank_discount_account_id]
    ids += [programme.bank_fee_account_id]
    accounts = Account.objects.in_bulk([i for i in ids if i])

    def normal(account_id: int | None) -> int:
        account = accounts.get(account_id) if account_id else None
        return account.normal_balance if account else 0

    owed = Account.objects.filter(code__startswith=book.code(programme.pk, "owed."))
    roots = Claim.objects.filter(
        programme=programme, parent__isnull=True, reversed_on__isnull=True
    ).aggregate(
        open=Count("pk", filter=Q(settled_on__isnull=True)),
        settled=Count("pk", filter=Q(settled_on__isnull=False)),
    )
    return ProgrammeFigures(
        escrow=normal(programme.escrow_account_id),
        free_deposit=normal(programme.deposit_account_id),
        outstanding=-(owed.aggregate(total=Sum("balance"))["total"] or 0),
        bank_advances=normal(programme.bank_advances_account_id),
        bank_income=normal(programme.bank_discount_account_id)
        + normal(programme.bank_fee_account_id),
        open_trees=roots["open"],
        settled_trees=roots["settled"],
    )


@dataclass(frozen=True)
class TierRow:
    tier: int  # 1 = the buyer's direct suppliers; 0 = the bank (cashed out)
    nodes: int
    holders: int
    amount: int
    retained: int


def tier_summary(programme: Programme, *, settled: bool = False) -> list[TierRow]:
    """Claims by tier: how many nodes, holders, face amount and amount retained (reversed
    claims are none of these)."""
    qs = Claim.objects.filter(
        programme=programme, settled_on__isnull=not settled, reversed_on__isnull=True
    ).order_by()
    # Grouped by holder too (a few rows per holder), then merged here: no COUNT(DISTINCT).
    rows = qs.values_list("depth", "kind", "holder_id").annotate(
        nodes=Count("pk"), amount=Sum("amount"), retained=Sum("remaining")
    )
    merged: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    holders: dict[int, set[int]] = defaultdict(set)
    for depth, kind, holder_id, nodes, amount, retained in rows:
        tier = 0 if kind == ClaimKind.CASH_OUT else depth + 1
        totals = merged[tier]
        totals[0] += nodes
        totals[2] += amount
        totals[3] += retained
        holders[tier].add(holder_id)
    for tier, seen in holders.items():
        merged[tier][1] = len(seen)
    ordered = sorted(merged.items(), key=lambda item: (item[0] == 0, item[0]))
    return [TierRow(tier, *values) for tier, values in ordered]


@dataclass
class TreeNode:
    claim: Claim
    children: list[TreeNode] = field(default_factory=list)

    def walk(self) -> list[Claim]:
        """This node then its descendants, depth first, in pk order."""
        out = [self.claim]
        for child in self.children:
            out += child.walk()
        return out


@dataclass
class MaturityGroup:
    maturity: dt.date
    trees: list[list[Claim]]
    total: int


def tree_roots(
    programme: Programme,
    *,
    settled: bool = False,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[Claim]:
    """The programme's claim trees (their roots), outstanding or settled, by maturity; a
    reversed issue is no tree."""
    roots = Claim.objects.filter(
        programme=programme,
        parent__isnull=True,
        settled_on__isnull=not settled,
        reversed_on__isnull=True,
    )
    if start:
        roots = roots.filter(maturity__gte=start)
    if end:
        roots = roots.filter(maturity__lte=end)
    return roots.order_by("maturity", "pk")


def trees_by_maturity(
    programme: Programme,
    *,
    settled: bool = False,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int = 200,
) -> list[MaturityGroup]:
    """Up to ``limit`` claim trees, grouped by maturity date, each as its nodes depth first
    (each node's ``depth`` says how far to indent it)."""
    roots = tree_roots(programme, settled=settled, start=start, end=end)
    return trees_grouped(list(roots.values_list("pk", flat=True)[:limit]))


def trees_grouped(root_ids: list[int], roots: QuerySet[Claim] | None = None) -> list[MaturityGroup]:
    """The trees of ``root_ids`` (in that order, which keeps maturities together), grouped by
    maturity date, each as its nodes depth first. A group's total is that of its trees here,
    or, given ``roots`` (a page of them: :func:`tree_roots`), of all of them that day."""
    nodes = Claim.objects.filter(Q(pk__in=root_ids) | Q(root_id__in=root_ids))
    built: dict[int, TreeNode] = {}
    for claim in nodes.select_related("holder").order_by("pk"):
        built[claim.pk] = TreeNode(claim)
        if claim.parent_id is not None and claim.parent_id in built:
            built[claim.parent_id].children.append(built[claim.pk])
    groups: dict[dt.date, MaturityGroup] = {}
    for root_id in root_ids:
        root = built[root_id]
        group = groups.setdefault(root.claim.maturity, MaturityGroup(root.claim.maturity, [], 0))
        group.trees.append(root.walk())
        group.total += root.claim.amount
    if roots is not None and groups:
        totals = roots.filter(maturity__in=list(groups)).order_by().values("maturity")
        for row in totals.annotate(total=Sum("amount")):
            groups[row["maturity"]].total = row["total"]
    return list(groups.values())


def tree(claim: Claim) -> list[Claim]:
    """The whole tree ``claim`` belongs to, depth first (for staff)."""
    root_id = claim.root_id or claim.pk
    nodes = Claim.objects.filter(Q(pk=root_id) | Q(root_id=root_id)).select_related("holder")
    built: dict[int, TreeNode] = {}
    for node in nodes.order_by("pk"):
        built[node.pk] = TreeNode(node)
        if node.parent_id in built:
            built[node.parent_id].children.append(built[node.pk])
    return built[root_id].walk()


def holdings(user: User, company_id: int, *, settled: bool = False) -> QuerySet[Claim]:
    """The claims ``company`` holds, by maturity (for a partner: only its own company)."""
    qs = visible_claims(user, Claim.objects.filter(holder_id=company_id))
    qs = qs.filter(settled_on__isnull=not settled)
    return qs.select_related("programme", "programme__buyer", "parent__holder").order_by(
        "maturity", "pk"
    )


def holdings_total(user: User, company_id: int) -> int:
    qs = holdings(user, company_id).order_by()
    return qs.aggregate(total=Sum("remaining"))["total"] or 0


def history(user: User, company_id: int, *, limit: int = 200) -> QuerySet[Operation]:
    """Operations where the company acted or received: issued to it, passed on by or to it,
    its cash-outs. Settlements appear as payouts (:func:`payouts`)."""
    if not (can_read_all(user) or (is_partner(user) and user.company_id == company_id)):
        return Operation.objects.none()
    qs = Operation.objects.filter(Q(company_id=company_id) | Q(counterparty_id=company_id))
    qs = qs.exclude(kind__in=["open", "deposit", "withdraw", "settle"])
    return qs.select_related("company", "counterparty", "programme", "cash_out").order_by(
        "-value_date", "-pk"
    )[:limit]


def payouts(user: User, company_id: int, *, limit: int = 200) -> QuerySet[Payout]:
    if not (can_read_all(user) or (is_partner(user) and user.company_id == company_id)):
        return Payout.objects.none()
    return (
        Payout.objects.filter(holder_id=company_id)
        .select_related("claim", "claim__programme")
        .order_by("-paid_on", "-pk")[:limit]
    )


def operations(programme: Programme, *, limit: int = 100) -> QuerySet[Operation]:
    return (
        Operation.objects.filter(programme=programme)
        .select_related("company", "counterparty", "actor")
        .order_by("-value_date", "-pk")[:limit]
    )
