"""Claims: issue, pass on, cash out, settle; insolvency."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from sangsaeng.accounts.audit import audit_record, diff, snapshot
from sangsaeng.accounts.models import AuditAction, User
from sangsaeng.ledger import services as ledger
from sangsaeng.ledger.models import Account, Transaction
from sangsaeng.lib import bulk
from sangsaeng.lib.errors import Conflict, DomainError, NotFound
from sangsaeng.locking import lock_claims, lock_insolvency, lock_programme, lock_tree
from sangsaeng.partners.models import Company
from sangsaeng.payments import book, pricing
from sangsaeng.payments.models import (
    CashOut,
    Claim,
    ClaimKind,
    Insolvency,
    Operation,
    OperationKind,
    Payout,
    Programme,
)
from sangsaeng.payments.permissions import require_act_for, require_manage
from sangsaeng.payments.services.common import (
    DB,
    Lookups,
    OpLookups,
    check_holder_may_act,
    check_recipient,
    clean_amount,
    clean_key,
    deposit_floor,
    fingerprint_of,
    load_programme,
    not_before,
    once,
    pricing_of,
    record,
    replay,
    replayed,
    value_day,
)

# -- claims ---------------------------------------------------------------------------------------


def claim_issue(
    *,
    actor: User | None,
    programme: Programme,
    holder: Company,
    amount: Any,
    maturity: dt.date,
    value_date: dt.date | None = None,
    idempotency_key: str,
    memo: str = "",
) -> Operation:
    """The buyer pays its direct supplier ``holder`` with a claim of ``amount`` due at
    ``maturity``. The escrow must cover it: the buyer's free deposit may not go below zero on
    any day (``escrow_insufficient``); a serious programme refuses rather than flags."""
    require_manage(actor)
    key, amount, day = clean_key(idempotency_key), clean_amount(amount), value_day(value_date)
    memo = (memo or "").strip()[:200]
    if not isinstance(maturity, dt.date) or maturity <= day:
        raise DomainError(
            "maturity_not_after_issue", "만기일은 발행일보다 뒤여야 합니다.", field="maturity"
        )
    fp = fingerprint_of(
        "issue", actor, programme=programme.pk, holder=holder.pk, amount=amount,
        maturity=maturity, value_date=value_date, memo=memo,
    )  # fmt: skip

    def write() -> Operation:
        with transaction.atomic():
            prog = lock_programme(programme.pk)
            found = replay(key, fp)
            if found is not None:
                return found
            check_issue(prog, holder, maturity, day)
            free = deposit_floor(prog, day)
            if amount > free:
                raise escrow_short(free)
            claim = Claim.objects.create(
                programme=prog, kind=ClaimKind.ISSUE, holder=holder, amount=amount,
                remaining=amount, issue_date=day, maturity=maturity, depth=0,
                last_op_date=day, memo=memo,
            )  # fmt: skip
            assert prog.deposit_account is not None
            legs = [(prog.deposit_account, amount), (book.owed_account(prog, holder), -amount)]
            return record(
                programme=prog, kind=OperationKind.ISSUE, key=key, fingerprint=fp, actor=actor,
                amount=amount, day=day, legs=legs, tx_kind=book.KIND_ISSUE,
                memo=f"발행 #{claim.pk} → {holder.name} {amount:,}원 (만기 {maturity})",
                company=prog.buyer, counterparty=holder, result_claim=claim,
            )  # fmt: skip

    return once(key, fp, write)


def check_issue(
    prog: Programme, holder: Company, maturity: dt.date, day: dt.date, facts: Lookups = DB
) -> None:
    """The rules of an issue, except escrow cover (which depends on what else is issued)."""
    not_before(day, prog.opened_on, "value_date_before_opening", "사업 개시일 이전입니다.")
    if maturity <= day:
        raise DomainError(
            "maturity_not_after_issue", "만기일은 발행일보다 뒤여야 합니다.", field="maturity"
        )
    if (maturity - day).days > prog.max_term_days:
        raise DomainError(
            "term_too_long",
            f"만기는 발행일로부터 {prog.max_term_days}일 이내여야 합니다.",
            field="maturity",
        )
    check_recipient(prog, prog.buyer_id, holder, day, facts)


def escrow_short(free: int) -> DomainError:
    return DomainError(
        "escrow_insufficient",
        f"예치금 중 채권에 배정되지 않은 금액({free:,}원)을 넘어 발행할 수 없습니다.",
        field="amount",
    )


def claim_split(
    *,
    actor: User | None,
    claim: Claim,
    to: Company,
    amount: Any,
    value_date: dt.date | None = None,
    idempotency_key: str,
) -> Operation:
    """The holder passes ``amount`` of what it holds to its own direct supplier ``to``: a
    child claim with the same maturity. As many times as it likes, up to what it still holds."""
    require_act_for(actor, claim.holder_id)
    key, amount, day = clean_key(idempotency_key), clean_amount(amount), value_day(value_date)
    fp = fingerprint_of(
        "split", actor, claim=claim.pk, to=to.pk, amount=amount, value_date=value_date
    )

    def write() -> Operation:
        with transaction.atomic():
            (node,) = lock_claims([claim.pk], related=True)
            prog = node.programme
            owners = [node.holder_id, to.pk]
            facts = OpLookups(
                set(owners), {(node.holder_id, to.pk)}, key=key, programme=prog, owners=owners
            )
            if facts.replayed is not None:
                return replayed(facts.replayed, fp)
            check_split(prog, node, to, amount, day, facts)
            accounts = facts.accounts(prog, owners)
            legs = [(accounts[node.holder_id], amount), (accounts[to.pk], -amount)]
            return _carve_and_record(
                node, prog, ClaimKind.SPLIT, to.pk, amount, day, actor=actor, key=key,
                fingerprint=fp, op_kind=OperationKind.SPLIT, legs=legs, tx_kind=book.KIND_SPLIT,
                memo=f"#{node.pk} {node.holder.name} → {to.name} {amount:,}원",
            )  # fmt: skip

    return once(key, fp, write, look_first=False)


def check_split(
    prog: Programme, node: Claim, to: Company, amount: int, day: dt.date, facts: Lookups = DB
) -> None:
    check_holder_may_act(prog, node, day, facts)
    if day >= node.maturity:
        raise DomainError(
            "claim_matured", "만기일 이후에는 채권을 넘길 수 없습니다.", field="value_date"
        )
    check_recipient(prog, node.holder_id, to, day, facts)
    if amount > node.remaining:
        raise DomainError(
            "split_exceeds_held",
            f"보유 잔액({node.remaining:,}원)보다 많이 넘길 수 없습니다.",
            field="amount",
        )


def _carve_and_record(
    node: Claim,
    prog: Programme,
    kind: str,
    holder_id: int,
    amount: int,
    day: dt.date,
    *,
    actor: User | None,
    key: str,
    fingerprint: str,
    op_kind: str,
    legs: book.Legs,
    tx_kind: str,
    memo: str,
    quote: pricing.Quote | None = None,
) -> Operation:
    """Carve ``amount`` out of the locked ``node`` into a child claim held by ``holder_id``,
    record the operation (and the cash-out's price) and post its ledger transaction.

    On PostgreSQL the claim update, the child, the operation and the cash-out are one
    statement (data-modifying CTEs) that also draws the ledger transaction's id, so the
    operation names it from the start and the ledger's own statement is the only other write:
    two round trips instead of five or six. Elsewhere, row by row."""
    if connection.vendor != "postgresql":
        child = _child(node, kind, holder_id, amount, day)
        op = record(
            programme=prog, kind=op_kind, key=key, fingerprint=fingerprint, actor=actor,
            amount=amount, day=day, legs=legs, tx_kind=tx_kind, memo=f"{memo} (#{child.pk})",
            claim=node, result_claim=child, company_id=node.holder_id,
            counterparty_id=holder_id, details=quote.as_json() if quote else {},
        )  # fmt: skip
        if quote is not None:
            cash_out_row(op, node, child, quote).save(force_insert=True)
        return op
    node.remaining -= amount
    node.last_op_date = day
    child = bulk.instance(
        Claim,
        {
            "programme_id": node.programme_id, "parent_id": node.pk,
            "root_id": node.root_id or node.pk, "kind": kind, "holder_id": holder_id,
            "amount": amount, "remaining": amount, "issue_date": day, "maturity": node.maturity,
            "depth": node.depth + 1, "last_op_date": day, "created_at": timezone.now(),
        },
    )  # fmt: skip
    op = bulk.instance(
        Operation,
        {
            "programme_id": prog.pk, "kind": op_kind, "idempotency_key": key,
            "fingerprint": fingerprint, "amount": amount, "value_date": day,
            "claim_id": node.pk, "company_id": node.holder_id, "counterparty_id": holder_id,
            "details": quote.as_json() if quote else {},
            "actor_id": actor.pk if actor is not None and actor.pk else None,
            "created_at": child.created_at,
        },
    )  # fmt: skip
    claims = connection.ops.quote_name(Claim._meta.db_table)
    c_sql, c_params = bulk.insert_select(Claim, child, {}, "")
    o_sql, o_params = bulk.insert_select(
        Operation, op,
        {"result_claim_id": "c.id",
         "transaction_id": f"nextval({bulk.sql_literal(bulk.sequence_of(Transaction))})"},
        "FROM c",
    )  # fmt: skip
    sql = (
        f"WITH u AS (UPDATE {claims} SET remaining = %s, last_op_date = %s WHERE id = %s), "
        f"c AS ({c_sql} RETURNING id), "
        f"o AS ({o_sql} RETURNING id, result_claim_id, transaction_id)"
    )
    params = [node.remaining, day, node.pk, *c_params, *o_params]
    if quote is not None:
        row = cash_out_row(op, node, child, quote)
        k_sql, k_params = bulk.insert_select(
            CashOut, row, {"operation_id": "o.id", "bank_claim_id": "o.result_claim_id"},
            "FROM o",
        )  # fmt: skip
        sql += f", k AS ({k_sql})"
        params += k_params
    with connection.cursor() as cursor:
        cursor.execute(sql + " SELECT id, result_claim_id, transaction_id FROM o", params)
        op.pk, child.pk, tx_id = cursor.fetchone()
    op.result_claim_id = child.pk
    op.result_claim = child
    posted = ledger.transfer_post(
        idempotency_key=f"payments:{key}", postings=book.non_zero(legs), occurred_at=day,
        memo=f"{memo} (#{child.pk})"[:500], actor=actor, source=op, kind=tx_kind, pk=tx_id,
    )  # fmt: skip
    if posted.pk != tx_id:  # the ledger key was taken: cannot be while the op key was free
        raise IntegrityError(f"payments: ledger key payments:{key} already taken")
    op.transaction_id = tx_id
    return op


def _child(node: Claim, kind: str, holder_id: int, amount: int, day: dt.date) -> Claim:
    """Carve ``amount`` out of the locked ``node`` into a new child claim."""
    node.remaining -= amount
    node.last_op_date = day
    node.save(update_fields=["remaining", "last_op_date"])
    return Claim.objects.create(
        programme_id=node.programme_id, parent=node, root_id=node.root_id or node.pk, kind=kind,
        holder_id=holder_id, amount=amount, remaining=amount, issue_date=day,
        maturity=node.maturity, depth=node.depth + 1, last_op_date=day,
    )  # fmt: skip


def cash_out_quote(
    *, claim: Claim, amount: Any = None, value_date: dt.date | None = None
) -> pricing.Quote:
    """What cashing out ``amount`` (default: all the holder still has) on ``value_date``
    would pay, checking the same rules as :func:`claim_cash_out` (nothing is written)."""
    day = value_day(value_date)
    prog = load_programme(claim.programme_id)
    return quote_for(prog, claim, amount, day)


def quote_for(
    prog: Programme, node: Claim, amount: Any, day: dt.date, facts: Lookups = DB
) -> pricing.Quote:
    check_holder_may_act(prog, node, day, facts)
    if day >= node.maturity:
        raise DomainError(
            "cash_out_at_maturity",
            "조기현금화는 만기일 전에만 할 수 있습니다.",
            field="value_date",
        )
    amount = node.remaining if amount is None else clean_amount(amount)
    if amount > node.remaining:
        raise DomainError(
            "cash_out_exceeds_held",
            f"보유 잔액({node.remaining:,}원)보다 많이 현금화할 수 없습니다.",
            field="amount",
        )
    if amount <= 0:
        raise DomainError("nothing_held", "현금화할 보유 잔액이 없습니다.", field="amount")
    return pricing.quote(pricing_of(prog), amount=amount, days=(node.maturity - day).days)


def claim_cash_out(
    *,
    actor: User | None,
    claim: Claim,
    amount: Any = None,
    value_date: dt.date | None = None,
    idempotency_key: str,
    expected_advance: int | None = None,
) -> Operation:
    """The holder sells ``amount`` (default: all it still has) to the programme's bank before
    maturity: the bank pays ``amount − discount`` now and holds the right to ``amount`` at
    maturity (a child claim held by the bank). With ``expected_advance`` (the quote shown), a
    price that changed meanwhile is refused (``quote_changed``) rather than silently paid."""
    require_act_for(actor, claim.holder_id)
    key, day = clean_key(idempotency_key), value_day(value_date)
    fp = fingerprint_of(
        "cash_out", actor, claim=claim.pk, amount=amount, value_date=value_date,
        expected_advance=expected_advance,
    )  # fmt: skip

    def write() -> Operation:
        with transaction.atomic():
            (node,) = lock_claims([claim.pk], related=True)
            prog = node.programme
            owners = [node.holder_id, prog.bank_id]
            facts = OpLookups({node.holder_id}, key=key, programme=prog, owners=owners)
            if facts.replayed is not None:
                return replayed(facts.replayed, fp)
            quote = quote_for(prog, node, amount, day, facts)
            if expected_advance is not None and expected_advance != quote.advance:
                raise Conflict(
                    "quote_changed",
                    f"조건이 바뀌어 지급액이 {quote.advance:,}원이 되었습니다. 다시 확인하세요.",
                    field="expected_advance",
                )
            accounts = facts.accounts(prog, owners, fixed=CASH_OUT_ACCOUNTS)
            legs = cash_out_legs(prog, accounts[node.holder_id], accounts[prog.bank_id], quote)
            return _carve_and_record(
                node, prog, ClaimKind.CASH_OUT, prog.bank_id, quote.amount, day, actor=actor,
                key=key, fingerprint=fp, op_kind=OperationKind.CASH_OUT, legs=legs,
                tx_kind=book.KIND_CASH_OUT, quote=quote,
                memo=f"조기현금화 #{node.pk} {node.holder.name} {quote.amount:,}원 "
                f"(할인 {quote.discount:,}원, 지급 {quote.advance:,}원)",
            )  # fmt: skip

    return once(key, fp, write, look_first=False)


CASH_OUT_ACCOUNTS = (
    "bank_advances_account",
    "bank_cash_account",
    "bank_discount_account",
    "bank_fee_account",
)


def cash_out_row(
    op: Operation, node: Claim, bank_claim: Claim, quote: pricing.Quote, pk: int | None = None
) -> CashOut:
    """The cash-out's row (``pk``: drawn already, for a batch's multi-row insert)."""
    return bulk.instance(
        CashOut,
        {
            "id": pk, "operation_id": op.pk, "claim_id": node.pk, "bank_claim_id": bank_claim.pk,
            "amount": quote.amount, "days": quote.days, "day_count": quote.day_count,
            "rounding": quote.rounding, "base_rate": quote.base_rate, "spread": quote.spread,
            "system_fee": quote.system_fee, "annual_rate": quote.annual_rate,
            "discount": quote.discount, "fee": quote.fee, "interest": quote.interest,
            "advance": quote.advance,
        },
    )  # fmt: skip


def cash_out_legs(
    prog: Programme, holder_owed: Account, bank_owed: Account, quote: pricing.Quote
) -> book.Legs:
    assert prog.bank_advances_account and prog.bank_cash_account
    assert prog.bank_discount_account and prog.bank_fee_account
    a = quote.amount
    return [
        (holder_owed, a),
        (bank_owed, -a),
        (prog.bank_advances_account, a),
        (prog.bank_cash_account, -quote.advance),
        (prog.bank_discount_account, -quote.interest),
        (prog.bank_fee_account, -quote.fee),
    ]


def claim_settle(
    *,
    actor: User | None,
    claim: Claim,
    value_date: dt.date | None = None,
    idempotency_key: str,
) -> Operation:
    """At or after maturity the escrow pays every node of ``claim``'s tree what it retained,
    each exactly once, to whoever holds it: partners at any tier and the bank for what was
    cashed out. Nothing depends on an upper tier: a bankrupt or vanished tier-1 changes none of
    the lower tiers' payouts. A second settlement is refused (``already_settled``)."""
    require_manage(actor)
    key, day = clean_key(idempotency_key), value_day(value_date)
    fp = fingerprint_of("settle", actor, claim=claim.pk, value_date=value_date)

    def write() -> Operation:
        with transaction.atomic():
            root_id = claim.root_id or claim.pk
            nodes = lock_tree(root_id)
            found = replay(key, fp)
            if found is not None:
                return found
            root = next(n for n in nodes if n.pk == root_id)
            _check_settleable(root)
            if day < root.maturity:
                raise DomainError(
                    "not_yet_due",
                    f"만기일({root.maturity.isoformat()}) 전에는 결제할 수 없습니다.",
                    field="value_date",
                )
            return _pay_tree(actor, key, fp, root, nodes, day)

    return once(key, fp, write)


