from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "sangsaeng.funds"
    label = "funds"
    verbose_name = _("Cooperation fund")

    def ready(self) -> None:
        from sangsaeng.funds.checks import register_fund_checks

        register_fund_checks()
