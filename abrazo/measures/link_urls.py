"""Survey links: the public survey a respondent opens from the email, and the staff page that sends one.

The token is a `slug` in the address: `secrets.token_urlsafe` writes only letters, digits, "-" and "_",
which is exactly what the slug converter accepts, so anything else is a 404 before any lookup.
"""

from django.urls import path

from abrazo.measures import link_views

urlpatterns = [
    path("s/<slug:token>/", link_views.survey, name="survey"),
    path("administrations/<uuid:pk>/link/", link_views.link_new, name="link-new"),
]
