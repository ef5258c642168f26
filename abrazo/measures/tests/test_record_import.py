"""REDCap record files matched to episodes and recorded as administrations; administrations exported flat.

`administrations.administration_record_answers` is replaced by a small stand-in here (it is written and
tested by its own module): it stores the answers REDCap's way and refuses a radio code the item does
not offer, which is all the import relies on.
"""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest

from abrazo.audit.models import AccessEvent, Action
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.measures import administrations, record_import
from abrazo.measures.models import Administration, AdministrationStatus, AnswerSource, Timepoint
from abrazo.measures.record_import import KeyKind, Mapping, RecordsRejected, Status
from abrazo.measures.redcap_records import read_records
from abrazo.measures.tests.factories import InstrumentFactory, ItemFactory


class FakeRejected(Exception):
    def __init__(self, problems):
        super().__init__("rejected")
        self.problems = problems


@pytest.fixture(autouse=True)
def recorder(monkeypatch):
    calls = []

    def record_answers(*, actor, administration, answers, language, source, **_extra):
        calls.append(SimpleNamespace(actor=actor, administration=administration, answers=dict(answers), source=source))
        for item in administration.instrument.items.all():
            value = answers.get(item.key)
            if item.field_type == "radio" and value is not None and value not in [c[0] for c in item.choices]:
                problem = SimpleNamespace(item=item.key, message=lambda: "not a choice")
                raise FakeRejected([problem])
        administration.answers = dict(answers)
        administration.status = AdministrationStatus.COMPLETED
        administration.source = source
        administration.save()
        return administration

    monkeypatch.setattr(administrations, "administration_record_answers", record_answers)
    monkeypatch.setattr(administrations, "AnswersRejected", FakeRejected, raising=False)
    return calls


@pytest.fixture
def instrument(world):
    instrument = InstrumentFactory(network=world.network, key="teacher-stress", redcap_form="teacher_stress")
    ItemFactory(instrument=instrument, key="stress_1", position=1)
    ItemFactory(instrument=instrument, key="stress_2", position=2)
    ItemFactory(instrument=instrument, key="supports", position=3, field_type="checkbox",
                choices=[["1", "Coaching", ""], ["A", "Time off", ""]], score_min=None, score_max=None)
    ItemFactory(instrument=instrument, key="comment", position=4, field_type="text", choices=[],
                score_min=None, score_max=None)
    return instrument


@pytest.fixture
def episodes(world):
    return {
        "C-1": EpisodeFactory(program=world.program_a, child=True, child_code="C-1"),
        "C-2": EpisodeFactory(program=world.program_a, child=True, child_code="C-2"),
    }




def file_for(instrument, text: str):
    return record_import.read_upload(instrument, text.encode())


def mapping(world, **overrides):
    values = {"id_column": "record_id", "key_kind": KeyKind.CHILD_CODE, "program": world.program_a,
              "events": {"baseline_arm_1": Timepoint.PRE, "followup_arm_1": Timepoint.POST}}
    values.update(overrides)
    return Mapping(**values)


@pytest.fixture
def child_instrument(world):
    """An instrument whose form holds the child's code in a field of its own."""
    instrument = InstrumentFactory(network=world.network, key="behaviour", redcap_form="behaviour")
    ItemFactory(instrument=instrument, key="child", position=1, field_type="text", choices=[],
                score_min=None, score_max=None)
    ItemFactory(instrument=instrument, key="stress_1", position=2)
    return instrument


