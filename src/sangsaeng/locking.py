"""All row and graph locking in one place, always in primary-key order.

Taking locks in one fixed order means two transactions can never each hold a lock the other
waits for. On SQLite every write transaction already begins IMMEDIATE (settings), which takes
the database's single write lock, so the functions here only have work to do on PostgreSQL.

Every ``select_for_update`` and every advisory lock of the project is in this module (a test,
``ledger/tests/test_locking_module.py``, keeps it so). Each function says which race it
prevents. The order, per kind of operation (every list is taken left to right):

- partners: the supply-graph advisory lock (new links) → a company or supply-link row, or the
  companies of an import in primary-key order;
- payments: the programme row → claim rows in primary-key order → ledger accounts in
  primary-key order → the ledger's chain head;
- funds: the fund's ledger accounts in primary-key order → the record's row (use,
  contribution, disbursement) → a pending transfer → the chain head;
- ledger: accounts in primary-key order → a pending transfer → the chain head.

The models are imported inside the functions: this module is imported by every app's services
(and by ``ledger/store.py``), so importing models or services at the top would risk cycles.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from django.db import connection, models

if TYPE_CHECKING:
    from sangsaeng.funds.models import Contribution, Disbursement, Fund, FundUse
    from sangsaeng.ledger.models import Account, ChainHead, PendingTransfer
    from sangsaeng.partners.models import Company, SupplyLink
    from sangsaeng.payments.models import Claim, Insolvency, Programme

M = TypeVar("M", bound=models.Model)

# Advisory lock keys (PostgreSQL): one number per kind of graph-wide invariant.
SUPPLY_GRAPH_LOCK = 0x5A_0001

# Primary keys per ``IN (...)`` query: under SQLite's limit of bound parameters.
IN_CHUNK = 900


def lock_record(model: type[M], pk: int) -> M:
    """Lock one row of ``model`` (``SELECT ... FOR UPDATE``) and return it fresh.

    Race prevented: two changes of one record at once each read it in its old state, each
    decide from that state (allowed? already done?) and both write, the second undoing or
    repeating the first. With the row locked the second waits, then reads what the first
    wrote. The named functions below say which race each caller has in mind; this one is for
    code that handles several models alike (fund reversals of contributions, allocations and
    disbursements). One row, so no order to keep; take it after the locks listed before it in
    the module docstring.
    """
    return model._default_manager.select_for_update().get(pk=pk)


# -- partners -------------------------------------------------------------------------------------


def lock_supply_graph() -> None:
    """Serialise changes to the supply graph.

    Race prevented: two requests adding A→B and B→A at once each see no cycle in the graph
    as it was, and both commit, leaving a cycle. With this transaction-scoped advisory lock the
    second waits, then sees the first link and refuses. Call inside ``transaction.atomic``.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SUPPLY_GRAPH_LOCK])


def lock_company(pk: int) -> Company:
    """Lock one company row and return it fresh (an edit).

    Race prevented: two edits of one company at once (two users, or a user and an import) each
    read the old row and save every field: the second silently puts back what the first
    changed, and its audit entry diffs against a state that no longer existed. With the row
    locked the second waits and starts from the first's result.
    """
    from sangsaeng.partners.models import Company

    return lock_record(Company, pk)


def lock_companies(pks: Iterable[int]) -> list[Company]:
    """Lock the companies ``pks`` in primary-key order (in chunks of :data:`IN_CHUNK`) and
    return them fresh, in that order (a file import updating registered companies).

    Race prevented: the same lost update as :func:`lock_company`, for every company a file
    touches: an edit committed between the import's read and its bulk write would be
    overwritten, and the import's diff (only changed columns are written and audited) would be
    computed against stale values. Sorting by pk means two imports with overlapping companies,
    or an import and an edit, can never each hold a row the other waits for.
    """
    from sangsaeng.partners.models import Company

    ids = sorted(set(pks))
    locked: list[Company] = []
    for i in range(0, len(ids), IN_CHUNK):
        chunk = ids[i : i + IN_CHUNK]
        locked.extend(Company.objects.select_for_update().filter(pk__in=chunk).order_by("pk"))
    return locked


