"""REDCap data dictionaries into Abrazo instruments, and instruments back out as a dictionary (issue 5).

`redcap.read_dictionary` (pure) reads and checks the file; this module writes what it read. Every form
becomes one Instrument (`source="redcap"`, `redcap_form` = the form name) and every field one Item that
keeps each of the dictionary's 18 columns, so that `export_dictionary` writes the same dictionary back.

All or nothing: a dictionary with any error, or with a value longer than Abrazo stores, raises
`DictionaryRejected` listing every problem (line, column, value) and writes nothing.

Re-importing updates in place. An instrument is known by (network, REDCap form name), an item by its
variable name within the instrument, so importing the same file twice changes nothing and creates nothing.
What the network added in Abrazo is never overwritten by a dictionary, which cannot carry it: the
instrument's name, description, level, respondent, languages and licence, the Spanish wording of items and
choices (matched by choice code), reverse scoring and missing-value codes. The dictionary's own columns
always win.

`replace` says what happens to the items of an instrument that the new dictionary no longer has:
- `replace=False` (the default): they are kept, after the dictionary's fields, so that nothing recorded
  against them is lost; the instrument may then hold more items than its REDCap form.
- `replace=True`: they are deleted, so that each instrument is exactly its form in the dictionary.
Either way, forms that are not in the dictionary are left alone: a dictionary may carry a subset of a
project's instruments.

Where the model has no column of its own, the dictionary's "Choices, Calculations, OR Slider Labels" cell
goes into `Item.calculation` for the three types that use it as free text: calc (the calculation), sql
(the query) and text fields autocompleted from an ontology (e.g. "BIOPORTAL:ICD10").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.directory.models import Network
from abrazo.measures import redcap
from abrazo.measures.models import Instrument, Item, Level, Respondent, Source

PERMISSION = "instrument.manage"

# Abrazo's defaults for what a dictionary does not say; the network edits them after the import.
DEFAULT_LEVEL = Level.CHILD
DEFAULT_RESPONDENT = Respondent.OTHER
DEFAULT_LANGUAGES = ("en",)

# Item fields that come from the dictionary (written on every import); the rest are Abrazo's own.
DICTIONARY_ITEM_FIELDS = (
    "position", "field_type", "section_header", "label_en", "field_note", "choices", "calculation",
    "slider_labels", "validation", "validation_min", "validation_max", "identifier", "branching_logic",
    "required", "custom_alignment", "question_number", "matrix_group", "matrix_ranking", "annotation",
    "score_min", "score_max",
)

# Item columns with a length limit, and the dictionary column each comes from (checked before writing,
# so that PostgreSQL never refuses half an import and SQLite never keeps a value longer than allowed).
_LIMITED = (
    ("key", "field_name"), ("field_type", "field_type"), ("validation", "text_validation_type_or_show_slider_number"),
    ("validation_min", "text_validation_min"), ("validation_max", "text_validation_max"),
    ("custom_alignment", "custom_alignment"), ("question_number", "question_number"),
    ("matrix_group", "matrix_group_name"),
)


class DictionaryRejected(Exception):
    """The dictionary cannot be imported; nothing was written. `problems` lists every reason."""

    def __init__(self, problems: Sequence[redcap.Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the dictionary; nothing was imported")
        self.problems = list(problems)


@dataclass(frozen=True)
class ImportedForm:
    form: str
    instrument: Instrument
    created: bool
    fields: int
    items_created: int
    items_updated: int
    items_removed: int  # deleted (replace) or kept after the dictionary's fields (merge): see `replace_mode`


@dataclass
class ImportResult:
    forms: list[ImportedForm] = field(default_factory=list)
    replace: bool = False

    @property
    def instruments(self) -> list[Instrument]:
        return [form.instrument for form in self.forms]

    @property
    def created(self) -> int:
        return sum(form.created for form in self.forms)

    @property
    def updated(self) -> int:
        return len(self.forms) - self.created


def _max_length(model: type[Instrument] | type[Item], name: str) -> int:
    return int(getattr(model._meta.get_field(name), "max_length", 0) or 0)


# --- names ------------------------------------------------------------------------------------------------


def instrument_key(form: str) -> str:
    """'pex_bm_apa' -> 'pex-bm-apa': the form name as an Abrazo short name (a slug)."""
    key = re.sub(r"[^a-z0-9]+", "-", form.casefold()).strip("-")
    return key[: Instrument._meta.get_field("key").max_length].rstrip("-") or "form"


def humanised(form: str) -> str:
    """'pex_bm_apa' -> 'Pex bm apa': a first name for the instrument, which the network can improve."""
    words = " ".join(form.replace("_", " ").split())
    return (words[:1].upper() + words[1:])[: Instrument._meta.get_field("name_en").max_length]


def form_name(instrument: Instrument) -> str:
    """The REDCap form an instrument exports as: its own form name, or one made from its key."""
    if instrument.redcap_form:
        return instrument.redcap_form
    name = re.sub(r"[^a-z0-9]+", "_", instrument.key.casefold()).strip("_")
    return name if name[:1].isalpha() else f"form_{name}"


# --- dictionary -> items ----------------------------------------------------------------------------------


def score_range(item: redcap.Field) -> tuple[float | None, float | None]:
    """The lowest and highest code of a radio or dropdown whose codes are all numbers; else no range."""
    if item.field_type not in ("radio", "dropdown") or not item.choices:
        return None, None
    try:
        codes = [Decimal(code) for code, _label in item.choices]
    except InvalidOperation:
        return None, None
    if not all(code.is_finite() for code in codes):
        return None, None
    return float(min(codes)), float(max(codes))


def _content(item: redcap.Field) -> str:
    if item.field_type == "calc":
        return item.calculation
    if item.field_type == "sql":
        return item.sql
    return item.ontology


def item_values(item: redcap.Field, position: int) -> dict[str, Any]:
    """The values of DICTIONARY_ITEM_FIELDS for one field of the dictionary."""
    low, high = score_range(item)
    return {
        "position": position,
        "field_type": item.field_type,
        "section_header": item.section_header,
        "label_en": item.label,
        "field_note": item.field_note,
        "choices": [[code, label, ""] for code, label in item.choices],
        "calculation": _content(item),
        "slider_labels": list(item.slider_labels) if item.field_type == "slider" else [],
        "validation": item.validation,
        "validation_min": item.validation_min,
        "validation_max": item.validation_max,
        "identifier": item.identifier,
        "branching_logic": item.branching_logic,
        "required": item.required,
        "custom_alignment": item.custom_alignment,
        "question_number": item.question_number,
        "matrix_group": item.matrix_group,
        "matrix_ranking": item.matrix_ranking,
        "annotation": item.annotation,
        "score_min": low,
        "score_max": high,
    }


def _keep_spanish(new_choices: list[list[str]], old_choices: Iterable[Any]) -> list[list[str]]:
    """The dictionary's choices with the Spanish labels the network gave the same codes before."""
    spanish = {str(choice[0]): choice[2] for choice in old_choices if len(choice) > 2 and choice[2]}
    return [[code, label, spanish.get(code, "")] for code, label, _es in new_choices]


