from django.urls import path

from sangsaeng.funds import views

app_name = "funds"
urlpatterns = [
    path("", views.fund_list, name="fund_list"),
    path("new/", views.fund_create, name="fund_create"),
    path("<int:pk>/", views.fund_detail, name="fund_detail"),
    path("<int:pk>/uses/new/", views.use_create, name="use_create"),
    path("<int:pk>/campaigns/new/", views.campaign_create, name="campaign_create"),
    path("<int:pk>/campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign_detail"),
    path("<int:pk>/contributions/", views.contribution_list, name="contribution_list"),
    path("<int:pk>/contributions/new/", views.contribution_create, name="contribution_create"),
    path("<int:pk>/allocations/", views.allocation_list, name="allocation_list"),
    path("<int:pk>/allocations/new/", views.allocation_create, name="allocation_create"),
    path("<int:pk>/disbursements/new/", views.disbursement_create, name="disbursement_create"),
    path("<int:pk>/statement/", views.statement, name="statement"),
    path("<int:pk>/statement.xlsx", views.statement_xlsx, name="statement_xlsx"),
    path("<int:pk>/statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("disbursements/", views.disbursement_list, name="disbursement_list"),
    path(
        "disbursements/<int:disbursement_id>/",
        views.disbursement_detail,
        name="disbursement_detail",
    ),
    path(
        "disbursements/<int:disbursement_id>/<slug:action>/",
        views.disbursement_action,
        name="disbursement_action",
    ),
    path(
        "contributions/<int:contribution_id>/",
        views.contribution_detail,
        name="contribution_detail",
    ),
    path(
        "contributions/<int:contribution_id>/<slug:action>/",
        views.contribution_action,
        name="contribution_action",
    ),
    path(
        "allocations/<int:allocation_id>/reverse/",
        views.allocation_reverse,
        name="allocation_reverse",
    ),
    path("refunds/<int:refund_id>/reverse/", views.refund_reverse, name="refund_reverse"),
]