def lock_supply_link(pk: int) -> SupplyLink:
    """Lock one supply-link row and return it fresh (an edit of its dates).

    Race prevented: one request moving the start date and another moving the end date at once
    each check "start ≤ end" against the other date as it was, and both save, leaving a link
    that ends before it starts (and one edit lost). With the row locked the second waits,
    checks against the first's dates and is refused if they no longer fit.
    """
    from sangsaeng.partners.models import SupplyLink

    return lock_record(SupplyLink, pk)


# -- payments -------------------------------------------------------------------------------------
# Order: the programme row → claim rows (by pk) → (inside the ledger) accounts → chain head.
# ``FOR NO KEY UPDATE`` and ``of=("self",)`` throughout: see lock_claims.


def lock_programme(programme_id: int) -> Programme:
    """Lock the programme row and return it with its buyer, bank and ledger accounts.

    Race prevented: two issues (or an issue and a withdrawal) for the same programme, back-dated
    before later postings of the buyer's deposit, each check the deposit's lowest future
    balance as it was and both commit, leaving a day on which the escrow did not cover the
    claims. With the row locked the second waits and checks again. The same lock serialises
    idempotent retries of a deposit.

    ``of=("self",)``: only the programme row; its ledger accounts are locked by the ledger,
    later and in pk order with the others. ``no_key``: see :func:`lock_claims`. The accounts
    are attached by ``payments.services.common.with_accounts``, imported at call time like the
    models, so loading this module loads no app's services."""
    from sangsaeng.payments.models import Programme
    from sangsaeng.payments.services.common import with_accounts

    qs = Programme.objects.select_for_update(no_key=True, of=("self",))
    return with_accounts(qs.select_related("buyer", "bank").get(pk=programme_id))


def lock_claims(ids: Iterable[int], *, related: bool = False) -> list[Claim]:
    """Lock claim rows in primary-key order and return them fresh.

    Race prevented: two pass-ons (or a pass-on and a cash-out) from the same claim each read the
    same ``remaining``, each pass the "not more than held" check and both commit, handing on
    more than the holder had. A settlement takes every node of its tree the same way, so no
    pass-on or cash-out can slip in while a tree is paid out (or be paid twice). Sorting by pk
    means two requests locking overlapping sets can never wait on each other in a cycle.

    ``FOR NO KEY UPDATE`` (``no_key``), not ``FOR UPDATE``: PostgreSQL checks foreign keys
    (Django makes them deferred) at COMMIT with ``FOR KEY SHARE`` on the rows referred to. A
    pass-on from a tier-2 node inserts a child pointing at the tree's root; with the root held
    ``FOR UPDATE`` by a pass-on from the root that waits for the ledger's chain head, held in
    turn by the tier-2 request now checking its key at commit, the two deadlock (the
    concurrency test found exactly this). ``NO KEY UPDATE`` still serialises writers of a row
    but lets key checks through, since nobody here ever changes a claim's primary key.

    ``related``: read each claim's programme and holder in the same query (a single
    operation's one look-up of them); only the claim rows are locked (``of=("self",)``)."""
    from sangsaeng.payments.models import Claim

    if related:
        return _lock_claims_related(sorted(set(ids)))
    qs = Claim.objects.select_for_update(no_key=True, of=("self",))
    return list(qs.filter(pk__in=sorted(set(ids))).order_by("pk"))


def _lock_claims_related(ids: list[int]) -> list[Claim]:
    """:func:`lock_claims` with each claim's programme and holder, in one hand-written join
    (the ORM's compiling of the same query cost more than the query: this is the first
    statement of every single pass-on and cash-out)."""
    from sangsaeng.lib import bulk
    from sangsaeng.partners.models import Company
    from sangsaeng.payments.models import Claim, Programme

    c_sql, c_names = bulk.select_list(Claim, "c")
    p_sql, p_names = bulk.select_list(Programme, "p")
    h_sql, h_names = bulk.select_list(Company, "h")
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT {c_sql}, {p_sql}, {h_sql} FROM {Claim._meta.db_table} c "
        f"JOIN {Programme._meta.db_table} p ON p.id = c.programme_id "
        f"JOIN {Company._meta.db_table} h ON h.id = c.holder_id "
        f"WHERE c.id IN ({marks}) ORDER BY c.id"
    )
    if connection.features.has_select_for_update:
        sql += " FOR NO KEY UPDATE OF c"
    claims = []
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        for row in cursor.fetchall():
            a, b = len(c_names), len(c_names) + len(p_names)
            claim = bulk.from_row(Claim, c_names, row[:a])
            Claim.programme.field.set_cached_value(
                claim, bulk.from_row(Programme, p_names, row[a:b])
            )
            Claim.holder.field.set_cached_value(claim, bulk.from_row(Company, h_names, row[b:]))
            claims.append(claim)
    return claims


