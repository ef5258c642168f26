from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "abrazo.directory"
    label = "directory"
    verbose_name = _("Network directory")
