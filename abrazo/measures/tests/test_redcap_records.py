"""REDCap record exports read against their dictionaries, checked with real exports nobody on the team wrote.

Counts come from /work/shared/fixtures/redcap/SOURCES.md; a test here fails when the reader loses, invents
or misplaces a record, a column or an answer.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from abrazo.measures import redcap
from abrazo.measures.redcap_records import (
    AnswerSet,
    export_columns,
    read_form_event_mapping,
    read_records,
    write_records,
)

FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "redcap"
if not FIXTURES.is_dir():
    FIXTURES = Path("/work/shared/fixtures/redcap")

PAIRS = [
    ("redcapapi_test_dictionary.csv", "redcapapi_test_records.csv"),
    ("redcapr_validation_types_dictionary.csv", "redcapr_validation_types_records.csv"),
]


def dictionary_of(name: str) -> redcap.Dictionary:
    dictionary = redcap.read_dictionary((FIXTURES / name).read_bytes())
    assert dictionary.ok
    return dictionary


def csv_rows(text: str) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")) if any(row)]


@pytest.fixture(scope="module")
def api_dictionary() -> redcap.Dictionary:
    return dictionary_of("redcapapi_test_dictionary.csv")


@pytest.fixture(scope="module")
def api_events() -> dict[str, set[str]]:
    return read_form_event_mapping((FIXTURES / "redcapapi_test_form_event_mapping.csv").read_bytes())


@pytest.fixture(scope="module")
def api_records(api_dictionary, api_events):
    return read_records((FIXTURES / "redcapapi_test_records.csv").read_bytes(), api_dictionary, api_events)


# --- the fixtures ---------------------------------------------------------------------------------------


def test_redcapapi_export_reads_with_the_counts_sources_md_gives(api_records):
    # Given the redcapAPI test export (40 rows, 78 columns, 20 records) and its dictionary and event mapping
    # When it is read
    # Then nothing is wrong, and every row, column and record is accounted for
    assert api_records.errors == []
    assert api_records.rows == 40
    assert len(api_records.columns) == 78
    assert len(api_records.records) == 20
    assert api_records.system_columns == (
        "redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance", "redcap_data_access_group",
    )
    # 20 plain rows carry the 10 non-repeating forms each; 20 repeat rows carry files_notes_descriptions
    assert len(api_records.answer_sets) == 20 * 10 + 20
    assert len(api_records.for_form("files_notes_descriptions")) == 20
    assert {answer_set.event for answer_set in api_records.answer_sets} == {"event_1_arm_1"}


def test_redcapapi_repeat_rows_carry_only_their_form_with_instance(api_records):
    repeats = [answer_set for answer_set in api_records.answer_sets if answer_set.repeat_instrument]
    assert len(repeats) == 20
    assert {(answer_set.form, answer_set.repeat_instance) for answer_set in repeats} == {
        ("files_notes_descriptions", 1)
    }


def test_checkbox_columns_come_back_as_the_dictionarys_codes(api_records):
    # Given prereq_checkbox with codes 1, 2, ABC, 4, exported as prereq_checkbox___abc (lower-cased)
    # Then a checked "abc" column reads as the dictionary's code "ABC", never "abc"
    codes = [answer_set.answers.get("prereq_checkbox") for answer_set in api_records.for_form("branching_logic")]
    assert any(value and "ABC" in value for value in codes)
    assert not any(value and "abc" in value for value in codes)
    for value in codes:
        if value:
            assert set(value) <= {"1", "2", "ABC", "4"}
            assert value == [code for code in ["1", "2", "ABC", "4"] if code in value]  # dictionary order


def test_answers_keep_redcaps_text_and_completion(api_records):
    # The first record's multiple_choice form: read the raw row and compare with the answer set
    raw = csv_rows((FIXTURES / "redcapapi_test_records.csv").read_text(encoding="utf-8-sig"))
    header, first = raw[0], raw[1]
    cell = dict(zip(header, first, strict=True))
    answer_set = next(s for s in api_records.for_form("multiple_choice") if s.record == first[0] and s.line == 2)
    assert answer_set.completion == int(cell["multiple_choice_complete"])
    for key in ("dropdown_test", "radio_test", "yesno_test", "truefalse_test"):
        assert answer_set.answers.get(key, "") == cell[key]
    checked = [code for code in "xyz" if cell[f"checkbox_test___{code}"] == "1"]
    assert answer_set.answers.get("checkbox_test", []) == checked


def test_descriptive_fields_have_no_column(api_dictionary):
    header = export_columns(api_dictionary, system_columns=("redcap_event_name",))
    assert "descriptive_test" not in header
    assert header[:2] == ["record_id", "redcap_event_name"]
    assert header.count("files_notes_descriptions_complete") == 1


def test_validation_types_export_reads_one_record_of_52_columns():
    dictionary = dictionary_of("redcapr_validation_types_dictionary.csv")
    result = read_records((FIXTURES / "redcapr_validation_types_records.csv").read_bytes(), dictionary)
    assert result.errors == []
    assert (result.rows, len(result.columns), result.records) == (1, 52, ["1"])
    assert result.system_columns == ()
    (answer_set,) = result.answer_sets
    assert (answer_set.form, answer_set.completion, answer_set.answers) == ("form_1", 0, {})
    # the columns are exactly the dictionary's export columns: checkbox expanded to ___0/1/2, form status last
    assert result.columns == export_columns(dictionary)
    assert result.columns[2:5] == ["f_checkbox___0", "f_checkbox___1", "f_checkbox___2"]


@pytest.mark.parametrize(("dictionary_name", "records_name"), PAIRS)
def test_read_write_read_keeps_columns_and_values(dictionary_name, records_name):
    # Given a real export and its dictionary
    dictionary = dictionary_of(dictionary_name)
    raw = (FIXTURES / records_name).read_bytes()
    first = read_records(raw, dictionary)
    # When it is written back from the answer sets and read again
    written = write_records(dictionary, first.answer_sets, forms=first.forms, system_columns=first.system_columns)
    second = read_records(written, dictionary)
    # Then the answer sets are equal, and so is every row and column of the file
    assert second.errors == []
    assert [s.comparable() for s in second.answer_sets] == [s.comparable() for s in first.answer_sets]
    assert csv_rows(written) == csv_rows(raw.decode("utf-8-sig"))


def test_form_event_mapping_reads_event_to_forms(api_events):
    assert list(api_events) == ["event_1_arm_1"]
    assert len(api_events["event_1_arm_1"]) == 11


# --- bad files --------------------------------------------------------------------------------------------

SMALL_DICTIONARY = """\
Variable / Field Name,Form Name,Section Header,Field Type,Field Label,"Choices, Calculations, OR Slider Labels",\
Field Note,Text Validation Type OR Show Slider Number,Text Validation Min,Text Validation Max,Identifier?,\
Branching Logic (Show field only if...),Required Field?,Custom Alignment,Question Number (surveys only),\
Matrix Group Name,Matrix Ranking?,Field Annotation
record_id,survey,,text,Record,,,,,,,,,,,,,
intro,survey,,descriptive,Welcome,,,,,,,,,,,,,
mood,survey,,radio,Mood,"1, Low | 2, Mid | 3, High",,,,,,,,,,,,
helps,survey,,checkbox,What helps,"1, Music | A, Outdoors",,,,,,,,,,,,
age,survey,,text,Age in months,,,integer,12,72,,,,,,,,
seen,survey,,text,Seen on,,,date_mdy,2020-01-01,,,,,,,,,
"""


@pytest.fixture(scope="module")
def small() -> redcap.Dictionary:
    dictionary = redcap.read_dictionary(SMALL_DICTIONARY)
    assert dictionary.ok, dictionary.errors
    return dictionary


HEADER = "record_id,redcap_event_name,mood,helps___1,helps___a,age,seen,survey_complete\n"


def test_good_small_export_reads(small):
    result = read_records(HEADER + "c1,baseline_arm_1,2,1,1,36,2024-09-30,2\n", small)
    assert result.errors == []
    (answer_set,) = result.answer_sets
    assert answer_set.answers == {"mood": "2", "helps": ["1", "A"], "age": "36", "seen": "2024-09-30"}
    assert (answer_set.record, answer_set.event, answer_set.completion) == ("c1", "baseline_arm_1", 2)


def test_bad_values_are_reported_with_line_and_column(small):
    # Given one good row and one with a bad value in every checked column
    text = HEADER + "c1,baseline_arm_1,2,0,1,36,2024-09-30,2\nc2,baseline_arm_1,7,2,0,99,09/31/2024,5\n"
    result = read_records(text, small)
    # Then each is named by line 3 and its column
    found = {(problem.line, problem.column, problem.code) for problem in result.errors}
    assert found == {
        (3, "mood", "choice_unknown"),
        (3, "helps___1", "checkbox_invalid"),
        (3, "age", "out_of_range"),
        (3, "seen", "date_invalid"),
        (3, "survey_complete", "completion_invalid"),
    }


def test_a_number_that_is_not_a_number_and_a_date_below_the_minimum(small):
    text = HEADER + "c1,baseline_arm_1,1,0,0,3.5,2019-12-31,0\n"
    result = read_records(text, small)
    assert {(p.line, p.column, p.code) for p in result.errors} == {
        (2, "age", "number_invalid"), (2, "seen", "out_of_range"),
    }


def test_unknown_and_out_of_order_columns_are_refused_on_the_header(small):
    text = "record_id,mood,intro,helps___a,helps___1,favourite,age,seen,survey_complete\nc1,1,,0,0,,,,0\n"
    result = read_records(text, small)
    found = {(problem.line, problem.column, problem.code) for problem in result.errors}
    assert (1, "intro", "column_unknown") in found  # descriptive: no column
    assert (1, "favourite", "column_unknown") in found
    assert (1, "helps___1", "column_order") in found
    assert result.answer_sets == []  # with the header wrong, no row is read


def test_the_record_id_must_come_first_and_a_form_must_be_whole(small):
    result = read_records("mood,record_id,survey_complete\n1,c1,0\n", small)
    codes = {problem.code for problem in result.errors}
    assert "record_id_first" in codes
    missing = {problem.value for problem in result.errors if problem.code == "column_missing"}
    assert missing == {"helps___1", "helps___a", "age", "seen"}


def test_repeat_instance_and_event_are_checked(small):
    text = ("record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,mood,helps___1,helps___a,"
            "age,seen,survey_complete\n"
            "c1,Baseline Arm,survey,0,1,0,0,,,0\n"
            "c2,baseline_arm_1,other,2,1,0,0,,,0\n")
    result = read_records(text, small)
    found = {(problem.line, problem.column, problem.code) for problem in result.errors}
    assert found == {
        (2, "redcap_event_name", "event_invalid"), (2, "redcap_repeat_instance", "instance_invalid"),
        (3, "redcap_repeat_instrument", "form_unknown"),
    }


def test_forms_outside_their_events_are_refused(small):
    text = HEADER + "c1,followup_arm_1,1,0,0,,,0\nc1,screening_arm_1,1,0,0,,,0\n"
    result = read_records(text, small, {"followup_arm_1": {"other_form"}})
    found = {(problem.line, problem.code) for problem in result.errors}
    assert found == {(2, "form_not_in_event"), (3, "event_unknown")}


def test_an_empty_file_and_a_file_that_is_not_utf8(small):
    assert [p.code for p in read_records("", small).errors] == ["empty"]
    assert [p.code for p in read_records(b"record_id,mood\n\xff\xfe,1\n", small).errors] == ["encoding"]


def test_blank_lines_and_embedded_newlines_keep_physical_line_numbers(small):
    text = HEADER + '\nc1,baseline_arm_1,1,0,0,,"2024-01-01",0\n"c\n2",baseline_arm_1,9,0,0,,,0\n'
    result = read_records(text, small)
    assert [(p.line, p.column) for p in result.errors] == [(4, "mood")]
    assert result.rows == 2


def test_writing_groups_forms_of_one_row_and_uses_dictionary_codes(small):
    sets = [
        AnswerSet(record="r1", form="survey", answers={"mood": "3", "helps": ["A"]}, completion=2,
                  event="followup_arm_1"),
        AnswerSet(record="r2", form="survey", answers={}, completion=0, event="followup_arm_1"),
    ]
    text = write_records(small, sets)
    assert csv_rows(text) == [
        ["record_id", "redcap_event_name", "mood", "helps___1", "helps___a", "age", "seen", "survey_complete"],
        ["r1", "followup_arm_1", "3", "0", "1", "", "", "2"],
        ["r2", "followup_arm_1", "", "0", "0", "", "", "0"],
    ]
    again = read_records(text, small)
    assert [s.comparable() for s in again.answer_sets] == [s.comparable() for s in sets]
