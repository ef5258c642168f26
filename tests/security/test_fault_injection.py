"""Fault injection: a multi-step write that fails at a late step leaves no partial rows and sends no email.

Each case below is one multi-step service, a way to call it on fresh data, and the late step where a
failure is injected. The injected step runs for real first (its writes happen) and then raises, so
everything written before it and by it must be rolled back together. After the failure:

- every table of every model, and the database cache that holds one-time submission keys, has the row
  count it had before the call;
- nothing is in the mail outbox, and no after-commit callback (the only way these services queue an
  email or a rollup) survived the rollback.

Every case also runs once without the fault (the control), which must change some row count and, where the
service sends mail, put a message in the outbox: so a case whose call or injection point silently stopped
doing anything fails instead of passing on an empty world.

The test database wraps each test in a transaction, so the service's own atomic block is a savepoint here;
`django_capture_on_commit_callbacks` collects what would run at the real commit (the ImmediateBackend
runs a queued task at once, so a task queued before commit would show up in the outbox immediately).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps
from typing import Any

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.utils import timezone

from abrazo.consultations import services as consultations
from abrazo.consultations.models import ActivityType, ClosureReason, ConsentRelationship, EpisodeType, Modality
from abrazo.directory.models import ConsultantProfile, Language
from abrazo.directory.tests.factories import county
from abrazo.incidents import birs, warnings
from abrazo.incidents import services as incidents
from abrazo.incidents.tests.factories import ChildFactory, IncidentFactory
from abrazo.intake import services as intake
from abrazo.intake.tests.factories import RequestFactory
from abrazo.library import plan_services, resource_services
from abrazo.library.tests.factories_plan import PlanResourceFactory, plan_world
from abrazo.library.tests.factories_resource import ResourceFactory
from abrazo.workforce import cohort_services
from abrazo.workforce.selectors import workforce_settings_for
from abrazo.workforce.tests.factories_cohort import ParticipantFactory, attend_everything, cohort_with_sessions
from tests.security.builders import an_episode, incident_data, request_data

pytestmark = pytest.mark.django_db


class InjectedFault(RuntimeError):
    """The failure put into a service's late step by these tests."""


