"""The network administrator's workforce settings page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.core.concurrency import StaleEditError
from abrazo.core.decorators import requires
from abrazo.directory.models import Network
from abrazo.workforce import settings_services as services
from abrazo.workforce.selectors import workforce_settings_for
from abrazo.workforce.settings_forms import WorkforceSettingsForm

NETWORK_CONFIGURE = "network.configure"


@requires(NETWORK_CONFIGURE)
def workforce_settings(request: HttpRequest) -> HttpResponse:
    """Endorsement thresholds, countable kinds of supervision and the completion share of the network (the
    first the person configures, or `?network=`)."""
    networks = list(access.visible(request.user, NETWORK_CONFIGURE, Network.objects.all()).order_by("name"))
    asked = request.POST.get("network") or request.GET.get("network")
    network = next((n for n in networks if str(n.pk) == asked), None) if asked else (networks[0] if networks else None)
    if network is None:
        audit.record_denied(user=request.user, object_type="directory.network", object_id=str(asked or "")[:64])
        raise Http404
    current = workforce_settings_for(network)
    form = WorkforceSettingsForm(request.POST if request.method == "POST" else None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.workforce_settings_update(actor=request.user, network=network, data=form.to_data(),
                                               expected_version=form.expected_version())
        except StaleEditError as stale:
            form.mark_stale(current_version=workforce_settings_for(network).version, message=str(stale))
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        except ValidationError as problem:
            form.add_error(None, problem)
        else:
            messages.success(request, _("Workforce settings saved."))
            url = reverse("workforce:workforce-settings")
            return redirect(f"{url}?network={network.pk}" if len(networks) > 1 else url)
    return render(request, "workforce/supervision/settings.html", {
        "form": form, "network": network, "networks": networks,
    })
