from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    name = "abrazo.core"
    label = "core"
    verbose_name = "Abrazo core"

    def ready(self) -> None:
        from abrazo.core.checks import TAG, check_site_url

        checks.register(check_site_url, TAG)
