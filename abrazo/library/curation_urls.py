"""/library/curation/: the curators' queue, resources and decisions (resource.curate), and topics (site.edit)."""

from django.urls import path

from abrazo.library import curation_views as views

urlpatterns = [
    path("", views.queue, name="curation-queue"),
    path("resources/", views.resource_list, name="curation-resources"),
    path("resources/new/", views.resource_new, name="curation-resource-new"),
    path("resources/<uuid:pk>/", views.resource_edit, name="curation-resource-edit"),
    path("resources/<uuid:pk>/approve/", views.resource_approve, name="curation-resource-approve"),
    path("resources/<uuid:pk>/decline/", views.resource_decline, name="curation-resource-decline"),
    path("resources/<uuid:pk>/withdraw/", views.resource_withdraw, name="curation-resource-withdraw"),
    path("resources/<uuid:pk>/translate/", views.resource_translate, name="curation-resource-translate"),
    path("resources/<uuid:pk>/file/", views.resource_file, name="curation-resource-file"),
    path("topics/", views.topic_list, name="curation-topics"),
    path("topics/<uuid:pk>/", views.topic_edit, name="curation-topic-edit"),
]
