"""The REDCap data-dictionary reader, checked against real dictionaries nobody on the team wrote.

Expected counts come from /work/shared/fixtures/redcap/SOURCES.md (computed there with Python's csv
module), so a test here fails when the reader loses, invents or misreads a field.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from abrazo.measures import branching
from abrazo.measures.redcap import (
    COLUMNS,
    Dictionary,
    Field,
    Form,
    plain_text,
    read_dictionary,
    summary,
    write_dictionary,
)

FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "redcap"
if not FIXTURES.is_dir():  # the checkout may sit elsewhere; the fixtures live beside it in /work/shared
    FIXTURES = Path("/work/shared/fixtures/redcap")



def counted(count: int, names: str) -> dict[str, int]:
    return dict.fromkeys(names.split(), count)


HUMAN_HEADER = ",".join(f'"{human}"' for _api, human in COLUMNS)

# file -> (fields, forms in order, field types, text validations incl. autocomplete/signature)
EXPECTED: dict[str, tuple[int, list[str], dict[str, int], dict[str, int]]] = {
    "reproschema_hbn_dictionary.csv": (
        474,
        ["setup", "setup_l", "visit_start", "remote_survey_introduction", "child_survey_introduction",
         "parent_survey_introduction", "family_surveys_introduction", "sensitive_question_introduction",
         "pex_bm_apa", "pex_bm_str_i_ptsd", "pex_bm_health_preg_i_healthhx", "pex_bm_health_preg_i_illness"],
        {"radio": 218, "text": 100, "descriptive": 77, "calc": 36, "sql": 20, "dropdown": 14, "checkbox": 7,
         "yesno": 2},
        {"date_mdy": 36, "number": 22, "datetime_seconds_mdy": 5, "date_ymd": 4, "autocomplete": 2},
    ),
    "redcapr_validation_types_dictionary.csv": (
        50,
        ["form_1"],
        {"text": 38, "file": 2, "calc": 1, "checkbox": 1, "descriptive": 1, "dropdown": 1, "notes": 1, "radio": 1,
         "slider": 1, "sql": 1, "truefalse": 1, "yesno": 1},
        counted(1, (
            "alpha_only date_dmy date_mdy date_ymd datetime_dmy datetime_mdy datetime_ymd datetime_seconds_dmy "
            "datetime_seconds_mdy datetime_seconds_ymd email integer mrn_10d mrn_generic number number_1dp "
            "number_2dp number_3dp number_4dp number_comma_decimal number_1dp_comma_decimal "
            "number_2dp_comma_decimal number_3dp_comma_decimal number_4dp_comma_decimal phone phone_australia "
            "postalcode_australia postalcode_canada postalcode_french postalcode_germany ssn time time_hh_mm_ss "
            "time_mm_ss vmrn zipcode signature"
        )),
    ),
    "redcapr_simple_dictionary.csv": (
        16,
        ["demographics", "health", "race_and_ethnicity"],
        {"text": 9, "notes": 2, "radio": 2, "calc": 1, "file": 1, "checkbox": 1},
        {"date_ymd": 1, "email": 1, "integer": 1, "number": 1, "phone": 1},
    ),
    "redcapapi_test_dictionary.csv": (
        57,
        ["record_id", "randomization", "text_fields", "dates_and_times", "numbers", "slider_fields",
         "multiple_choice", "files_notes_descriptions", "calculated_fields", "branching_logic",
         "repeating_instrument"],
        {"text": 32, "dropdown": 4, "slider": 3, "checkbox": 3, "radio": 3, "yesno": 3, "truefalse": 2, "file": 2,
         "notes": 2, "calc": 2, "descriptive": 1},
        {"number": 5, "date_ymd": 3, "datetime_dmy": 2, **counted(1, (
            "email alpha_only phone zipcode date_dmy date_mdy datetime_mdy datetime_ymd datetime_seconds_dmy "
            "datetime_seconds_mdy datetime_seconds_ymd time time_mm_ss integer number_1dp number_2dp "
            "number_1dp_comma_decimal number_2dp_comma_decimal signature"
        ))},
    ),
    "redcapapi_metadata_api_headers.csv": (
        68,
        ["fieldtovar_datetimes", "randomization", "branching_logic", "data_import_export"],
        {"text": 42, "dropdown": 4, "radio": 3, "checkbox": 3, "yesno": 3, "file": 3, "slider": 3, "notes": 2,
         "truefalse": 2, "calc": 2, "descriptive": 1},
        {"number": 5, "date_ymd": 4, **counted(2, (
            "date_dmy date_mdy datetime_dmy datetime_mdy datetime_seconds_dmy datetime_seconds_mdy "
            "datetime_seconds_ymd time time_mm_ss"
        )), **counted(1, (
            "datetime_ymd time_hh_mm_ss email integer alpha_only number_1dp number_1dp_comma_decimal "
            "number_2dp_comma_decimal phone zipcode signature"
        ))},
    ),
}
NOT_DICTIONARIES = ["redcapr_validation_types_records.csv", "redcapapi_test_records.csv",
                    "redcapapi_test_form_event_mapping.csv"]


def fixture(name: str) -> Dictionary:
    return read_dictionary((FIXTURES / name).read_bytes())


def test_every_csv_in_the_fixture_folder_is_covered_by_a_test():
    assert sorted(path.name for path in FIXTURES.glob("*.csv")) == sorted([*EXPECTED, *NOT_DICTIONARIES])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fixture_dictionary_reads_with_the_counts_in_sources_md(name):
    fields, forms, field_types, validations = EXPECTED[name]

    dictionary = fixture(name)

    assert dictionary.errors == []
    assert len(dictionary.fields) == fields
    assert [form.name for form in dictionary.forms] == forms
    assert Counter(item.field_type for item in dictionary.fields) == field_types
    assert Counter(item.validation for item in dictionary.fields if item.validation) == validations


@pytest.mark.parametrize("name", NOT_DICTIONARIES)
def test_record_exports_and_event_mappings_are_refused_with_one_error_on_the_header_line(name):
    dictionary = fixture(name)

    assert dictionary.forms == []
    assert [(problem.line, problem.code) for problem in dictionary.errors] == [(1, "columns_missing")]
    assert dictionary.warnings == []  # not one "unknown column" per column of a record export


def test_the_large_dictionary_keeps_every_column_that_matters():
    fields = fixture("reproschema_hbn_dictionary.csv").fields

    assert sum(bool(item.branching_logic) for item in fields) == 331
    assert sum(item.required for item in fields) == 395
    # 16 real section headers; 10 more are a single space, REDCap's way to draw an empty section break.
    assert sum(bool(item.section_header.strip()) for item in fields) == 16
    assert sum(item.section_header == " " for item in fields) == 10
    assert len({item.matrix_group for item in fields if item.matrix_group}) == 8
    assert sum(bool(item.annotation) for item in fields) == 86
    tags = Counter(tag for item in fields for tag in item.action_tags)
    assert tags["@HIDDEN"] == 79
    assert tags["@CALCTEXT"] == 10
    assert tags["@NONEOFTHEABOVE"] == 7
    assert tags["@LANGUAGE-CURRENT-SURVEY"] == 4
    html_cells = sum(1 for item in fields for cell in dictionary_cells(item) if re.search(r"<[a-zA-Z/][^>]*>", cell))
    assert html_cells == 232


def dictionary_cells(item: Field) -> list[str]:
    from abrazo.measures.redcap import dictionary_row

    return dictionary_row(item)


def test_a_language_field_keeps_its_choices_and_its_hidden_tag():
    fields = {item.name: item for item in fixture("reproschema_hbn_dictionary.csv").fields}

    language = fields["pex_bm_apa_lang"]

    assert language.field_type == "radio"
    assert language.choices == (("en", "English"), ("es", "Spanish"))
    assert "@LANGUAGE-CURRENT-SURVEY" in language.action_tags


def test_dynamic_limits_are_kept_as_text_and_literal_ones_are_parsed():
    fields = {item.name: item for item in fixture("reproschema_hbn_dictionary.csv").fields}

    pregnancy = fields["pex_bm_health_preg_i_healthhx_002"]
    temperature = fields["pex_bm_health_preg_i_illness_003_i_12"]

    assert (pregnancy.validation_min, pregnancy.validation_max) == ("[screening_arm_1][setup_lmp]", "today")
    assert (pregnancy.validation_min_value, pregnancy.validation_max_value) == (None, None)
    assert temperature.validation_min_value == Decimal("98.6")
    assert temperature.validation_max_value == Decimal("108")


def test_the_simple_dictionary_keeps_identifiers_limits_and_its_calculation():
    fields = {item.name: item for item in fixture("redcapr_simple_dictionary.csv").fields}

    assert sum(item.identifier for item in fields.values()) == 6
    assert sum(bool(item.section_header) for item in fields.values()) == 2
    assert (fields["height"].validation_min_value, fields["height"].validation_max_value) == (
        Decimal("130"), Decimal("215"))
    assert fields["bmi"].calculation == "round(([weight]*10000)/(([height])^(2)),1)"


def test_choice_types_get_their_codes_including_letters_and_implied_yes_no():
    fields = {item.name: item for item in fixture("redcapapi_test_dictionary.csv").fields}

    assert [code for code, _label in fields["checkbox_test"].choices] == ["x", "y", "z"]
    assert "ABC" in [code for code, _label in fields["prereq_checkbox"].choices]
    assert fields["yesno_test"].choices == (("1", "Yes"), ("0", "No"))
    assert fields["truefalse_test"].choices == (("1", "True"), ("0", "False"))
    assert fields["slider_text_label_test"].slider_labels == ("Not a Fan", "", "Obsessed")
    assert fields["slider_show_number_test"].slider_labels == ("0", "50", "100")


def test_the_api_header_file_reads_like_the_human_header_file_for_the_fields_they_share():
    api = {item.name: item for item in fixture("redcapapi_metadata_api_headers.csv").fields}
    human = {item.name: item for item in fixture("redcapapi_test_dictionary.csv").fields}
    shared = sorted(set(api) & set(human))

    assert len(shared) == 55
    for name in shared:
        assert (api[name].field_type, api[name].label, api[name].choices, api[name].branching) == (
            human[name].field_type, human[name].label, human[name].choices, human[name].branching), name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_same_file_with_the_other_header_style_reads_the_same(name):
    text = (FIXTURES / name).read_bytes().decode("utf-8-sig")
    header, rest = text.split("\n", 1)
    api_header = ",".join(api for api, _human in COLUMNS)
    other = (HUMAN_HEADER if header.startswith('"field_name"') else api_header) + "\n" + rest

    original, swapped = read_dictionary(text), read_dictionary(other)

    assert {original.header_style, swapped.header_style} == {"human", "api"}
    assert [item.comparable() for item in swapped.fields] == [item.comparable() for item in original.fields]
    assert [item.line for item in swapped.fields] == [item.line for item in original.fields]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_field_knows_the_physical_line_its_row_starts_on(name):
    lines = (FIXTURES / name).read_bytes().decode("utf-8-sig").split("\n")

    for item in fixture(name).fields:
        assert lines[item.line - 1].startswith((item.name + ",", f'"{item.name}",')), (item.name, item.line)


def test_embedded_newlines_push_later_rows_down_to_their_real_line():
    fields = fixture("reproschema_hbn_dictionary.csv").fields

    assert fields[0].line == 2
    assert fields[-1].line > len(fields) + 1  # 474 rows over 522 physical lines
    assert sum("\n" in item.label for item in fields) == 34


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_read_write_read_gives_the_same_fields(name):
    original = fixture(name)

    again = read_dictionary(write_dictionary(original))

    assert again.errors == []
    assert [item.comparable() for item in again.fields] == [item.comparable() for item in original.fields]
    assert [form.name for form in again.forms] == [form.name for form in original.forms]


def test_writing_uses_the_human_header_and_quotes_commas_quotes_and_newlines():
    item = Field(line=2, name="q1", form="survey", field_type="radio", label='Say "hi",\nplease',
                 choices=(("1", "Yes, always"), ("2", "No")), branching_logic="[age] > 3")

    text = write_dictionary([item])
    again = read_dictionary(text).fields[0]

    assert text.splitlines()[0] == ",".join(
        f'"{human}"' if "," in human else human for _api, human in COLUMNS)
    assert again.label == 'Say "hi",\nplease'
    assert again.choices == (("1", "Yes, always"), ("2", "No"))
    assert again.branching == branching.parse("[age] > 3")


def test_a_bom_in_text_or_bytes_is_ignored():
    body = "\nrecord_id,demo,,text,ID,,,,,,,,,,,,,\n"

    for source in ("\ufeff" + HUMAN_HEADER + body, ("\ufeff" + HUMAN_HEADER + body).encode()):
        dictionary = read_dictionary(source)
        assert dictionary.errors == []
        assert [item.name for item in dictionary.fields] == ["record_id"]


def test_windows_1252_bytes_are_read_with_a_warning():
    raw = (HUMAN_HEADER + "\nrecord_id,demo,,text,Año,,,,,,,,,,,,,\n").encode("cp1252")

    dictionary = read_dictionary(raw)

    assert dictionary.fields[0].label == "Año"
    assert [problem.code for problem in dictionary.warnings] == ["encoding"]


# --- broken rows ----------------------------------------------------------------------------------


def dictionary_with(*rows: str, header: str = HUMAN_HEADER) -> Dictionary:
    return read_dictionary(header + "\n" + "\n".join(["record_id,demo,,text,ID,,,,,,,,,,,,,", *rows]) + "\n")


@pytest.mark.parametrize(
    ("row", "column", "value", "code"),
    [
        ("q,demo,,textbox,Q,,,,,,,,,,,,,", "Field Type", "textbox", "type_unknown"),
        ('q,demo,,radio,Q,"1, Yes | 2 No",,,,,,,,,,,,', "Choices, Calculations, OR Slider Labels", "1, Yes | 2 No",
         "choices_invalid"),
        ("q,demo,,dropdown,Q,,,,,,,,,,,,,", "Choices, Calculations, OR Slider Labels", "", "choices_missing"),
        ('q,demo,,checkbox,Q,"1, A | 1, B",,,,,,,,,,,,', "Choices, Calculations, OR Slider Labels", "1, A | 1, B",
         "choices_invalid"),
        ("q,demo,,text,Q,,,integer,10,5,,,,,,,,", "Text Validation Min", "10", "limit_range"),
        ("q,demo,,text,Q,,,integer,ten,,,,,,,,,", "Text Validation Min", "ten", "limit_invalid"),
        ("q,demo,,text,Q,,,date_ymd,,2024-02-30,,,,,,,,", "Text Validation Max", "2024-02-30", "limit_invalid"),
        ("Q1,demo,,text,Q,,,,,,,,,,,,,", "Variable / Field Name", "Q1", "name_invalid"),
        ("record_id,demo,,text,Again,,,,,,,,,,,,,", "Variable / Field Name", "record_id", "name_duplicate"),
        ("q,,,text,Q,,,,,,,,,,,,,", "Form Name", "", "form_missing"),
        ("q,demo,,calc,Q,,,,,,,,,,,,,", "Choices, Calculations, OR Slider Labels", "", "calculation_missing"),
    ],
)
def test_a_broken_row_is_an_error_naming_its_line_and_column(row, column, value, code):
    dictionary = dictionary_with(row)

    assert not dictionary.ok
    assert [(problem.line, problem.column, problem.value, problem.code) for problem in dictionary.errors] == [
        (3, column, value, code)]


def test_errors_name_the_column_as_the_file_spells_it():
    api_header = ",".join(api for api, _human in COLUMNS)

    dictionary = dictionary_with("q,demo,,textbox,Q,,,,,,,,,,,,,", header=api_header)

    assert [(problem.line, problem.column) for problem in dictionary.errors] == [(3, "field_type")]


def test_every_broken_row_is_reported_with_its_physical_line_after_embedded_newlines():
    dictionary = dictionary_with(
        'intro,demo,,descriptive,"Line one\nline two\nline three",,,,,,,,,,,,,',  # lines 3-5
        "q1,demo,,radio,Q,,,,,,,,,,,,,",  # line 6: no choices
        "q2,demo,,text,Q,,,,,,,,,,,,,,,,extra",  # line 7: a cell beyond the header
        "q3,other,,text,Q,,,,,,,,,,,,,",
        "q4,demo,,text,Q,,,,,,,,,,,,,",  # line 9: demo again after other
    )

    assert [(problem.line, problem.code) for problem in dictionary.errors] == [
        (6, "choices_missing"), (7, "row_too_long"), (9, "form_split")]


@pytest.mark.parametrize("row", ['q,demo,,text,"Unclosed label,,,,,,,,,,,,,', 'q,demo,,text,"Q"x,,,,,,,,,,,,,'])
def test_a_badly_quoted_line_is_an_error_on_its_line_not_a_crash(row):
    dictionary = dictionary_with(row, "later,demo,,text,L,,,,,,,,,,,,,")

    assert not dictionary.ok
    assert [(problem.line, problem.code) for problem in dictionary.errors] == [(3, "csv")]


def test_an_empty_file_is_an_error_on_line_one():
    assert [(problem.line, problem.code) for problem in read_dictionary(b"").errors] == [(1, "empty")]


@pytest.mark.parametrize(
    ("row", "code", "column"),
    [
        ("q,demo,,text,Q,,,,,,x,,,,,,,", "flag", "Identifier?"),
        ("q,demo,,text,Q,,,,,,,,,XX,,,,", "alignment", "Custom Alignment"),
        ("q,demo,,text,Q,,,,,,,[age] >,,,,,,", "logic_invalid", "Branching Logic (Show field only if...)"),
        ("q,demo,,text,Q,,,,,,,frobnicate([age]) = 1,,,,,,", "logic_unsupported",
         "Branching Logic (Show field only if...)"),
        ("q,demo,,text,Q,,,,,,,[nowhere] = '1',,,,,,", "logic_unknown_field",
         "Branching Logic (Show field only if...)"),
        ("q,demo,,text,Q,,,custom_thing,,,,,,,,,,", "validation_unknown",
         "Text Validation Type OR Show Slider Number"),
        ("q,demo,,text,Q,,,,1,,,,,,,,,", "limit_ignored", "Text Validation Min"),
        ("q,demo,,yesno,Q,\"1, Sure\",,,,,,,,,,,,", "choices_ignored", "Choices, Calculations, OR Slider Labels"),
    ],
)
def test_suspicious_but_importable_rows_are_warnings_with_line_and_column(row, code, column):
    dictionary = dictionary_with(row)

    assert dictionary.ok
    assert [item.name for item in dictionary.fields] == ["record_id", "q"]
    assert [(problem.line, problem.column, problem.code) for problem in dictionary.warnings] == [(3, column, code)]


def test_matrix_fields_with_different_choices_are_warned_about():
    dictionary = dictionary_with(
        'm1,demo,,radio,A,"1, Low | 2, High",,,,,,,,,,grid,,',
        'm2,demo,,radio,B,"1, Low | 2, Mid | 3, High",,,,,,,,,,grid,,',
    )

    assert [(problem.line, problem.code) for problem in dictionary.warnings] == [(4, "matrix_choices")]


def test_date_limits_are_parsed_in_iso_or_the_display_format():
    dictionary = dictionary_with("d,demo,,text,D,,,date_mdy,01-31-2020,2024-12-31,,,,,,,,")

    item = dictionary.fields[1]

    assert (item.validation_min_value, item.validation_max_value) == (date(2020, 1, 31), date(2024, 12, 31))


# --- summary and HTML -------------------------------------------------------------------------------


def test_summary_has_the_exact_json_shape_the_command_prints():
    dictionary = fixture("redcapr_simple_dictionary.csv")

    result = json.loads(json.dumps(summary(dictionary)))

    assert set(result) == {"instruments", "warnings"}
    assert result["instruments"][0] == {"form": "demographics", "fields": 9,
                                        "field_types": {"text": 7, "notes": 1, "radio": 1}}
    assert [entry["fields"] for entry in result["instruments"]] == [9, 5, 2]
    assert result["warnings"] == []


def test_summary_lists_warnings_with_line_column_and_message():
    dictionary = fixture("reproschema_hbn_dictionary.csv")

    warnings = summary(dictionary)["warnings"]

    assert len(warnings) == 20  # the calc fields that are jQuery snippets, not calculations
    assert {entry["code"] for entry in warnings} == {"logic_invalid"}
    assert all(entry["column"] == "Choices, Calculations, OR Slider Labels" for entry in warnings)
    assert all(entry["line"] > 1 and entry["message"] for entry in warnings)


def test_plain_text_drops_tags_decodes_entities_and_keeps_line_breaks():
    markup = '<div class="rich-text-field-label"><p><b>Sleep</b> &amp; rest</p><p>last&nbsp;7 days</p></div>'

    assert plain_text(markup) == "Sleep & rest\nlast 7 days"
    assert plain_text("<script>alert(1)</script>Safe") == "Safe"
    assert plain_text("  plain   words ") == "plain words"
    assert plain_text("Line one\n\n  line two") == "Line one\nline two"


def test_a_form_counts_its_field_types_most_common_first():
    form = Form("f", tuple(Field(line=index, name=f"q{index}", form="f", field_type=kind)
                           for index, kind in enumerate(["text", "radio", "radio", "calc"], start=2)))

    assert list(form.field_types.items()) == [("radio", 2), ("calc", 1), ("text", 1)]
