"""Filled in by the feedback area of issue 6."""

urlpatterns: list = []