def length_problems(dictionary: redcap.Dictionary) -> list[redcap.Problem]:
    """Values longer than the column Abrazo keeps them in: an error each, since cutting them would lose data."""
    problems: list[redcap.Problem] = []
    form_limit = _max_length(Instrument, "redcap_form")
    for form in dictionary.forms:
        if len(form.name) > form_limit:
            first = form.fields[0]
            problems.append(redcap.Problem(
                first.line, redcap.HUMAN_HEADER["form_name"], form.name,
                f"Abrazo keeps at most {form_limit} characters here.", "too_long",
            ))
    limits = [(attribute, column, _max_length(Item, attribute)) for attribute, column in _LIMITED]
    for item in dictionary.fields:
        values = {"key": item.name, "matrix_group": item.matrix_group, "field_type": item.field_type,
                  "validation": item.validation, "validation_min": item.validation_min,
                  "validation_max": item.validation_max, "custom_alignment": item.custom_alignment,
                  "question_number": item.question_number}
        for attribute, column, limit in limits:
            if len(values[attribute]) > limit:
                problems.append(redcap.Problem(
                    item.line, redcap.HUMAN_HEADER[column], values[attribute],
                    f"Abrazo keeps at most {limit} characters here.", "too_long",
                ))
    return problems


def check(dictionary: redcap.Dictionary) -> list[redcap.Problem]:
    """Every reason this dictionary cannot be imported, by line; empty when it can be."""
    problems = [*dictionary.errors, *length_problems(dictionary)]
    return sorted(problems, key=lambda problem: problem.line)


