"""Forms of the directory: they parse and check the shape of input; services check it against the database.

Model forms here never save and never touch their instance (see `ParseOnlyModelForm`): a submit that
fails must leave the record on the page exactly as stored, and every write goes through a service.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from django import forms
from django.db.models import Model
from django.forms.boundfield import BoundField
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from abrazo.accounts import access
from abrazo.core.submissions import CreateOnceMixin
from abrazo.core.widgets import use_fast_widgets
from abrazo.directory import selectors
from abrazo.directory.models import (
    Agency,
    Classroom,
    ConsultantProfile,
    County,
    Language,
    Network,
    NetworkCounty,
    Program,
    ProgramStaff,
    Region,
    SettingExpertise,
    SettingType,
)
from abrazo.directory.selectors import ConsultantFilters, ProgramFilters
from abrazo.directory.services import AgencyData, ClassroomData, ConsultantData, ProgramData, RegionData, StaffData

UNKNOWN_COUNTY = _("Unknown county. Choose a county from the list.")


@dataclass(frozen=True)
class Section:
    title: str
    fields: list[BoundField]


class DirectoryFormMixin:
    """What every directory form shares: no colon after labels, and optional sections for the template."""

    sections: tuple[tuple[Any, tuple[str, ...]], ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_fast_widgets(self)  # type: ignore[arg-type]

    def grouped(self) -> list[Section]:
        """Visible fields in their sections; fields not named in any section come last, untitled."""
        form: forms.BaseForm = self  # type: ignore[assignment]
        placed: set[str] = set()
        groups = []
        for title, names in self.sections:
            present = [form[name] for name in names if name in form.fields]
            placed.update(names)
            if present:
                groups.append(Section(title=str(title), fields=present))
        rest = [bound for bound in form.visible_fields() if bound.name not in placed]
        if rest:
            groups.append(Section(title="", fields=rest))
        return groups


class ParseOnlyModelForm(DirectoryFormMixin, forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def _post_clean(self) -> None:
        # ModelForm would copy the input onto the instance and run model validation here. The service
        # does the database checks, and leaving the instance alone keeps the page's header honest.
        return


class VersionMixin(forms.Form):
    """The version the editor loaded, so that a save over someone else's newer save is caught."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and not instance._state.adding:
            self.initial["version"] = instance.version

    def expected_version(self) -> int:
        return int(self.cleaned_data["version"])

    def mark_stale(self, *, current_version: int, message: str) -> None:
        """Keep the person's input, adopt the stored version so their next save can go through."""
        data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict: keeps multi-valued fields
        data[self.add_prefix("version")] = str(current_version)
        self.data = data
        self.add_error(None, message)


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "checkbox-group"})


def _offer_only(field: forms.ModelChoiceField, offered: Iterable[Model], *, empty_label: Any = None) -> None:
    """Show a short list while accepting any known choice, so that the service (not the form) answers
    "not served by this network" with a message that names the county."""
    empty = [("", empty_label)] if empty_label is not None else []
    field.widget.choices = [*empty, *((obj.pk, str(obj)) for obj in offered)]


# --- Filters ---------------------------------------------------------------------------------

RURAL_CHOICES = [("", _("Rural or not")), ("yes", _("Rural only")), ("no", _("Not rural"))]


# Filter choices change only when an administrator edits regions or counties, yet every page of
# a list shows them. They are kept per process for a minute, keyed by everything they depend on.
FILTER_CHOICES_TTL_SECONDS = 60.0
_filter_choices: dict[tuple[Any, ...], tuple[float, list[tuple[str, str]]]] = {}


def _cached_choices(key: tuple[Any, ...], build: Callable[[], list[tuple[str, str]]]) -> list[tuple[str, str]]:
    now = time.monotonic()
    hit = _filter_choices.get(key)
    if hit is not None and now - hit[0] < FILTER_CHOICES_TTL_SECONDS:
        return hit[1]
    if len(_filter_choices) > 2000:
        _filter_choices.clear()
    choices = build()
    _filter_choices[key] = (now, choices)
    return choices


