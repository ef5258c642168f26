"""accounts.access: deny by default, the tenant boundary, unions of memberships, and a policy table whose
every grant actually reaches something."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from abrazo.accounts import access
from abrazo.accounts.access import POLICY, SCOPE_PATHS
from abrazo.accounts.models import Membership, Role
from abrazo.accounts.tests.factories import UserFactory
from abrazo.audit.models import AccessEvent, Outcome
from abrazo.directory.models import Program

# permission -> the models it is checked against (by selectors, services and views). A permission added
# to POLICY needs a line here, so that the test below can prove each of its grants reaches something.
CHECKED_AGAINST: dict[str, tuple[str, ...]] = {
    "cohort.view": ("workforce.cohort",),
    "cohort.manage": ("workforce.cohort", "workforce.participant"),
    "application.review": ("workforce.application", "workforce.cohort"),
    "participant.view": ("workforce.participant",),
    "competency.manage": ("workforce.competencydomain",),
    "competency.view": ("workforce.competencyassessment",),
    "competency.assess": ("workforce.competencyassessment",),
    "supervision.view": ("workforce.supervisionlog",),
    "supervision.log": ("workforce.supervisionlog",),
    "supervision.sign_off": ("workforce.supervisionlog",),
    "workforce.report": ("workforce.cohort",),
    "workforce.report_unsuppressed": ("workforce.cohort",),
    "feedback.view": ("measures.administration", "workforce.cohort", "consultations.group", "directory.region"),
    "feedback.curate": ("workforce.voice", "measures.administration"),
    "resource.curate": ("library.resource",),
    "site.edit": ("library.page", "library.topic"),
    "region.view": ("directory.region",),
    "region.edit": ("directory.region",),
    "agency.view": ("directory.agency",),
    "agency.create": ("directory.agency",),
    "agency.edit": ("directory.agency",),
    "program.view": ("directory.program",),
    "program.create": ("directory.region",),  # the region the new program would belong to
    "program.edit": ("directory.program",),
    "classroom.view": ("directory.classroom",),
    "classroom.edit": ("directory.program", "directory.classroom"),  # a new one is checked on its program
    "staff.view": ("directory.programstaff",),
    "staff.edit": ("directory.program", "directory.programstaff"),
    "consultant.view": ("directory.consultantprofile",),
    "consultant.create": ("directory.region",),
    "team.view": ("directory.consultantprofile",),
    "consultant.edit": ("directory.consultantprofile",),
    "report.view": ("consultations.episode", "intake.request"),
    "report.view_suppressed": ("consultations.episode", "intake.request"),
    "export.download": ("consultations.episode", "intake.request", "directory.program"),
    "directory.import": ("directory.region", "directory.program"),
    "api.token": ("directory.network",),
    "api.token_admin": ("directory.network",),
    "audit.view": ("audit.accessevent",),
    "request.view": ("intake.request",),
    "request.triage": ("intake.request",),
    "episode.view": ("consultations.episode",),
    "episode.work": ("consultations.episode",),
    "episode.manage": ("consultations.episode",),
    "episode.consent_exception": ("consultations.episode",),
    "episode.notes": ("consultations.episode",),
    "group.view": ("consultations.group",),
    "group.manage": ("consultations.group",),
    "brief.view": ("consultations.briefcontact",),
    "brief.log": ("consultations.briefcontact",),
    "group.notes": ("consultations.group",),
    "brief.notes": ("consultations.briefcontact",),
    "network.configure": ("directory.network",),
    "child.view": ("incidents.child", "incidents.enrollment"),
    "child.edit": ("directory.program", "incidents.child", "incidents.enrollment"),
    "incident.view": ("incidents.incident", "incidents.exclusion"),
    "incident.record": ("directory.program", "incidents.incident", "incidents.exclusion"),
    "incident.import": ("directory.program",),
    "warning.view": ("incidents.earlywarning",),
    "warning.act": ("incidents.earlywarning",),
    # The dashboard's units: a program, or the region / network the membership's scope reaches.
    "equity.dashboard": ("directory.program",),
    "instrument.view": ("measures.instrument",),
    "instrument.manage": ("measures.instrument",),
    "measure.view": ("measures.administration", "consultations.episode"),
    "measure.record": ("measures.administration", "consultations.episode"),
    "measure.import": ("directory.network",),
    # Outcome pages are per unit: a program, or the region / network the membership reaches.
    "outcomes.view": ("directory.program", "measures.administration"),
    "equity.view": ("directory.program",),
    "equity.view_suppressed": ("directory.program",),
    "equity.export": ("directory.program",),
    "admin_site.use": (),  # a yes/no for the whole admin, never a record
    # Break glass: the kinds of record a grant can open (access.BREAK_GLASS_READS), and the grants themselves.
    "breakglass.open": ("consultations.episode", "incidents.incident"),
    "breakglass.review": ("audit.breakglassgrant",),
}


def test_every_grant_in_the_policy_reaches_records():
    # given every permission, role and scope in POLICY
    problems = []
    for permission, grants in POLICY.items():
        if permission not in CHECKED_AGAINST:
            problems.append(f"{permission}: add it to CHECKED_AGAINST with the models it is checked against")
            continue
        for model in CHECKED_AGAINST[permission]:
            for role, scope in grants.items():
                # then the model knows how to walk to that scope; otherwise the grant silently gives nothing
                if scope not in SCOPE_PATHS.get(model, {}):
                    problems.append(f"{permission} grants {role} scope {scope}, which {model} has no path for")
    assert not problems, "\n".join(problems)


def test_every_path_starts_inside_the_tenant():
    # given the scope paths of every model
    # then each model that has any scope can be narrowed to its network (the tenant boundary)
    assert all(access.Scope.NETWORK in paths for paths in SCOPE_PATHS.values())


@pytest.mark.django_db
def test_an_unknown_permission_gives_nothing(world):
    admin = world.people["network_admin"]
    assert not access.has_permission(admin, "program.destroy")
    assert not access.visible(admin, "program.destroy", Program.objects.all()).exists()


@pytest.mark.django_db
def test_a_role_without_the_permission_gets_nothing(world):
    # given program staff, who never browse consultants
    staff = world.people["program_staff"]
    # then they hold no consultant permission at all
    assert not access.has_permission(staff, "consultant.view")
    assert list(access.roles_with("consultant.view")) == [
        Role.NETWORK_ADMIN, Role.REGIONAL_COORDINATOR, Role.SUPERVISOR, Role.CONSULTANT,
    ]


@pytest.mark.django_db
def test_the_network_admin_stops_at_the_network_boundary(world):
    admin = world.people["network_admin"]
    assert access.can(admin, "program.view", world.program_b)
    assert not access.can(admin, "program.view", world.other_program)


@pytest.mark.django_db
def test_anonymous_and_deactivated_people_get_nothing(world):
    # given an anonymous visitor and a deactivated network admin
    from django.contrib.auth.models import AnonymousUser

    admin = world.people["network_admin"]
    admin.is_active = False
    # then neither reaches anything
    assert not access.can(AnonymousUser(), "program.view", world.program_a)
    assert not access.has_permission(admin, "program.view")
    assert not access.can(admin, "program.view", world.program_a)


@pytest.mark.django_db
def test_an_ended_membership_gives_nothing(world):
    # given a coordinator whose membership has been switched off
    user = world.people["regional_coordinator"]
    Membership.objects.filter(user=user).update(is_active=False)
    user.__dict__.pop("active_memberships", None)  # as on their next request
    # then region A's program is out of reach
    assert not access.can(user, "program.view", world.program_a)


@pytest.mark.django_db
def test_several_memberships_add_up(world):
    # given a person who coordinates region A and is also staff at program B
    user = UserFactory()
    Membership.objects.create(user=user, network=world.network, role=Role.REGIONAL_COORDINATOR, region=world.region_a)
    Membership.objects.create(user=user, network=world.network, role=Role.PROGRAM_STAFF, program=world.program_b)
    # then they see both programs, and edit program B only as its staff would
    visible = set(access.visible(user, "program.view", Program.objects.all()))
    assert visible == {world.program_a, world.program_b}
    assert access.can(user, "program.edit", world.program_b)


@pytest.mark.django_db
def test_require_refuses_outside_the_scope(world):
    coordinator = world.people["regional_coordinator"]
    access.require(coordinator, "program.edit", world.program_a)
    with pytest.raises(PermissionDenied):
        access.require(coordinator, "program.edit", world.program_b)


@pytest.mark.django_db
@pytest.mark.parametrize("pk", ["not-a-uuid", str(uuid.uuid4())], ids=["malformed", "unknown"])
def test_get_or_404_answers_404_and_records_the_attempt(world, pk):
    # given a coordinator asking for a program by an id that is malformed or names nothing they may see
    coordinator = world.people["regional_coordinator"]
    # when the selector looks it up, then it answers 404 (never 500, never "forbidden")
    with pytest.raises(Http404):
        access.get_or_404(coordinator, "program.view", Program.objects.all(), pk=pk)
    # and the attempt is in the ledger
    event = AccessEvent.objects.get(outcome=Outcome.DENIED)
    assert (event.object_type, event.object_id) == ("directory.program", pk)


@pytest.mark.django_db
def test_an_unsaved_record_is_never_allowed(world):
    assert not access.can(world.people["network_admin"], "program.view", Program(network=world.network))


@pytest.mark.django_db
def test_exclude_roles_leaves_out_those_memberships_and_defaults_to_all(world):
    # given a person who is program staff at program A and also an evaluator of the network
    user = UserFactory()
    Membership.objects.create(user=user, network=world.network, role=Role.PROGRAM_STAFF, program=world.program_a)
    Membership.objects.create(user=user, network=world.network, role=Role.EVALUATOR)
    programs = Program.objects.all()
    # then by default every membership counts (the evaluator browses the network's programs)...
    assert set(access.visible(user, "program.view", programs)) == {world.program_a, world.program_b}
    # ...and without the evaluator membership only program A is reached, through the staff membership
    assert set(access.visible(user, "program.view", programs, exclude_roles={Role.EVALUATOR})) == {world.program_a}
    both = {Role.EVALUATOR, Role.PROGRAM_STAFF}
    assert access.visible(user, "program.view", programs, exclude_roles=both).count() == 0
