"""REDCap record files matched to episodes and recorded as administrations; administrations exported flat.

`administrations.administration_record_answers` is replaced by a small stand-in here (it is written and
tested by its own module): it stores the answers REDCap's way and refuses a radio code the item does
not offer, which is all the import relies on.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from types import SimpleNamespace

import pytest

from abrazo.audit.models import AccessEvent, Action
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.directory.tests.factories import ProgramStaffFactory
from abrazo.measures import administrations, record_import, redcap
from abrazo.measures.models import Administration, AdministrationStatus, AnswerSource, Timepoint
from abrazo.measures.record_import import KeyKind, Mapping, RecordsRejected, Respondent, Status
from abrazo.measures.redcap_import import import_dictionary
from abrazo.measures.redcap_records import read_records
from abrazo.measures.tests.factories import InstrumentFactory, ItemFactory, ScaleFactory

FIXTURES = Path("/work/shared/fixtures/redcap")
# The answers service itself, for the test that runs a real export through it end to end.
REAL_RECORD_ANSWERS = administrations.administration_record_answers
REAL_ANSWERS_REJECTED = administrations.AnswersRejected


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


# --- whole-project exports ------------------------------------------------------------------------------

# A project with an enrolment form before the instrument and a satisfaction survey after it, exported
# whole: every row carries every form, the forms nobody opened with a blank status or 0.
PROJECT_HEADER = ("record_id,redcap_event_name,child,teacher_email,enrolment_complete,"
                  "stress_1,stress_2,supports___1,supports___a,comment,teacher_stress_complete,"
                  "satisfaction_timestamp,liked___1,liked___2,satisfied,satisfaction_complete\n")
PROJECT = PROJECT_HEADER + (
    "R1,baseline_arm_1,C-1,Ana@Sunrise.org,2,3,4,1,0,,2,,0,0,,0\n"        # line 2: answered
    "R2,baseline_arm_1,C-2,,2,,,0,0,,0,2024-05-01 10:00,1,0,5,2\n"        # line 3: satisfaction only
    "R2,followup_arm_1,C-2,,0,2,2,0,1,,1,,0,0,,\n"                        # line 4: answered, unverified
    "R1,followup_arm_1,,,,,,0,0,,,,0,0,,\n"                               # line 5: nothing at all
)


def test_a_whole_project_export_sets_other_forms_aside_and_skips_rows_without_answers(world, instrument, episodes):
    # Given a whole-project export: two other forms around the instrument
    dictionary, records = file_for(instrument, PROJECT)
    # Then it reads without an error, and the other forms' columns are named once
    assert records.errors == []
    assert records.other_forms == ["enrolment", "satisfaction"]
    assert records.other_columns == ["child", "teacher_email", "enrolment_complete", "satisfaction_timestamp",
                                     "liked___1", "liked___2", "satisfied", "satisfaction_complete"]
    # and the child codes of the enrolment form can identify the episodes
    found = record_import.preview(network=world.network, instrument=instrument, dictionary=dictionary,
                                  records=records, mapping=mapping(world, id_column="child"))
    # Only the two rows that answer the instrument are previewed; the other two are left out, not refused
    assert [(row.answer_set.line, row.identifier, row.status, row.timepoint) for row in found.rows] == [
        (2, "C-1", Status.MATCHED, "pre"), (4, "C-2", Status.MATCHED, "post")]
    assert found.skipped == 2
    assert [row.answer_set.answers for row in found.rows] == [
        {"stress_1": "3", "stress_2": "4", "supports": ["1"]}, {"stress_1": "2", "stress_2": "2", "supports": ["A"]}]
    # When imported, two administrations hold only the instrument's answers
    done = record_import.import_records(actor=world.people["evaluator"], network=world.network,
                                        instrument=instrument, dictionary=dictionary, records=records,
                                        mapping=mapping(world, id_column="child"))
    assert sorted((a.episode.child_code, a.timepoint, sorted(a.answers)) for a in done) == [
        ("C-1", "pre", ["stress_1", "stress_2", "supports"]), ("C-2", "post", ["stress_1", "stress_2", "supports"])]


def test_a_form_status_of_2_with_no_answers_is_still_imported(world, instrument, episodes):
    dictionary, records = file_for(instrument, PROJECT_HEADER + "R1,baseline_arm_1,C-1,,2,,,0,0,,2,,0,0,,0\n")
    found = record_import.preview(network=world.network, instrument=instrument, dictionary=dictionary,
                                  records=records, mapping=mapping(world, id_column="child"))
    assert [(row.answer_set.completion, row.status) for row in found.rows] == [(2, Status.MATCHED)]
    assert found.skipped == 0


def problems_of(records) -> list[tuple[int, str, str]]:
    return [(problem.line, problem.column, problem.code) for problem in records.errors]


def test_an_unknown_column_among_the_instruments_own_is_still_refused(world, instrument):
    # Given a whole-project export whose instrument has a question Abrazo's copy does not (stress_3)
    header = PROJECT_HEADER.replace("stress_2,", "stress_2,stress_3,")
    _dictionary, records = file_for(instrument, header + "R1,baseline_arm_1,C-1,,2,3,4,2,1,0,,2,,0,0,,0\n")
    # Then the file is refused on that column alone: the other forms' columns are no problem
    assert problems_of(records) == [(1, "stress_3", "column_unknown")]


def test_columns_that_no_form_status_closes_are_refused(world, instrument):
    # a column after the last form, and one between the system columns and the first form's, are in no form
    header = ("record_id,redcap_event_name,stray,stress_1,stress_2,supports___1,supports___a,comment,"
              "teacher_stress_complete,notes\n")
    _dictionary, records = file_for(instrument, header + "R1,baseline_arm_1,x,3,4,1,0,,2,y\n")
    assert problems_of(records) == [(1, "stray", "column_unknown"), (1, "notes", "column_unknown")]


def test_an_export_of_only_other_forms_is_refused(world, instrument):
    _dictionary, records = file_for(instrument, "record_id,child,enrolment_complete\nR1,C-1,2\n")
    assert problems_of(records) == [(1, "teacher_stress_complete", "form_absent")]


PROJECT_REPEATING = (
    "record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,child,teacher_email,"
    "enrolment_complete,stress_1,stress_2,supports___1,supports___a,comment,teacher_stress_complete,"
    "visit_note,visits_complete\n"
    "R1,baseline_arm_1,,,C-1,ana@sunrise.org,2,,,,,,,,\n"         # line 2: the event's own row
    "R1,baseline_arm_1,visits,1,,,,,,,,,,called,2\n"              # line 3: another repeating form
    "R1,baseline_arm_1,teacher_stress,1,,,,3,4,0,0,,2,,\n"        # lines 4-5: the instrument, repeating
    "R1,baseline_arm_1,teacher_stress,2,,,,1,1,0,0,,2,,\n"
)


def test_rows_of_other_repeating_forms_are_skipped_and_the_instruments_own_kept(world, instrument, episodes):
    # Given a whole-project export with a repeating form beside the repeating instrument
    dictionary, records = file_for(instrument, PROJECT_REPEATING)
    assert records.errors == []
    # When previewed with the child code of the enrolment form and the respondent's email
    found = record_import.preview(network=world.network, instrument=instrument, dictionary=dictionary,
                                  records=records, mapping=mapping(world, id_column="child",
                                                                   respondent_column="teacher_email"))
    # Then the instrument's two instances are read, the identifier taken from the record's other row
    assert [(row.answer_set.repeat_instance, row.identifier, row.status) for row in found.rows] == [
        (1, "C-1", Status.MATCHED), (2, "C-1", Status.MATCHED)]
    assert found.skipped == 2
    # and the respondent of a repeating row from its event's non-repeating row
    assert [row.respondent for row in found.rows] == ["ana@sunrise.org", "ana@sunrise.org"]


def test_a_row_of_another_repeating_form_with_the_instruments_answers_is_refused(world, instrument):
    _dictionary, records = file_for(instrument, PROJECT_REPEATING + "R1,baseline_arm_1,visits,2,,,,2,2,0,0,,2,,\n")
    assert problems_of(records) == [(6, "teacher_stress_complete", "repeat_other_form")]


def test_a_real_whole_project_export_through_the_answers_service(world, monkeypatch):
    """redcapapi_test_records.csv (SOURCES.md: 40 rows, 78 columns, 11 forms, 20 records, a repeating form)
    imported as its `slider_fields` form, with the respondent read from the `text_fields` form's email."""
    monkeypatch.setattr(administrations, "administration_record_answers", REAL_RECORD_ANSWERS)
    monkeypatch.setattr(administrations, "AnswersRejected", REAL_ANSWERS_REJECTED)
    # Given the project's dictionary imported, the sliders' form scored as a sum (so the import's scores
    # can be checked below), and episodes for records 2, 3 and 4 at program A
    project = redcap.read_dictionary((FIXTURES / "redcapapi_test_dictionary.csv").read_bytes())
    imported = import_dictionary(actor=None, network=world.network, dictionary=project)
    sliders = next(instrument for instrument in imported.instruments if instrument.redcap_form == "slider_fields")
    ScaleFactory(instrument=sliders, key="total", items=["slider_no_label_test", "slider_show_number_test",
                                                         "slider_text_label_test"])
    episodes = {code: EpisodeFactory(program=world.program_a, child=True, child_code=code) for code in "234"}
    # and staff: record 2's email in other capitals, record 3's; record 4's works at program B
    dolor = ProgramStaffFactory(program=world.program_a, email="DOLOR@duis.NET")
    enim = ProgramStaffFactory(program=world.program_a, email="enim@sunt.org")
    elsewhere = ProgramStaffFactory(program=world.program_b, email="in@aute.org")
    # When the whole export is read against the instrument
    dictionary, records = record_import.read_upload(sliders, (FIXTURES / "redcapapi_test_records.csv").read_bytes())
    # Then it has no error; ten other forms are set aside (69 columns: 78 less the record id, 4 system
    # columns and the form's 4: three sliders and slider_fields_complete)
    assert records.errors == [] and records.rows == 40
    assert records.other_forms == ["record_id", "randomization", "text_fields", "dates_and_times", "numbers",
                                   "multiple_choice", "files_notes_descriptions", "calculated_fields",
                                   "branching_logic", "repeating_instrument"]
    assert len(records.other_columns) == 69
    # Records 2-20 answer the form (on lines 4, 6, ... 40); record 1's row and the 20 repeating rows do not
    chosen = mapping(world, events={"event_1_arm_1": Timepoint.PRE}, respondent_column="email_test")
    found = record_import.preview(network=world.network, instrument=sliders, dictionary=dictionary,
                                  records=records, mapping=chosen)
    assert [row.answer_set.line for row in found.rows] == list(range(4, 41, 2))
    assert found.skipped == 21
    assert found.counts == {"matched": 3, "unmatched": 16, "ambiguous": 0, "no_timepoint": 0}
    assert [(row.identifier, row.respondent, row.respondent_status, row.respondent_staff)
            for row in found.matched] == [
        ("2", "dolor@Duis.net", Respondent.MATCHED, dolor), ("3", "enim@sunt.org", Respondent.MATCHED, enim),
        ("4", "in@aute.org", Respondent.UNKNOWN, None)]
    # record 4's respondent is staff of another program: reported, not matched there
    assert found.problems == [(8, "4", "email_test", Respondent.UNKNOWN)]
    with pytest.raises(RecordsRejected) as rejected:
        record_import.import_records(actor=world.people["network_admin"], network=world.network,
                                     instrument=sliders, dictionary=dictionary, records=records, mapping=chosen,
                                     skip_unmatched=True)
    assert rejected.value.problems == [(8, "4", "email_test", Respondent.UNKNOWN)]
    assert not Administration.objects.exists()
    # When that person is listed at program A too, the three records import through the answers service
    there = ProgramStaffFactory(program=world.program_a, email="IN@aute.org")
    done = record_import.import_records(actor=world.people["network_admin"], network=world.network,
                                        instrument=sliders, dictionary=dictionary, records=records,
                                        mapping=chosen, skip_unmatched=True)
    stored = {a.episode.child_code: a for a in done}
    assert set(stored) == set(episodes)
    assert {code: (a.status, a.respondent_staff, a.redcap_record, a.scores["total"]["raw"])
            for code, a in stored.items()} == {
        "2": ("completed", dolor, "2", 24 + 23 + 72), "3": ("completed", enim, "3", 42 + 1 + 77),
        "4": ("completed", there, "4", 48 + 62 + 80)}
    assert elsewhere.pk not in Administration.objects.values_list("respondent_staff", flat=True)


