"""Filled in by the competency area of issue 6."""

urlpatterns: list = []
