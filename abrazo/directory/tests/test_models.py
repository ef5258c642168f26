from __future__ import annotations

from django.utils import translation

from abrazo.directory.models import Program
from abrazo.intake.models import Request


def test_programs_and_requests_describe_the_ages_they_serve_alike():
    # given a program and a request that serve infants and preschoolers but not toddlers
    flags = {"serves_infants": True, "serves_toddlers": False, "serves_preschoolers": True}
    # when their ages are shown, in English and in Spanish
    with translation.override("en"):
        english = {Program(**flags).ages_served_display, Request(**flags).ages_served_display}
    with translation.override("es"):
        spanish = Program(**flags).ages_served_display
    # then both read the same, listing only the ages served
    assert english == {"infants, preschoolers"}
    assert spanish != "infants, preschoolers" and ", " in spanish
    assert Program().ages_served_display == ""
