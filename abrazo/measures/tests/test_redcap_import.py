"""REDCap dictionaries into instruments and back, on every fixture file nobody on the team wrote.

Expected counts come from /work/shared/fixtures/redcap/SOURCES.md, so a test fails when the import loses,
invents or misfiles a field.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections import Counter
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abrazo.audit.models import AccessEvent
from abrazo.directory.tests.factories import NetworkFactory
from abrazo.measures import redcap
from abrazo.measures.models import Instrument, Item, Level, Respondent, Source
from abrazo.measures.redcap_import import (
    DICTIONARY_ITEM_FIELDS,
    DictionaryRejected,
    export_dictionary,
    humanised,
    import_dictionary,
    instrument_key,
)

pytestmark = pytest.mark.django_db

# The instruments Abrazo ships (no network) are in every database; these tests look at networks' own.
OWN = Instrument.objects.filter(network__isnull=False)
OWN_ITEMS = Item.objects.filter(instrument__network__isnull=False)

FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "redcap"
if not FIXTURES.is_dir():  # the checkout may sit elsewhere; the fixtures live beside it in /work/shared
    FIXTURES = Path("/work/shared/fixtures/redcap")

# file -> (fields, forms, field types), from SOURCES.md
DICTIONARIES: dict[str, tuple[int, int, dict[str, int]]] = {
    "reproschema_hbn_dictionary.csv": (474, 12, {
        "radio": 218, "text": 100, "descriptive": 77, "calc": 36, "sql": 20, "dropdown": 14, "checkbox": 7,
        "yesno": 2}),
    "redcapr_validation_types_dictionary.csv": (50, 1, {
        "text": 38, "file": 2, "calc": 1, "checkbox": 1, "descriptive": 1, "dropdown": 1, "notes": 1, "radio": 1,
        "slider": 1, "sql": 1, "truefalse": 1, "yesno": 1}),
    "redcapr_simple_dictionary.csv": (16, 3, {"text": 9, "notes": 2, "radio": 2, "calc": 1, "file": 1, "checkbox": 1}),
    "redcapapi_test_dictionary.csv": (57, 11, {
        "text": 32, "dropdown": 4, "slider": 3, "checkbox": 3, "radio": 3, "yesno": 3, "truefalse": 2, "file": 2,
        "notes": 2, "calc": 2, "descriptive": 1}),
    "redcapapi_metadata_api_headers.csv": (68, 4, {
        "text": 42, "dropdown": 4, "radio": 3, "checkbox": 3, "yesno": 3, "file": 3, "slider": 3, "notes": 2,
        "truefalse": 2, "calc": 2, "descriptive": 1}),
}
# Record exports and the form-event mapping are not dictionaries: refused as a whole, on the header line.
NOT_DICTIONARIES = (
    "redcapr_validation_types_records.csv", "redcapapi_test_records.csv", "redcapapi_test_form_event_mapping.csv",
)


def test_every_fixture_file_is_covered():
    # given the fixture folder, when listing its CSV files, then each one is tested here
    assert {path.name for path in FIXTURES.glob("*.csv")} == {*DICTIONARIES, *NOT_DICTIONARIES}


def read(name: str) -> redcap.Dictionary:
    return redcap.read_dictionary((FIXTURES / name).read_bytes())


SCALE = "0, Never | 1, Almost never | 2, Sometimes | 3, Fairly often | 4, Very often"


def row(name: str, field_type: str, label: str, **columns: str) -> list[str]:
    """One dictionary row of form teacher_stress; other columns by their API names."""
    cells = dict.fromkeys((api for api, _human in redcap.COLUMNS), "")
    cells.update(field_name=name, form_name="teacher_stress", field_type=field_type, field_label=label, **columns)
    return list(cells.values())


ROWS = [
    row("record_id", "text", "Record ID"),
    row("upset", "radio", "How often have you been upset?", section_header="In the last month",
        select_choices_or_calculations=SCALE, field_note="Pick one", required_field="y", custom_alignment="LH",
        question_number="1a", matrix_group_name="pss", field_annotation="@DEFAULT='0'"),
    row("control", "radio", "How often have you felt in control?", select_choices_or_calculations=SCALE,
        branching_logic="[upset] >= 2", required_field="y", matrix_group_name="pss"),
    row("supports", "checkbox", "Which supports do you use?",
        select_choices_or_calculations="a, Coach | b, Peer group | 9, None"),
    row("years", "text", "Years teaching", text_validation_type_or_show_slider_number="integer",
        text_validation_min="0", text_validation_max="60", identifier="y"),
]


def dictionary_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([human for _api, human in redcap.COLUMNS])
    writer.writerows(rows)
    return buffer.getvalue()


def changed(name: str, **columns: str) -> list[list[str]]:
    """ROWS with some columns of one field changed."""
    api = [api for api, _human in redcap.COLUMNS]
    rows = [list(cells) for cells in ROWS]
    for cells in rows:
        if cells[0] == name:
            for key, value in columns.items():
                cells[api.index(key)] = value
    return rows


CLEAN = dictionary_text(ROWS)


def clean() -> redcap.Dictionary:
    dictionary = redcap.read_dictionary(CLEAN)
    assert dictionary.ok, dictionary.errors
    return dictionary


@pytest.fixture
def network():
    return NetworkFactory(slug="golden")


class TestEveryFixture:
    @pytest.mark.parametrize("name", sorted(DICTIONARIES))
    def test_imports_one_instrument_per_form_with_every_field(self, name, network):
        fields, forms, types = DICTIONARIES[name]
        dictionary = read(name)
        # when the dictionary is imported into a network
        result = import_dictionary(actor=None, network=network, dictionary=dictionary)
        # then there is one REDCap instrument per form, holding every field in order
        instruments = Instrument.objects.filter(network=network)
        assert instruments.count() == forms == len(result.forms) == result.created
        assert set(instruments.values_list("source", flat=True)) == {Source.REDCAP}
        assert [form.form for form in result.forms] == [form.name for form in dictionary.forms]
        assert OWN_ITEMS.filter(instrument__network=network).count() == fields
        assert dict(Counter(OWN_ITEMS.filter(instrument__network=network).values_list("field_type", flat=True))) \
            == types
        for form in dictionary.forms:
            instrument = instruments.get(redcap_form=form.name)
            assert list(instrument.items.order_by("position").values_list("key", flat=True)) == \
                [item.name for item in form.fields]

    @pytest.mark.parametrize("name", sorted(DICTIONARIES))
    def test_round_trip_keeps_every_column(self, name, network):
        # given a fixture dictionary imported into Abrazo
        before = read(name)
        result = import_dictionary(actor=None, network=network, dictionary=before)
        # when the instruments are exported and the export read again
        exported = export_dictionary(Instrument.objects.filter(pk__in=[i.pk for i in result.instruments])
                                     .order_by("created_at", "id").prefetch_related("items"))
        after = redcap.read_dictionary(exported)
        # then every field comes back with every column, in the same forms and the same order
        assert after.ok, after.errors[:3]
        assert [form.name for form in after.forms] == [form.name for form in before.forms]
        assert [item.comparable() for item in after.fields] == [item.comparable() for item in before.fields]
        assert len(after.warnings) <= len(before.warnings)

    @pytest.mark.parametrize("name", sorted(DICTIONARIES))
    def test_importing_twice_changes_nothing(self, name, network):
        # given a dictionary already imported
        first = import_dictionary(actor=None, network=network, dictionary=read(name))
        items = dict(OWN_ITEMS.filter(instrument__network=network).values_list("pk", "updated_at"))
        # when it is imported again
        second = import_dictionary(actor=None, network=network, dictionary=read(name))
        # then the same instruments and items are there, untouched
        assert second.created == 0 and second.updated == len(first.forms)
        assert [i.pk for i in second.instruments] == [i.pk for i in first.instruments]
        assert all(form.items_created == form.items_updated == 0 for form in second.forms)
        assert dict(OWN_ITEMS.filter(instrument__network=network).values_list("pk", "updated_at")) == items
        assert set(Instrument.objects.filter(network=network).values_list("version", flat=True)) == {1}

    @pytest.mark.parametrize("name", NOT_DICTIONARIES)
    def test_other_redcap_files_are_refused_on_their_header(self, name, network):
        # given a record export or a form-event mapping, when imported as a dictionary
        with pytest.raises(DictionaryRejected) as rejected:
            import_dictionary(actor=None, network=network, dictionary=read(name))
        # then one problem names the header line, and nothing is written
        assert [(p.line, p.code) for p in rejected.value.problems] == [(1, "columns_missing")]
        assert not OWN.exists()


class TestColumnsKept:
    def test_every_column_of_a_field_is_stored(self, network):
        # when a small dictionary is imported
        import_dictionary(actor=None, network=network, dictionary=clean())
        # then the instrument has editable defaults and the items keep every column
        instrument = Instrument.objects.get(network=network)
        assert (instrument.key, instrument.name_en, instrument.redcap_form) == (
            "teacher-stress", "Teacher stress", "teacher_stress")
        assert (instrument.level, instrument.respondent, instrument.languages) == (
            Level.CHILD, Respondent.OTHER, ["en"])
        upset = instrument.items.get(key="upset")
        assert upset.position == 2
        assert upset.section_header == "In the last month"
        assert upset.label_en == "How often have you been upset?"
        assert upset.field_note == "Pick one"
        assert upset.choices[:2] == [["0", "Never", ""], ["1", "Almost never", ""]]
        assert (upset.required, upset.custom_alignment, upset.question_number, upset.matrix_group) == (
            True, "LH", "1a", "pss")
        assert upset.annotation == "@DEFAULT='0'"
        assert instrument.items.get(key="control").branching_logic == "[upset] >= 2"
        years = instrument.items.get(key="years")
        assert (years.validation, years.validation_min, years.validation_max, years.identifier) == (
            "integer", "0", "60", True)

    def test_scored_range_comes_from_numeric_codes_of_radio_and_dropdown_only(self, network):
        import_dictionary(actor=None, network=network, dictionary=clean())
        ranges = {
            key: (low, high) for key, low, high in OWN_ITEMS.values_list("key", "score_min", "score_max")
        }
        # a 0-4 radio is scored 0 to 4; a checkbox (letters and numbers) and a text field are not scored
        assert ranges == {"record_id": (None, None), "upset": (0.0, 4.0), "control": (0.0, 4.0),
                          "supports": (None, None), "years": (None, None)}

    def test_calc_sql_and_slider_contents_are_kept(self, network):
        import_dictionary(actor=None, network=network, dictionary=read("redcapr_validation_types_dictionary.csv"))
        items = {item.key: item for item in OWN_ITEMS.all()}
        assert items["f_sql"].field_type == "sql" and items["f_sql"].calculation.lower().startswith("select")
        assert items["f_calculated"].calculation
        assert len(items["f_slider"].slider_labels) == 3
        assert items["f_yes_no"].choices == [["1", "Yes", ""], ["0", "No", ""]]

    def test_names_come_from_the_form(self):
        assert instrument_key("pex_bm_apa") == "pex-bm-apa"
        assert humanised("pex_bm_health_preg_i_illness") == "Pex bm health preg i illness"
        assert len(instrument_key("a" * 100)) == 64


class TestReimport:
    def test_changed_dictionary_updates_in_place_and_keeps_what_abrazo_added(self, network):
        # given an imported form whose name, Spanish wording and reverse scoring the network edited
        import_dictionary(actor=None, network=network, dictionary=clean())
        instrument = Instrument.objects.get(network=network)
        Instrument.objects.filter(pk=instrument.pk).update(name_en="Teacher stress check", level=Level.TEACHER)
        upset = instrument.items.get(key="upset")
        upset.label_es = "¿Con qué frecuencia se ha sentido molesto?"
        upset.choices = [[code, label, f"es-{code}"] for code, label, _es in upset.choices]
        upset.reverse_scored = True
        upset.save()
        # when a new version of the dictionary relabels that field, drops "years" and adds "notes"
        rows = [*changed("upset", field_label="How often upset?")[:-1], row("notes", "notes", "Anything else?")]
        result = import_dictionary(actor=None, network=network, dictionary=redcap.read_dictionary(
            dictionary_text(rows)))
        # then the same instrument is updated, not duplicated, and the network's own additions survive
        form = result.forms[0]
        assert (form.created, form.items_created, form.items_updated, form.items_removed) == (False, 1, 1, 1)
        instrument.refresh_from_db()
        assert Instrument.objects.filter(network=network).count() == 1
        assert (instrument.name_en, instrument.level, instrument.version) == ("Teacher stress check", Level.TEACHER, 2)
        upset = instrument.items.get(key="upset")
        assert upset.label_en == "How often upset?"
        assert upset.label_es.startswith("¿Con qué")
        assert upset.choices[4] == ["4", "Very often", "es-4"]
        assert upset.reverse_scored is True
        # and without replace, the dropped field is kept after the dictionary's fields
        assert list(instrument.items.order_by("position").values_list("key", "position")) == [
            ("record_id", 1), ("upset", 2), ("control", 3), ("supports", 4), ("notes", 5), ("years", 6)]

    def test_replace_deletes_items_the_dictionary_no_longer_has(self, network):
        import_dictionary(actor=None, network=network, dictionary=clean())
        shorter = dictionary_text(ROWS[:-1])
        # when the shorter dictionary is imported with replace
        result = import_dictionary(actor=None, network=network, dictionary=redcap.read_dictionary(shorter),
                                   replace=True)
        # then the instrument is exactly the form
        assert result.forms[0].items_removed == 1
        assert list(OWN_ITEMS.order_by("position").values_list("key", flat=True)) == [
            "record_id", "upset", "control", "supports"]

    def test_a_key_already_used_in_the_network_gets_a_number(self, network):
        # given a network instrument built in Abrazo with the key the form would take
        Instrument.objects.create(network=network, key="teacher-stress", name_en="Ours", level=Level.TEACHER,
                                  respondent=Respondent.TEACHER)
        # when the form is imported
        result = import_dictionary(actor=None, network=network, dictionary=clean())
        # then it gets the next free key, and the custom instrument is untouched
        assert result.instruments[0].key == "teacher-stress-2"
        assert Instrument.objects.get(key="teacher-stress").items.count() == 0

    def test_same_form_in_another_network_is_another_instrument(self, network):
        other = NetworkFactory(slug="other")
        import_dictionary(actor=None, network=network, dictionary=clean())
        import_dictionary(actor=None, network=other, dictionary=clean())
        assert OWN.filter(redcap_form="teacher_stress").count() == 2


LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def relabelled(raw: bytes) -> bytes:
    """A fixture dictionary with every field's label changed (as bench/redcap_dictionary_db.py does)."""
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    for cells in rows[1:]:
        if any(cell.strip() for cell in cells):
            cells[4] += " (edited)"  # Field Label, in both header styles
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def item_updates(queries: CaptureQueriesContext) -> list[str]:
    table = Item._meta.db_table
    return [query["sql"] for query in queries.captured_queries
            if query["sql"].lstrip().upper().startswith("UPDATE") and table in query["sql"].split(" SET ")[0]]