def settleable(claim: Claim) -> bool:
    """Whether ``claim``'s tree may be settled as it stands (the rules about the tree itself;
    the value date and who asks are checked when it is): for pages, to offer the form or not.
    Every node of a tree carries its settlement date, and only a root can be reversed with its
    tree (a reversed pass-on leaves the rest of the tree to settle), so the claim itself tells."""
    if claim.parent_id is not None:
        return claim.settled_on is None
    try:
        _check_settleable(claim)
    except Conflict:
        return False
    return True


def _check_settleable(root: Claim) -> None:
    if root.settled_on is not None:
        raise Conflict(
            "already_settled", f"이미 {root.settled_on.isoformat()}에 결제된 채권입니다."
        )
    if root.reversed_on is not None:
        raise Conflict("claim_reversed", "취소된 채권은 결제할 수 없습니다.")


def _pay_tree(
    actor: User | None, key: str, fp: str, root: Claim, nodes: list[Claim], day: dt.date
) -> Operation:
    prog = load_programme(root.programme_id)
    per_holder: dict[int, int] = defaultdict(int)
    for node in nodes:
        if node.remaining:
            per_holder[node.holder_id] += node.remaining
    if sum(per_holder.values()) != root.amount:  # the tree invariant; checks.py proves it too
        raise Conflict("tree_inconsistent", f"채권 #{root.pk}의 분할 합계가 맞지 않습니다.")
    accounts = book.owed_accounts(prog, set(per_holder))
    assert prog.escrow_account and prog.bank_cash_account and prog.bank_advances_account
    legs: book.Legs = [(accounts[h], amount) for h, amount in sorted(per_holder.items())]
    legs.append((prog.escrow_account, -root.amount))
    bank_part = per_holder.get(prog.bank_id, 0)
    legs += [(prog.bank_cash_account, bank_part), (prog.bank_advances_account, -bank_part)]
    op = record(
        programme=prog, kind=OperationKind.SETTLE, key=key, fingerprint=fp, actor=actor,
        amount=root.amount, day=day, legs=legs, tx_kind=book.KIND_SETTLE,
        memo=f"만기 결제 #{root.pk} {root.amount:,}원 ({len(per_holder)}개 기업)",
        claim=root, company=prog.buyer,
    )  # fmt: skip
    Payout.objects.bulk_create(
        Payout(claim=n, operation=op, holder_id=n.holder_id, amount=n.remaining, paid_on=day)
        for n in nodes
        if n.remaining
    )
    Claim.objects.filter(pk__in=[n.pk for n in nodes]).update(settled_on=day)
    return op