def test_records_with_the_code_as_record_id_are_matched_per_event(world, instrument, episodes):
    # Given two children at two events, and one record Abrazo does not know
    dictionary, records = file_for(instrument, (
        "record_id,redcap_event_name,stress_1,stress_2,supports___1,supports___a,comment,teacher_stress_complete\n"
        "C-1,baseline_arm_1,3,4,1,1,fine,2\n"
        "C-1,followup_arm_1,1,2,0,1,,2\n"
        "C-2,baseline_arm_1,2,2,0,0,,1\n"
        "C-9,baseline_arm_1,2,2,0,0,,1\n"
        "C-2,screening_arm_1,2,2,0,0,,1\n"))
    assert records.errors == []
    # When previewed with child codes of program A and the events mapped
    found = record_import.preview(network=world.network, instrument=instrument, dictionary=dictionary,
                                  records=records, mapping=mapping(world))
    # Then each row says what happens to it
    assert [(row.identifier, row.status, row.timepoint) for row in found.rows] == [
        ("C-1", Status.MATCHED, "pre"), ("C-1", Status.MATCHED, "post"), ("C-2", Status.MATCHED, "pre"),
        ("C-9", Status.UNMATCHED, "pre"), ("C-2", Status.NO_TIMEPOINT, ""),
    ]
    assert found.counts == {"matched": 3, "unmatched": 1, "ambiguous": 0, "no_timepoint": 1}
    assert found.rows[0].episode == episodes["C-1"]


def test_two_episodes_for_one_code_are_ambiguous(world, instrument, episodes):
    EpisodeFactory(program=world.program_a, child=True, child_code="C-1")
    dictionary, records = file_for(instrument, (
        "record_id,redcap_event_name,stress_1,stress_2,supports___1,supports___a,comment,teacher_stress_complete\n"
        "C-1,baseline_arm_1,3,4,1,1,,2\n"))
    found = record_import.preview(network=world.network, instrument=instrument, dictionary=dictionary,
                                  records=records, mapping=mapping(world))
    assert [row.status for row in found.rows] == [Status.AMBIGUOUS]


def test_codes_of_another_program_do_not_match(world, instrument, episodes):
    dictionary, records = file_for(instrument, (
        "record_id,redcap_event_name,stress_1,stress_2,supports___1,supports___a,comment,teacher_stress_complete\n"
        "C-1,baseline_arm_1,3,4,1,1,,2\n"))
    found = record_import.preview(network=world.network, instrument=instrument, dictionary=dictionary,
                                  records=records, mapping=mapping(world, program=world.program_b))
    assert [row.status for row in found.rows] == [Status.UNMATCHED]


def test_identifier_in_a_field_of_the_form(world, child_instrument, episodes):
    dictionary, records = file_for(child_instrument, (
        "record_id,redcap_event_name,child,stress_1,behaviour_complete\n"
        "17,baseline_arm_1,C-2,3,2\n"))
    found = record_import.preview(network=world.network, instrument=child_instrument, dictionary=dictionary,
                                  records=records, mapping=mapping(world, id_column="child"))
    assert [(row.answer_set.record, row.identifier, row.status) for row in found.rows] == [
        ("17", "C-2", Status.MATCHED)]


def test_episode_reference_as_identifier(world, instrument, episodes):
    episode = episodes["C-2"]
    dictionary, records = file_for(instrument, (
        "record_id,stress_1,stress_2,supports___1,supports___a,comment,teacher_stress_complete\n"
        f"{episode.pk},1,1,0,0,,2\nnot-a-uuid,1,1,0,0,,2\n"))
    found = record_import.preview(network=world.network, instrument=instrument, dictionary=dictionary,
                                  records=records, mapping=Mapping(id_column="record_id", timepoint=Timepoint.POST))
    assert [(row.status, row.timepoint, row.episode) for row in found.rows] == [
        (Status.MATCHED, "post", episode), (Status.UNMATCHED, "post", None)]


TWO_CHILDREN = (
    "record_id,redcap_event_name,stress_1,stress_2,supports___1,supports___a,comment,teacher_stress_complete\n"
    "C-1,baseline_arm_1,3,4,1,1,fine,2\n"
    "C-1,followup_arm_1,1,2,0,1,,2\n"
    "C-2,baseline_arm_1,2,2,0,0,,1\n")


