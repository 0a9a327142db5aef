from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "sangsaeng.ledger"
    label = "ledger"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        from sangsaeng.ledger.verify import register_ledger_checks

        register_ledger_checks()
