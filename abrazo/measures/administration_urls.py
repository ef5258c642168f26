"""Administrations, mounted under /measures/administrations/ (names in the `measures` namespace)."""

from django.urls import path

from abrazo.measures import administration_views as views

urlpatterns = [
    path("episodes/<uuid:pk>/", views.episode_measures, name="episode-measures"),
    path("episodes/<uuid:pk>/schedule/", views.administration_schedule, name="administration-schedule"),
    path("<uuid:pk>/", views.administration_detail, name="administration-detail"),
    path("<uuid:pk>/enter/", views.administration_enter, name="administration-enter"),
    path("<uuid:pk>/cancel/", views.administration_cancel, name="administration-cancel"),
]
