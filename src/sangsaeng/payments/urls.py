from django.urls import path

from sangsaeng.payments import views

app_name = "payments"
urlpatterns = [
    path("", views.index, name="index"),
    path("programmes/<int:pk>/", views.programme, name="programme"),
    path("programmes/<int:pk>/deposit/", views.deposit, name="deposit"),
    path("programmes/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("programmes/<int:pk>/issue/", views.issue, name="issue"),
    path("programmes/<int:pk>/pricing/", views.pricing, name="pricing"),
    path("holdings/", views.holdings, name="holdings"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/split/", views.split, name="split"),
    path("claims/<int:pk>/cash-out/", views.cash_out, name="cash_out"),
    path("claims/<int:pk>/settle/", views.settle, name="settle"),
    path("insolvencies/", views.insolvencies, name="insolvencies"),
    path("ratio/", views.ratio_report, name="ratio"),
    path("ratio/other/", views.other_create, name="other_create"),
    path("ratio/import/", views.other_import, name="other_import"),
    path("ratio/other/<int:pk>/delete/", views.other_delete, name="other_delete"),
]