# --- respondents ----------------------------------------------------------------------------------------

WITH_RESPONDENT = (
    "record_id,redcap_event_name,stress_1,stress_2,supports___1,supports___a,comment,teacher_stress_complete\n"
    "C-1,baseline_arm_1,3,4,1,1,Ana@Sunrise.ORG,2\n"
    "C-1,followup_arm_1,1,2,0,1,,2\n"
    "C-2,baseline_arm_1,2,2,0,0,  ben@sunrise.org ,1\n")


def respondent_mapping(world, **overrides):
    return mapping(world, respondent_column="comment", **overrides)


def preview_of(world, instrument, text, chosen):
    dictionary, records = file_for(instrument, text)
    assert records.errors == []
    return record_import.preview(network=world.network, instrument=instrument, dictionary=dictionary,
                                 records=records, mapping=chosen)


def test_respondents_are_matched_by_email_ignoring_case_among_the_programs_staff(world, instrument, episodes):
    # Given two staff members of program A
    ana = ProgramStaffFactory(program=world.program_a, email="ana@sunrise.org", full_name="Ana Ruiz")
    ben = ProgramStaffFactory(program=world.program_a, email="Ben@Sunrise.org", full_name="Ben Okafor")
    # When a file names them (one in other capitals, one with spaces) and leaves one row blank
    found = preview_of(world, instrument, WITH_RESPONDENT, respondent_mapping(world))
    # Then each matched row says who answered
    assert [(row.respondent, row.respondent_status, row.respondent_staff) for row in found.rows] == [
        ("Ana@Sunrise.ORG", Respondent.MATCHED, ana), ("", Respondent.BLANK, None),
        ("ben@sunrise.org", Respondent.MATCHED, ben)]
    assert found.respondent_counts == {"matched": 2, "blank": 1, "respondent_unknown": 0, "respondent_ambiguous": 0}
    assert found.problems == []
    # When imported, the respondents are recorded; the blank row records none
    dictionary, records = file_for(instrument, WITH_RESPONDENT)
    record_import.import_records(actor=world.people["evaluator"], network=world.network, instrument=instrument,
                                 dictionary=dictionary, records=records, mapping=respondent_mapping(world))
    stored = Administration.objects.filter(instrument=instrument)
    assert sorted((a.redcap_record, a.redcap_event, a.respondent_staff_id) for a in stored) == sorted([
        ("C-1", "baseline_arm_1", ana.pk), ("C-1", "followup_arm_1", None), ("C-2", "baseline_arm_1", ben.pk)])