def _scope_key(user: Any) -> tuple[Any, ...]:
    memberships = tuple(
        (m.network_id, m.role, m.region_id, m.agency_id, m.program_id) for m in user.active_memberships
    )
    return (user.pk, memberships, get_language())


def _region_choices(user: Any, *, empty: Any) -> list[tuple[str, str]]:
    def build() -> list[tuple[str, str]]:
        regions = access.visible(user, "region.view", Region.objects.all()).order_by("name")
        return [("", str(empty)), *((str(pk), name) for pk, name in regions.values_list("pk", "name"))]

    return _cached_choices(("region", *_scope_key(user)), build)


def _county_choices(user: Any, *, empty: Any) -> list[tuple[str, str]]:
    def build() -> list[tuple[str, str]]:
        # One translated label pattern for all counties (County.__str__ translates once per option).
        pattern = gettext("%(name)s County")
        served = selectors.served_counties_for(network_ids=selectors.network_ids_of(user)).values_list("fips", "name")
        return [("", str(empty)), *((fips, pattern % {"name": name}) for fips, name in served)]

    return _cached_choices(("county", *_scope_key(user)), build)


def _language_choices(*, empty: Any) -> list[tuple[str, str]]:
    spanish = (get_language() or "en").startswith("es")

    def build() -> list[tuple[str, str]]:
        names = Language.objects.order_by("name_es" if spanish else "name_en").values_list("code", "name_en", "name_es")
        return [("", str(empty)), *((code, name_es if spanish else name_en) for code, name_en, name_es in names)]

    return _cached_choices(("language", spanish), build)


def _uuid_or_none(value: str) -> UUID | None:
    return UUID(value) if value else None


