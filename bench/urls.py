from django.http import HttpRequest, HttpResponse
from django.urls import path

from abrazo.core.decorators import signed_in
from abrazo.urls import urlpatterns as app_urlpatterns


@signed_in
def ceiling(request: HttpRequest) -> HttpResponse:
    """The cheapest signed-in page: the same middleware (session, auth, MFA, audit), no work."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/ceiling/", ceiling), *app_urlpatterns]
