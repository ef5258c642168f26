"""Filled in by the capacity area of issue 6."""

urlpatterns: list = []
