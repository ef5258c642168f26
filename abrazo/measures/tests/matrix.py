"""Records for the permission matrix (tests/security/matrix.py): what each URL's id names, and one record
inside and outside each scope."""

from __future__ import annotations

from typing import Any

from abrazo.accounts.access import Scope

URL_OBJECTS: dict[str, str] = {
    "measures:instrument-detail": "instrument",
    "measures:instrument-edit": "instrument",
    "measures:norm-upload": "scale",  # a norm table is uploaded for one scale of an instrument
    "measures:scale-new": "instrument",  # a new subscale or total of an instrument
    "measures:scale-edit": "scale",
    "measures:scale-delete": "scale",
    "measures:redcap-export": "instrument",  # an instrument's REDCap data dictionary
    "measures:records-import": "instrument",  # REDCap record files into an instrument's administrations
    "measures:records-export": "instrument",  # an instrument's administrations as a REDCap record export
    "measures:episode-measures": "episode",  # an episode's measures (the episode kind of the consultations table)
    "measures:administration-schedule": "episode",
    "measures:administration-detail": "administration",
    "measures:administration-enter": "administration",
    "measures:administration-cancel": "administration",
    "measures:link-new": "administration",  # sending or withdrawing a survey link for one administration
    "measures:survey": "survey_link",  # the public survey, named by its token (a slug); 200 for everyone
}

# instrument_a: an instrument of the world's network; other_instrument: the other network's. Each has a
# scale (scale_a, other_scale). Instrument permissions have the network scope only.
SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {
    "instrument": {Scope.NETWORK: ("instrument_a", "other_instrument")},
    "scale": {Scope.NETWORK: ("scale_a", "other_scale")},
    # administration_a: on episode_a (program A, the world's consultant, supervised by the world's supervisor);
    # administration_b: on episode_b (program B, region B); other_administration: the other network's episode.
    "administration": {
        scope: ("administration_a", "other_administration" if scope == Scope.NETWORK else "administration_b")
        for scope in (Scope.NETWORK, Scope.REGION, Scope.SELF, Scope.SUPERVISEES)
    },
    # An open survey link on administration_a and on other_administration: public, so both answer 200.
    "survey_link": {Scope.NETWORK: ("survey_link_a", "other_survey_link")},
}


def build_objects(objects: dict[str, Any]) -> dict[str, Any]:
    """An instrument with one scale in the world's network and in the other network."""
    from abrazo.measures.tests.factories import AdministrationFactory, InstrumentFactory, ScaleFactory

    instrument_a = InstrumentFactory(network=objects["network"])
    other_instrument = InstrumentFactory(network=objects["other_network"])
    made = {
        "instrument_a": instrument_a, "other_instrument": other_instrument,
        "scale_a": ScaleFactory(instrument=instrument_a),
        "other_scale": ScaleFactory(instrument=other_instrument),
    }
    # One scheduled administration on each matrix episode (built by the consultations table before this one).
    for name, episode, instrument in (("administration_a", "episode_a", instrument_a),
                                      ("administration_b", "episode_b", instrument_a),
                                      ("other_administration", "other_episode", other_instrument)):
        made[name] = AdministrationFactory(episode=objects[episode], instrument=instrument)
    made.update(_survey_links(made))
    return made


def _survey_links(made: dict[str, Any]) -> dict[str, Any]:
    """An open link on two administrations. Only the token's hash is stored, so the matrix gets the token
    itself as the `slug` it puts in a slug-converted URL."""
    import datetime as dt
    import secrets
    from types import SimpleNamespace

    from django.utils import timezone

    from abrazo.measures.links import hash_token
    from abrazo.measures.models import SurveyLink

    found = {}
    for name, administration in (("survey_link_a", "administration_a"), ("other_survey_link", "other_administration")):
        token = secrets.token_urlsafe(32)
        SurveyLink.objects.create(administration=made[administration], token_hash=hash_token(token),
                                  expires_at=timezone.now() + dt.timedelta(days=14))
        found[name] = SimpleNamespace(slug=token, pk=token)
    return found
