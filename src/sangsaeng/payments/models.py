"""Win-win payment (상생결제): programmes, claim trees, operations, cash-outs and payouts.

A buyer opens a :class:`Programme` with a bank and deposits into its escrow. It issues a root
:class:`Claim` to a tier-1 partner; any holder passes parts of what it holds down to its own
suppliers (child claims), or cashes them out early (a child claim held by the bank). At
maturity the escrow pays every node of the tree what it *retained* (``remaining``), once.

An issue or a pass-on entered by mistake is *reversed* while its claim is untouched: the claim
is marked (``reversed_on``, ``reversal``), retains nothing, and no longer counts as its parent's
child; the parent gets the amount back.

Every node obeys ``amount = sum(children.amount) + remaining`` (children not reversed), so
the payouts of a tree add up to the root's amount: whatever happens to an upper tier, the lower
tiers' nodes are paid from the escrow on their own account.

Money lives on the ledger (see ``services`` for the accounts and postings); these models hold
the tree and the history, and ``checks`` proves the two agree.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sangsaeng.payments.pricing import Rounding

MAX_WON = 10**15


class RoundingChoice(models.TextChoices):
    FLOOR = Rounding.FLOOR.value, _("Round down (holder's favour)")
    HALF_UP = Rounding.HALF_UP.value, _("Round half up")
    CEIL = Rounding.CEIL.value, _("Round up (bank's favour)")


class Programme(models.Model):
    """A buyer's win-win payment programme with one bank: its escrow and its price settings.

    The ledger accounts are opened with the programme; their codes start ``pay.<id>.``."""

    name = models.CharField(_("name"), max_length=200)
    buyer = models.ForeignKey(
        "partners.Company",
        verbose_name=_("buyer"),
        on_delete=models.PROTECT,
        related_name="payment_programmes",
    )
    bank = models.ForeignKey(
        "partners.Company",
        verbose_name=_("bank"),
        on_delete=models.PROTECT,
        related_name="bank_payment_programmes",
    )
    opened_on = models.DateField(_("opened on"))
    base_rate = models.DecimalField(_("base rate (% a year)"), max_digits=7, decimal_places=4)
    spread_tiers = models.JSONField(_("spread by term"), default=list)
    system_fee = models.DecimalField(_("system fee (% a year)"), max_digits=7, decimal_places=4)
    day_count = models.PositiveSmallIntegerField(
        _("day count"), choices=[(365, "365"), (360, "360")], default=365
    )
    rounding = models.CharField(
        _("rounding"), max_length=10, choices=RoundingChoice.choices, default=Rounding.FLOOR
    )
    max_term_days = models.PositiveIntegerField(
        _("longest claim term (days)"),
        default=365,
        validators=[MinValueValidator(1), MaxValueValidator(3660)],
    )
    escrow_account = models.ForeignKey(
        "ledger.Account", on_delete=models.PROTECT, related_name="+", null=True
    )
    deposit_account = models.ForeignKey(
        "ledger.Account", on_delete=models.PROTECT, related_name="+", null=True
    )
    bank_advances_account = models.ForeignKey(
        "ledger.Account", on_delete=models.PROTECT, related_name="+", null=True
    )
    bank_cash_account = models.ForeignKey(
        "ledger.Account", on_delete=models.PROTECT, related_name="+", null=True
    )
    bank_discount_account = models.ForeignKey(
        "ledger.Account", on_delete=models.PROTECT, related_name="+", null=True
    )
    bank_fee_account = models.ForeignKey(
        "ledger.Account", on_delete=models.PROTECT, related_name="+", null=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("win-win payment programme")
        verbose_name_plural = _("win-win payment programmes")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(buyer=models.F("bank")), name="payments_programme_two_parties"
            ),
            models.CheckConstraint(
                condition=models.Q(day_count__in=[365, 360]), name="payments_programme_day_count"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClaimKind(models.TextChoices):
    ISSUE = "issue", _("Issued by the buyer")
    SPLIT = "split", _("Passed on")
    CASH_OUT = "cash_out", _("Cashed out (held by the bank)")


class Claim(models.Model):
    """One node of a claim tree: ``holder`` holds ``amount`` won payable at ``maturity``.

    ``remaining`` is the part the holder still has (not passed on nor cashed out); the escrow
    pays it to the holder at maturity. The root (``parent`` empty) is what the buyer issued;
    ``root`` points to it from every other node of the tree, ``depth`` counts the steps."""

    # Not indexed alone where a composite index below starts with the column (each index is
    # paid for by every insert of a batch).
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="claims", db_index=False
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="descendants"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ClaimKind.choices)
    holder = models.ForeignKey(
        "partners.Company",
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="payment_claims",
        db_index=False,
    )
    amount = models.BigIntegerField(_("amount"))
    remaining = models.BigIntegerField(_("retained"))
    issue_date = models.DateField(_("issue date"))
    maturity = models.DateField(_("maturity"), db_index=True)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    last_op_date = models.DateField(_("last operation date"))
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    # Reversed (an issue or pass-on entered by mistake, undone while untouched): the value
    # date and the ``reverse`` operation. A reversed claim retains nothing and is paid nothing.
    reversed_on = models.DateField(_("reversed on"), null=True, blank=True)
    reversal = models.OneToOneField(
        "Operation",
        verbose_name=_("reversal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_claim",
    )
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["maturity", "root_id", "id"]
        verbose_name = _("payment claim")
        verbose_name_plural = _("payment claims")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0, amount__lte=MAX_WON),
                name="payments_claim_amount_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(remaining__gte=0, remaining__lte=models.F("amount")),
                name="payments_claim_remaining_within_amount",
            ),
            models.CheckConstraint(
                condition=models.Q(maturity__gt=models.F("issue_date")),
                name="payments_claim_maturity_after_issue",
            ),
            models.CheckConstraint(
                condition=models.Q(parent__isnull=True, root__isnull=True, depth=0, kind="issue")
                | models.Q(parent__isnull=False, root__isnull=False, depth__gt=0)
                & ~models.Q(kind="issue"),
                name="payments_claim_tree_shape",
            ),
            # Reversed: both marks or neither; nothing retained; never a bank's cash-out claim.
            models.CheckConstraint(
                condition=models.Q(reversed_on__isnull=True, reversal__isnull=True)
                | models.Q(reversed_on__isnull=False, reversal__isnull=False, remaining=0)
                & ~models.Q(kind="cash_out"),
                name="payments_claim_reversed",
            ),
        ]
        indexes = [
            models.Index(fields=["holder", "maturity"], name="payments_claim_holder"),
            models.Index(fields=["programme", "settled_on", "maturity"], name="payments_claim_due"),
            # The trees of a programme by maturity (the programme page and its counts); a
            # reversed issue is no tree.
            models.Index(
                fields=["programme", "settled_on", "maturity", "id"],
                condition=models.Q(parent__isnull=True, reversed_on__isnull=True),
                name="payments_claim_roots",
            ),
            # Claims by tier (the programme page): read from the index alone, in group order.
            models.Index(
                fields=[
                    "programme",
                    "settled_on",
                    "depth",
                    "kind",
                    "holder",
                    "amount",
                    "remaining",
                    "reversed_on",
                ],
                name="payments_claim_tiers",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.holder} {self.amount:,}"

    @property
    def tree_id(self) -> int:
        return self.root_id or self.pk

    @property
    def is_reversed(self) -> bool:
        return self.reversed_on is not None

    @property
    def tier(self) -> int:
        """The holder's place in the chain: the buyer's direct supplier is tier 1."""
        return self.depth + 1


class OperationKind(models.TextChoices):
    OPEN = "open", _("Programme opened")
    DEPOSIT = "deposit", _("Escrow deposit")
    WITHDRAW = "withdraw", _("Escrow withdrawal")
    ISSUE = "issue", _("Claim issued")
    SPLIT = "split", _("Passed on")
    CASH_OUT = "cash_out", _("Early cash-out")
    SETTLE = "settle", _("Settled at maturity")
    REVERSE = "reverse", _("Reversed")


class Operation(models.Model):
    """One write on a programme, as asked: who, on which claim, for how much, on which value
    date, under which idempotency key, and the ledger transaction it posted. A retried request
    (same key, same content) finds its operation here and gets the same answer."""

    # Single-column indexes are left out where a composite index of ``Meta`` starts with the
    # column, and the key is unique by a constraint (``unique=True`` would add a second,
    # pattern-matching index on PostgreSQL): every index is paid for by every insert.
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="operations", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=10, choices=OperationKind.choices)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100)
    fingerprint = models.CharField(max_length=64)
    claim = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="operations"
    )
    result_claim = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="created_by_ops"
    )
    company = models.ForeignKey(
        "partners.Company",
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    counterparty = models.ForeignKey(
        "partners.Company",
        verbose_name=_("to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    amount = models.BigIntegerField(_("amount"))
    value_date = models.DateField(_("value date"))
    transaction = models.OneToOneField(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-value_date", "-id"]
        verbose_name = _("payment operation")
        verbose_name_plural = _("payment operations")
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="payments_op_idempotency_key")
        ]
        indexes = [
            models.Index(fields=["company", "value_date"], name="payments_op_company"),
            models.Index(fields=["counterparty", "value_date"], name="payments_op_counterparty"),
            # A programme's recent operations (the programme page).
            models.Index(fields=["programme", "value_date", "id"], name="payments_op_programme"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount:,} ({self.value_date})"


class CashOut(models.Model):
    """The price of one early cash-out, as quoted and paid (the settings may change later)."""

    operation = models.OneToOneField(Operation, on_delete=models.PROTECT, related_name="cash_out")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="cash_outs")
    bank_claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("amount"))
    days = models.PositiveIntegerField(_("days to maturity"))
    day_count = models.PositiveSmallIntegerField(_("day count"))
    rounding = models.CharField(_("rounding"), max_length=10, choices=RoundingChoice.choices)
    base_rate = models.DecimalField(_("base rate"), max_digits=7, decimal_places=4)
    spread = models.DecimalField(_("spread"), max_digits=7, decimal_places=4)
    system_fee = models.DecimalField(_("system fee"), max_digits=7, decimal_places=4)
    annual_rate = models.DecimalField(_("annual rate"), max_digits=8, decimal_places=4)
    discount = models.BigIntegerField(_("discount"))
    fee = models.BigIntegerField(_("fee"))
    interest = models.BigIntegerField(_("interest"))
    advance = models.BigIntegerField(_("advance paid"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("early cash-out")
        verbose_name_plural = _("early cash-outs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    advance=models.F("amount") - models.F("discount"), advance__gt=0
                ),
                name="payments_cashout_advance",
            ),
            models.CheckConstraint(
                condition=models.Q(discount=models.F("fee") + models.F("interest"), fee__gte=0),
                name="payments_cashout_discount_parts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount:,} − {self.discount:,} = {self.advance:,}"


class Payout(models.Model):
    """What the escrow paid one node of a tree at maturity. One per node at most (the unique
    claim), so no holder is paid twice."""

    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="payout")
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="payouts")
    holder = models.ForeignKey(
        "partners.Company", on_delete=models.PROTECT, related_name="payment_payouts"
    )
    amount = models.BigIntegerField(_("amount"))
    paid_on = models.DateField(_("paid on"))

    class Meta:
        ordering = ["-paid_on", "id"]
        verbose_name = _("payout at maturity")
        verbose_name_plural = _("payouts at maturity")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="payments_payout_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder} {self.amount:,} ({self.paid_on})"


class Insolvency(models.Model):
    """A company declared bankrupt (or in rehabilitation) from ``declared_on``. From that day it
    can neither receive, pass on nor cash out claims; what it holds is still paid at maturity
    (to its estate), and the claims it passed on before are untouched (non-recourse)."""

    company = models.OneToOneField(
        "partners.Company", on_delete=models.PROTECT, related_name="payment_insolvency"
    )
    declared_on = models.DateField(_("declared on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-declared_on", "id"]
        verbose_name = _("insolvency")
        verbose_name_plural = _("insolvencies")

    def __str__(self) -> str:
        return f"{self.company} ({self.declared_on})"


class Direction(models.TextChoices):
    RECEIVED = "received", _("Received from buyers")
    PAID = "paid", _("Paid to suppliers")


class Method(models.TextChoices):
    CASH = "cash", _("Cash (incl. bank transfer)")
    WINWIN = "winwin", _("Win-win payment outside this system")
    NOTE = "note", _("Promissory note")
    CARD = "card", _("Purchase card")
    OTHER = "other", _("Other")


# For the ratio rule (제22조 제5항): what counts as win-win received, and as paid onward well.
WINWIN_METHODS = {Method.WINWIN}
GOOD_PAYMENT_METHODS = {Method.CASH, Method.WINWIN}


class OtherPayment(models.Model):
    """A partner's payments by other means over a period, entered by hand or from xlsx, so
    that the ratio rule has both sides: what it received and what it paid onward."""

    partner = models.ForeignKey(
        "partners.Company",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="other_payments",
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    amount = models.BigIntegerField(
        _("amount"), validators=[MinValueValidator(1), MaxValueValidator(MAX_WON)]
    )
    counterparty = models.CharField(_("counterparty"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=20, default="web")
    # A retried API request (same key) finds its record instead of adding a second one; rows
    # of an imported file get ``<key>:<row number>``.
    idempotency_key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "partner_id", "id"]
        verbose_name = _("payment by other means")
        verbose_name_plural = _("payments by other means")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="payments_other_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="payments_other_amount_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "period_start"], name="payments_other_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.get_direction_display()} {self.amount:,}"