def test_without_a_respondent_column_nothing_is_looked_up(world, instrument, episodes, django_assert_num_queries):
    ProgramStaffFactory(program=world.program_a, email="ana@sunrise.org")
    dictionary, records = file_for(instrument, WITH_RESPONDENT)
    with django_assert_num_queries(2):  # the episodes, and the administrations already imported
        found = record_import.preview(network=world.network, instrument=instrument, dictionary=dictionary,
                                      records=records, mapping=mapping(world))
    assert {row.respondent_status for row in found.rows} == {Respondent.NOT_ASKED}
    assert found.problems == []


@pytest.mark.parametrize("where", ["program_b", "other_program"])
def test_staff_of_another_program_or_network_are_not_respondents_here(world, instrument, episodes, where):
    # Given Ana works at program B (same network) or at a program of another network, not at program A
    ProgramStaffFactory(program=getattr(world, where), email="ana@sunrise.org", full_name="Ana Ruiz")
    ProgramStaffFactory(program=world.program_a, email="ben@sunrise.org")
    # When a file names her for an episode at program A
    found = preview_of(world, instrument, WITH_RESPONDENT, respondent_mapping(world))
    # Then she is not found, and the row is reported by line, record and column
    assert [row.respondent_status for row in found.rows] == [Respondent.UNKNOWN, Respondent.BLANK, Respondent.MATCHED]
    assert found.rows[0].respondent_staff is None
    assert found.problems == [(2, "C-1", "comment", Respondent.UNKNOWN)]
    dictionary, records = file_for(instrument, WITH_RESPONDENT)
    with pytest.raises(RecordsRejected) as rejected:
        record_import.import_records(actor=world.people["network_admin"], network=world.network,
                                     instrument=instrument, dictionary=dictionary, records=records,
                                     mapping=respondent_mapping(world), skip_unmatched=True)
    assert rejected.value.problems == [(2, "C-1", "comment", Respondent.UNKNOWN)]
    assert not Administration.objects.exists()


