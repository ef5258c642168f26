"""The instruments Abrazo writes and ships: complete in both languages, REDCap-safe keys, scorable, and
installed (by the data migration) and updated in place (by `abrazo load_instruments`)."""

from __future__ import annotations

import io
import re
from collections import Counter
from itertools import pairwise
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from abrazo.directory.tests.factories import NetworkFactory
from abrazo.measures import redcap
from abrazo.measures.models import Instrument, Item, Scale, Source
from abrazo.measures.redcap_import import export_dictionary
from abrazo.measures.scoring import Band, EnteredScore, InstrumentSpec, Subscale, score
from abrazo.measures.shipped import (
    READINESS_CHECK,
    SATISFACTION,
    SHIPPED,
    SHIPPED_KEYS,
    STANCE,
    install,
    item_fields,
    scale_fields,
    uninstall,
)
from abrazo.measures.specs import spec_for
from abrazo.measures.tests.factories import InstrumentFactory

ALL_ITEMS = [(definition["key"], item) for definition in SHIPPED for item in definition["items"]]
ALL_SCALES = [(definition["key"], scale) for definition in SHIPPED for scale in definition["scales"]]
REDCAP_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _ids(pairs: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [f"{instrument}.{entry['key']}" for instrument, entry in pairs]


# --- the definitions, without a database ---------------------------------------------------------------


@pytest.mark.parametrize("definition", SHIPPED, ids=SHIPPED_KEYS)
def test_every_instrument_is_named_and_described_in_english_and_spanish(definition):
    for field in ("name_en", "name_es", "description_en", "description_es"):
        assert definition[field].strip(), field
    assert definition["name_en"] != definition["name_es"]
    assert definition["minutes"] > 0


@pytest.mark.parametrize(("instrument", "item"), ALL_ITEMS, ids=_ids(ALL_ITEMS))
def test_every_item_has_english_and_spanish_wording_and_choice_labels(instrument, item):
    assert item["label_en"].strip() and item["label_es"].strip()
    assert item["label_en"] != item["label_es"]
    for code, english, spanish in item.get("choices", []):
        assert code.strip() and english.strip() and spanish.strip(), (code, english, spanish)
    if item.get("section_header_en") or item.get("section_header_es"):
        assert item["section_header_en"].strip() and item["section_header_es"].strip()


def test_no_two_shipped_items_share_a_key_even_across_instruments():
    # REDCap variable names are unique in a whole project, and a network may export all three forms at once
    counts = Counter(item["key"] for _, item in ALL_ITEMS)
    assert [key for key, count in counts.items() if count > 1] == []
    assert len(counts) == 10 + 2 + 1 + 12 + 1 + 8 + 1 + 6 + 2 + 1


@pytest.mark.parametrize(("instrument", "item"), ALL_ITEMS, ids=_ids(ALL_ITEMS))
def test_item_keys_are_redcap_variable_names_and_types_are_redcap_types(instrument, item):
    assert REDCAP_NAME.fullmatch(item["key"])
    assert len(item["key"]) <= 26  # REDCap's advice, so checkbox suffixes and SAS/Stata names still fit
    assert item["field_type"] in redcap.FIELD_TYPES
    assert item["field_type"] in {"radio", "notes", "yesno"}
    if item["field_type"] == "radio":
        assert all(code.lstrip("-").isdigit() for code, _, _ in item["choices"])


@pytest.mark.parametrize(("instrument", "scale"), ALL_SCALES, ids=_ids(ALL_SCALES))
def test_scales_have_both_names_and_bands_in_both_languages_that_cover_the_whole_range(instrument, scale):
    assert scale["name_en"].strip() and scale["name_es"].strip()
    bands = scale["bands"]
    assert bands, "every shipped scale has bands"
    assert all(band["label_en"] and band["label_es"] and band["key"] for band in bands)
    # from the lowest possible score to the highest, lowest band first, no overlap and no gap wider than the
    # engine's half-way split can close (a gap only between whole-number and 0.01 steps)
    assert bands[0]["low"] == scale["score_min"]
    assert bands[-1]["high"] == scale["score_max"]
    for lower, upper in pairwise(bands):
        assert lower["high"] < upper["low"] <= lower["high"] + 1


def test_the_readiness_bands_cover_every_whole_total_and_every_prorated_total():
    # given the readiness total's bands as the engine sees them
    readiness = next(scale for scale in READINESS_CHECK["scales"] if scale["key"] == "readiness")
    bands = tuple(Band(band["key"], band["low"], band["high"]) for band in readiness["bands"])
    spec = InstrumentSpec("readiness", entered=(EnteredScore("total", 0, 16, bands=bands),))
    # when every whole total from 0 to 16, and every total prorated from seven answers (sum x 8/7), is banded
    totals = sorted({answered_sum * 8 / 7 for answered_sum in range(15)} | set(range(17)))
    banded = {total: score(spec, {"total": total})["total"].band for total in totals}
    # then each one has a band, and the printed edges fall where the check says
    assert None not in banded.values()
    assert (banded[7], banded[8], banded[12], banded[13]) == ("not_yet", "getting_ready", "getting_ready", "ready")
    # 7 answered points out of 7 items prorate to 8: getting ready; 6 prorate to 6.86: not yet
    assert (banded[7 * 8 / 7], banded[6 * 8 / 7]) == ("getting_ready", "not_yet")


def test_the_stance_overall_scale_is_every_stance_item_once():
    overall = next(scale for scale in STANCE["scales"] if scale["key"] == "overall")
    stance_items = [item["key"] for item in STANCE["items"] if item["field_type"] == "radio"]
    subscale_items = [key for scale in STANCE["scales"] if scale["key"] != "overall" for key in scale["items"]]
    assert sorted(overall["items"]) == sorted(stance_items) == sorted(subscale_items)


def test_a_radio_items_score_range_leaves_out_its_does_not_apply_code():
    # given the referrals item, whose "does not apply" (9) counts as no answer
    referrals = next(item for item in SATISFACTION["items"] if item["key"] == "sat_referrals")
    # when it becomes a row
    fields = item_fields(referrals, 6)
    # then it scores 1 to 5, and 9 is a missing code
    assert (fields["score_min"], fields["score_max"], fields["missing_codes"]) == (1.0, 5.0, [9])
    assert fields["position"] == 6 and fields["field_type"] == "radio"


def test_scale_rows_are_scored_from_items():
    fields = scale_fields(SATISFACTION["scales"][0], 1)
    assert (fields["kind"], fields["method"], fields["max_missing_share"]) == ("items", "mean", 0.25)
    assert fields["items"][0] == "sat_worthwhile"


# --- installed in the database ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_migration_installed_the_shipped_instruments_for_every_network():
    # given a fresh test database (migrated like `make demo`)
    # when looking for Abrazo's own instruments
    shipped = Instrument.objects.filter(network__isnull=True, key__in=SHIPPED_KEYS).order_by("key")
    # then all three are there, belonging to no network, free to use, in English and Spanish
    assert [instrument.key for instrument in shipped] == sorted(SHIPPED_KEYS)
    for instrument in shipped:
        assert instrument.source == Source.SHIPPED
        assert instrument.public_domain is True and instrument.scores_only is False
        assert instrument.licence_holder == "Abrazo"
        assert instrument.languages == ["en", "es"]
        assert instrument.name_es and instrument.description_es
    counts = {instrument.key: (instrument.items.count(), instrument.scales.count()) for instrument in shipped}
    assert counts == {
        "abrazo_satisfaction": (13, 2),
        "abrazo_consultative_stance": (13, 5),
        "abrazo_program_readiness": (9, 1),
        "abrazo_training_feedback": (9, 1),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("key", SHIPPED_KEYS)
def test_each_installed_instrument_builds_its_scoring_spec(key):
    spec = spec_for(Instrument.objects.get(network__isnull=True, key=key))
    assert spec.key == key
    assert spec.subscales and all(isinstance(subscale, Subscale) for subscale in spec.subscales)
    notes = set(Item.objects.filter(instrument__key=key, field_type="notes").values_list("key", flat=True))
    assert notes and not notes & set(spec.columns)


@pytest.mark.django_db
def test_items_are_stored_in_order_with_their_spanish_wording_and_choices():
    item = Item.objects.get(instrument__key="abrazo_program_readiness", key="ready_staff_time")
    assert item.position == 2
    assert item.label_es.startswith("Los maestros o proveedores pueden tener")
    assert item.choices == [["2", "Yes", "Sí"], ["1", "Partly", "En parte"], ["0", "No", "No"]]
    assert (item.score_min, item.score_max) == (0.0, 2.0)
    first = Item.objects.get(instrument__key="abrazo_program_readiness", key="ready_director_support")
    assert first.section_header.startswith("Before consultation starts")
    assert "\nAntes de empezar la consultoría" in first.section_header


def _snapshot() -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for instrument in Instrument.objects.filter(network__isnull=True).order_by("key"):
        rows[instrument.key] = (instrument.pk, instrument.version, instrument.name_es)
        for item in instrument.items.all():
            rows[f"{instrument.key}.{item.key}"] = (item.pk, item.label_en, item.label_es, item.choices)
        for scale in instrument.scales.all():
            rows[f"{instrument.key}.scale.{scale.key}"] = (scale.pk, scale.items, scale.bands)
    return rows


@pytest.mark.django_db
def test_load_instruments_twice_changes_nothing_and_duplicates_nothing():
    # given the instruments the migration installed
    before = _snapshot()
    # when the command runs twice
    out = io.StringIO()
    call_command("load_instruments", stdout=out)
    call_command("load_instruments", stdout=out)
    # then every row is the same row, with the same version, and there is one of each
    assert _snapshot() == before
    assert Instrument.objects.filter(network__isnull=True).count() == 4
    assert Item.objects.filter(instrument__network__isnull=True).count() == 13 + 13 + 9 + 9
    assert ("unchanged: abrazo_satisfaction, abrazo_consultative_stance, abrazo_program_readiness, "
            "abrazo_training_feedback") in out.getvalue()


@pytest.mark.django_db
def test_load_instruments_restores_wording_in_place_after_an_upgrade():
    # given a database from an older release: an item worded differently, a scale with older bands,
    # an item that release did not have, and one this release no longer ships
    instrument = Instrument.objects.get(network__isnull=True, key="abrazo_satisfaction")
    worded = Item.objects.get(instrument=instrument, key="sat_worthwhile")
    Item.objects.filter(pk=worded.pk).update(label_es="Texto viejo", label_en="Old text")
    Scale.objects.filter(instrument=instrument, key="satisfaction").update(bands=[])
    Item.objects.filter(instrument=instrument, key="sat_could_be_better").delete()
    Item.objects.create(instrument=instrument, key="sat_retired", position=99, field_type="notes", label_en="Gone")
    untouched = Instrument.objects.get(network__isnull=True, key="abrazo_program_readiness")
    # when the command runs
    out = io.StringIO()
    call_command("load_instruments", stdout=out)
    # then the wording is back on the same row, the missing item is added, the retired one removed,
    # the instrument's version moves on, and the other instruments are left alone
    worded.refresh_from_db()
    assert worded.label_en == "The time I spent with my consultant was worth it."
    assert worded.label_es == "El tiempo que pasé con mi consultor(a) valió la pena."
    keys = list(Item.objects.filter(instrument=instrument).order_by("position").values_list("key", flat=True))
    assert keys[-2:] == ["sat_could_be_better", "sat_share_comment"]
    assert "sat_retired" not in keys and len(keys) == 13
    assert len(Scale.objects.get(instrument=instrument, key="satisfaction").bands) == 3
    instrument.refresh_from_db()
    assert instrument.version == 2
    untouched.refresh_from_db()
    assert untouched.version == 1
    assert "updated: abrazo_satisfaction" in out.getvalue()


@pytest.mark.django_db
def test_a_networks_own_instrument_with_the_same_key_is_never_touched():
    # given a network that built its own instrument under a shipped key
    own = InstrumentFactory(network=NetworkFactory(), key="abrazo_satisfaction", name_en="Our survey")
    # when the shipped instruments are installed again
    report = install(Instrument, Item, Scale)
    # then the network's instrument is as it was, and the shipped one is not duplicated
    own.refresh_from_db()
    assert own.name_en == "Our survey" and own.items.count() == 0
    assert Instrument.objects.filter(key="abrazo_satisfaction").count() == 2
    assert report.unchanged == list(SHIPPED_KEYS)


@pytest.mark.django_db
def test_uninstall_then_install_gives_the_same_instruments():
    # given the shipped instruments removed (what reversing the data migration does)
    assert uninstall(Instrument) > 0
    assert not Instrument.objects.filter(network__isnull=True).exists()
    assert not Item.objects.filter(instrument__network__isnull=True).exists()
    # when installed again
    report = install(Instrument, Item, Scale)
    # then they are all created afresh
    assert report.created == list(SHIPPED_KEYS)
    assert Item.objects.filter(instrument__network__isnull=True).count() == 44


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_reverses_and_reapplies():
    # given the migrated database
    executor = MigrationExecutor(connection)
    target = [("measures", "0001_initial")]
    leaves = executor.loader.graph.leaf_nodes()
    try:
        # when the data migration is reversed
        executor.migrate(target)
        old_apps = executor.loader.project_state(target).apps
        # then no shipped instrument is left
        assert old_apps.get_model("measures", "Instrument").objects.filter(network__isnull=True).count() == 0
    finally:
        # and applied again, they are back
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(leaves)
    assert Instrument.objects.filter(network__isnull=True).count() == 4


@pytest.mark.django_db
def test_the_shipped_instruments_export_as_a_valid_redcap_dictionary():
    # given the installed instruments
    instruments = Instrument.objects.filter(network__isnull=True).order_by("name_en")
    # when exported as a REDCap data dictionary and read back by the strict reader
    dictionary = redcap.read_dictionary(export_dictionary(instruments))
    # then there is no problem, one form per instrument, and every item keeps its variable name and type
    assert dictionary.errors == []
    assert sorted(form.name for form in dictionary.forms) == sorted(SHIPPED_KEYS)
    fields = {field.name: field.field_type for field in dictionary.fields}
    assert fields == {item["key"]: item["field_type"] for _, item in ALL_ITEMS}
