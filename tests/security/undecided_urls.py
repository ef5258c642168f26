"""A URLconf for test_a_view_without_a_decision_is_caught: what a forgotten decorator looks like."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from abrazo.core.decorators import signed_in


@signed_in
def decided(request: HttpRequest) -> HttpResponse:
    return HttpResponse("decided")


def forgotten(request: HttpRequest) -> HttpResponse:
    return HttpResponse("nobody decided who may see this")


urlpatterns = [
    path("decided/", decided, name="decided"),
    path("forgotten/", forgotten, name="forgotten"),
    # Under allauth's prefix, but our code: the exemption must not cover it.
    path("accounts/sneaky/", forgotten, name="sneaky"),
]