def row_counts() -> dict[str, int]:
    """Rows in every model's table, plus the cache table (one-time submission keys are claimed there)."""
    counts = {model._meta.label: model._default_manager.count() for model in apps.get_models()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM abrazo_cache")
        counts["cache"] = cursor.fetchone()[0]
    return counts


def changed_tables(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def run_then_fail(original: Callable[..., Any], when: Callable[..., bool] = lambda *a, **k: True) -> Callable[..., Any]:
    """The step does its work, then fails (when `when` says so): the worst moment for a partial write."""

    @wraps(original)
    def injected(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if when(*args, **kwargs):
            raise InjectedFault("injected after the step's own writes")
        return result

    return injected


def audited(model_name: str) -> Callable[..., bool]:
    """For a fault in `audit.record_change`: only on the call that audits this kind of object (the last one)."""
    return lambda *args, **kwargs: type(kwargs["obj"]).__name__ == model_name


@dataclass(frozen=True)
class Case:
    name: str
    prepare: Callable[[Any], Callable[[], Any]]  # given the world, build the data; return the call
    target: tuple[Any, str]  # (module, attribute) of the late step
    when: Callable[..., bool] = lambda *a, **k: True
    sends_mail: bool = False


@dataclass(frozen=True)
class Update:
    """A prepared call that changes an existing row: row counts cannot show its rollback, so `columns` reads
    the changed columns' stored values, compared before and after."""

    call: Callable[[], Any]
    columns: Callable[[], Any]


def _split(prepared: Callable[[], Any] | Update) -> tuple[Callable[[], Any], Callable[[], Any]]:
    if isinstance(prepared, Update):
        return prepared.call, prepared.columns
    return prepared, lambda: None


# --- How each service is called ---------------------------------------------------------------------------


def _request_submit(world: Any) -> Callable[[], Any]:
    data, key = request_data(), uuid.uuid4()  # the one-time key is claimed in the cache table: it must be released too
    return lambda: intake.request_submit(network=world.network, data=data, submission_key=key)


def _request_assign(world: Any) -> Callable[[], Any]:
    request = RequestFactory(network=world.network, region=world.region_a, program=world.program_a)
    consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    return lambda: intake.request_assign(
        actor=world.people["regional_coordinator"],
        request=request,
        consultant=consultant,
        episode_type=EpisodeType.CLASSROOM,
        override_reason="Knows this director.",
    )


def _episode_open(world: Any) -> Callable[[], Any]:
    consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    return lambda: consultations.episode_open(
        actor=world.people["regional_coordinator"],
        consultant=consultant,
        program=world.program_a,
        episode_type=EpisodeType.CLASSROOM,
    )


def _episode_close(world: Any) -> Callable[[], Any]:
    episode = an_episode(world, days_open=10)
    return lambda: consultations.episode_close(
        actor=world.people["consultant"],
        episode=episode,
        reason=ClosureReason.GOALS_MET,
        closed_successfully=True,
        maintained_in_setting=None,
        expected_version=episode.version,
    )


def _consent_record(world: Any) -> Callable[[], Any]:
    episode = an_episode(world, days_open=10)
    return lambda: consultations.consent_record(
        actor=world.people["consultant"],
        episode=episode,
        given_by_name="Rosa Martínez",
        relationship=ConsentRelationship.values[0],
        given_on=timezone.localdate(),
        scope="Observation",
    )


def _consent_with_form(world: Any) -> Callable[[], Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    episode = an_episode(world, days_open=10)
    scanned = SimpleUploadedFile(
        "Maria Lopez consent.pdf", b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n", content_type="application/pdf"
    )
    return lambda: consultations.consent_record(
        actor=world.people["consultant"],
        episode=episode,
        given_by_name="Rosa Martínez",
        relationship=ConsentRelationship.values[0],
        given_on=timezone.localdate(),
        scope="Observation",
        form=scanned,
    )


def _contact_log(world: Any) -> Callable[[], Any]:
    episode = an_episode(world, days_open=10)
    return lambda: consultations.contact_log(
        actor=world.people["consultant"],
        episode=episode,
        contact_date=timezone.localdate(),
        minutes=45,
        modality=Modality.values[0],
        activity_type=ActivityType.values[0],
        language=Language.objects.get(code="en"),
        notes="Talked through the morning routine.",
    )


def _incident_record(world: Any) -> Callable[[], Any]:
    # two earlier incidents, so this one (a child sent home) raises an early warning in the same transaction
    child = ChildFactory(program=world.program_a, code="SUN-017")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    IncidentFactory(child=child, occurred_on=yesterday)
    data = incident_data(child, occurred_on=yesterday, admin_follow_up=birs.AdminFollowUp.SENT_HOME_REST_OF_DAY)
    return lambda: incidents.incident_record(actor=world.people["program_staff"], program=world.program_a, data=data)


def _warning_request(world: Any) -> Callable[[], Any]:
    child = ChildFactory(program=world.program_a, code="SUN-018")
    today = timezone.localdate()
    IncidentFactory(child=child, occurred_on=today - dt.timedelta(days=2))
    IncidentFactory(child=child, occurred_on=today - dt.timedelta(days=1), oss=True)
    warning = warnings.evaluate_child(child)
    assert warning is not None, "a child sent home raises a warning"
    return lambda: warnings.warning_request_consultation(actor=world.people["program_staff"], warning=warning)


def _participant_complete(world: Any) -> Callable[[], Any]:
    cohort = cohort_with_sessions(network=world.network, sessions=1, assignments=0)
    person = ParticipantFactory(cohort=cohort)
    attend_everything(person)
    workforce_settings_for(world.network)
    return lambda: cohort_services.participant_complete(actor=world.people["network_admin"], participant=person)


def _resource_share(world: Any) -> Callable[[], Any]:
    plans = plan_world(world)
    link = PlanResourceFactory(plan=plans.episode.action_plan, resource=plans.english)
    return lambda: plan_services.resource_share_send(
        actor=plans.person("consultant"),
        link=link,
        recipient_name="Rosa Martínez",
        recipient_email="rosa@example.org",
        language="en",
        message="What we talked about.",
        submission_key=None,
    )


def _resource_publish(world: Any) -> Callable[[], Any]:
    # a suggestion from the public form, whose sender is told by email once it is published
    suggestion = ResourceFactory(network=world.network, suggested=True, summary="Ideas for calm goodbyes.")
    return lambda: resource_services.resource_approve(
        actor=world.people["network_admin"], resource=suggestion, expected_version=suggestion.version
    )


def _an_instrument(world: Any) -> Any:
    from abrazo.measures.tests.factories import InstrumentFactory, ItemFactory

    instrument = InstrumentFactory(network=world.network, name_en="Teacher stress", languages=["en"])
    ItemFactory(instrument=instrument, key="stress", required=True)
    return instrument


def _administration_schedule(world: Any) -> Callable[[], Any]:
    from abrazo.measures import administrations as measures

    episode, instrument = an_episode(world, days_open=10), _an_instrument(world)
    return lambda: measures.administration_schedule(
        actor=world.people["consultant"], episode=episode, instrument=instrument, timepoint="pre"
    )


def _administration_answers(world: Any) -> Update:
    from abrazo.measures import administrations as measures
    from abrazo.measures.models import Administration
    from abrazo.measures.tests.factories import AdministrationFactory

    administration = AdministrationFactory(episode=an_episode(world, days_open=10), instrument=_an_instrument(world))
    return Update(
        lambda: measures.administration_record_answers(
            actor=world.people["consultant"],
            administration=administration,
            answers={"stress": "3"},
            language="en",
            source="form",
            respondent_consent=True,
        ),
        lambda: Administration.objects.filter(pk=administration.pk).values("answers", "status", "version").get(),
    )


def _cohort_for_applications(world: Any) -> Any:
    from abrazo.workforce.tests.factories_application import CohortFactory

    return CohortFactory(network=world.network, region=world.region_a)


def _application_submit(world: Any) -> Callable[[], Any]:
    from abrazo.workforce import application_services

    cohort = _cohort_for_applications(world)
    data = application_services.ApplicationData(
        given_name="Lucía",
        family_name="Hernández",
        email="lucia@example.org",
        county=county("06037"),
        motivation="Quiero acompañar a las maestras.",
        current_role="Teacher",
        languages=list(Language.objects.filter(code__in=["en", "es"])),
    )
    return lambda: application_services.application_submit(
        cohort=cohort, data=data, language="es", submission_token="form-1"
    )


def _application_review(world: Any) -> Update:
    from abrazo.workforce import application_services
    from abrazo.workforce.models import Application
    from abrazo.workforce.tests.factories_application import ApplicationFactory

    application = ApplicationFactory(cohort=_cohort_for_applications(world))
    return Update(
        lambda: application_services.application_review(
            actor=world.people["network_admin"],
            application=application,
            status="accepted",
            score=85,
            notes="Strong references.",
            expected_version=application.version,
        ),
        lambda: (
            Application.objects.filter(pk=application.pk)
            .values("status", "review_score", "review_notes", "decided_at", "version")
            .get()
        ),
    )


def _application_enrol(world: Any) -> Callable[[], Any]:
    from abrazo.workforce import application_services
    from abrazo.workforce.tests.factories_application import ApplicationFactory

    application = ApplicationFactory(cohort=_cohort_for_applications(world), status="accepted")
    application.languages.set(["en", "es"])
    return lambda: application_services.application_enrol(actor=world.people["network_admin"], application=application)


def _a_group(world: Any) -> Any:
    from abrazo.consultations.tests.group_factories import GroupFactory

    return GroupFactory(facilitator=ConsultantProfile.objects.get(user=world.people["consultant"]))


def _group_member_add(world: Any) -> Callable[[], Any]:
    group = _a_group(world)
    return lambda: consultations.group_member_add(
        actor=world.people["consultant"], group=group, name="Rosa Martínez", role="teacher"
    )


def _group_session_log(world: Any) -> Callable[[], Any]:
    from abrazo.consultations.tests.group_factories import GroupMemberFactory

    group = _a_group(world)
    present, absent = GroupMemberFactory(group=group), GroupMemberFactory(group=group)
    assert absent.pk != present.pk
    return lambda: consultations.group_session_log(
        actor=world.people["consultant"],
        group=group,
        date=timezone.localdate(),
        minutes=90,
        modality=Modality.values[0],
        present=[present.pk],
    )


def _goal_add(world: Any) -> Callable[[], Any]:
    episode = an_episode(world, days_open=10)
    return lambda: consultations.goal_add(
        actor=world.people["consultant"], episode=episode, description="Calm goodbyes at drop-off."
    )


def _goal_rate(world: Any) -> Update:
    from abrazo.consultations.models import Goal
    from abrazo.consultations.tests.factories import ActionPlanFactory, GoalFactory

    goal = GoalFactory(plan=ActionPlanFactory(episode=an_episode(world, days_open=10)))
    return Update(
        lambda: consultations.goal_rate(
            actor=world.people["consultant"],
            goal=Goal.objects.get(pk=goal.pk),
            attainment=3,
            expected_version=goal.version,
        ),
        lambda: Goal.objects.filter(pk=goal.pk).values("attainment", "rated_at", "version").get(),
    )


def _export_queued(world: Any) -> Callable[[], Any]:
    from django.test import override_settings

    from abrazo.reports import export_service

    RequestFactory(network=world.network, region=world.region_a, program=world.program_a)

    def call() -> Any:
        with override_settings(ABRAZO_EXPORT_QUEUE_ROWS=0):  # any export is large: it is queued as a file
            return export_service.export_start(
                user=world.people["network_admin"], kind_key="requests", file_format="csv"
            )

    return call


def _resource_edit_with_file(world: Any) -> Update:
    # a curator replaces a resource's link with an uploaded PDF: the file is stored before the row is saved
    from abrazo.library.models import Resource
    from abrazo.library.tests.factories_curation import pdf_upload

    resource = ResourceFactory(network=world.network, title="Goodbyes at drop-off")
    data = resource_services.ResourceData(
        title="Goodbyes at drop-off (printable)",
        summary="A one-page guide for teachers.",
        kind="tip_sheet",
        language="en",
        audiences=("families",),
        url="",
        age_from_months=12,
        age_to_months=36,
    )
    return Update(
        lambda: resource_services.resource_edit(
            actor=world.people["network_admin"],
            resource=resource,
            data=data,
            expected_version=resource.version,
            upload=pdf_upload(),
        ),
        lambda: Resource.objects.filter(pk=resource.pk).values("title", "file", "url", "version").get(),
    )


def _audit() -> Any:
    from abrazo.audit import services as audit

    return audit


CASES = [
    Case("intake request submission", _request_submit, (intake, "remember_submission"), sends_mail=True),
    Case("request assignment (opens the episode)", _request_assign, (intake, "_save"), sends_mail=True),
    Case("episode open", _episode_open, (_audit(), "record_change"), audited("Episode"), sends_mail=True),
    Case(
        "episode close (closure, follow-up, measures due)",
        _episode_close,
        (_audit(), "record_change"),
        audited("Episode"),
    ),
    Case("consent record", _consent_record, (_audit(), "record_change"), audited("Consent")),
    Case("consent record with the signed form", _consent_with_form, (_audit(), "record_change"), audited("Consent")),
    Case("contact log", _contact_log, (_audit(), "record_change"), audited("Contact")),
    Case("incident report with the early warning", _incident_record, (incidents.early_warning, "evaluate_child")),
    Case(
        "early warning to a request for consultation",
        _warning_request,
        (_audit(), "record_change"),
        audited("EarlyWarning"),
        sends_mail=True,
    ),
    Case(
        "workforce completion and certificate",
        _participant_complete,
        (_audit(), "record_change"),
        audited("Participant"),
        sends_mail=True,
    ),
    Case(
        "library suggestion published (sender told, search index)",
        _resource_publish,
        (resource_services, "_index_after_commit"),
        sends_mail=True,
    ),
    Case(
        "library resource shared by email",
        _resource_share,
        (_audit(), "record_change"),
        audited("ResourceShare"),
        sends_mail=True,
    ),
    Case(
        "library resource edited with a new PDF (an update, the file stored first)",
        _resource_edit_with_file,
        (_audit(), "record_change"),
        audited("Resource"),
    ),
    Case(
        "measures administration scheduled",
        _administration_schedule,
        (_audit(), "record_change"),
        audited("Administration"),
    ),
    Case(
        "measures answers recorded and scored (an update)",
        _administration_answers,
        (_audit(), "record_change"),
        audited("Administration"),
    ),
    Case(
        "workforce public application (acknowledged by email)",
        _application_submit,
        (_audit(), "record"),
        lambda *args, **kwargs: kwargs.get("object_type") == "workforce.application",
        sends_mail=True,
    ),
    Case(
        "workforce application review, a decision (an update, emailed)",
        _application_review,
        (_audit(), "record_change"),
        audited("Application"),
        sends_mail=True,
    ),
    Case("workforce applicant enrolled", _application_enrol, (_audit(), "record_change"), audited("Participant")),
    Case("group member added", _group_member_add, (_audit(), "record_change"), audited("GroupMember")),
    Case(
        "group session with its attendance",
        _group_session_log,
        (_audit(), "record_change"),
        audited("GroupSession"),
    ),
    Case("goal added (and its action plan)", _goal_add, (_audit(), "record_change"), audited("Goal")),
    Case("goal rated (an update)", _goal_rate, (_audit(), "record_change"), audited("Goal")),
    Case(
        "export queued as a file (built and told by email)",
        _export_queued,
        (_audit(), "record"),
        lambda *args, **kwargs: kwargs.get("action") == "export",
        sends_mail=True,
    ),
]


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root: Any) -> list[str]:
    """Files on disk under MEDIA_ROOT: a signed consent form left behind by a rolled-back record is child data
    that no row points to any more."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_late_failure_leaves_no_rows_and_sends_no_mail(
    case: Case, world, monkeypatch, media_root, django_capture_on_commit_callbacks
):
    call, columns = _split(case.prepare(world))
    module, attribute = case.target
    monkeypatch.setattr(module, attribute, run_then_fail(getattr(module, attribute), case.when))
    before, files_before, columns_before = row_counts(), stored_files(media_root), columns()
    mail.outbox.clear()
    # when the service fails at its late step
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(InjectedFault):
        call()
    # then no table gained or lost a row, no mail went out and nothing waits to be sent at commit
    assert changed_tables(before, row_counts()) == {}
    assert columns() == columns_before  # an update's changed columns hold their old values
    assert mail.outbox == []
    assert callbacks == []
    # and no stored file outlived its row
    assert stored_files(media_root) == files_before


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_same_call_without_the_fault_writes_and_mails(
    case: Case, world, monkeypatch, django_capture_on_commit_callbacks
):
    # The control: the injection point is really on the path (it is reached), and the call really writes.
    call, columns = _split(case.prepare(world))
    module, attribute = case.target
    reached: list[bool] = []
    original = getattr(module, attribute)

    def watched(*args: Any, **kwargs: Any) -> Any:
        if case.when(*args, **kwargs):
            reached.append(True)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, attribute, watched)
    before, columns_before = row_counts(), columns()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call()
    assert reached, f"the fault point {attribute} is not on the path of {case.name}"
    assert changed_tables(before, row_counts()) != {}
    # and an update really changed the columns its fault case compares
    assert columns_before is None or columns() != columns_before
    assert bool(mail.outbox) == case.sends_mail


def test_an_assignment_failing_after_the_episode_opened_takes_the_episode_back(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    # A worked example of the nested case: request_assign calls episode_open (its own atomic block, which
    # queues the consultant's email), then fails while saving the request. The episode and its email go too.
    from abrazo.consultations.models import Episode

    call = _request_assign(world)
    monkeypatch.setattr(intake, "_save", run_then_fail(intake._save))
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(InjectedFault):
        call()
    assert (Episode.objects.count(), mail.outbox, callbacks) == (0, [], [])


def test_the_exclusion_of_a_child_sent_home_is_not_left_behind(world, monkeypatch, django_capture_on_commit_callbacks):
    # An incident that sends a child home writes an exclusion (days lost) before the early warning runs;
    # a failure in the warning takes the exclusion back with the incident.
    from abrazo.incidents.models import EarlyWarning, Exclusion, Incident

    call = _incident_record(world)
    before = (Incident.objects.count(), Exclusion.objects.count())
    monkeypatch.setattr(
        incidents.early_warning, "evaluate_child", run_then_fail(incidents.early_warning.evaluate_child)
    )
    with pytest.raises(InjectedFault):
        call()
    assert (Incident.objects.count(), Exclusion.objects.count()) == before
    # and the same report, once the fault is gone, does write the exclusion and the warning
    monkeypatch.undo()
    call()
    assert (Incident.objects.count(), Exclusion.objects.count()) == (before[0] + 1, before[1] + 1)
    assert Exclusion.objects.get(incident__isnull=False, days_lost__gt=Decimal("0")).incident.child.code == "SUN-017"
    assert EarlyWarning.objects.filter(child__code="SUN-017").count() == 1


def test_a_resource_edit_failing_after_its_new_pdf_was_stored_deletes_the_pdf(world, monkeypatch, media_root):
    # A worked example of the file half: the failed edit leaves no PDF on disk, the same edit without the
    # fault leaves exactly one, which the resource points to.
    call, _columns = _split(_resource_edit_with_file(world))
    monkeypatch.setattr(_audit(), "record_change", run_then_fail(_audit().record_change, audited("Resource")))
    with pytest.raises(InjectedFault):
        call()
    assert stored_files(media_root) == []
    monkeypatch.undo()
    edited = call()
    assert stored_files(media_root) == [edited.file.name]
