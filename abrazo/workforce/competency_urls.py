"""Competencies, mounted under /workforce/competencies/ (names in the `workforce` namespace)."""

from django.urls import path

from abrazo.workforce import competency_views as views

urlpatterns = [
    path("", views.competency_framework, name="competency-framework"),
    path("domains/new/", views.competency_domain_new, name="competency-domain-new"),
    path("domains/<uuid:pk>/edit/", views.competency_domain_edit, name="competency-domain-edit"),
    path("consultants/", views.competency_consultants, name="competency-consultants"),
    path("consultants/<uuid:pk>/", views.competency_growth, name="competency-growth"),
    path("consultants/<uuid:pk>/rate/", views.competency_assessment_new, name="competency-assessment-new"),
]
