"""The double-entry ledger: accounts, transactions, postings, pending transfers, the hash chain.

Conventions (read these before building on the ledger):

* Amounts are ``int`` won. A posting's amount is signed: **debit positive, credit negative**.
  The postings of a transaction sum to zero.
* ``Account.balance`` is the signed sum of the account's postings (a cache, checked by
  ``sangsaeng verify``). Its *normal balance* is that figure seen from the account's normal
  side: ``balance`` for a debit-normal account (assets, expenses), ``-balance`` for a
  credit-normal one (liabilities, equity, income).
* ``Account.pending`` is what open pending transfers have reserved *against* the account's
  normal side (amounts that will lower its normal balance when posted). An account that does
  not allow a negative balance keeps ``normal balance - pending >= 0`` (its *available*).
* Transactions and postings never change once written; a mistake is corrected by a reversing
  transaction. The model layer refuses updates and deletes, and database triggers refuse
  ``UPDATE`` (and ``DELETE`` on PostgreSQL) of the rows.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sangsaeng.lib.errors import DomainError

# Every amount and balance stays well inside a signed 64-bit integer on every database.
MAX_AMOUNT = 10**15
GENESIS_HASH = "0" * 64


class NormalSide(models.TextChoices):
    DEBIT = "debit", _("Debit")
    CREDIT = "credit", _("Credit")


class Currency(models.TextChoices):
    KRW = "KRW", _("Korean won")


class TxKind:
    """Kinds the ledger itself writes. Other apps use their own dotted kinds
    (``funds.contribution``, ``payments.claim_issue``...)."""

    TRANSFER = "transfer"
    REVERSAL = "reversal"
    PENDING_POST = "pending_post"


class PendingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    POSTED = "posted", _("Posted")
    VOIDED = "voided", _("Voided")


def side_sign(normal_side: str) -> int:
    """+1 for a debit-normal account, -1 for a credit-normal one."""
    return 1 if normal_side == NormalSide.DEBIT else -1


class Account(models.Model):
    """A ledger account. ``balance`` and ``pending`` are caches that only the ledger services
    write, under a row lock, in the same database transaction as the postings they follow."""

    code = models.CharField(_("code"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=50, db_index=True)
    owner = models.ForeignKey(
        "partners.Company",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_accounts",
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.KRW
    )
    normal_side = models.CharField(_("normal side"), max_length=6, choices=NormalSide.choices)
    allow_negative = models.BooleanField(_("may go negative"), default=False)
    balance = models.BigIntegerField(_("balance (signed, debit +)"), default=0)
    pending = models.BigIntegerField(_("reserved by pending transfers"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.CheckConstraint(condition=models.Q(currency="KRW"), name="ledger_account_krw"),
            models.CheckConstraint(
                condition=models.Q(pending__gte=0), name="ledger_account_pending_not_negative"
            ),
            # Belt and braces behind the service check: available = normal balance - pending.
            models.CheckConstraint(
                condition=models.Q(allow_negative=True)
                | models.Q(normal_side="debit", balance__gte=models.F("pending"))
                | models.Q(normal_side="credit", balance__lte=models.F("pending") * -1),
                name="ledger_account_available_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @classmethod
    def from_row(cls, alias: str, values: dict[str, Any]) -> Account:
        """An account as read from the database with only the columns in ``values`` (the rest
        load on first access, like ``.only()``). Cheaper than ``from_db`` for the thousand
        accounts a batch locks: no ``__init__``, no signals."""
        account = cls.__new__(cls)
        account.__dict__.update(values)
        account._state = ModelState()
        account._state.adding = False
        account._state.db = alias
        return account

    @property
    def sign(self) -> int:
        return side_sign(self.normal_side)

    @property
    def normal_balance(self) -> int:
        return self.balance * self.sign

    @property
    def available(self) -> int:
        return self.normal_balance - self.pending


class ImmutableQuerySet(models.QuerySet):
    """Refuses bulk ``update()`` and ``delete()``: ledger rows are written once."""

    def update(self, **kwargs: Any) -> int:
        raise DomainError("ledger_immutable", "장부 기록은 수정할 수 없습니다.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise DomainError("ledger_immutable", "장부 기록은 삭제할 수 없습니다.")


class ImmutableModel(models.Model):
    """A row that can be inserted and never changed or deleted."""

    objects: ClassVar[models.Manager] = models.Manager.from_queryset(ImmutableQuerySet)()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise DomainError("ledger_immutable", "장부 기록은 수정할 수 없습니다.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise DomainError("ledger_immutable", "장부 기록은 삭제할 수 없습니다.")


class Transaction(ImmutableModel):
    """A balanced set of postings, written once. ``seq`` is its place in the hash chain:
    ``hash = sha256(prev_hash + canonical content)`` (see ``ledger.chain``)."""

    seq = models.BigIntegerField(_("chain position"), unique=True)
    # Unique by a constraint (``Meta``), not ``unique=True``, which on PostgreSQL adds a second
    # (pattern-matching) index that no query uses and every insert pays for.
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    kind = models.CharField(_("kind"), max_length=50, default=TxKind.TRANSFER)
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    # Not indexed here: reads by value date go through the postings' (account, date) index.
    occurred_at = models.DateTimeField(_("value date"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    source_type = models.ForeignKey(
        ContentType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # ``ledger_tx_source`` starts with it
    )
    source_id = models.CharField(_("source record id"), max_length=64, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    hash = models.CharField(max_length=64)
    # Not indexed: the chain-head lock makes every writer link to the latest hash, ``seq`` is
    # unique, and ``verify`` walks the links. (A unique index on a random 64-character string
    # would cost every insert a random B-tree page.)
    prev_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        indexes = [models.Index(fields=["source_type", "source_id"], name="ledger_tx_source")]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="ledger_tx_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.idempotency_key}"


class Posting(ImmutableModel):
    """One leg of a transaction: a signed won amount (debit +, credit -) on one account.
    ``occurred_at`` repeats the transaction's value date so that balances as of a date are
    one index range scan over (account, occurred_at, amount)."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="postings", db_index=False
    )
    amount = models.BigIntegerField(_("amount (debit +, credit -)"))
    occurred_at = models.DateTimeField(_("value date"))

    class Meta:
        ordering = ["transaction_id", "id"]
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledger_posting_not_zero"),
        ]
        indexes = [
            models.Index(
                fields=["account", "occurred_at", "amount"], name="ledger_posting_account_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount:+,}"


class PendingTransfer(models.Model):
    """A two-phase transfer (TigerBeetle's pending/post/void): it reserves ``amount`` now and is
    later posted (in full or in part) or voided, exactly once. Only the open → posted/voided
    change is ever made to a row, by a conditional update under a row lock."""

    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=50, default=TxKind.TRANSFER)
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    debit_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="pending_debits"
    )
    credit_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="pending_credits"
    )
    amount = models.BigIntegerField(_("amount reserved"))
    status = models.CharField(
        _("status"), max_length=10, choices=PendingStatus.choices, default=PendingStatus.OPEN
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_id = models.CharField(_("source record id"), max_length=64, blank=True)
    posted_amount = models.BigIntegerField(_("amount posted"), null=True, blank=True)
    posting_transaction = models.OneToOneField(
        Transaction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pending_transfer",
    )
    resolved_at = models.DateTimeField(_("posted or voided at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(_("reason voided"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pending transfer")
        verbose_name_plural = _("pending transfers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="ledger_pending_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(debit_account=models.F("credit_account")),
                name="ledger_pending_two_accounts",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status="open",
                    posting_transaction__isnull=True,
                    posted_amount__isnull=True,
                    resolved_at__isnull=True,
                )
                | models.Q(
                    status="posted",
                    posting_transaction__isnull=False,
                    posted_amount__gt=0,
                    posted_amount__lte=models.F("amount"),
                    resolved_at__isnull=False,
                )
                | models.Q(
                    status="voided",
                    posting_transaction__isnull=True,
                    posted_amount__isnull=True,
                    resolved_at__isnull=False,
                ),
                name="ledger_pending_status_consistent",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="ledger_pending_open")]

    def __str__(self) -> str:
        return f"{self.idempotency_key} {self.amount:,} ({self.status})"


class ChainHead(models.Model):
    """The single row holding the end of the hash chain. Locking it serialises the writers of
    transactions (see ``locking.lock_ledger_chain``); it is taken last and held briefly."""

    ROW_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=ROW_ID)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("hash chain head")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"