def test_import_creates_administrations_and_a_second_import_updates_them(world, instrument, episodes, recorder):
    # Given a file of two children, pre and post
    dictionary, records = file_for(instrument, TWO_CHILDREN)
    evaluator = world.people["evaluator"]
    # When the evaluator imports it
    done = record_import.import_records(actor=evaluator, network=world.network, instrument=instrument,
                                        dictionary=dictionary, records=records, mapping=mapping(world))
    # Then three administrations hold REDCap's answers, each with its natural key and time point
    assert len(done) == 3
    stored = Administration.objects.filter(instrument=instrument).order_by("redcap_record", "timepoint")
    assert [(a.redcap_record, a.redcap_event, a.timepoint, a.episode.child_code) for a in stored] == [
        ("C-1", "followup_arm_1", "post", "C-1"), ("C-1", "baseline_arm_1", "pre", "C-1"),
        ("C-2", "baseline_arm_1", "pre", "C-2")]
    first = Administration.objects.get(redcap_record="C-1", redcap_event="baseline_arm_1")
    assert first.answers == {"stress_1": "3", "stress_2": "4", "supports": ["1", "A"], "comment": "fine"}
    assert {call.source for call in recorder} == {AnswerSource.REDCAP}
    assert AccessEvent.objects.filter(user_id=evaluator.pk, action=Action.CREATE,
                                      object_type="measures.administration").count() == 1
    # When the same file is imported again
    record_import.import_records(actor=evaluator, network=world.network, instrument=instrument,
                                 dictionary=dictionary, records=records, mapping=mapping(world))
    # Then nothing new is created
    assert Administration.objects.filter(instrument=instrument).count() == 3


def test_a_scheduled_administration_is_filled_rather_than_duplicated(world, instrument, episodes):
    scheduled = Administration.objects.create(
        network=world.network, instrument=instrument, episode=episodes["C-2"], program=world.program_a,
        respondent_role="teacher", timepoint=Timepoint.PRE)
    dictionary, records = file_for(instrument, TWO_CHILDREN)
    record_import.import_records(actor=world.people["network_admin"], network=world.network, instrument=instrument,
                                 dictionary=dictionary, records=records, mapping=mapping(world))
    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.redcap_record, scheduled.answers["stress_1"]) == ("completed", "C-2", "2")
    assert Administration.objects.filter(instrument=instrument).count() == 3


def test_one_refused_answer_imports_nothing(world, instrument, episodes):
    dictionary, records = file_for(instrument, TWO_CHILDREN)
    # an answer the stand-in refuses (the file's own check passes: the dictionary is built without choices
    # being looked at for this item)
    records.answer_sets[2].answers["stress_1"] = "9"
    with pytest.raises(RecordsRejected) as rejected:
        record_import.import_records(actor=world.people["evaluator"], network=world.network, instrument=instrument,
                                     dictionary=dictionary, records=records, mapping=mapping(world))
    assert rejected.value.problems == [(4, "C-2", "stress_1", "not a choice")]
    assert not Administration.objects.filter(instrument=instrument).exists()


def test_unmatched_rows_refuse_the_file_unless_left_out(world, instrument, episodes):
    dictionary, records = file_for(instrument, TWO_CHILDREN + "C-9,baseline_arm_1,1,1,0,0,,2\n")
    with pytest.raises(RecordsRejected) as rejected:
        record_import.import_records(actor=world.people["evaluator"], network=world.network, instrument=instrument,
                                     dictionary=dictionary, records=records, mapping=mapping(world))
    assert rejected.value.problems == [(5, "C-9", "", Status.UNMATCHED)]
    assert not Administration.objects.exists()
    done = record_import.import_records(actor=world.people["evaluator"], network=world.network,
                                        instrument=instrument, dictionary=dictionary, records=records,
                                        mapping=mapping(world), skip_unmatched=True)
    assert len(done) == 3


