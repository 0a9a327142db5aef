"""The win-win cooperation fund (상생협력기금) on the ledger.

A :class:`Fund` belongs to a company (KEIS's fund, LS ELECTRIC's...). Its money sits in ledger
accounts, all created with the fund:

* ``cash`` (debit-normal): what the fund holds. Always equal to the sum of the three kinds of
  net-asset accounts below (checked by ``sangsaeng verify``, ``funds.conservation``).
* ``pool`` (credit-normal): unrestricted money not yet allocated to a use (미배정 재원).
* per :class:`FundUse` (기술임치 수수료 지원, 성과공유기금...), two credit-normal accounts:
  ``restricted`` holds donations restricted to that use (지정 기부금) and ``budget`` holds the
  unrestricted money allocated to it from the pool (배정 예산). Keeping the two apart is what
  lets a statement show restricted and unrestricted money per use from the ledger alone, and
  what keeps restricted money from ever reaching another use: no operation moves money out
  of a ``restricted`` account except spending on its own use, a refund to its donor, or a
  reversal.

Every movement is a ledger transaction whose ``source`` is the record here:

=====================  ===============================================  ====================
record                 postings (debit +, credit -)                     ledger kind
=====================  ===============================================  ====================
Contribution           cash +a, pool or use.restricted -a               ``funds.contribution``
Allocation             pool (or source use.budget) +a, use.budget -a    ``funds.allocation``
Disbursement (paid)    use.restricted / use.budget +a, cash -a          ``funds.disbursement``
Refund from partner    cash +a, use.budget / use.restricted -a          ``funds.refund``
Refund to donor        pool or use.restricted +a, cash -a               ``funds.donor_refund``
any of them, undone    the mirror image (``ledger.transaction_reverse``)  ``reversal``
=====================  ===============================================  ====================

A disbursement reserves its amount when requested (ledger pending transfers, one per account
it draws on: the use's restricted money first, then its budget), and posts the reservation
when paid or voids it when rejected.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sangsaeng.ledger.models import MAX_AMOUNT

# Ledger ``kind`` of each fund transaction (the ledger writes ``reversal`` itself).
KIND_CONTRIBUTION = "funds.contribution"
KIND_ALLOCATION = "funds.allocation"
KIND_DISBURSEMENT = "funds.disbursement"
KIND_REFUND = "funds.refund"
KIND_DONOR_REFUND = "funds.donor_refund"

# Ledger account ``purpose`` values.
PURPOSE_CASH = "funds.cash"
PURPOSE_POOL = "funds.pool"
PURPOSE_RESTRICTED = "funds.restricted"
PURPOSE_BUDGET = "funds.budget"


def _positive(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(amount__gt=0, amount__lte=MAX_AMOUNT), name=f"{name}_amount_positive"
    )


class UseKind(models.TextChoices):
    """What a use pays for. The first four are KEIS's (seed 004); the others are the uses the
    law lists for cooperation funds (조특법 제8조의3 and the commission's guidance)."""

    TECH_ESCROW = "tech_escrow", _("Technology-escrow fee support")
    BENEFIT_SHARING = "benefit_sharing", _("Benefit-sharing fund")
    ESG = "esg", _("ESG support")
    KEY_STAFF_AWARD = "key_staff_award", _("Awards for partners' key staff")
    RND = "rnd", _("R&D support")
    TRAINING = "training", _("Training")
    PRODUCTIVITY = "productivity", _("Productivity improvement")
    OVERSEAS = "overseas", _("Overseas expansion")
    ENERGY = "energy", _("Energy saving")
    WELFARE = "welfare", _("Welfare and health")
    OTHER = "other", _("Other")


class Fund(models.Model):
    """A company's win-win cooperation fund, with its cash and unallocated-pool accounts."""

    owner = models.ForeignKey(
        "partners.Company",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="funds",
    )
    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(
        _("code"),
        max_length=30,
        unique=True,
        help_text=_("Short code used in ledger account codes, e.g. keis."),
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    cash_account = models.OneToOneField(
        "ledger.Account", on_delete=models.PROTECT, related_name="+", verbose_name=_("cash")
    )
    pool_account = models.OneToOneField(
        "ledger.Account",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unallocated pool"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("cooperation fund")
        verbose_name_plural = _("cooperation funds")

    def __str__(self) -> str:
        return self.name


class FundUse(models.Model):
    """One use of a fund (기술임치 수수료 지원, 성과공유기금...), with its own two ledger accounts:
    money donated for this use only (restricted) and money allocated to it from the pool."""

    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="uses"
    )
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=UseKind.choices)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    restricted_account = models.OneToOneField(
        "ledger.Account",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("restricted donations"),
    )
    budget_account = models.OneToOneField(
        "ledger.Account",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("allocated budget"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["fund_id", "id"]
        verbose_name = _("fund use")
        verbose_name_plural = _("fund uses")
        constraints = [
            models.UniqueConstraint(fields=["fund", "code"], name="funds_use_unique_code"),
            models.UniqueConstraint(fields=["fund", "name"], name="funds_use_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    """A drive grouping contributions, e.g. the executives' bonus relay (경영평가성과급 기부
    릴레이); its running total is the sum of its contributions, in date order."""

    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="campaigns"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    target_amount = models.BigIntegerField(_("target (KRW)"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["fund_id", "-starts_on", "id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.UniqueConstraint(fields=["fund", "name"], name="funds_campaign_unique_name"),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="funds_campaign_dates_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(target_amount__isnull=True)
                | models.Q(target_amount__gt=0, target_amount__lte=MAX_AMOUNT),
                name="funds_campaign_target_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LedgerRecord(models.Model):
    """What every money record shares: who entered it, under which idempotency key (the ledger
    transaction's own key), and whether it was undone by a reversing transaction."""

    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reversed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reversal_reason = models.CharField(_("reason for reversal"), max_length=300, blank=True)

    class Meta:
        abstract = True

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None


class Contribution(LedgerRecord):
    """Money given to the fund by a company or a person, restricted to one use or not."""

    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="contributions"
    )
    donor_company = models.ForeignKey(
        "partners.Company",
        verbose_name=_("donor company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fund_contributions",
    )
    donor_name = models.CharField(
        _("donor name"),
        max_length=200,
        blank=True,
        help_text=_("A person's name, or who gave on the company's behalf."),
    )
    contributed_on = models.DateField(_("date"))
    amount = models.BigIntegerField(_("amount (KRW)"))
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    use = models.ForeignKey(
        FundUse,
        verbose_name=_("restricted to use"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contributions",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contributions",
    )
    transaction = models.OneToOneField(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal_transaction = models.OneToOneField(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-contributed_on", "-id"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        constraints = [
            _positive("funds_contribution"),
            models.CheckConstraint(
                condition=models.Q(donor_company__isnull=False) | ~models.Q(donor_name=""),
                name="funds_contribution_has_donor",
            ),
        ]
        indexes = [models.Index(fields=["fund", "contributed_on"])]

    def __str__(self) -> str:
        return f"{self.donor_display} {self.amount:,}원 ({self.contributed_on})"

    @property
    def donor_display(self) -> str:
        if self.donor_company_id and self.donor_name:
            return f"{self.donor_company} ({self.donor_name})"
        return str(self.donor_company) if self.donor_company_id else self.donor_name

    @property
    def is_restricted(self) -> bool:
        return self.use_id is not None


class Allocation(LedgerRecord):
    """A budget given to a use from the fund's unallocated pool, or moved from another use's
    budget (only unrestricted money can be moved; restricted donations never are)."""

    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="allocations"
    )
    use = models.ForeignKey(
        FundUse, verbose_name=_("to use"), on_delete=models.PROTECT, related_name="allocations"
    )
    source_use = models.ForeignKey(
        FundUse,
        verbose_name=_("from use"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocations_out",
        help_text=_("Empty: from the unallocated pool."),
    )
    allocated_on = models.DateField(_("date"))
    amount = models.BigIntegerField(_("amount (KRW)"))
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    transaction = models.OneToOneField(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal_transaction = models.OneToOneField(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-allocated_on", "-id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            _positive("funds_allocation"),
            models.CheckConstraint(
                condition=~models.Q(source_use=models.F("use")), name="funds_allocation_two_uses"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.use} +{self.amount:,}원 ({self.allocated_on})"


class DisbursementStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
    REJECTED = "rejected", _("Rejected")


class Disbursement(LedgerRecord):
    """Money paid from a use to a partner company: requested (the amount is reserved on the
    ledger), approved by someone other than the requester, then paid, or rejected (the
    reservation is released). A paid disbursement can be reversed."""

    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="disbursements"
    )
    use = models.ForeignKey(
        FundUse, verbose_name=_("use"), on_delete=models.PROTECT, related_name="disbursements"
    )
    partner = models.ForeignKey(
        "partners.Company",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="fund_disbursements",
    )
    amount = models.BigIntegerField(_("amount (KRW)"))
    purpose = models.CharField(_("purpose"), max_length=300)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DisbursementStatus.choices,
        default=DisbursementStatus.REQUESTED,
        db_index=True,
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approve_key = models.CharField(max_length=200, blank=True)
    paid_on = models.DateField(_("payment date"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paid by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pay_key = models.CharField(max_length=200, blank=True)
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rejected by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rejection_reason = models.CharField(_("reason for rejection"), max_length=300, blank=True)
    reject_key = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        constraints = [
            _positive("funds_disbursement"),
            models.CheckConstraint(
                condition=models.Q(status="paid", paid_on__isnull=False) | ~models.Q(status="paid"),
                name="funds_disbursement_paid_dated",
            ),
            models.CheckConstraint(
                condition=models.Q(reversed_at__isnull=True) | models.Q(status="paid"),
                name="funds_disbursement_reversed_if_paid",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "status"]),
            models.Index(fields=["fund", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.amount:,}원 ({self.get_status_display()})"


class LegSource(models.TextChoices):
    RESTRICTED = "restricted", _("Restricted donations")
    BUDGET = "budget", _("Allocated budget")


class DisbursementLeg(models.Model):
    """The part of a disbursement drawn on one of its use's two accounts: its ledger
    reservation, the transaction that paid it and, if undone, the reversal."""

    disbursement = models.ForeignKey(Disbursement, on_delete=models.PROTECT, related_name="legs")
    source = models.CharField(_("drawn on"), max_length=10, choices=LegSource.choices)
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("amount (KRW)"))
    pending = models.OneToOneField(
        "ledger.PendingTransfer", on_delete=models.PROTECT, related_name="+"
    )
    transaction = models.OneToOneField(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal_transaction = models.OneToOneField(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["disbursement_id", "id"]
        constraints = [
            _positive("funds_leg"),
            models.UniqueConstraint(fields=["disbursement", "source"], name="funds_leg_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.disbursement_id} {self.source} {self.amount:,}"


class RefundKind(models.TextChoices):
    FROM_PARTNER = "partner", _("Returned by a partner")
    TO_DONOR = "donor", _("Returned to a donor")


class Refund(LedgerRecord):
    """Money coming back: from a partner into the use it was paid from (for a paid
    disbursement), or going back to a donor out of what their contribution funded (the pool,
    or the use it was restricted to). ``restricted_part`` and ``budget_part`` say which
    accounts of the use it moved (their sum is ``amount``; both zero for the pool)."""

    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="refunds"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RefundKind.choices)
    disbursement = models.ForeignKey(
        Disbursement,
        verbose_name=_("disbursement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    contribution = models.ForeignKey(
        Contribution,
        verbose_name=_("contribution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    use = models.ForeignKey(
        FundUse,
        verbose_name=_("use"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    refunded_on = models.DateField(_("date"))
    amount = models.BigIntegerField(_("amount (KRW)"))
    restricted_part = models.BigIntegerField(default=0)
    budget_part = models.BigIntegerField(default=0)
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    transaction = models.OneToOneField(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal_transaction = models.OneToOneField(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-refunded_on", "-id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            _positive("funds_refund"),
            models.CheckConstraint(
                condition=models.Q(
                    kind="partner", disbursement__isnull=False, contribution__isnull=True
                )
                | models.Q(kind="donor", disbursement__isnull=True, contribution__isnull=False),
                name="funds_refund_one_origin",
            ),
            models.CheckConstraint(
                condition=models.Q(restricted_part__gte=0, budget_part__gte=0),
                name="funds_refund_parts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount:,}원 ({self.refunded_on})"