@transaction.atomic
def import_dictionary(
    *, actor: Any, network: Network, dictionary: redcap.Dictionary, replace: bool = False
) -> ImportResult:
    """Create or update one instrument per form of the dictionary, all or nothing (see the module's doc).

    `actor` is the person importing (checked for instrument.manage in the network), or None for the
    console command, whose operator is trusted like any other `manage.py` command.
    """
    if actor is not None:
        access.require(actor, PERMISSION, network)
    problems = check(dictionary)
    if problems:
        raise DictionaryRejected(problems)

    result = ImportResult(replace=replace)
    form_names = [form.name for form in dictionary.forms]
    existing = {
        instrument.redcap_form: instrument
        for instrument in Instrument.objects.select_for_update().filter(
            network=network, source=Source.REDCAP, redcap_form__in=form_names
        )
    }
    taken_keys = set(Instrument.objects.filter(network=network).values_list("key", flat=True))
    old_items: dict[Any, dict[str, Item]] = {}
    for item in Item.objects.filter(instrument__in=list(existing.values())).order_by("position"):
        old_items.setdefault(item.instrument_id, {})[item.key] = item

    now = timezone.now()
    to_create: list[Item] = []
    # Items to update, grouped by the fields that changed (in DICTIONARY_ITEM_FIELDS order), see below.
    to_update: dict[tuple[str, ...], list[Item]] = {}
    to_delete: list[Any] = []
    for form in dictionary.forms:
        instrument = existing.get(form.name)
        created = instrument is None
        if instrument is None:
            instrument = Instrument.objects.create(
                network=network, key=_free_key(instrument_key(form.name), taken_keys), name_en=humanised(form.name),
                level=DEFAULT_LEVEL, respondent=DEFAULT_RESPONDENT, languages=list(DEFAULT_LANGUAGES),
                source=Source.REDCAP, redcap_form=form.name,
            )
        previous = old_items.get(instrument.pk, {})
        counts = {"created": 0, "updated": 0}
        for position, dictionary_field in enumerate(form.fields, start=1):
            values = item_values(dictionary_field, position)
            old = previous.pop(dictionary_field.name, None)
            if old is None:
                to_create.append(Item(instrument=instrument, key=dictionary_field.name, **values))
                counts["created"] += 1
                continue
            values["choices"] = _keep_spanish(values["choices"], old.choices)
            changed = tuple(name for name, value in values.items() if getattr(old, name) != value)
            if changed:
                for name in changed:
                    setattr(old, name, values[name])
                old.updated_at = now
                to_update.setdefault(changed, []).append(old)
                counts["updated"] += 1
        leftovers = list(previous.values())  # in their old order
        if replace:
            to_delete.extend(item.pk for item in leftovers)
        else:
            for offset, item in enumerate(leftovers, start=len(form.fields) + 1):
                if item.position != offset:
                    item.position = offset
                    item.updated_at = now
                    to_update.setdefault(("position",), []).append(item)
        if not created and (counts["created"] or counts["updated"] or (replace and leftovers)):
            instrument.version += 1
            instrument.save(update_fields=["version", "updated_at"])
        result.forms.append(ImportedForm(
            form=form.name, instrument=instrument, created=created, fields=len(form.fields),
            items_created=counts["created"], items_updated=counts["updated"], items_removed=len(leftovers),
        ))

    if to_delete:
        Item.objects.filter(pk__in=to_delete).delete()
    if to_update:
        _write_changes(to_update, now)
    if to_create:
        Item.objects.bulk_create(to_create, batch_size=500)
    # One ledger line per import: the network, and the instruments created or changed.
    audit.record(
        user=actor, action=Action.CREATE if result.created else Action.UPDATE, object_type="measures.instrument",
        object_id=str(network.pk), object_ids=[instrument.pk for instrument in result.instruments],
    )
    return result


