from django.apps import AppConfig


class ApiConfig(AppConfig):
    """REST API v1: personal tokens, and each app's api.py collected under /api/v1/."""

    name = "abrazo.api"
    label = "api"