class TestReimportWritesOnlyWhatChanged:
    def test_changed_labels_update_exactly_those_items(self, network):
        # given the small dictionary imported, and every item's updated_at set to a day long ago
        import_dictionary(actor=None, network=network, dictionary=clean())
        OWN_ITEMS.update(updated_at=LONG_AGO)
        columns = [*DICTIONARY_ITEM_FIELDS, "label_es", "reverse_scored", "missing_codes"]
        before = {row["key"]: row for row in OWN_ITEMS.values("key", *columns)}
        # when a new version relabels "upset" and "control" and changes nothing else
        rows = changed("upset", field_label="How often upset?")
        api = [api for api, _human in redcap.COLUMNS]
        rows[2][api.index("field_label")] = "How often in control?"
        with CaptureQueriesContext(connection) as queries:
            result = import_dictionary(actor=None, network=network,
                                       dictionary=redcap.read_dictionary(dictionary_text(rows)))
        # then two items are counted as updated, and only they have a new updated_at
        form = result.forms[0]
        assert (form.items_created, form.items_updated, form.items_removed) == (0, 2, 0)
        stamps = dict(OWN_ITEMS.values_list("key", "updated_at"))
        assert {key for key, stamp in stamps.items() if stamp != LONG_AGO} == {"upset", "control"}
        # and each of them differs from before in its label only
        after = {row["key"]: row for row in OWN_ITEMS.values("key", *columns)}
        assert after["upset"] == {**before["upset"], "label_en": "How often upset?"}
        assert after["control"] == {**before["control"], "label_en": "How often in control?"}
        assert {key: after[key] for key in ("record_id", "supports", "years")} == \
            {key: before[key] for key in ("record_id", "supports", "years")}
        # and the item UPDATEs write the label and updated_at, never the columns that did not change
        written = " ".join(item_updates(queries))
        assert '"label_en"' in written and '"updated_at"' in written
        assert not [name for name in DICTIONARY_ITEM_FIELDS if name != "label_en" and f'"{name}"' in written]
        assert Instrument.objects.get(network=network).version == 2

    def test_different_changes_on_different_items_each_land(self, network):
        # given the small dictionary imported, stamped long ago
        import_dictionary(actor=None, network=network, dictionary=clean())
        OWN_ITEMS.update(updated_at=LONG_AGO)
        # when a field is inserted before "control" (control, supports and years move down one), "upset" is
        # relabelled and "supports" gets a field note: four items change, in three different ways
        rows = changed("upset", field_label="Upset?")
        api = [api for api, _human in redcap.COLUMNS]
        rows[3][api.index("field_note")] = "Tick all that apply"
        rows.insert(2, row("calm", "yesno", "Did you feel calm?"))
        result = import_dictionary(actor=None, network=network,
                                   dictionary=redcap.read_dictionary(dictionary_text(rows)))
        # then one item is created, four updated, and record_id (same place, same columns) is untouched
        assert (result.forms[0].items_created, result.forms[0].items_updated) == (1, 4)
        items = {item.key: item for item in OWN_ITEMS.all()}
        assert [(key, item.position) for key, item in sorted(items.items(), key=lambda pair: pair[1].position)] \
            == [("record_id", 1), ("upset", 2), ("calm", 3), ("control", 4), ("supports", 5), ("years", 6)]
        assert items["record_id"].updated_at == LONG_AGO
        assert all(items[key].updated_at > LONG_AGO for key in ("upset", "control", "supports", "years"))
        assert (items["upset"].label_en, items["upset"].field_note) == ("Upset?", "Pick one")
        assert (items["supports"].label_en, items["supports"].field_note) == (
            "Which supports do you use?", "Tick all that apply")
        assert items["years"].validation_max == "60"

    def test_relabelling_every_field_of_the_largest_fixture_takes_few_queries(self, network):
        # given the largest fixture (474 fields, 12 forms) imported
        raw = (FIXTURES / "reproschema_hbn_dictionary.csv").read_bytes()
        import_dictionary(actor=None, network=network, dictionary=redcap.read_dictionary(raw))
        with CaptureQueriesContext(connection) as unchanged:
            import_dictionary(actor=None, network=network, dictionary=redcap.read_dictionary(raw))
        # when it is imported again with every label changed
        with CaptureQueriesContext(connection) as queries:
            result = import_dictionary(actor=None, network=network,
                                       dictionary=redcap.read_dictionary(relabelled(raw)))
        # then all 474 items are updated ...
        assert sum(form.items_updated for form in result.forms) == 474
        assert OWN_ITEMS.filter(instrument__network=network, label_en__endswith=" (edited)").count() == 474
        # ... by one bulk update of the label in batches (SQLite takes at most 999 parameters, three per
        # item: 2 queries; PostgreSQL: 1) and one of updated_at (SQLite: at most 500 ids; PostgreSQL: 1)
        updates = item_updates(queries)
        assert 2 <= len(updates) <= 3
        # and besides those, only the 12 instruments' version bumps come on top of an unchanged re-import
        assert len(queries.captured_queries) == len(unchanged.captured_queries) + len(updates) + 12


