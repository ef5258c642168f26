"""The import pages over HTTP: upload, preview with every error, confirm once, result; scope and language."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from abrazo.audit.models import AccessEvent
from abrazo.core import tabular
from abrazo.incidents import imports
from abrazo.incidents.models import Child, Exclusion, Incident

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "files"


@pytest.fixture(autouse=True)
def followups(monkeypatch):
    calls: dict[str, list] = {"evaluated": [], "refreshed": []}
    monkeypatch.setattr("abrazo.incidents.warnings.evaluate_child", lambda child: calls["evaluated"].append(child.pk))
    monkeypatch.setattr("abrazo.equity.rollup.schedule_refresh", lambda ids: calls["refreshed"].append(sorted(ids)))
    return calls


@pytest.fixture
def staff_client(client, world):
    client.force_login(world.people["program_staff"])
    return client


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else (FILES / name).read_bytes())


def url(name: str, program) -> str:
    return reverse(f"incidents:{name}", args=[program.pk])


def token_of(response) -> str:
    match = re.search(r"[?&]token=([\w-]+)", response["Location"])
    assert match, response["Location"]
    return match[1]


def count(body: str, name: str) -> int:
    match = re.search(rf'data-count="{name}">(\d+)<', body)
    assert match, f"no {name} count on the page"
    return int(match[1])


class TestRosterJourney:
    def test_upload_preview_confirm_result(self, staff_client, world):
        # given the roster page of the staff member's program
        page = staff_client.get(url("import-roster", world.program_a))
        assert page.status_code == 200
        body = page.content.decode()
        assert reverse("incidents:import-roster-template") in body
        assert "<caption" in body and 'scope="col"' in body
        # when they upload a clean file
        sent = staff_client.post(url("import-roster", world.program_a), {"file": upload("roster_bom.csv")})
        # then they are sent to the preview, which says what will happen, and nothing is written yet
        assert sent.status_code == 302
        token = token_of(sent)
        preview = staff_client.get(sent["Location"]).content.decode()
        assert (count(preview, "new"), count(preview, "updated"), count(preview, "unchanged")) == (4, 0, 0)
        assert "Confirm the import" in preview
        assert token in preview
        assert Child.objects.count() == 0
        # when they confirm
        confirmed = staff_client.post(url("import-roster-confirm", world.program_a), {"token": token})
        # then the children are imported and the result page shows the counts
        assert confirmed.status_code == 302
        result = staff_client.get(confirmed["Location"]).content.decode()
        assert "Import finished" in result and count(result, "new") == 4
        assert Child.objects.filter(program=world.program_a).count() == 4

    def test_confirming_twice_imports_once(self, staff_client, world):
        token = token_of(staff_client.post(url("import-roster", world.program_a), {"file": upload("roster_bom.csv")}))
        for _ in range(2):
            response = staff_client.post(url("import-roster-confirm", world.program_a), {"token": token})
            assert response.status_code == 302
        assert Child.objects.count() == 4
        assert AccessEvent.objects.filter(object_type="incidents.child").count() == 1

    def test_every_error_is_listed_by_line_and_column_and_nothing_is_staged(self, staff_client, world):
        # given a roster with two bad lines
        content = (
            b"child_id,race_ethnicity,gender,enrolled_from\n"
            b"K-1,white,girl,2024-09-01\n"
            b"K-2,purple,girl,2024-09-01\n"
            b"K-3,white,girl,yesterday\n"
        )
        # when it is uploaded
        response = staff_client.post(url("import-roster", world.program_a), {"file": upload("r.csv", content)})
        # then the page lists both, with line, column, value and message, and offers no confirmation
        assert response.status_code == 200
        body = response.content.decode()
        rows = re.findall(r'<th scope="row">(\d+)</th>\s*<td><code>(\w+)</code></td>\s*<td><code>([^<]*)</code>', body)
        assert rows == [("3", "race_ethnicity", "purple"), ("4", "enrolled_from", "yesterday")]
        assert "The file has 2 problems; nothing was imported." in body
        assert "This is not a date we can read" in body
        assert "Confirm the import" not in body
        assert Child.objects.count() == 0

    def test_missing_columns_are_named(self, staff_client, world):
        response = staff_client.post(url("import-roster", world.program_a),
                                     {"file": upload("r.csv", b"child_id,gender\nK-1,girl\n")})
        assert "The file is missing these columns: race_ethnicity, enrolled_from." in response.content.decode()

    def test_an_unreadable_file_is_refused_on_the_form(self, staff_client, world):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
        response = staff_client.post(url("import-roster", world.program_a),
                                     {"file": upload("bomb.xlsx", buffer.getvalue())})
        assert response.status_code == 200
        assert "unpacks to far more data than it holds" in response.content.decode()
        wrong = staff_client.post(url("import-roster", world.program_a), {"file": upload("notes.pdf", b"%PDF")})
        assert "Choose a CSV or XLSX file." in wrong.content.decode()

    def test_someone_elses_or_a_made_up_token_finds_nothing(self, client, world):
        client.force_login(world.people["program_staff"])
        token = token_of(client.post(url("import-roster", world.program_a), {"file": upload("roster_bom.csv")}))
        # when the administrator (who may import at program A) tries the staff member's token
        client.force_login(world.people["network_admin"])
        stolen = client.post(url("import-roster-confirm", world.program_a), {"token": token})
        forged = client.post(url("import-roster-confirm", world.program_a), {"token": "x" * 32})
        # then there is nothing to import, and nothing was
        for response in (stolen, forged):
            assert response.status_code == 200
            assert "There is no checked file waiting here" in response.content.decode()
        assert Child.objects.count() == 0
        # and the token for the roster is no use on the incidents page either
        client.force_login(world.people["program_staff"])
        other_kind = client.get(url("import-incidents-confirm", world.program_a), {"token": token})
        assert "There is no checked file waiting here" in other_kind.content.decode()


class TestIncidentJourney:
    def test_a_birs_file_is_imported_with_its_exclusions(self, staff_client, world, followups):
        roster = staff_client.post(url("import-roster", world.program_a), {"file": upload("roster_bom.csv")})
        staff_client.post(url("import-roster-confirm", world.program_a), {"token": token_of(roster)})
        sent = staff_client.post(url("import-incidents", world.program_a), {"file": upload("incidents.csv")})
        preview = staff_client.get(sent["Location"]).content.decode()
        assert (count(preview, "new"), count(preview, "exclusions")) == (4, 3)
        staff_client.post(url("import-incidents-confirm", world.program_a), {"token": token_of(sent)})
        assert Incident.objects.count() == 4 and Exclusion.objects.count() == 3
        assert len(followups["refreshed"]) == 2  # once for the roster, once for the incidents


class TestAccess:
    @pytest.mark.parametrize("role", ["consultant", "supervisor", "evaluator"])
    def test_roles_without_the_permission_find_no_page(self, client, world, role):
        client.force_login(world.people[role])
        assert client.get(url("import-roster", world.program_a)).status_code == 404
        assert client.get(reverse("incidents:import-incidents-template")).status_code == 404

    def test_a_program_outside_the_scope_does_not_exist(self, staff_client, world):
        for name in ("import-roster", "import-incidents", "import-roster-confirm", "import-incidents-confirm"):
            assert staff_client.get(url(name, world.program_b)).status_code == 404
        response = staff_client.post(url("import-roster", world.program_b), {"file": upload("roster_bom.csv")})
        assert response.status_code == 404
        assert Child.objects.count() == 0

    def test_the_coordinator_imports_for_programs_of_their_region(self, client, world):
        client.force_login(world.people["regional_coordinator"])
        assert client.get(url("import-incidents", world.program_a)).status_code == 200
        assert client.get(url("import-incidents", world.program_b)).status_code == 404


class TestTemplates:
    @pytest.mark.parametrize("kind", ["roster", "incidents"])
    def test_the_template_reads_back_as_a_clean_header_with_one_example(self, staff_client, kind):
        # when the template is downloaded
        response = staff_client.get(reverse(f"incidents:import-{kind}-template"))
        # then it is a CSV attachment with a BOM (for Excel), the columns and one example row
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="abrazo-{kind}-template.csv"'
        assert response.content.startswith(b"\xef\xbb\xbf")
        table = tabular.read_table(io.BytesIO(response.content), filename="template.csv")
        columns, example = imports.template_rows(imports.ImportKind(kind))
        assert table.columns == list(columns)
        assert [table.rows[0][name] for name in columns] == list(example)


class TestLanguage:
    def test_a_spanish_speaker_reads_the_errors_in_spanish(self, client, world):
        # given a Spanish-speaking staff member, and the message an unknown gender gives
        person = world.people["program_staff"]
        person.preferred_language = "es"
        person.save()
        client.force_login(person)
        message = "Unknown gender. Use girl, boy, another, or leave it blank."
        catalogue = translation.trans_real.translation("es")
        spanish = catalogue.gettext(message)
        injected = spanish == message
        if injected:  # the catalogue has no translation yet: show that the page asks it for one
            spanish = "Género desconocido: use niña, niño, otro, o déjelo en blanco."
            catalogue._catalog._catalogs[0][message] = spanish
        try:
            content = b"child_id,race_ethnicity,gender,enrolled_from\nK-1,white,robot,2024-09-01\n"
            # when they upload a file with an unknown gender
            response = client.post(url("import-roster", world.program_a), {"file": upload("r.csv", content)})
            # then the problem is explained in Spanish
            body = response.content.decode()
            assert response["Content-Language"] == "es"
            assert spanish.replace("ñ", "&ntilde;") in body or spanish in body
            assert message not in body
        finally:
            if injected:
                del catalogue._catalog._catalogs[0][message]
