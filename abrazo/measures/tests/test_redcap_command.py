"""`abrazo import-redcap` (module import_redcap): the JSON summary, exit status 2 with every error, networks."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from abrazo.directory.tests.factories import NetworkFactory
from abrazo.measures import redcap
from abrazo.measures.models import Instrument, Item

pytestmark = pytest.mark.django_db

# The instruments Abrazo ships (no network) are in every database; these tests look at networks' own.
OWN = Instrument.objects.filter(network__isnull=False)
OWN_ITEMS = Item.objects.filter(instrument__network__isnull=False)

FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "redcap"
if not FIXTURES.is_dir():
    FIXTURES = Path("/work/shared/fixtures/redcap")


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_redcap", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_prints_the_summary_and_imports_every_form():
    # given one network, when the API-header fixture (68 fields, 4 forms) is imported
    network = NetworkFactory(slug="golden")
    out, err = run(str(FIXTURES / "redcapapi_metadata_api_headers.csv"))
    # then the summary has exactly the documented shape and the counts of the file
    summary = json.loads(out)
    assert set(summary) == {"instruments", "warnings"}
    assert [set(form) for form in summary["instruments"]] == [{"form", "fields", "field_types"}] * 4
    assert [form["form"] for form in summary["instruments"]] == [
        "fieldtovar_datetimes", "randomization", "branching_logic", "data_import_export"]
    assert sum(form["fields"] for form in summary["instruments"]) == 68
    assert summary == json.loads(json.dumps(redcap.summary(
        redcap.read_dictionary((FIXTURES / "redcapapi_metadata_api_headers.csv").read_bytes()))))
    assert err == ""
    assert Instrument.objects.filter(network=network).count() == 4
    assert OWN_ITEMS.filter(instrument__network=network).count() == 68


def test_a_broken_dictionary_exits_2_lists_every_error_and_imports_nothing(tmp_path):
    NetworkFactory()
    text = (FIXTURES / "redcapr_simple_dictionary.csv").read_text()
    broken = tmp_path / "broken.csv"
    broken.write_text(text.replace("sex,demographics,,radio,", "sex,demographics,,radiobutton,")
                      .replace('"0, Female | 1, Male"', '"0 Female | 1, Male"')
                      .replace("height,health,,text", "Height,health,,text"))
    out, err = StringIO(), StringIO()
    # when it is imported
    with pytest.raises(CommandError) as failed:
        call_command("import_redcap", str(broken), stdout=out, stderr=err)
    # then the exit status is 2, each error names line, column and value on stderr, and nothing is written
    assert failed.value.returncode == 2
    lines = err.getvalue().splitlines()
    assert lines == [
        f'{broken}: line 10, column "Field Type", value "radiobutton": Unknown field type; expected one of '
        "calc, checkbox, descriptive, dropdown, file, notes, radio, slider, sql, text, truefalse, yesno.",
        f'{broken}: line 11, column "Variable / Field Name", value "Height": Field names use lower-case letters, '
        "digits and underscores, starting with a letter.",
    ]
    assert out.getvalue() == ""
    assert not OWN.exists()


def test_dry_run_checks_and_writes_nothing():
    NetworkFactory()
    NetworkFactory()
    out, _err = run(str(FIXTURES / "redcapr_simple_dictionary.csv"), "--dry-run")
    assert [form["fields"] for form in json.loads(out)["instruments"]] == [9, 5, 2]
    assert not OWN.exists()


def test_network_is_required_when_there_are_several():
    NetworkFactory(slug="golden")
    other = NetworkFactory(slug="other")
    with pytest.raises(CommandError, match=r"more than one network.*golden, other"):
        run(str(FIXTURES / "redcapr_simple_dictionary.csv"))
    with pytest.raises(CommandError, match="No network with the short name 'nowhere'"):
        run(str(FIXTURES / "redcapr_simple_dictionary.csv"), "--network", "nowhere")
    run(str(FIXTURES / "redcapr_simple_dictionary.csv"), "--network", "other")
    assert set(OWN.values_list("network", flat=True)) == {other.pk}


def test_importing_again_updates_and_replace_deletes(tmp_path):
    NetworkFactory()
    path = FIXTURES / "redcapr_simple_dictionary.csv"
    run(str(path))
    shorter = tmp_path / "shorter.csv"
    shorter.write_text("".join(line for line in path.read_text().splitlines(keepends=True)
                               if not line.startswith("mugshot,")))
    run(str(shorter))
    assert OWN.count() == 3 and OWN_ITEMS.count() == 16
    run(str(shorter), "--replace")
    assert OWN_ITEMS.count() == 15 and not OWN_ITEMS.filter(key="mugshot").exists()


def test_a_missing_file_exits_2():
    with pytest.raises(CommandError) as failed:
        run("/nonexistent/dictionary.csv")
    assert failed.value.returncode == 2
