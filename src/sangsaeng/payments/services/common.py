"""What every payment service shares: input cleaning, idempotency, common rules. (The locks
live in ``sangsaeng.locking``.)"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, connection
from django.db.models import Q

from sangsaeng.accounts.models import User
from sangsaeng.ledger import services as ledger
from sangsaeng.ledger.models import Account, Posting
from sangsaeng.lib import bulk
from sangsaeng.lib.dates import KST, today_kst
from sangsaeng.lib.errors import Conflict, DomainError
from sangsaeng.partners.models import Company, SupplyLink
from sangsaeng.payments import book, pricing
from sangsaeng.payments.models import (
    MAX_WON,
    Claim,
    Insolvency,
    Operation,
    Programme,
)

MAX_KEY = 100
PRICING_FIELDS = (
    "base_rate",
    "spread_tiers",
    "system_fee",
    "day_count",
    "rounding",
    "max_term_days",
)


# -- input ----------------------------------------------------------------------------------------


def clean_key(value: Any) -> str:
    key = value.strip() if isinstance(value, str) else ""
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise DomainError(
            "idempotency_key_required",
            "멱등 키(Idempotency-Key)를 1~100자로 보내세요.",
            field="idempotency_key",
        )
    return key


def clean_amount(value: Any, field: str = "amount") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("amount_not_integer", "금액은 원 단위 정수여야 합니다.", field=field)
    if value <= 0:
        raise DomainError("amount_not_positive", "금액은 1원 이상이어야 합니다.", field=field)
    if value > MAX_WON:
        raise DomainError("amount_too_large", "금액이 너무 큽니다.", field=field)
    return value


def value_day(value: dt.date | None, field: str = "value_date") -> dt.date:
    day = value or today_kst()
    if day > today_kst():
        raise DomainError("value_date_future", "기준일이 미래일 수 없습니다.", field=field)
    return day


def not_before(day: dt.date, earliest: dt.date, code: str, message: str) -> None:
    if day < earliest:
        raise DomainError(
            code, f"{message} ({earliest.isoformat()} 이후여야 합니다.)", field="value_date"
        )


# -- idempotency ----------------------------------------------------------------------------------


def fingerprint_of(kind: str, actor: User | None, **params: Any) -> str:
    """What a request asked for, by whom; a retry must match it exactly."""
    body = {"kind": kind, "actor": actor.pk if actor is not None else None, **params}
    text = json.dumps(body, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def replay(key: str, fingerprint: str) -> Operation | None:
    # By hand: an operation is looked up before almost every write, and nearly always absent.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Operation._meta.db_table} WHERE idempotency_key = %s", [key]
        )
        row = cursor.fetchone()
    return None if row is None else replayed(row[0], fingerprint)


def replayed(op_id: int, fingerprint: str) -> Operation:
    """The operation ``op_id`` already recorded under the request's key, if the request is the
    same (``fingerprint``); a different one under that key is refused."""
    found = Operation.objects.get(pk=op_id)
    if found.fingerprint != fingerprint:
        raise Conflict(
            "idempotency_key_reused",
            "이 멱등 키로 다른 요청이 이미 처리되었습니다. 새 키를 쓰세요.",
            field="idempotency_key",
        )
    return found


def once(
    key: str, fingerprint: str, write: Callable[[], Operation], *, look_first: bool = True
) -> Operation:
    """Run ``write`` unless ``key`` was done already. ``write`` looks again after taking its
    locks (a concurrent retry may have committed while it waited); if two requests with one key
    still race past both looks (they locked different rows), the unique key refuses the second
    insert and it returns the first one's operation. ``look_first=False`` when ``write``'s own
    look (after its locks) is the only one needed: one round trip fewer per operation."""
    if look_first:
        found = replay(key, fingerprint)
        if found is not None:
            return found
    try:
        return write()
    except IntegrityError:
        found = replay(key, fingerprint)
        if found is None:
            raise
        return found


def record(
    *,
    programme: Programme,
    kind: str,
    key: str,
    fingerprint: str,
    actor: User | None,
    amount: int,
    day: dt.date,
    legs: book.Legs,
    tx_kind: str,
    memo: str,
    **fields: Any,
) -> Operation:
    """Write the operation and post its ledger transaction (key ``payments:<key>``)."""
    op = Operation.objects.create(
        programme=programme,
        kind=kind,
        idempotency_key=key,
        fingerprint=fingerprint,
        amount=amount,
        value_date=day,
        actor=actor if actor is not None and actor.pk else None,
        **fields,
    )
    if legs:
        op.transaction = ledger.transfer_post(
            idempotency_key=f"payments:{key}",
            postings=book.non_zero(legs),
            occurred_at=day,
            memo=memo[:500],
            actor=actor,
            source=op,
            kind=tx_kind,
        )
        op.save(update_fields=["transaction"])
    return op


# -- programmes with their ledger accounts (row locks: sangsaeng.locking) -------------------------


ACCOUNT_FIELDS = tuple(book.FIELDS)


def load_programme(programme_id: int) -> Programme:
    return with_accounts(Programme.objects.select_related("buyer", "bank").get(pk=programme_id))


def with_accounts(programme: Programme) -> Programme:
    """Attach the programme's six ledger accounts, read in one primary-key lookup. (Joining
    them in the programme's query made PostgreSQL plan a nine-table join each time: ~10 ms,
    a third of a single operation.)"""
    ids = {getattr(programme, f"{name}_id") for name in ACCOUNT_FIELDS} - {None}
    accounts = Account.objects.in_bulk(list(ids))
    for name in ACCOUNT_FIELDS:
        account = accounts.get(getattr(programme, f"{name}_id"))
        if account is not None:
            setattr(programme, name, account)
    return programme


# -- rules shared by several operations -----------------------------------------------------------


def _account_ref(pk: int) -> Account:
    """An account known by its id only, for a ledger leg: the ledger locks and reads the row
    (balance, code, rules) itself. Not for reading anything else."""
    return bulk.instance(Account, {"id": pk}, saved=True)


def _day(value: Any) -> Any:
    """A date read by hand: SQLite returns its ISO text."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def supplies_on(buyer_id: int, supplier_id: int, day: dt.date) -> bool:
    """Whether ``supplier`` is ``buyer``'s direct supplier on ``day``."""
    return (
        SupplyLink.objects.filter(buyer_id=buyer_id, supplier_id=supplier_id, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .exists()
    )


def insolvent_on(company_id: int, day: dt.date) -> bool:
    return Insolvency.objects.filter(company_id=company_id, declared_on__lte=day).exists()


class Lookups:
    """The facts the rules look up: supply links in force and insolvencies. Single operations
    ask the database each time; a batch uses :class:`BatchLookups`, which reads them once."""

    def supplies(self, buyer_id: int, supplier_id: int, day: dt.date) -> bool:
        return supplies_on(buyer_id, supplier_id, day)

    def insolvent(self, company_id: int, day: dt.date) -> bool:
        return insolvent_on(company_id, day)


DB = Lookups()


class BatchLookups(Lookups):
    """Every link of the given buyers and every insolvency, read up front (inside the batch's
    transaction), then answered from memory."""

    def __init__(self, buyer_ids: set[int]) -> None:
        self.links: dict[tuple[int, int], list[tuple[dt.date, dt.date | None]]] = {}
        ids = sorted(buyer_ids)
        for i in range(0, len(ids), 900):  # under SQLite's limit of bound parameters
            rows = SupplyLink.objects.filter(buyer_id__in=ids[i : i + 900]).values_list(
                "buyer_id", "supplier_id", "start_date", "end_date"
            )
            for buyer, supplier, start, end in rows:
                self.links.setdefault((buyer, supplier), []).append((start, end))
        self.buyers = buyer_ids
        self.declared = dict(Insolvency.objects.values_list("company_id", "declared_on"))

    def supplies(self, buyer_id: int, supplier_id: int, day: dt.date) -> bool:
        if buyer_id not in self.buyers:
            return supplies_on(buyer_id, supplier_id, day)
        spans = self.links.get((buyer_id, supplier_id), [])
        return any(start <= day and (end is None or end >= day) for start, end in spans)

    def insolvent(self, company_id: int, day: dt.date) -> bool:
        declared = self.declared.get(company_id)
        return declared is not None and declared <= day


class OpLookups(Lookups):
    """The facts one operation needs (insolvency of ``companies``, the supply links of the
    ``pairs`` (buyer, supplier)), read in one query; anything else is asked as usual.

    The same query also answers, when asked: whether an operation with the idempotency ``key``
    exists (``replayed``: its id), and the ids of ``programme``'s claim accounts of ``owners``
    (see :meth:`accounts`): a single operation's reads in one round trip."""

    def __init__(
        self,
        companies: set[int],
        pairs: set[tuple[int, int]] | None = None,
        *,
        key: str | None = None,
        programme: Programme | None = None,
        owners: list[int] | None = None,
    ) -> None:
        self.replayed: int | None = None
        self.owed: dict[int, int] = {}
        self.companies = companies
        self.pairs = set(pairs or ())
        self.declared: dict[int, dt.date] = {}
        self.links: dict[tuple[int, int], list[tuple[dt.date, dt.date | None]]] = {}
        # By hand (the ORM's compiling of this union cost more than running it).
        ids = sorted(companies)
        sql = (
            "SELECT 0, company_id, company_id, declared_on, declared_on "
            f"FROM {Insolvency._meta.db_table} WHERE company_id IN ({', '.join(['%s'] * len(ids))})"
        )
        params: list[Any] = list(ids)
        if self.pairs:
            which = " OR ".join(["(buyer_id = %s AND supplier_id = %s)"] * len(self.pairs))
            sql += (
                " UNION ALL SELECT 1, buyer_id, supplier_id, start_date, end_date "
                f"FROM {SupplyLink._meta.db_table} WHERE {which}"
            )
            params += [v for pair in sorted(self.pairs) for v in pair]
        if key is not None:
            sql += (
                f" UNION ALL SELECT 2, id, NULL, NULL, NULL FROM {Operation._meta.db_table} "
                "WHERE idempotency_key = %s"
            )
            params.append(key)
        if programme is not None and owners:
            codes = {book.owed_code(programme.pk, pk): pk for pk in owners}
            cases = " ".join(["WHEN %s THEN %s"] * len(codes))
            sql += (
                f" UNION ALL SELECT 3, id, CASE code {cases} END, NULL, NULL "
                f"FROM {Account._meta.db_table} WHERE code IN ({', '.join(['%s'] * len(codes))})"
            )
            params += [v for item in codes.items() for v in item] + list(codes)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        for kind, a, b, start, end in rows:
            if kind == 0:
                self.declared[a] = _day(start)
            elif kind == 1:
                self.links.setdefault((a, b), []).append((_day(start), _day(end)))
            elif kind == 2:
                self.replayed = a
            else:
                self.owed[b] = a

    def accounts(
        self, programme: Programme, owners: list[int], *, fixed: tuple[str, ...] = ()
    ) -> dict[int, Account]:
        """The claim accounts of ``owners`` (by company id) as ledger legs need them (their
        ids: the ledger reads and locks the rows itself), and the programme's ``fixed``
        accounts attached to it the same way; a claim account not yet opened is opened."""
        found = {pk: _account_ref(self.owed[pk]) for pk in owners if pk in self.owed}
        for pk in owners:
            if pk not in found:
                found[pk] = book.owed_account(programme, Company.objects.get(pk=pk))
        for name in fixed:
            setattr(programme, name, _account_ref(getattr(programme, f"{name}_id")))
        return found

    def supplies(self, buyer_id: int, supplier_id: int, day: dt.date) -> bool:
        if (buyer_id, supplier_id) not in self.pairs:
            return supplies_on(buyer_id, supplier_id, day)
        spans = self.links.get((buyer_id, supplier_id), [])
        return any(start <= day and (end is None or end >= day) for start, end in spans)

    def insolvent(self, company_id: int, day: dt.date) -> bool:
        if company_id not in self.companies:
            return insolvent_on(company_id, day)
        declared = self.declared.get(company_id)
        return declared is not None and declared <= day


def check_recipient(
    programme: Programme, giver_id: int, to: Company, day: dt.date, facts: Lookups = DB
) -> None:
    if to.pk == giver_id:
        raise DomainError("split_to_self", "자기 자신에게 넘길 수 없습니다.", field="to")
    if to.pk in (programme.bank_id, programme.buyer_id):
        raise DomainError(
            "recipient_not_partner", "은행이나 구매기업에는 채권을 넘길 수 없습니다.", field="to"
        )
    if not facts.supplies(giver_id, to.pk, day):
        raise DomainError(
            "not_your_supplier",
            f"'{to.name}'은(는) {day.isoformat()} 기준 직접 거래하는 협력사(공급사)가 아닙니다.",
            field="to",
        )
    if facts.insolvent(to.pk, day):
        raise DomainError(
            "recipient_insolvent", f"'{to.name}'은(는) 도산 처리된 기업입니다.", field="to"
        )


def check_holder_may_act(
    programme: Programme, node: Claim, day: dt.date, facts: Lookups = DB
) -> None:
    if node.settled_on is not None:
        raise Conflict("claim_settled", "이미 만기 결제된 채권입니다.")
    if node.holder_id == programme.bank_id:
        raise DomainError("bank_claim", "은행이 보유한 채권은 넘기거나 현금화할 수 없습니다.")
    if facts.insolvent(node.holder_id, day):
        raise DomainError(
            "holder_insolvent", "도산 처리된 기업의 채권은 넘기거나 현금화할 수 없습니다."
        )
    not_before(
        day,
        node.last_op_date,
        "value_date_before_previous",
        "기준일이 이 채권의 이전 거래일보다 빠릅니다.",
    )


def day_start(day: dt.date) -> dt.datetime:
    """00:00 KST of ``day``: the time the ledger gives a value date."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=KST)


def deposit_floor(programme: Programme, day: dt.date) -> int:
    """The lowest the buyer's free deposit will be on any day from ``day`` on, given every
    posting already made (some may be dated later than ``day``: a past programme keyed in out
    of order). Issuing or withdrawing more than this would leave a day uncovered."""
    account = programme.deposit_account
    assert account is not None
    account.refresh_from_db(fields=["balance", "pending"])
    current = account.available
    after = Posting.objects.filter(
        account_id=account.pk, occurred_at__gte=day_start(day + dt.timedelta(days=1))
    )
    later = list(after.order_by("occurred_at", "id").values_list("amount", flat=True))
    if not later:
        return current
    running = current - sum(amount * account.sign for amount in later)
    lowest = running
    for amount in later:
        running += amount * account.sign
        lowest = min(lowest, running)
    return lowest


def pricing_of(programme: Programme) -> pricing.Pricing:
    return pricing.Pricing(
        base_rate=programme.base_rate,
        spread_tiers=pricing.tiers_from_json(programme.spread_tiers),
        system_fee=programme.system_fee,
        day_count=programme.day_count,
        rounding=programme.rounding,
    )
