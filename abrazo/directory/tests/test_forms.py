"""Forms parse input and keep it; they never save, and they name their fields explicitly."""

from __future__ import annotations

import uuid

import pytest
from django import forms

from abrazo.directory import forms as directory_forms
from abrazo.directory.forms import (
    AgencyForm,
    ClassroomForm,
    ConsultantForm,
    ProgramFilterForm,
    ProgramForm,
    RegionForm,
    StaffForm,
)
from abrazo.directory.models import ConsultantProfile, Program
from abrazo.directory.tests.factories import ClassroomFactory, county

pytestmark = pytest.mark.django_db

FRESNO, LOS_ANGELES = "06019", "06037"


def test_every_model_form_lists_its_fields():
    # given every model form of the directory
    model_forms = [
        obj for obj in vars(directory_forms).values()
        if isinstance(obj, type) and issubclass(obj, forms.ModelForm) and hasattr(obj, "Meta")
        and getattr(obj.Meta, "model", None) is not None
    ]
    # then each names its fields rather than taking them all
    assert {form.__name__ for form in model_forms} >= {"ProgramForm", "ClassroomForm", "StaffForm",
                                                       "ConsultantForm", "AgencyForm"}
    for form in model_forms:
        assert isinstance(form.Meta.fields, list), form.__name__


def test_a_new_program_form_carries_a_submission_key_and_no_version(world):
    # given the form to add a program
    form = ProgramForm(user=world.people["network_admin"])
    # then it has a fresh key, and neither a version nor an active flag (both belong to editing)
    assert isinstance(form.initial["submission_key"], uuid.UUID)
    assert "version" not in form.fields and "is_active" not in form.fields


def test_an_edit_form_carries_the_version_it_was_loaded_on(world):
    # given program A saved twice before
    Program.objects.filter(pk=world.program_a.pk).update(version=3)
    program = Program.objects.get(pk=world.program_a.pk)
    # when its edit form is built
    form = ProgramForm(user=world.people["network_admin"], instance=program)
    # then it carries version 3 and no submission key
    assert form.initial["version"] == 3
    assert "submission_key" not in form.fields


def test_labels_have_no_trailing_colon_and_help_is_linked(world):
    form = ProgramForm(user=world.people["network_admin"])
    assert form["name"].label_tag() == '<label for="id_name">Name</label>'
    assert 'aria-describedby="id_county_helptext"' in str(form["county"])


def test_choice_groups_are_checkboxes(world):
    consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    consultant_form = ConsultantForm(user=world.people["network_admin"], network=world.network, instance=consultant)
    staff_form = StaffForm(program=world.program_a)
    program_form = ProgramForm(user=world.people["network_admin"])
    for bound in (consultant_form["languages"], consultant_form["counties"], consultant_form["setting_expertise"],
                  staff_form["languages"], staff_form["classrooms"], program_form["languages"]):
        assert isinstance(bound.field.widget, forms.CheckboxSelectMultiple), bound.name


def test_an_unknown_county_gets_a_specific_message(world):
    form = ProgramForm({"county": "99999"}, user=world.people["network_admin"])
    assert form.errors["county"] == ["Unknown county. Choose a county from the list."]


def test_the_county_list_is_short_but_any_known_county_parses(world):
    # given the coordinator of region A
    form = ProgramForm(
        {"name": "X", "setting_type": "center", "auspice": "for_profit", "quality_rating": "none",
         "address_line1": "1 A St", "city": "Bakersfield", "postal_code": "93301", "county": "06029"},
        user=world.people["regional_coordinator"],
    )
    # then only their region's county is offered, yet Kern parses, for the service to refuse it by name
    offered = [value for value, _label in form.fields["county"].widget.choices if value]
    assert offered == [FRESNO]
    assert form.is_valid(), form.errors
    assert form.to_data().county == county("06029")


