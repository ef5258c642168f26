from django.urls import include, path

from abrazo.measures import views

app_name = "measures"

urlpatterns = [
    path("", views.instrument_list, name="instrument-list"),
    path("new/", views.instrument_create, name="instrument-new"),
    path("<uuid:pk>/", views.instrument_detail, name="instrument-detail"),
    path("<uuid:pk>/edit/", views.instrument_edit, name="instrument-edit"),
    path("<uuid:pk>/scales/new/", views.scale_new, name="scale-new"),
    path("scales/<uuid:pk>/edit/", views.scale_edit, name="scale-edit"),
    path("scales/<uuid:pk>/delete/", views.scale_delete, name="scale-delete"),
    path("scales/<uuid:pk>/norms/", views.norm_upload, name="norm-upload"),
    path("redcap/", include("abrazo.measures.redcap_urls")),
    path("records/", include("abrazo.measures.record_urls")),
    path("administrations/", include("abrazo.measures.administration_urls")),
    path("outcomes/", include("abrazo.measures.outcome_urls")),
    path("", include("abrazo.measures.link_urls")),
]
