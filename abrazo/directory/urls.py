from django.urls import path

from abrazo.directory import import_views, views

app_name = "directory"
urlpatterns = [
    path("programs/", views.program_list, name="program-list"),
    path("programs/new/", views.program_create, name="program-create"),
    path("programs/<uuid:pk>/", views.program_detail, name="program-detail"),
    path("programs/<uuid:pk>/edit/", views.program_edit, name="program-edit"),
    path("programs/<uuid:program_pk>/classrooms/new/", views.classroom_create, name="classroom-create"),
    path("classrooms/<uuid:pk>/edit/", views.classroom_edit, name="classroom-edit"),
    path("programs/<uuid:program_pk>/staff/new/", views.staff_create, name="staff-create"),
    path("staff/<uuid:pk>/edit/", views.staff_edit, name="staff-edit"),
    path("consultants/", views.consultant_list, name="consultant-list"),
    path("consultants/new/", views.consultant_create, name="consultant-create"),
    path("consultants/<uuid:pk>/", views.consultant_detail, name="consultant-detail"),
    path("consultants/<uuid:pk>/edit/", views.consultant_edit, name="consultant-edit"),
    path("agencies/", views.agency_list, name="agency-list"),
    path("agencies/new/", views.agency_create, name="agency-create"),
    path("agencies/<uuid:pk>/", views.agency_detail, name="agency-detail"),
    path("agencies/<uuid:pk>/edit/", views.agency_edit, name="agency-edit"),
    path("regions/", views.region_list, name="region-list"),
    path("regions/new/", views.region_create, name="region-create"),
    path("regions/<uuid:pk>/", views.region_detail, name="region-detail"),
    path("regions/<uuid:pk>/edit/", views.region_edit, name="region-edit"),
    # Bulk import (abrazo/directory/imports.py)
    path("import/", import_views.import_home, name="import-home"),
    path("import/<str:kind>/", import_views.import_upload, name="import-upload"),
    path("import/<str:kind>/confirm/", import_views.import_confirm, name="import-confirm"),
    path("import/<str:kind>/template.csv", import_views.import_template, name="import-template"),
]
