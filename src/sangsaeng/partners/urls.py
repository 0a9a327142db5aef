from django.urls import path, re_path

from sangsaeng.partners import views, views_io

app_name = "partners"
urlpatterns = [
    path("", views.company_list, name="company_list"),
    path("new/", views.company_create, name="company_create"),
    path("<int:pk>/", views.company_detail, name="company_detail"),
    path("<int:pk>/edit/", views.company_edit, name="company_edit"),
    path("<int:pk>/links/", views.link_create, name="link_create"),
    path("<int:pk>/links/<int:link_id>/delete/", views.link_delete, name="link_delete"),
    path("import/", views_io.import_page, name="import"),
    re_path(
        r"^import/template/(?P<kind>companies|links)\.(?P<fmt>xlsx|csv)$",
        views_io.import_template,
        name="import_template",
    ),
    re_path(
        r"^export/(?P<kind>companies|links)\.(?P<fmt>xlsx|csv)$",
        views_io.export,
        name="export",
    ),
]
