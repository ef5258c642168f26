"""The exports centre, under /exports/: files being prepared, ready to download, and expired."""

from django.urls import path  # noqa: F401

app_name = "exports"

urlpatterns: list = []