def lock_tree(root_id: int) -> list[Claim]:
    """Lock every node of a tree (through :func:`lock_claims`, so in pk order) and return them
    in pk order. A pass-on committed between listing the nodes and locking them adds a child we
    did not list, so list again until nothing new appears; once all the nodes are ours no new
    child can be made (making one needs its parent's lock).

    Race prevented: a pass-on or cash-out slipping into a tree while it is settled (paid out
    without it), or two settlements of one tree at once (paid twice)."""
    from django.db.models import Q

    from sangsaeng.payments.models import Claim

    tree = Claim.objects.filter(Q(pk=root_id) | Q(root_id=root_id))
    locked: list[Claim] = []
    while True:
        ids = set(tree.values_list("pk", flat=True))
        if ids == {n.pk for n in locked}:
            return sorted(locked, key=lambda n: n.pk)
        locked = lock_claims(ids)


def lock_insolvency(company_id: int) -> Insolvency | None:
    """Lock the company's insolvency record, if it has one, and return it (or ``None``), for
    a declaration that compares its date with the one recorded.

    Race prevented: a change of the record while a declaration compares against it. Nothing in
    the project updates or deletes an insolvency once written today, so this guards a future
    writer rather than a present one. When there is no record yet nothing is locked (a missing
    row cannot be): two first declarations at once both try to insert, and the one-to-one key
    on the company refuses the second with an ``IntegrityError``, after which
    ``insolvency_declare`` looks again and answers from the row that won."""
    from sangsaeng.payments.models import Insolvency

    return Insolvency.objects.select_for_update().filter(company_id=company_id).first()


# -- funds ----------------------------------------------------------------------------------------
# Order: the fund's ledger accounts (lock_fund, first) → the record's row → (inside the ledger)
# a pending transfer → the chain head.


def lock_fund(fund: Fund) -> dict[int, Account]:
    """Lock every ledger account of ``fund`` (cash, pool, and each use's restricted and budget
    accounts; in primary-key order, through :func:`lock_ledger_accounts`) and return them
    fresh. Call first in the service's transaction, before any record row lock.

    Race prevented: two operations on one fund each read the balances to decide which account
    to draw on and whether there is enough (a disbursement splitting across restricted money
    and budget, an allocation, a refund), and both act on the same money. The ledger would
    refuse the loser, but with a generic error and possibly after half the legs; holding the
    fund's accounts makes every fund operation see the balances the previous one left. A
    fund's operations are few, so serialising them costs nothing that matters.
    """
    from sangsaeng.funds.models import FundUse

    ids = [fund.cash_account_id, fund.pool_account_id]
    for restricted, budget in FundUse.objects.filter(fund=fund).values_list(
        "restricted_account_id", "budget_account_id"
    ):
        ids += [restricted, budget]
    return lock_ledger_accounts(ids)


def lock_fund_use(pk: int) -> FundUse:
    """Lock one fund use row and return it fresh (an edit: name, description, active).

    Race prevented: two edits of one use at once each read the old row and save every field,
    the second putting back what the first changed (re-activating a use just closed, say) and
    auditing a diff against a state that no longer existed. The second now waits and starts
    from the first's result.
    """
    from sangsaeng.funds.models import FundUse

    return lock_record(FundUse, pk)


def lock_disbursement(pk: int) -> Disbursement:
    """Lock one disbursement row (after the fund's accounts, where the operation takes them:
    not for an approval, which moves no money) and return it fresh.

    Race prevented: an approve and a reject (or two pays, or a pay and a refund) of one
    disbursement at once each see it in the old state and both act; the second now waits and
    sees the first's result.
    """
    from sangsaeng.funds.models import Disbursement

    return lock_record(Disbursement, pk)


def lock_contribution(pk: int) -> Contribution:
    """Lock one contribution row (after the fund's accounts) and return it fresh.

    Race prevented: two refunds of one contribution (or a refund and its reversal) at once each
    read the refunds so far and the contribution as not reversed, and together give back more
    than was contributed, or refund a reversed one. The second now waits and checks again.
    """
    from sangsaeng.funds.models import Contribution

    return lock_record(Contribution, pk)


