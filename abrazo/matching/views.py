"""The matching settings page: a network administrator tunes the weights of the soft preferences."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from abrazo.core.concurrency import StaleEditError
from abrazo.core.decorators import requires
from abrazo.directory.selectors import network_for
from abrazo.matching import services
from abrazo.matching.engine import Weights
from abrazo.matching.forms import MatchingSettingsForm
from abrazo.matching.models import MatchingSettings


@requires("network.configure")
def matching_settings(http_request: HttpRequest) -> HttpResponse:
    network = network_for(user=http_request.user, permission="network.configure")
    if network is None:
        raise Http404
    stored = services.matching_settings_for(network)
    form = MatchingSettingsForm(http_request.POST if http_request.method == "POST" else None, stored=stored)
    if http_request.method == "POST" and form.is_valid():
        try:
            services.matching_settings_update(
                actor=http_request.user, network=network, weights=form.weights(),
                expected_version=form.expected_version(),
            )
        except StaleEditError as stale:
            current = MatchingSettings.objects.get(network=network).version
            form.mark_stale(current_version=current, message=str(stale))
        else:
            messages.success(http_request, _("Matching weights saved. Suggestions use them from now on."))
            return redirect(reverse("matching:settings"))
    return render(http_request, "matching/settings.html", {
        "form": form, "network": network, "defaults": Weights(),
    })
