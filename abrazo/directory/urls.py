from django.urls import path

from abrazo.directory import views

app_name = "directory"
urlpatterns = [
    path("programs/", views.program_list, name="program-list"),
    path("programs/<uuid:pk>/", views.program_detail, name="program-detail"),
    path("consultants/", views.consultant_list, name="consultant-list"),
    path("consultants/<uuid:pk>/", views.consultant_detail, name="consultant-detail"),
    path("agencies/", views.agency_list, name="agency-list"),
    path("agencies/<uuid:pk>/", views.agency_detail, name="agency-detail"),
    path("regions/", views.region_list, name="region-list"),
    path("regions/<uuid:pk>/", views.region_detail, name="region-detail"),
]