def test_a_failed_submit_leaves_the_record_untouched(world):
    # given program A's edit form submitted with a missing city
    program = Program.objects.get(pk=world.program_a.pk)
    form = ProgramForm({"name": "Typed Name", "city": ""}, user=world.people["network_admin"], instance=program)
    # when it is validated
    assert not form.is_valid()
    # then the instance the page shows still has its stored name
    assert program.name == "Sunrise Center"


def test_a_stale_form_keeps_input_and_adopts_the_current_version(world):
    # given a classroom's edit form submitted on version 1
    classroom = ClassroomFactory(program=world.program_a)
    form = ClassroomForm(
        {"name": "Typed", "age_group": "infant", "capacity": "8", "version": "1"}, instance=classroom
    )
    assert form.is_valid()
    # when the save turns out stale
    form.mark_stale(current_version=4, message="Changed meanwhile.")
    # then the input stays, the form now carries the stored version, and the message is shown
    assert form["name"].value() == "Typed"
    assert form["version"].value() == "4"
    assert form.non_field_errors() == ["Changed meanwhile."]


def test_new_classroom_rejects_a_zero_capacity():
    form = ClassroomForm({"name": "Room", "age_group": "infant", "capacity": "0"})
    assert "capacity" in form.errors
    assert form["name"].value() == "Room"


def test_program_filters_translate_to_selector_filters(world):
    form = ProgramFilterForm(
        {"q": "  sun ", "county": FRESNO, "rural": "no", "setting_type": "center", "language": "es"},
        user=world.people["network_admin"],
    )
    filters = form.to_filters()
    assert (filters.query, filters.county_fips, filters.rural, filters.setting_type, filters.language) == (
        "sun", FRESNO, False, "center", "es"
    )


def test_program_staff_get_no_region_filter(world):
    assert "region" not in ProgramFilterForm(user=world.people["program_staff"]).fields
    assert "region" in ProgramFilterForm(user=world.people["regional_coordinator"]).fields


def test_region_form_starts_from_the_regions_counties_and_names_other_regions(world):
    form = RegionForm(network=world.network, region=world.region_a)
    assert form.initial["counties"] == [FRESNO]
    labels = dict(form.fields["counties"].choices)
    assert labels[LOS_ANGELES] == "Los Angeles County (now in Los Angeles)"
    assert labels[FRESNO] == "Fresno County"


def test_agency_form_offers_only_regions_of_its_network(world):
    form = AgencyForm(network=world.network)
    assert set(form.fields["region"].queryset) == {world.region_a, world.region_b}


def test_consultant_edit_form_drops_the_email_and_shows_the_name(world):
    consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    form = ConsultantForm(user=world.people["regional_coordinator"], network=world.network, instance=consultant)
    assert "email" not in form.fields
    assert form.initial["full_name"] == world.people["consultant"].full_name
    assert list(form.fields["region"].queryset) == [world.region_a]


def test_filter_choices_follow_the_language_and_expire(world, monkeypatch):
    from django.utils import translation

    from abrazo.directory.tests.factories import NetworkCountyFactory

    admin = world.people["network_admin"]
    # given the filter bar rendered once in English and once in Spanish
    with translation.override("en"):
        english = dict(ProgramFilterForm(user=admin).fields["language"].choices)
    with translation.override("es"):
        spanish = dict(ProgramFilterForm(user=admin).fields["language"].choices)
    # then each language gets its own labels, not the other's cached ones
    assert english["es"] == "Spanish"
    assert spanish["es"] == "Español"

    # when the network starts serving another county and the cached choices expire
    NetworkCountyFactory(network=world.network, region=world.region_b, county=county("06029"))
    monkeypatch.setattr(directory_forms, "FILTER_CHOICES_TTL_SECONDS", 0.0)
    with translation.override("en"):
        counties = dict(ProgramFilterForm(user=admin).fields["county"].choices)
    # then the new county is offered
    assert counties["06029"] == "Kern County"
