from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "abrazo.core"
    label = "core"
    verbose_name = "Abrazo core"