def due_roots(as_of: dt.date) -> QuerySet[Claim]:
    """Claim trees (their roots) due on or before ``as_of``, not yet settled nor reversed."""
    due = Claim.objects.filter(
        parent__isnull=True, settled_on__isnull=True, reversed_on__isnull=True, maturity__lte=as_of
    )
    return due.order_by("maturity", "pk").only("pk", "root_id", "maturity")


def settle_one(*, root: Claim, actor: User | None = None) -> Operation | None:
    """Settle one due tree at its maturity date under the key ``settle:<root id>``; None if it
    was settled meanwhile (by another run, or by hand under another key)."""
    try:
        return claim_settle(
            actor=actor, claim=root, value_date=root.maturity, idempotency_key=f"settle:{root.pk}"
        )
    except Conflict as exc:
        if exc.code != "already_settled":
            raise
        return None


def settle_due(*, as_of: dt.date | None = None, actor: User | None = None) -> list[Operation]:
    """Settle every claim tree due on or before ``as_of`` (default today), each at its
    maturity date, each in its own transaction. Trees settled meanwhile are skipped."""
    done = []
    for root in due_roots(value_day(as_of, "as_of")):
        op = settle_one(root=root, actor=actor)
        if op is not None:
            done.append(op)
    return done


# -- insolvency -----------------------------------------------------------------------------------


