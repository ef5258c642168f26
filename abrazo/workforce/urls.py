"""/workforce/: each area keeps its own URL module; public pages (applying, certificate checks, voices from
the field) are marked @public in their views."""

from django.urls import include, path

app_name = "workforce"

urlpatterns = [
    path("", include("abrazo.workforce.cohort_urls")),
    path("applications/", include("abrazo.workforce.application_urls")),
    path("competencies/", include("abrazo.workforce.competency_urls")),
    path("supervision/", include("abrazo.workforce.supervision_urls")),
    path("capacity/", include("abrazo.workforce.capacity_urls")),
    path("feedback/", include("abrazo.workforce.feedback_urls")),
]
