"""The partner registry: companies, their contacts and tags, and the supply links between them.

A company's tier relative to an anchor is never stored: it is derived from the supply links
(see ``queries.tiers_from``)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sangsaeng.lib import brn as brn_lib
from sangsaeng.lib import ksic, regions

# Upper bounds keep every amount inside a signed 64-bit integer on every database.
MAX_WON = 10**15
MAX_EMPLOYEES = 10_000_000


class CompanyKind(models.TextChoices):
    LARGE = "large", _("Large enterprise")
    MIDSIZE = "midsize", _("Mid-sized company")
    SME = "sme", _("SME")
    MICRO = "micro", _("Micro business / merchant")
    PUBLIC = "public", _("Public institution")
    UNIVERSITY = "university", _("University")
    BANK = "bank", _("Bank")
    OTHER = "other", _("Other")


class Tag(models.Model):
    """A free label on companies (e.g. ``ACE CLUB``, ``혁신허브 2012``)."""

    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Company(models.Model):
    """A company, institution or merchant in the registry, identified by its BRN."""

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    brn = models.CharField(_("business registration number"), max_length=10, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CompanyKind.choices, db_index=True)
    ksic_code = models.CharField(_("KSIC industry code"), max_length=5, db_index=True)
    region = models.CharField(_("region"), max_length=20, choices=regions.CHOICES, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    employees = models.PositiveIntegerField(
        _("employees"), null=True, blank=True, validators=[MaxValueValidator(MAX_EMPLOYEES)]
    )
    annual_revenue = models.BigIntegerField(
        _("annual revenue (KRW)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_WON)],
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="companies")
    is_active = models.BooleanField(_("active"), default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [
            # The list's order (name, id): a late page is read straight from the index.
            models.Index(fields=["name", "id"], name="company_name_id"),
            models.Index(fields=["kind", "region", "name"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def brn_display(self) -> str:
        return brn_lib.format_brn(self.brn)

    @property
    def industry_display(self) -> str:
        return ksic.describe(self.ksic_code)


class Contact(models.Model):
    """A person to reach at a company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        ordering = ["-is_primary", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})"


class SupplyLink(models.Model):
    """``supplier`` supplies ``buyer`` from ``start_date`` until ``end_date`` (open if empty)."""

    buyer = models.ForeignKey(
        Company, verbose_name=_("buyer"), on_delete=models.PROTECT, related_name="supplier_links"
    )
    supplier = models.ForeignKey(
        Company, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="buyer_links"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    annual_volume = models.BigIntegerField(
        _("annual purchase volume (KRW)"),
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_WON)],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["buyer_id", "supplier_id", "start_date"]
        verbose_name = _("supply link")
        verbose_name_plural = _("supply links")
        constraints = [
            models.UniqueConstraint(fields=["buyer", "supplier"], name="supply_link_unique_pair"),
            models.CheckConstraint(
                condition=~models.Q(buyer=models.F("supplier")), name="supply_link_not_self"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="supply_link_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["supplier", "buyer"])]

    def __str__(self) -> str:
        return f"{self.buyer} ← {self.supplier}"