def insolvency_declare(
    *, actor: User, company: Company, declared_on: dt.date | None = None, note: str = "",
    source: str = "web",
) -> Insolvency:  # fmt: skip
    """Mark a company bankrupt from ``declared_on``. Idempotent for the same date."""
    require_manage(actor)
    day = value_day(declared_on, "declared_on")
    try:
        return _declare(actor, company, day, note, source)
    except IntegrityError:
        # A first declaration for the company committed while ours was on its way (there was
        # no row to lock yet, the one-to-one key refused ours): answer as if it had come first.
        return _declare(actor, company, day, note, source)


def _declare(actor: User, company: Company, day: dt.date, note: str, source: str) -> Insolvency:
    with transaction.atomic():
        found = lock_insolvency(company.pk)
        if found is not None:
            if found.declared_on != day:
                raise Conflict(
                    "already_insolvent",
                    f"이미 {found.declared_on.isoformat()}에 도산 처리된 기업입니다.",
                )
            return found
        record = Insolvency.objects.create(
            company=company,
            declared_on=day,
            note=(note or "")[:300],
            created_by=actor if actor.pk else None,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=record,
            changes=diff({}, snapshot(record, ("company", "declared_on", "note"))),
            source=source,
        )
    return record


def claim_get(claim_id: int) -> Claim:
    found = Claim.objects.select_related("holder", "programme").filter(pk=claim_id).first()
    if found is None:
        raise NotFound("not_found", "채권을 찾을 수 없습니다.")
    return found


def outstanding_total(programme: Programme) -> int:
    """What the escrow still owes, from the claim trees (not the ledger)."""
    qs = Claim.objects.filter(programme=programme, settled_on__isnull=True)
    return qs.aggregate(total=Sum("remaining"))["total"] or 0