class TestBrokenDictionary:
    def test_a_broken_row_imports_nothing_and_names_row_and_column(self, network):
        # given a dictionary already imported once, then a version with a broken row on line 4
        import_dictionary(actor=None, network=network, dictionary=clean())
        rows = changed("upset", field_label="Changed")
        rows[2][3] = "radiobutton"
        broken = dictionary_text(rows)
        # when it is imported
        with pytest.raises(DictionaryRejected) as rejected:
            import_dictionary(actor=None, network=network, dictionary=redcap.read_dictionary(broken))
        # then the problem names line 4 and the Field Type column, and nothing changed
        assert [(p.line, p.column, p.value, p.code) for p in rejected.value.problems] == [
            (4, "Field Type", "radiobutton", "type_unknown")]
        assert OWN_ITEMS.get(key="upset").label_en == "How often have you been upset?"
        assert OWN_ITEMS.count() == 5

    def test_a_value_longer_than_abrazo_keeps_is_an_error_not_a_cut(self, network):
        long_number = "1234567890" * 3
        dictionary = redcap.read_dictionary(dictionary_text(changed("upset", question_number=long_number)))
        with pytest.raises(DictionaryRejected) as rejected:
            import_dictionary(actor=None, network=network, dictionary=dictionary)
        assert [(p.line, p.column, p.code) for p in rejected.value.problems] == [
            (3, "Question Number (surveys only)", "too_long")]
        assert not OWN.exists()

    def test_every_error_is_listed_in_line_order(self, network):
        rows = changed("upset", select_choices_or_calculations=SCALE.replace("0, Never", "0 Never"))
        rows[0][0] = "Record ID"
        broken = dictionary_text(rows)
        with pytest.raises(DictionaryRejected) as rejected:
            import_dictionary(actor=None, network=network, dictionary=redcap.read_dictionary(broken))
        assert [(p.line, p.column) for p in rejected.value.problems] == [
            (2, "Variable / Field Name"), (3, "Choices, Calculations, OR Slider Labels")]


