"""The roster, incidents and exclusions (mounted under /children/ in the `incidents` namespace)."""

from django.urls import path

from abrazo.incidents import views

urlpatterns = [
    path("", views.child_list, name="child-list"),
    path("programs/<uuid:pk>/children/new/", views.child_create, name="child-new"),
    path("<uuid:pk>/", views.child_detail, name="child-detail"),
    path("<uuid:pk>/edit/", views.child_edit, name="child-edit"),
    path("<uuid:pk>/enrollments/new/", views.enrollment_add, name="enrollment-add"),
    path("enrollments/<uuid:pk>/end/", views.enrollment_end, name="enrollment-end"),
    path("<uuid:pk>/exclusions/new/", views.exclusion_create, name="exclusion-new"),
    path("exclusions/<uuid:pk>/edit/", views.exclusion_edit, name="exclusion-edit"),
    path("incidents/", views.incident_list, name="incident-list"),
    path("programs/<uuid:pk>/incidents/new/", views.incident_create, name="incident-new"),
    path("incidents/<uuid:pk>/", views.incident_detail, name="incident-detail"),
    path("incidents/<uuid:pk>/edit/", views.incident_edit, name="incident-edit"),
]
