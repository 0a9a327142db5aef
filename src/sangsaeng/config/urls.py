from django.urls import include, path

from sangsaeng.api.router import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("sangsaeng.accounts.urls")),
    path("partners/", include("sangsaeng.partners.urls")),
    path("funds/", include("sangsaeng.funds.urls")),
    path("payments/", include("sangsaeng.payments.urls")),
    path("", include("sangsaeng.web.urls")),
]
