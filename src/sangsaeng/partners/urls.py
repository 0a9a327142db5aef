from django.urls import path

from sangsaeng.partners import views

app_name = "partners"
urlpatterns = [
    path("", views.company_list, name="company_list"),
    path("new/", views.company_create, name="company_create"),
    path("<int:pk>/", views.company_detail, name="company_detail"),
    path("<int:pk>/edit/", views.company_edit, name="company_edit"),
    path("<int:pk>/links/", views.link_create, name="link_create"),
    path("<int:pk>/links/<int:link_id>/delete/", views.link_delete, name="link_delete"),
]
