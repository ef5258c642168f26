"""/library/plans/: resources in an episode's work (attach to the action plan, remove, send by email). Included
in the "library" namespace by library/urls.py."""

from django.urls import path

from abrazo.library import plan_views

urlpatterns = [
    path("episodes/<uuid:pk>/", plan_views.plan_episode_section, name="plan-episode-section"),
    path("episodes/<uuid:pk>/resources/", plan_views.plan_resources, name="plan-resources"),
    path("resources/<uuid:pk>/remove/", plan_views.plan_resource_remove, name="plan-resource-remove"),
    path("resources/<uuid:pk>/send/", plan_views.plan_resource_send, name="plan-resource-send"),
]