# -- ledger ---------------------------------------------------------------------------------------
# Order, always: ledger accounts (by pk) → a pending transfer → the chain head. The account and
# chain-head locks are raw SQL because they sit on the ledger's hottest path (see ledger/store.py).


def _for_update() -> str:
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def lock_ledger_accounts(account_ids: Iterable[int]) -> dict[int, Account]:
    """Lock the ledger accounts ``account_ids`` in primary-key order and return them fresh
    (only the fields a posting needs are loaded).

    Race prevented: two transfers out of one account each read the old balance, each pass the
    "must not go negative" check, and both commit, overdrawing it (and one balance update is
    lost). With the rows locked, the second waits and re-reads the balance the first wrote.
    Sorting by pk means two multi-account transfers can never each hold a row the other wants.
    """
    from sangsaeng.ledger.models import Account

    ids = sorted(set(account_ids))
    fields = ["id", "code", "normal_side", "allow_negative", "balance", "pending"]
    select = f"SELECT {', '.join(fields)} FROM {Account._meta.db_table} WHERE id "
    queries: list[tuple[str, list]]
    if connection.vendor == "postgresql":
        # One array parameter however many accounts; rows are locked in the ORDER BY's order.
        # NO KEY UPDATE (what an UPDATE of the balance takes anyway): writers of the same
        # accounts wait, but inserts elsewhere that merely reference an account (a fund's row,
        # a posting's foreign-key check) do not.
        queries = [(select + "= ANY(%s) ORDER BY id FOR NO KEY UPDATE", [ids])]
    else:
        # SQLite: the IMMEDIATE transaction already holds the database's one write lock.
        chunks = [ids[i : i + 10_000] for i in range(0, len(ids), 10_000)]
        queries = [(select + f"IN ({', '.join(['%s'] * len(c))})", c) for c in chunks]
    locked: dict[int, Account] = {}
    with connection.cursor() as cursor:
        for sql, params in queries:
            cursor.execute(sql, params)
            for row in cursor.fetchall():
                values = dict(zip(fields, row, strict=True))
                values["allow_negative"] = bool(values["allow_negative"])  # SQLite: 0/1
                locked[row[0]] = Account.from_row(connection.alias, values)
    return locked


def lock_ledger_pending(pending_id: int) -> PendingTransfer:
    """Lock one pending transfer (after its accounts) and return it fresh.

    Race prevented: a post and a void of the same pending transfer (or two posts) at once both
    see it open and both resolve it, releasing its reservation twice. The second now waits, sees
    it resolved and is refused.
    """
    from sangsaeng.ledger.models import PendingTransfer

    return PendingTransfer.objects.select_for_update().get(pk=pending_id)


def lock_ledger_chain() -> ChainHead:
    """Lock the head of the ledger's hash chain (the one ``ChainHead`` row, created if missing).

    Race prevented: two transactions committing at once both read the same chain head and both
    link to it, forking the chain (both would take the same ``seq``, so one would fail late).
    Holding this row serialises every writer of ledger transactions, so callers take it last,
    after all account locks and checks, and keep the work behind it to one write and the commit.
    """
    from sangsaeng.ledger.models import ChainHead

    sql = f"SELECT seq, hash FROM {ChainHead._meta.db_table} WHERE id = %s{_for_update()}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [ChainHead.ROW_ID])
        row = cursor.fetchone()
        if row is None:
            # First use (or after a test flush): create it; a concurrent creator's row wins.
            ChainHead.objects.bulk_create([ChainHead(pk=ChainHead.ROW_ID)], ignore_conflicts=True)
            cursor.execute(sql, [ChainHead.ROW_ID])
            row = cursor.fetchone()
    return ChainHead.from_db(connection.alias, ["id", "seq", "hash"], [ChainHead.ROW_ID, *row])


def ledger_chain_lock_sql() -> str:
    """The chain-head lock of :func:`lock_ledger_chain` as SQL (``SELECT seq, hash ... FOR
    UPDATE``, one parameter: the row id), for PostgreSQL statements that lock the head, link a
    transaction to it and insert it in one round trip (``ledger/store.py``). Same race
    prevented, same place in the order: last, after the accounts."""
    from sangsaeng.ledger.models import ChainHead

    return f"SELECT seq, hash FROM {ChainHead._meta.db_table} WHERE id = %s FOR UPDATE"