class ProgramFilterForm(DirectoryFormMixin, forms.Form):
    """Filters of the programs list. Choices are plain (value, label) pairs read with values_list:
    the filter bar sits on every page of a 40,000-program list and must not build model objects."""

    q = forms.CharField(
        label=_("Name, city, ZIP or license"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    county = forms.ChoiceField(label=_("County"), required=False)
    setting_type = forms.ChoiceField(
        label=_("Setting type"), choices=[("", _("Any setting")), *SettingType.choices], required=False
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    rural = forms.ChoiceField(label=_("Rural"), choices=RURAL_CHOICES, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if access.has_permission(user, "region.view"):
            self.fields["region"].choices = _region_choices(user, empty=_("Any region"))  # type: ignore[attr-defined]
        else:
            del self.fields["region"]  # program staff see one program; a region filter means nothing to them
        self.fields["county"].choices = _county_choices(user, empty=_("Any county"))  # type: ignore[attr-defined]
        self.fields["language"].choices = _language_choices(empty=_("Any language"))  # type: ignore[attr-defined]

    def to_filters(self) -> ProgramFilters:
        if not self.is_bound or not self.is_valid():
            return ProgramFilters()
        data = self.cleaned_data
        rural = {"yes": True, "no": False}.get(data.get("rural") or "")
        return ProgramFilters(
            query=data["q"].strip(),
            region_id=_uuid_or_none(data.get("region") or ""),
            county_fips=data.get("county") or "",
            setting_type=data.get("setting_type") or "",
            language=data.get("language") or "",
            rural=rural,
        )


class ConsultantFilterForm(DirectoryFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Name, email or license"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    region = forms.ChoiceField(label=_("Home region"), required=False)
    county = forms.ChoiceField(label=_("County served"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices(user, empty=_("Any region"))  # type: ignore[attr-defined]
        self.fields["county"].choices = _county_choices(user, empty=_("Any county"))  # type: ignore[attr-defined]
        self.fields["language"].choices = _language_choices(empty=_("Any language"))  # type: ignore[attr-defined]

    def to_filters(self) -> ConsultantFilters:
        if not self.is_bound or not self.is_valid():
            return ConsultantFilters()
        data = self.cleaned_data
        return ConsultantFilters(
            query=data["q"].strip(),
            region_id=_uuid_or_none(data.get("region") or ""),
            county_fips=data.get("county") or "",
            language=data.get("language") or "",
        )


# --- Programs --------------------------------------------------------------------------------


class ProgramForm(CreateOnceMixin, VersionMixin, ParseOnlyModelForm):
    county = forms.ModelChoiceField(
        label=_("County"), queryset=County.objects.all(),
        help_text=_("The program's region follows from its county."),
        error_messages={"invalid_choice": UNKNOWN_COUNTY},
    )

    sections = (
        (_("About the program"), ("name", "setting_type", "auspice", "license_number", "quality_rating")),
        (_("Where it is"), ("address_line1", "address_line2", "city", "postal_code", "county", "is_rural")),
        (_("Children and languages"), ("serves_infants", "serves_toddlers", "serves_preschoolers", "languages")),
        (_("Contact"), ("phone", "email", "is_active")),
    )

    class Meta:
        model = Program
        fields = [
            "name", "setting_type", "auspice", "license_number", "quality_rating", "address_line1",
            "address_line2", "city", "postal_code", "county", "is_rural", "serves_infants", "serves_toddlers",
            "serves_preschoolers", "languages", "phone", "email", "is_active",
        ]
        labels = {"name": _("Name"), "languages": _("Languages spoken")}
        help_texts = {
            "is_rural": _("Tick if the program is in a rural area (used to prioritise and report)."),
            "languages": _("Languages the staff speak with children and families."),
        }
        widgets = {"languages": _checkboxes(), "phone": forms.TextInput(attrs={"autocomplete": "tel"})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        program = None if self.instance._state.adding else self.instance
        offered = selectors.program_form_counties_for(user=user, program=program)
        _offer_only(self.fields["county"], offered, empty_label=_("Choose a county"))  # type: ignore[arg-type]
        self.fields["languages"].queryset = Language.objects.all()  # type: ignore[attr-defined]
        if program is None:
            del self.fields["is_active"]
            del self.fields["version"]
        else:
            del self.fields["submission_key"]

    def to_data(self) -> ProgramData:
        data = self.cleaned_data
        return ProgramData(
            name=data["name"].strip(), setting_type=data["setting_type"], auspice=data["auspice"],
            license_number=data.get("license_number", ""), address_line1=data["address_line1"],
            address_line2=data.get("address_line2", ""), city=data["city"], postal_code=data["postal_code"],
            county=data["county"], is_rural=data["is_rural"], serves_infants=data["serves_infants"],
            serves_toddlers=data["serves_toddlers"], serves_preschoolers=data["serves_preschoolers"],
            languages=list(data["languages"]), quality_rating=data["quality_rating"], phone=data.get("phone", ""),
            email=data.get("email", ""), is_active=data.get("is_active", True),
        )


# --- Classrooms and staff --------------------------------------------------------------------


class ClassroomForm(CreateOnceMixin, VersionMixin, ParseOnlyModelForm):
    capacity = forms.IntegerField(
        label=_("Capacity (children)"), min_value=1, max_value=200,
        help_text=_("The number of children the room is licensed for."),
    )

    class Meta:
        model = Classroom
        fields = ["name", "age_group", "capacity", "is_active"]
        labels = {"name": _("Name"), "age_group": _("Age group")}
        help_texts = {"name": _("How staff refer to the room, e.g. “Butterflies” or “Room 3”.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:  # a new record (its UUID is set before it is saved)
            del self.fields["is_active"]
            del self.fields["version"]
        else:
            del self.fields["submission_key"]

    def to_data(self) -> ClassroomData:
        data = self.cleaned_data
        return ClassroomData(
            name=data["name"].strip(), age_group=data["age_group"], capacity=data["capacity"],
            is_active=data.get("is_active", True),
        )


class StaffForm(CreateOnceMixin, VersionMixin, ParseOnlyModelForm):
    class Meta:
        model = ProgramStaff
        fields = ["full_name", "position", "email", "phone", "languages", "classrooms", "is_active"]
        labels = {"full_name": _("Full name"), "position": _("Position")}
        help_texts = {"classrooms": _("The rooms this person works in, if any.")}
        widgets = {
            "languages": _checkboxes(), "classrooms": _checkboxes(),
            "full_name": forms.TextInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["languages"].queryset = Language.objects.all()  # type: ignore[attr-defined]
        self.fields["classrooms"].queryset = Classroom.objects.filter(  # type: ignore[attr-defined]
            program=program, is_active=True
        ).order_by("name")
        if self.instance._state.adding:  # a new record (its UUID is set before it is saved)
            del self.fields["is_active"]
            del self.fields["version"]
        else:
            del self.fields["submission_key"]

    def to_data(self) -> StaffData:
        data = self.cleaned_data
        return StaffData(
            full_name=data["full_name"].strip(), position=data["position"], email=data.get("email", ""),
            phone=data.get("phone", ""), languages=list(data["languages"]), classrooms=list(data["classrooms"]),
            is_active=data.get("is_active", True),
        )


# --- Consultants -----------------------------------------------------------------------------


class ConsultantForm(CreateOnceMixin, VersionMixin, ParseOnlyModelForm):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(
        label=_("Email"), help_text=_("They sign in with this address and set their own password."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    setting_expertise = forms.MultipleChoiceField(
        label=_("Setting expertise"), choices=SettingExpertise.choices, required=False, widget=_checkboxes()
    )
    fte = forms.DecimalField(
        label=_("FTE"), min_value=Decimal("0.05"), max_value=Decimal("1.00"), max_digits=3, decimal_places=2,
        help_text=_("Full-time equivalent, e.g. 0.5 for half time."),
    )
    caseload_capacity = forms.IntegerField(
        label=_("Caseload capacity"), min_value=0, max_value=100,
        help_text=_("How many open episodes they can carry at once."),
    )

    sections = (
        (_("Person"), ("full_name", "email", "region", "agency", "supervisor")),
        (_("License"), ("license_type", "license_number", "license_eligible", "degree", "endorsement_level")),
        (_("Where and how they work"), ("languages", "counties", "setting_expertise", "fte", "caseload_capacity",
                                         "is_active")),
    )

    class Meta:
        model = ConsultantProfile
        fields = [
            "region", "agency", "supervisor", "license_type", "license_number", "license_eligible", "degree",
            "endorsement_level", "languages", "counties", "setting_expertise", "fte", "caseload_capacity",
            "is_active",
        ]
        labels = {"region": _("Home region"), "agency": _("Agency"), "supervisor": _("Supervisor"),
                  "license_type": _("License type"), "license_number": _("License number"),
                  "languages": _("Languages"), "counties": _("Counties served")}
        help_texts = {
            "counties": _("Requests from these counties can be matched to this consultant."),
            "license_number": _("Required unless the license type is “Not yet licensed”."),
        }
        widgets = {"languages": _checkboxes(), "counties": _checkboxes()}

    def __init__(self, *args: Any, user: Any, network: Network, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        creating = self.instance._state.adding
        permission = "consultant.create" if creating else "consultant.edit"
        regions = selectors.regions_for_permission(user=user, permission=permission)
        if not creating:
            regions = (regions | Region.objects.filter(pk=self.instance.region_id)).distinct().order_by("name")
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        agencies = Agency.objects.filter(network=network)
        self.fields["agency"].queryset = agencies.order_by("name")  # type: ignore[attr-defined]
        self.fields["supervisor"].queryset = selectors.supervisors_of(network=network)  # type: ignore[attr-defined]
        self.fields["languages"].queryset = Language.objects.all()  # type: ignore[attr-defined]
        counties: forms.ModelMultipleChoiceField = self.fields["counties"]  # type: ignore[assignment]
        counties.queryset = County.objects.all()
        counties.error_messages["invalid_choice"] = UNKNOWN_COUNTY
        counties.required = False
        _offer_only(counties, selectors.served_counties_for(network_ids=[network.pk]))
        self.fields["languages"].required = True
        if creating:
            del self.fields["is_active"]
            del self.fields["version"]
        else:
            del self.fields["email"]
            del self.fields["submission_key"]
            self.initial.setdefault("full_name", self.instance.user.full_name)

    def to_data(self) -> ConsultantData:
        data = self.cleaned_data
        return ConsultantData(
            full_name=data["full_name"].strip(), region=data["region"], agency=data["agency"],
            supervisor=data.get("supervisor"), license_type=data["license_type"],
            license_number=data.get("license_number", ""), license_eligible=data["license_eligible"],
            degree=data.get("degree", ""), endorsement_level=data.get("endorsement_level", ""),
            languages=list(data["languages"]), counties=list(data["counties"]),
            setting_expertise=list(data["setting_expertise"]), fte=data["fte"],
            caseload_capacity=data["caseload_capacity"], is_active=data.get("is_active", True),
        )


# --- Agencies and regions --------------------------------------------------------------------


class AgencyForm(CreateOnceMixin, VersionMixin, ParseOnlyModelForm):
    class Meta:
        model = Agency
        fields = ["name", "region", "contract_number", "address", "phone", "email", "is_active"]
        labels = {"name": _("Name"), "region": _("Region")}
        help_texts = {"region": _("Leave empty for an agency that works across regions.")}

    def __init__(self, *args: Any, network: Network, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(network=network).order_by("name")  # type: ignore[attr-defined]
        if self.instance._state.adding:  # a new record (its UUID is set before it is saved)
            del self.fields["is_active"]
            del self.fields["version"]
        else:
            del self.fields["submission_key"]

    def to_data(self) -> AgencyData:
        data = self.cleaned_data
        return AgencyData(
            name=data["name"].strip(), region=data.get("region"), contract_number=data.get("contract_number", ""),
            address=data.get("address", ""), phone=data.get("phone", ""), email=data.get("email", ""),
            is_active=data.get("is_active", True),
        )


class CountyChoiceField(forms.ModelMultipleChoiceField):
    """Counties labelled with the region that covers them now, so moving one is a visible choice."""

    def __init__(self, *args: Any, covered_by: dict[str, str] | None = None, **kwargs: Any) -> None:
        self.covered_by = covered_by or {}
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Model) -> str:
        region = self.covered_by.get(str(obj.pk))
        if region:
            return str(_("%(county)s (now in %(region)s)") % {"county": obj, "region": region})
        return str(obj)


class RegionForm(CreateOnceMixin, VersionMixin, DirectoryFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("Short, lower case, no spaces, e.g. central-valley.")
    )
    counties = CountyChoiceField(
        label=_("Counties"), queryset=County.objects.none(), required=False, widget=_checkboxes(),
        help_text=_("Ticking a county that another region covers moves it, with its programs, to this region."),
    )

    def __init__(self, *args: Any, network: Network, region: Region | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        field: CountyChoiceField = self.fields["counties"]  # type: ignore[assignment]
        covered = list(NetworkCounty.objects.filter(network=network).select_related("region"))
        field.covered_by = {
            nc.county_id: nc.region.name for nc in covered if region is None or nc.region_id != region.pk
        }
        field.queryset = County.objects.filter(state_code=network.state_code).order_by("name")
        if region is None:
            del self.fields["version"]
        else:
            del self.fields["submission_key"]
            if not self.is_bound:
                self.initial.update(
                    name=region.name, code=region.code, version=region.version,
                    counties=[nc.county_id for nc in covered if nc.region_id == region.pk],
                )

    def to_data(self) -> RegionData:
        data = self.cleaned_data
        return RegionData(name=data["name"].strip(), code=data["code"], counties=list(data["counties"]))
