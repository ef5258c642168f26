"""/workforce/applications/: the public application (cohorts taking applications, the form, the thanks page)
and the reviewers' pages."""

from django.urls import path

from abrazo.workforce import application_views as views

urlpatterns = [
    path("apply/", views.apply_cohorts, name="apply-cohorts"),
    path("apply/thanks/", views.apply_thanks, name="apply-thanks"),
    path("apply/cohort/<uuid:pk>/", views.apply, name="apply"),
    path("apply/<slug:network_slug>/", views.apply_cohorts, name="apply-cohorts-for-network"),
    path("", views.application_list, name="application-list"),
    path("<uuid:pk>/", views.application_detail, name="application-detail"),
    path("<uuid:pk>/review/", views.application_review, name="application-review"),
    path("<uuid:pk>/withdraw/", views.application_withdraw, name="application-withdraw"),
    path("<uuid:pk>/enrol/", views.application_enrol, name="application-enrol"),
]