class TestAccessAndAudit:
    @pytest.mark.parametrize("role", ["network_admin", "evaluator"])
    def test_managers_of_the_network_may_import(self, world, role):
        result = import_dictionary(actor=world.people[role], network=world.network, dictionary=clean())
        assert result.created == 1

    @pytest.mark.parametrize("role", ["consultant", "supervisor", "regional_coordinator", "program_staff"])
    def test_other_roles_may_not(self, world, role):
        with pytest.raises(PermissionDenied):
            import_dictionary(actor=world.people[role], network=world.network, dictionary=clean())
        assert not OWN.exists()

    def test_an_admin_may_not_import_into_another_network(self, world):
        with pytest.raises(PermissionDenied):
            import_dictionary(actor=world.people["network_admin"], network=world.other_network, dictionary=clean())

    def test_one_ledger_line_per_import(self, world):
        admin = world.people["network_admin"]
        before = AccessEvent.objects.count()
        result = import_dictionary(actor=admin, network=world.network, dictionary=read("redcapr_simple_dictionary.csv"))
        events = list(AccessEvent.objects.order_by("occurred_at")[before:])
        assert len(events) == 1
        assert (events[0].action, events[0].object_type, events[0].object_id, events[0].user_id) == (
            "create", "measures.instrument", str(world.network.pk), admin.pk)
        assert sorted(events[0].object_ids) == sorted(str(i.pk) for i in result.instruments)


def test_an_instrument_built_in_abrazo_exports_under_a_form_name_from_its_key(network):
    # given an instrument made in Abrazo (no REDCap form) with one radio item
    instrument = Instrument.objects.create(network=network, key="2024-readiness", name_en="Readiness",
                                           level=Level.PROGRAM, respondent=Respondent.DIRECTOR)
    OWN_ITEMS.create(instrument=instrument, key="ready", position=1, field_type="radio", label_en="Ready?",
                        choices=[["1", "Yes", "Sí"], ["0", "No", "No"]], required=True)
    # when it is exported, then REDCap can read it back
    dictionary = redcap.read_dictionary(export_dictionary([instrument]))
    assert dictionary.ok
    (field,) = dictionary.fields
    assert (field.form, field.name, field.choices, field.required) == (
        "form_2024_readiness", "ready", (("1", "Yes"), ("0", "No")), True)
