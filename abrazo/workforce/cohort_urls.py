"""Training cohorts, mounted at /workforce/ (names in the `workforce` namespace).

The certificate check is public and named by its secret (a `slug`: `secrets.token_urlsafe` writes only
letters, digits, "-" and "_", so anything else is a 404 before any look-up).
"""

from django.urls import path

from abrazo.workforce import cohort_views as views

urlpatterns = [
    path("cohorts/", views.cohort_list, name="cohort-list"),
    path("cohorts/new/", views.cohort_create, name="cohort-new"),
    path("cohorts/<uuid:pk>/", views.cohort_detail, name="cohort-detail"),
    path("cohorts/<uuid:pk>/edit/", views.cohort_edit, name="cohort-edit"),
    path("cohorts/<uuid:pk>/sessions/new/", views.session_create, name="session-new"),
    path("cohorts/<uuid:pk>/assignments/new/", views.assignment_create, name="assignment-new"),
    path("sessions/<uuid:pk>/edit/", views.session_edit, name="session-edit"),
    path("sessions/<uuid:pk>/attendance/", views.session_attendance, name="session-attendance"),
    path("assignments/<uuid:pk>/edit/", views.assignment_edit, name="assignment-edit"),
    path("assignments/<uuid:pk>/completions/", views.assignment_completions, name="assignment-completions"),
    path("participants/<uuid:pk>/", views.participant_detail, name="participant-detail"),
    path("participants/<uuid:pk>/edit/", views.participant_edit, name="participant-edit"),
    path("participants/<uuid:pk>/complete/", views.participant_complete, name="participant-complete"),
    path("participants/<uuid:pk>/withdraw/", views.participant_withdraw, name="participant-withdraw"),
    path("participants/<uuid:pk>/certificate/", views.certificate, name="certificate"),
    path("participants/<uuid:pk>/certificate/pdf/", views.certificate_pdf, name="certificate-pdf"),
    path("participants/<uuid:pk>/certificate/reissue/", views.certificate_reissue, name="certificate-reissue"),
    path("certificates/<slug:token>/", views.certificate_verify, name="certificate-verify"),
    path("certificates/<slug:token>/pdf/", views.certificate_verify_pdf, name="certificate-verify-pdf"),
]
