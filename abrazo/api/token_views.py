"""Personal API tokens: list, make (the secret is shown once), revoke. A person manages only their own;
a network administrator also sees every usable token of her network's members and may revoke one."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from abrazo.accounts import access
from abrazo.api import selectors, services
from abrazo.api.models import SCOPES
from abrazo.api.token_forms import TokenForm
from abrazo.core.decorators import requires
from abrazo.directory.selectors import network_for


@requires("api.token")
def token_list(request: HttpRequest) -> HttpResponse:
    """The person's tokens; POST revoke=<id> revokes one (the id is in the form, so the page has one address)."""
    if request.method == "POST":
        return _revoke(request)
    tokens = list(selectors.token_list_for(user=request.user))
    return render(request, "api/token_list.html", {
        "tokens": tokens, "now": timezone.now(), "scopes": SCOPES,
        "manages_network_tokens": access.has_permission(request.user, "api.token_admin"),
    })


def _revoke(request: HttpRequest) -> HttpResponse:
    try:
        token_id = UUID(request.POST.get("revoke", ""))
    except ValueError as error:
        raise Http404 from error
    token = selectors.token_get_for(user=request.user, token_id=token_id)
    services.token_revoke(user=request.user, token=token)
    messages.success(request, _("The token “%(name)s” was revoked; it no longer works.") % {"name": token.name})
    return redirect("api_tokens:list")


@never_cache  # the page that shows the secret must not be kept by the browser or a proxy
@requires("api.token")
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.token_create(
                user=request.user, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            return render(request, "api/token_created.html", {"token": created.token, "plaintext": created.plaintext})
    return render(request, "api/token_form.html", {"form": form, "title": _("New API token")})


@requires("api.token_admin")
def network_token_list(request: HttpRequest) -> HttpResponse:
    """Every usable token of the network's members (never a secret: only hashes are kept).

    POST revoke=<id> shows the confirm page; POST revoke=<id> with confirm=yes revokes. Both stay on this
    address, so the page needs no object id in its URL.
    """
    network = network_for(user=request.user, permission="api.token_admin")
    if network is None:
        raise Http404
    if request.method == "POST":
        try:
            token_id = UUID(request.POST.get("revoke", ""))
        except ValueError as error:
            raise Http404 from error
        token = selectors.network_token_get(network=network, token_id=token_id)
        if request.POST.get("confirm") != "yes":
            return render(request, "api/network_token_revoke.html", {"token": token, "network": network})
        services.token_revoke_for_network(actor=request.user, network=network, token=token)
        messages.success(request, _("The token “%(name)s” of %(owner)s was revoked; they were told by email.") % {
            "name": token.name, "owner": token.user.email,
        })
        return redirect("api_tokens:network")
    tokens = list(selectors.network_tokens(network=network))
    return render(request, "api/network_token_list.html", {"tokens": tokens, "network": network, "now": timezone.now()})
