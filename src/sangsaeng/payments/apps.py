from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "sangsaeng.payments"
    label = "payments"
    verbose_name = _("Win-win payment")

    def ready(self) -> None:
        from sangsaeng.ledger.invariants import register_check
        from sangsaeng.payments import checks

        register_check("payments.claim_trees", checks.claim_trees_add_up)
        register_check("payments.escrow", checks.escrow_matches_claims)