def test_a_file_with_errors_imports_nothing(world, instrument, episodes):
    dictionary, records = file_for(instrument, TWO_CHILDREN.replace("3,4,1,1", "7,4,1,1"))
    assert [(p.line, p.column) for p in records.errors] == [(2, "stress_1")]
    with pytest.raises(RecordsRejected):
        record_import.import_records(actor=world.people["evaluator"], network=world.network, instrument=instrument,
                                     dictionary=dictionary, records=records, mapping=mapping(world))


@pytest.mark.parametrize("role", ["consultant", "supervisor", "regional_coordinator", "program_staff"])
def test_only_admins_and_evaluators_import(world, instrument, episodes, role):
    from django.core.exceptions import PermissionDenied

    dictionary, records = file_for(instrument, TWO_CHILDREN)
    with pytest.raises(PermissionDenied):
        record_import.import_records(actor=world.people[role], network=world.network, instrument=instrument,
                                     dictionary=dictionary, records=records, mapping=mapping(world))


def test_guessed_timepoints():
    assert record_import.guess_timepoint("baseline_arm_1") == "pre"
    assert record_import.guess_timepoint("followup_arm_1") == "post"
    assert record_import.guess_timepoint("follow_up_6_month_arm_1") == "follow_up"
    assert record_import.guess_timepoint("visit_arm_1") == ""


# --- export ---------------------------------------------------------------------------------------------


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def imported(world, instrument, episodes):
    dictionary, records = file_for(instrument, TWO_CHILDREN.replace("fine", "=HYPERLINK(1)"))
    record_import.import_records(actor=world.people["network_admin"], network=world.network, instrument=instrument,
                                 dictionary=dictionary, records=records, mapping=mapping(world))
    return instrument


def test_admin_export_names_episodes_and_reads_back(world, imported, episodes):
    records_text, dictionary_text = record_import.export_records(
        actor=world.people["network_admin"], network=world.network, instrument=imported)
    rows = rows_of(records_text)
    assert list(rows[0]) == ["record_id", "redcap_event_name", "stress_1", "stress_2", "supports___1",
                             "supports___a", "comment", "teacher_stress_complete"]
    assert {(row["record_id"], row["redcap_event_name"]) for row in rows} == {
        (str(episodes["C-1"].pk), "pre_arm_1"), (str(episodes["C-1"].pk), "post_arm_1"),
        (str(episodes["C-2"].pk), "pre_arm_1")}
    # the dictionary that comes with it reads the file without a problem, and a formula is neutralised
    from abrazo.measures import redcap

    dictionary = redcap.read_dictionary(dictionary_text)
    assert dictionary.ok and dictionary.fields[0].name == "record_id"
    again = read_records(records_text, dictionary)
    assert again.errors == []
    assert "'=HYPERLINK(1)" in {answer_set.answers.get("comment") for answer_set in again.answer_sets}
    assert AccessEvent.objects.filter(action=Action.EXPORT, object_type="measures.administration").exists()


def test_evaluator_export_has_opaque_record_ids_that_pair_pre_and_post(world, imported, episodes):
    records_text, _dictionary = record_import.export_records(
        actor=world.people["evaluator"], network=world.network, instrument=imported)
    rows = rows_of(records_text)
    ids = [row["record_id"] for row in rows]
    assert len(set(ids)) == 2  # two episodes: pre and post of C-1 share an id
    text = records_text
    for episode in episodes.values():
        assert str(episode.pk) not in text and episode.child_code not in text
    second, _ = record_import.export_records(actor=world.people["evaluator"], network=world.network,
                                             instrument=imported)
    assert set(ids).isdisjoint(row["record_id"] for row in rows_of(second))  # opaque per export


def test_evaluator_export_leaves_out_identifier_fields(world, imported):
    imported.items.filter(key="comment").update(identifier=True)
    records_text, _ = record_import.export_records(actor=world.people["evaluator"], network=world.network,
                                                   instrument=imported)
    assert {row["comment"] for row in rows_of(records_text)} == {""}
