from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "sangsaeng.web"
    label = "web"
