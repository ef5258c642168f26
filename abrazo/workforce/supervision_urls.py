"""Filled in by the supervision area of issue 6."""

urlpatterns: list = []
