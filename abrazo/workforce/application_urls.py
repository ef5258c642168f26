"""Filled in by the application area of issue 6."""

urlpatterns: list = []