def test_two_staff_with_one_email_prefer_the_active_one_else_are_ambiguous(world, instrument, episodes):
    ProgramStaffFactory(program=world.program_a, email="ben@sunrise.org")
    left = ProgramStaffFactory(program=world.program_a, email="ana@sunrise.org", is_active=False)
    back = ProgramStaffFactory(program=world.program_a, email="ANA@sunrise.org")
    found = preview_of(world, instrument, WITH_RESPONDENT, respondent_mapping(world))
    assert found.rows[0].respondent_staff == back
    left.is_active = True
    left.save()
    found = preview_of(world, instrument, WITH_RESPONDENT, respondent_mapping(world))
    assert found.rows[0].respondent_status == Respondent.AMBIGUOUS
    assert found.problems == [(2, "C-1", "comment", Respondent.AMBIGUOUS)]


def test_unmatched_rows_respondents_are_not_checked(world, instrument, episodes):
    ProgramStaffFactory(program=world.program_a, email="ana@sunrise.org")
    text = WITH_RESPONDENT + "C-9,baseline_arm_1,1,1,0,0,nobody@else.org,2\n"
    found = preview_of(world, instrument, text, respondent_mapping(world))
    assert (found.rows[3].status, found.rows[3].respondent_status) == (Status.UNMATCHED, Respondent.NOT_CHECKED)
    # left out with the unmatched rows, it refuses nothing; kept, it is refused as unmatched only
    dictionary, records = file_for(instrument, text)
    with pytest.raises(RecordsRejected) as rejected:
        record_import.import_records(actor=world.people["evaluator"], network=world.network, instrument=instrument,
                                     dictionary=dictionary, records=records, mapping=respondent_mapping(world))
    assert rejected.value.problems == [(4, "C-2", "comment", Respondent.UNKNOWN), (5, "C-9", "", Status.UNMATCHED)]


