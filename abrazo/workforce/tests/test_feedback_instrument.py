"""The training and group feedback survey and the satisfaction survey's share-comment question: installed, scored
by the engine, and put back in place by the workforce data migration in a database that predates them."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from abrazo.measures.models import Instrument, Item
from abrazo.measures.shipped import SHARE_COMMENT_ITEMS, TRAINING_FEEDBACK
from abrazo.measures.specs import score_administration
from abrazo.workforce.tests.factories_feedback import training_answers

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("abrazo.workforce.migrations.0002_feedback_instruments")


def test_the_training_survey_has_six_ratings_two_comments_and_the_share_question_last():
    instrument = Instrument.objects.get(network__isnull=True, key="abrazo_training_feedback")
    items = list(instrument.items.order_by("position").values_list("key", "field_type"))
    assert [kind for _key, kind in items] == ["radio"] * 6 + ["notes"] * 2 + ["yesno"]
    assert items[-1][0] == "trn_share_comment"
    assert (instrument.respondent, instrument.level, instrument.languages) == ("other", "teacher", ["en", "es"])
    share = instrument.items.get(key="trn_share_comment")
    assert share.label_es.startswith("¿Podemos compartir sus comentarios públicamente, sin su nombre?")
    materials = instrument.items.get(key="trn_materials")
    assert materials.missing_codes == [9] and (materials.score_min, materials.score_max) == (1.0, 5.0)
    # the share question names the comments it is about
    assert SHARE_COMMENT_ITEMS["trn_share_comment"] == ("trn_most_useful", "trn_suggestions")
    assert {item["key"] for item in TRAINING_FEEDBACK["items"]} >= set(SHARE_COMMENT_ITEMS["trn_share_comment"])


def test_the_satisfaction_survey_asks_to_share_its_comments_after_them():
    item = Item.objects.get(instrument__network__isnull=True, instrument__key="abrazo_satisfaction",
                            key="sat_share_comment")
    assert item.field_type == "yesno" and item.position == 13


def test_the_training_rating_is_the_mean_of_the_six_and_does_not_apply_is_left_out():
    instrument = Instrument.objects.get(network__isnull=True, key="abrazo_training_feedback")
    # 5, 5, 4, 5, 4, 5: 28 / 6 = 4.67, high
    scores = score_administration(instrument, training_answers())
    rating = scores["training_rating"]
    assert round(rating.raw, 2) == 4.67 and rating.band == "high"
    # materials "does not apply": 5, 5, 4, 5, 5 -> 24 / 5 = 4.8
    scores = score_administration(instrument, training_answers(trn_materials="9"))
    assert scores["training_rating"].raw == pytest.approx(4.8)


def test_the_workforce_migration_installs_what_an_older_database_lacks_and_changes_nothing_twice():
    # given a database migrated before the training survey and the share question shipped
    Instrument.objects.filter(network__isnull=True, key="abrazo_training_feedback").delete()
    Item.objects.filter(instrument__key="abrazo_satisfaction", key="sat_share_comment").delete()
    satisfaction = Instrument.objects.get(network__isnull=True, key="abrazo_satisfaction")
    item_ids = set(satisfaction.items.values_list("pk", flat=True))
    # when the workforce data migration runs
    MIGRATION.forwards(apps, None)
    # then both are there, and the satisfaction survey's other items kept their rows
    assert Instrument.objects.get(network__isnull=True, key="abrazo_training_feedback").items.count() == 9
    satisfaction.refresh_from_db()
    assert satisfaction.items.filter(key="sat_share_comment").exists()
    assert item_ids <= set(satisfaction.items.values_list("pk", flat=True))
    # and running it again changes nothing
    version = satisfaction.version
    MIGRATION.forwards(apps, None)
    satisfaction.refresh_from_db()
    assert satisfaction.version == version
