"""/site/: the network's public content pages (/site/<address>/) and their editing (/site/manage/...)."""

from django.urls import path

from abrazo.library import site_views

app_name = "site"

urlpatterns = [
    path("manage/", site_views.page_list, name="page-list"),
    path("manage/new/", site_views.page_new, name="page-new"),
    path("manage/<uuid:pk>/", site_views.page_edit, name="page-edit"),
    path("manage/<uuid:pk>/preview/", site_views.page_preview, name="page-preview"),
    path("manage/<uuid:pk>/publish/", site_views.page_publish, name="page-publish"),
    path("<slug:slug>/", site_views.page, name="page"),
]
