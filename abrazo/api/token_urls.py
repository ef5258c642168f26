"""Personal API tokens, under /api/tokens/."""

from django.urls import path

from abrazo.api import token_views

app_name = "api_tokens"

urlpatterns = [
    path("", token_views.token_list, name="list"),
    path("new/", token_views.token_create, name="create"),
    path("network/", token_views.network_token_list, name="network"),
]
