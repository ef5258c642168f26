"""Filled in by the cohort area of issue 6."""

urlpatterns: list = []