def test_a_reimport_records_the_respondent_and_a_blank_cell_keeps_the_one_known(world, instrument, episodes):
    ana = ProgramStaffFactory(program=world.program_a, email="ana@sunrise.org")
    ben = ProgramStaffFactory(program=world.program_a, email="ben@sunrise.org")
    dictionary, records = file_for(instrument, TWO_CHILDREN)
    record_import.import_records(actor=world.people["evaluator"], network=world.network, instrument=instrument,
                                 dictionary=dictionary, records=records, mapping=mapping(world))
    assert set(Administration.objects.values_list("respondent_staff", flat=True)) == {None}
    dictionary, records = file_for(instrument, WITH_RESPONDENT)
    record_import.import_records(actor=world.people["evaluator"], network=world.network, instrument=instrument,
                                 dictionary=dictionary, records=records, mapping=respondent_mapping(world))
    stored = {(a.redcap_record, a.redcap_event): a.respondent_staff for a in Administration.objects.all()}
    assert stored == {("C-1", "baseline_arm_1"): ana, ("C-1", "followup_arm_1"): None,
                      ("C-2", "baseline_arm_1"): ben}
    # a later file with the cell blank leaves Ana recorded
    blank = WITH_RESPONDENT.replace("Ana@Sunrise.ORG", "")
    dictionary, records = file_for(instrument, blank)
    record_import.import_records(actor=world.people["evaluator"], network=world.network, instrument=instrument,
                                 dictionary=dictionary, records=records, mapping=respondent_mapping(world))
    assert Administration.objects.get(redcap_record="C-1", redcap_event="baseline_arm_1").respondent_staff == ana
    assert Administration.objects.count() == 3


def test_a_scheduled_administration_for_another_respondent_is_left_for_them(world, instrument, episodes):
    ana = ProgramStaffFactory(program=world.program_a, email="ana@sunrise.org")
    ProgramStaffFactory(program=world.program_a, email="ben@sunrise.org")
    carla = ProgramStaffFactory(program=world.program_a, email="carla@sunrise.org")
    for_carla = Administration.objects.create(
        network=world.network, instrument=instrument, episode=episodes["C-1"], program=world.program_a,
        respondent_role="teacher", respondent_staff=carla, timepoint=Timepoint.PRE)
    for_anyone = Administration.objects.create(
        network=world.network, instrument=instrument, episode=episodes["C-1"], program=world.program_a,
        respondent_role="teacher", timepoint=Timepoint.PRE)
    dictionary, records = file_for(instrument, WITH_RESPONDENT)
    record_import.import_records(actor=world.people["evaluator"], network=world.network, instrument=instrument,
                                 dictionary=dictionary, records=records, mapping=respondent_mapping(world))
    for_carla.refresh_from_db()
    for_anyone.refresh_from_db()
    assert (for_carla.status, for_carla.redcap_record) == (AdministrationStatus.SCHEDULED, "")
    assert (for_anyone.status, for_anyone.redcap_record, for_anyone.respondent_staff) == (
        AdministrationStatus.COMPLETED, "C-1", ana)
