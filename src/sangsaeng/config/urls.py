from django.urls import include, path, re_path

from sangsaeng.api.router import api, api_not_found

urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),  # other API versions, mistyped prefixes: JSON 404 too
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("sangsaeng.accounts.urls")),
    path("partners/", include("sangsaeng.partners.urls")),
    path("funds/", include("sangsaeng.funds.urls")),
    path("payments/", include("sangsaeng.payments.urls")),
    path("", include("sangsaeng.web.urls")),
]