def _write_changes(changes: dict[tuple[str, ...], list[Item]], now: Any) -> None:
    """Write the changed fields of changed items: one bulk_update per set of changed fields, then one
    UPDATE (per batch) of updated_at, which is the same for every item.

    bulk_update builds a CASE WHEN per field and item, which Django compiles in Python at a cost that
    grows with fields x items: writing all 21 dictionary fields and updated_at of 474 items took seconds
    when only their labels had changed. So each item's own values go only into the fields that changed,
    and updated_at, a constant, goes without a CASE. Positions are unique only by convention, so the
    order of these writes does not matter.
    """
    for fields, items in changes.items():
        Item.objects.bulk_update(items, fields, batch_size=500)
    pks = [item.pk for items in changes.values() for item in items]
    batch = connection.ops.bulk_batch_size([Item._meta.pk], pks) or len(pks)
    for start in range(0, len(pks), batch):
        Item.objects.filter(pk__in=pks[start:start + batch]).update(updated_at=now)


def _free_key(key: str, taken: set[str]) -> str:
    """The key, or key-2, key-3... when the network already has an instrument by that short name."""
    limit = Instrument._meta.get_field("key").max_length or 64
    candidate, number = key, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = key[: limit - len(suffix)] + suffix
    taken.add(candidate)
    return candidate


# --- instruments -> dictionary ----------------------------------------------------------------------------


def item_field(item: Item, form: str) -> redcap.Field:
    """One item as the dictionary field it came from (or would be, for an instrument built in Abrazo)."""
    field_type = item.field_type
    if field_type in redcap.CHOICE_TYPES:
        choices = tuple((str(choice[0]), str(choice[1])) for choice in item.choices)
    else:
        choices = redcap.IMPLIED_CHOICES.get(field_type, ())
    labels = [*(str(label) for label in item.slider_labels), "", "", ""][:3] if field_type == "slider" else []
    return redcap.Field(
        line=0,
        name=item.key,
        form=form,
        field_type=field_type,
        label=item.label_en,
        section_header=item.section_header,
        choices=choices,
        calculation=item.calculation if field_type == "calc" else "",
        sql=item.calculation if field_type == "sql" else "",
        ontology=item.calculation if field_type == "text" else "",
        slider_labels=(labels[0], labels[1], labels[2]) if labels else ("", "", ""),
        field_note=item.field_note,
        validation=item.validation,
        validation_min=item.validation_min,
        validation_max=item.validation_max,
        identifier=item.identifier,
        branching_logic=item.branching_logic,
        required=item.required,
        custom_alignment=item.custom_alignment,
        question_number=item.question_number,
        matrix_group=item.matrix_group,
        matrix_ranking=item.matrix_ranking,
        annotation=item.annotation,
    )


def export_dictionary(instruments: Iterable[Instrument]) -> str:
    """A REDCap data dictionary (CSV text) of the instruments' items, one form per instrument, in order.

    The caller decides who may export which instruments; this only writes.
    """
    fields: list[redcap.Field] = []
    for instrument in instruments:
        form = form_name(instrument)
        items = instrument.items.all()  # prefetched by the caller when exporting many
        fields.extend(item_field(item, form) for item in sorted(items, key=lambda item: item.position))
    return redcap.write_dictionary(fields)
