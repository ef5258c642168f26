"""The one place that decides who may do what to which record.

The decision is a table, POLICY: for each permission, the roles that hold it and, for each role,
the *scope* of records it reaches (the whole network, the coordinator's region, the staff member's
own program...). A scope becomes a database filter through SCOPE_PATHS, which says for each model
how to walk from the record to its network, region, county, program, agency or person. Lists,
detail pages, counts and exports all ask `visible()`, so "listed" and "may open" cannot disagree.

Deny by default: a permission not in the table, a role not listed for it, or a model with no path
for the scope gives nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from enum import StrEnum
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404

from abrazo.accounts.models import Membership, Role

M = TypeVar("M", bound=models.Model)


class Scope(StrEnum):
    NETWORK = "network"  # everything in the membership's network
    REGION = "region"  # records in the membership's region
    AGENCY = "agency"  # records belonging to the membership's agency
    PROGRAM = "program"  # records of the membership's own program
    SERVED_COUNTIES = "served_counties"  # records in counties the consultant serves
    SUPERVISEES = "supervisees"  # records in counties served by the supervisor's consultants, and those consultants
    SELF = "self"  # the person's own record
    # Programs where the consultant (or, for a supervisor, one of their consultants) holds an episode:
    # children's records are reached through the work, not through geography.
    ENGAGED = "engaged"


ADMIN = Role.NETWORK_ADMIN
COORDINATOR = Role.REGIONAL_COORDINATOR
SUPERVISOR = Role.SUPERVISOR
CONSULTANT = Role.CONSULTANT
PROGRAM_STAFF = Role.PROGRAM_STAFF
EVALUATOR = Role.EVALUATOR

# permission -> {role: scope}. Reading this table is reading the access policy of Abrazo.
POLICY: dict[str, dict[Role, Scope]] = {
    # Reference geography and the network's own structure.
    "region.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.NETWORK, SUPERVISOR: Scope.NETWORK,
        CONSULTANT: Scope.NETWORK, EVALUATOR: Scope.NETWORK,
    },
    "region.edit": {ADMIN: Scope.NETWORK},
    "agency.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.NETWORK, SUPERVISOR: Scope.NETWORK, CONSULTANT: Scope.AGENCY,
    },
    "agency.create": {ADMIN: Scope.NETWORK},
    "agency.edit": {ADMIN: Scope.NETWORK},
    # Programs are organisations, not people: evaluators may browse them (never their staff).
    "program.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, SUPERVISOR: Scope.SUPERVISEES,
        CONSULTANT: Scope.SERVED_COUNTIES, PROGRAM_STAFF: Scope.PROGRAM, EVALUATOR: Scope.NETWORK,
    },
    # Checked against the Region a new program would belong to.
    "program.create": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION},
    "program.edit": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, PROGRAM_STAFF: Scope.PROGRAM},
    "classroom.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, SUPERVISOR: Scope.SUPERVISEES,
        CONSULTANT: Scope.SERVED_COUNTIES, PROGRAM_STAFF: Scope.PROGRAM,
    },
    # Checked against the Program the classroom or staff member belongs (or would belong) to.
    "classroom.edit": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, PROGRAM_STAFF: Scope.PROGRAM},
    "staff.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, SUPERVISOR: Scope.SUPERVISEES,
        CONSULTANT: Scope.SERVED_COUNTIES, PROGRAM_STAFF: Scope.PROGRAM,
    },
    "staff.edit": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, PROGRAM_STAFF: Scope.PROGRAM},
    # Consultants are staff of the network; program staff and evaluators do not browse them.
    "consultant.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, SUPERVISOR: Scope.SUPERVISEES, CONSULTANT: Scope.SELF,
    },
    # Overseeing consultants' caseloads: supervisors their supervisees, coordinators their region.
    "team.view": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, SUPERVISOR: Scope.SUPERVISEES},
    "consultant.create": {ADMIN: Scope.NETWORK},  # checked against the Region
    "consultant.edit": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION},
    # --- The service loop (issue 3) ---------------------------------------------------------------
    # Requests for consultation. Program staff follow their own program's requests; consultants and
    # supervisors see the requests assigned to them / to their consultants.
    "request.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, SUPERVISOR: Scope.SUPERVISEES,
        CONSULTANT: Scope.SELF, PROGRAM_STAFF: Scope.PROGRAM,
    },
    # Triage: ask for information, decline, waitlist, assign (and the matching suggestions).
    "request.triage": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION},
    # Episodes: program staff see status and the action plan of their program's episodes, never notes.
    "episode.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, SUPERVISOR: Scope.SUPERVISEES,
        CONSULTANT: Scope.SELF, PROGRAM_STAFF: Scope.PROGRAM,
    },
    # Doing the work of an episode: consent, agreement, contacts, plan, referrals, closure, follow-up.
    "episode.work": {CONSULTANT: Scope.SELF},
    # Reassigning, reopening or correcting an episode.
    "episode.manage": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION},
    # Proceeding with child-specific work before consent is on file: an audited supervisor decision.
    "episode.consent_exception": {SUPERVISOR: Scope.SUPERVISEES},
    # Contact notes and consent forms are clinical records: the consultant and their supervisor only.
    "episode.notes": {CONSULTANT: Scope.SELF, SUPERVISOR: Scope.SUPERVISEES},
    # Groups (communities of support) and the universal tier's helpline / drop-in log.
    "group.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, SUPERVISOR: Scope.SUPERVISEES, CONSULTANT: Scope.SELF,
    },
    "group.manage": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, CONSULTANT: Scope.SELF},
    "brief.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, SUPERVISOR: Scope.SUPERVISEES, CONSULTANT: Scope.SELF,
    },
    "brief.log": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, CONSULTANT: Scope.SELF},
    # A group session's notes are the facilitator's reflection on the group: facilitator and supervisor only.
    "group.notes": {CONSULTANT: Scope.SELF, SUPERVISOR: Scope.SUPERVISEES},
    # Call notes describe the caller's question, not clinical work; coordinators staff the line too.
    "brief.notes": {COORDINATOR: Scope.REGION, SUPERVISOR: Scope.SUPERVISEES, CONSULTANT: Scope.SELF},
    # Matching settings (soft-preference weights) and priority rules of the network.
    "network.configure": {ADMIN: Scope.NETWORK},
    # --- Children, incidents and equity (issue 4) --------------------------------------------------
    # The roster and incidents are children's records: program staff their own program, consultants
    # and supervisors the programs they work with, coordinators their region. Never evaluators.
    "child.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, SUPERVISOR: Scope.ENGAGED,
        CONSULTANT: Scope.ENGAGED, PROGRAM_STAFF: Scope.PROGRAM,
    },
    # Keeping the roster (one child, or a file): checked against the Program.
    "child.edit": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, PROGRAM_STAFF: Scope.PROGRAM},
    "incident.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, SUPERVISOR: Scope.ENGAGED,
        CONSULTANT: Scope.ENGAGED, PROGRAM_STAFF: Scope.PROGRAM,
    },
    # Recording and correcting incidents and exclusions: checked against the Program (new) or the record.
    "incident.record": {ADMIN: Scope.NETWORK, CONSULTANT: Scope.ENGAGED, PROGRAM_STAFF: Scope.PROGRAM},
    "incident.import": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, PROGRAM_STAFF: Scope.PROGRAM},
    # Early warnings: the program's staff and the region's coordinator see them and act on them.
    "warning.view": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, PROGRAM_STAFF: Scope.PROGRAM},
    "warning.act": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, PROGRAM_STAFF: Scope.PROGRAM},
    # Opening the equity dashboard at all; what it shows is decided by the next two.
    "equity.dashboard": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, PROGRAM_STAFF: Scope.PROGRAM, EVALUATOR: Scope.NETWORK,
    },
    # The equity dashboard with exact counts, checked against the Program (drill-down) or, for a
    # region or the network, against the scope the membership reaches.
    "equity.view": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, PROGRAM_STAFF: Scope.PROGRAM},
    # Evaluators: the same dashboard, suppressed aggregates only.
    "equity.view_suppressed": {EVALUATOR: Scope.NETWORK},
    "equity.export": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, PROGRAM_STAFF: Scope.PROGRAM, EVALUATOR: Scope.NETWORK,
    },
    # --- Outcome measures (issue 5) -----------------------------------------------------------------
    # Instruments describe measures, not people: staff who administer or analyse them may browse them.
    # Abrazo's own instruments (no network) are readable by anyone holding instrument.view.
    "instrument.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.NETWORK, SUPERVISOR: Scope.NETWORK, CONSULTANT: Scope.NETWORK,
        EVALUATOR: Scope.NETWORK,
    },
    # Importing REDCap dictionaries, describing licensed instruments, uploading norm tables.
    "instrument.manage": {ADMIN: Scope.NETWORK, EVALUATOR: Scope.NETWORK},
    # Administrations are answers about a teacher, a classroom or a child in an episode: like the episode,
    # the consultant and their supervisor, the region's coordinator and the network admin. Program staff
    # answer surveys through links but do not browse scores.
    "measure.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, SUPERVISOR: Scope.SUPERVISEES, CONSULTANT: Scope.SELF,
    },
    # Scheduling, entering scores, sending survey links: the episode's consultant (and admins correcting).
    "measure.record": {ADMIN: Scope.NETWORK, CONSULTANT: Scope.SELF},
    # REDCap record files in and out (administrations of the network).
    "measure.import": {ADMIN: Scope.NETWORK, EVALUATOR: Scope.NETWORK},
    # Pre/post outcomes: aggregates. Evaluators see them with small groups withheld and counts suppressed.
    "outcomes.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, SUPERVISOR: Scope.SUPERVISEES, EVALUATOR: Scope.NETWORK,
    },
    # --- Workforce (issue 6) ------------------------------------------------------------------------
    # Cohorts are the network's training programmes: staff who run or supervise the work may browse them.
    "cohort.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.NETWORK, SUPERVISOR: Scope.NETWORK, EVALUATOR: Scope.NETWORK,
    },
    # Creating cohorts and sessions, recording attendance and assignments, completing participants.
    "cohort.manage": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION},
    # Applications hold applicants' demographics: only the staff who review them may open them.
    "application.review": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION},
    # Participants (names, emails, attendance) of the cohorts a person runs.
    "participant.view": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION},
    # The competency framework itself.
    "competency.manage": {ADMIN: Scope.NETWORK},
    # Ratings of a consultant: the consultant, their supervisor, the region's coordinator, the admin.
    "competency.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, SUPERVISOR: Scope.SUPERVISEES, CONSULTANT: Scope.SELF,
    },
    # A consultant rates themselves; a supervisor rates their consultants.
    "competency.assess": {SUPERVISOR: Scope.SUPERVISEES, CONSULTANT: Scope.SELF},
    "supervision.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, SUPERVISOR: Scope.SUPERVISEES, CONSULTANT: Scope.SELF,
    },
    "supervision.log": {SUPERVISOR: Scope.SUPERVISEES, CONSULTANT: Scope.SELF},
    # Only the supervisor of the consultant signs off (or returns a log for correction). Administrators and
    # coordinators only read logs (supervision.view): holding neither supervision.log nor this, they cannot
    # enter, correct or sign off one; and a signed-off log cannot be changed by anyone in Abrazo.
    "supervision.sign_off": {SUPERVISOR: Scope.SUPERVISEES},
    # The workforce capacity report: aggregates. Exact counts only for administrators, who already review
    # every application: a coordinator reviews only her region's, so exact network-wide counts could tell her
    # another region's applicant's race; she and evaluators get the published (suppressed) version.
    "workforce.report": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.NETWORK, EVALUATOR: Scope.NETWORK},
    "workforce.report_unsuppressed": {ADMIN: Scope.NETWORK},
    # Satisfaction percentages and the comments behind them.
    "feedback.view": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, SUPERVISOR: Scope.NETWORK,
                      EVALUATOR: Scope.NETWORK},
    # Reading consenting comments and curating them into public "voices from the field".
    "feedback.curate": {ADMIN: Scope.NETWORK},
    # --- Public site and resource library (issue 7) --------------------------------------------------
    # Reviewing suggestions, editing, publishing and withdrawing resources (and seeing who suggested one).
    "resource.curate": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.NETWORK},
    # The site's content pages and the library's topics.
    "site.edit": {ADMIN: Scope.NETWORK},
    # --- Reports, exports, bulk import and the API (issue 8) ------------------------------------------
    # Network reports (funnel, reach, services, timeliness, satisfaction, equity summary) with exact counts,
    # computed only from the records the membership reaches: a coordinator's report is her region's, a
    # consultant's is her own caseload's.
    "report.view": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, SUPERVISOR: Scope.SUPERVISEES, CONSULTANT: Scope.SELF,
        PROGRAM_STAFF: Scope.PROGRAM,
    },
    # Evaluators: the same reports, de-identified and with small counts suppressed.
    "report.view_suppressed": {EVALUATOR: Scope.NETWORK},
    # Downloading a file is a permission apart from seeing the page: a file leaves Abrazo, and with it the
    # audit trail, so a network may grant pages to people it does not trust with copies.
    "export.download": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION, SUPERVISOR: Scope.SUPERVISEES,
        PROGRAM_STAFF: Scope.PROGRAM, EVALUATOR: Scope.NETWORK,
    },
    # Bulk import of programs, classrooms, staff, consultants and rosters.
    "directory.import": {ADMIN: Scope.NETWORK, COORDINATOR: Scope.REGION},
    # Holding personal API tokens. A token never widens what its holder may do: every call is checked with
    # the same permissions as the web, narrowed further by the token's scopes.
    "api.token": {
        ADMIN: Scope.NETWORK, COORDINATOR: Scope.NETWORK, SUPERVISOR: Scope.NETWORK, CONSULTANT: Scope.NETWORK,
        PROGRAM_STAFF: Scope.NETWORK, EVALUATOR: Scope.NETWORK,
    },
    # Seeing every active token of the network's members and revoking one (a lost laptop, a person who left).
    "api.token_admin": {ADMIN: Scope.NETWORK},
    "audit.view": {ADMIN: Scope.NETWORK},
    "admin_site.use": {ADMIN: Scope.NETWORK},
    # --- Break glass (issue 9) -----------------------------------------------------------------------
    # Opening one record of the network outside one's scope in an emergency, with a written reason, for a short
    # time (audit/break_glass_services.py). Supervisors only: they oversee clinical work and may have to step in
    # for an absent colleague's consultant. Administrators already reach the whole network; coordinators reach
    # their region and send what lies outside it to that region's coordinator or the administrator.
    "breakglass.open": {SUPERVISOR: Scope.NETWORK},
    # Reviewing the network's emergency accesses (the administrators, who are alerted to each one).
    "breakglass.review": {ADMIN: Scope.NETWORK},
}

# Break glass: which kinds of record a grant can open, and the read permissions it adds for that one record
# (only those the breaking role also holds on records in its own scope). Never a write permission.
BREAK_GLASS_READS: dict[str, frozenset[str]] = {
    "consultations.episode": frozenset({"episode.view", "episode.notes"}),
    "incidents.incident": frozenset({"incident.view"}),
}

# model label -> {scope: lookup path from the model to the thing the scope names}.
SCOPE_PATHS: dict[str, dict[Scope, str]] = {
    "directory.region": {Scope.NETWORK: "network_id", Scope.REGION: "pk"},
    "directory.agency": {Scope.NETWORK: "network_id", Scope.REGION: "region_id", Scope.AGENCY: "pk"},
    "directory.program": {
        Scope.NETWORK: "network_id", Scope.REGION: "region_id", Scope.PROGRAM: "pk",
        Scope.SERVED_COUNTIES: "county_id", Scope.SUPERVISEES: "county_id", Scope.ENGAGED: "pk",
    },
    "directory.classroom": {
        Scope.NETWORK: "program__network_id", Scope.REGION: "program__region_id", Scope.PROGRAM: "program_id",
        Scope.SERVED_COUNTIES: "program__county_id", Scope.SUPERVISEES: "program__county_id",
    },
    "directory.programstaff": {
        Scope.NETWORK: "program__network_id", Scope.REGION: "program__region_id", Scope.PROGRAM: "program_id",
        Scope.SERVED_COUNTIES: "program__county_id", Scope.SUPERVISEES: "program__county_id",
    },
    "directory.consultantprofile": {
        Scope.NETWORK: "network_id", Scope.REGION: "region_id", Scope.AGENCY: "agency_id",
        Scope.SELF: "user_id", Scope.SUPERVISEES: "supervisor_id",
    },
    "audit.accessevent": {Scope.NETWORK: "network_id"},
    "audit.breakglassgrant": {Scope.NETWORK: "network_id"},
    "directory.network": {Scope.NETWORK: "pk"},
    # A request's region is derived from its county when it arrives; `consultant` is set on assignment.
    "intake.request": {
        Scope.NETWORK: "network_id", Scope.REGION: "region_id", Scope.PROGRAM: "program_id",
        Scope.SELF: "consultant__user_id", Scope.SUPERVISEES: "consultant__supervisor_id",
    },
    "consultations.episode": {
        Scope.NETWORK: "network_id", Scope.REGION: "program__region_id", Scope.PROGRAM: "program_id",
        Scope.SELF: "consultant__user_id", Scope.SUPERVISEES: "consultant__supervisor_id",
    },
    # Groups and brief contacts belong to a network and a region and are led / logged by a consultant.
    "consultations.group": {
        Scope.NETWORK: "network_id", Scope.REGION: "region_id",
        Scope.SELF: "facilitator__user_id", Scope.SUPERVISEES: "facilitator__supervisor_id",
    },
    "consultations.briefcontact": {
        Scope.NETWORK: "network_id", Scope.REGION: "region_id",
        Scope.SELF: "consultant__user_id", Scope.SUPERVISEES: "consultant__supervisor_id",
    },
}
SCOPE_PATHS["measures.instrument"] = {Scope.NETWORK: "network_id"}
SCOPE_PATHS["library.resource"] = {Scope.NETWORK: "network_id"}
SCOPE_PATHS["library.page"] = {Scope.NETWORK: "network_id"}
SCOPE_PATHS["library.topic"] = {Scope.NETWORK: "network_id"}
# Workforce. Network-wide cohorts (no region) are reached only by network-scoped memberships.
SCOPE_PATHS["workforce.cohort"] = {Scope.NETWORK: "network_id", Scope.REGION: "region_id"}
SCOPE_PATHS["workforce.application"] = {Scope.NETWORK: "network_id", Scope.REGION: "cohort__region_id"}
SCOPE_PATHS["workforce.participant"] = {Scope.NETWORK: "network_id", Scope.REGION: "cohort__region_id"}
SCOPE_PATHS["workforce.competencyassessment"] = {
    Scope.NETWORK: "network_id", Scope.REGION: "consultant__region_id", Scope.SELF: "consultant__user_id",
    Scope.SUPERVISEES: "consultant__supervisor_id",
}
SCOPE_PATHS["workforce.supervisionlog"] = {
    Scope.NETWORK: "network_id", Scope.REGION: "supervisee__region_id", Scope.SELF: "supervisee__user_id",
    Scope.SUPERVISEES: "supervisee__supervisor_id",
}
SCOPE_PATHS["workforce.competencydomain"] = {Scope.NETWORK: "network_id"}
SCOPE_PATHS["workforce.voice"] = {Scope.NETWORK: "network_id"}
SCOPE_PATHS["workforce.feedbackrequest"] = {Scope.NETWORK: "network_id", Scope.REGION: "cohort__region_id"}
SCOPE_PATHS["measures.administration"] = {
    Scope.NETWORK: "network_id", Scope.REGION: "program__region_id", Scope.PROGRAM: "program_id",
    Scope.SELF: "episode__consultant__user_id", Scope.SUPERVISEES: "episode__consultant__supervisor_id",
}
# Roster, incident, exclusion and warning records all carry network and program.
for _child_record in ("incidents.child", "incidents.enrollment", "incidents.incident", "incidents.exclusion",
                      "incidents.earlywarning"):
    SCOPE_PATHS[_child_record] = {
        Scope.NETWORK: "network_id", Scope.REGION: "program__region_id", Scope.PROGRAM: "program_id",
        Scope.ENGAGED: "program_id",
    }

NOTHING = Q(pk__in=[])


def _label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _memberships(user: Any) -> list[Membership]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return user.active_memberships


def _served_county_ids(user: Any) -> QuerySet[Any]:
    from abrazo.directory.models import ConsultantProfile

    return ConsultantProfile.counties.through.objects.filter(
        consultantprofile__user=user, consultantprofile__is_active=True
    ).values("county_id")


def _supervisee_county_ids(user: Any) -> QuerySet[Any]:
    from abrazo.directory.models import ConsultantProfile

    return ConsultantProfile.counties.through.objects.filter(
        consultantprofile__supervisor=user, consultantprofile__is_active=True
    ).values("county_id")


def _engaged_program_ids(user: Any, membership: Membership) -> QuerySet[Any]:
    from abrazo.consultations.models import Episode

    episodes = Episode.objects.filter(network_id=membership.network_id)
    if membership.role == SUPERVISOR:
        return episodes.filter(consultant__supervisor=user).values("program_id")
    return episodes.filter(consultant__user=user).values("program_id")


def _scope_filter(user: Any, membership: Membership, scope: Scope, paths: dict[Scope, str]) -> Q:
    path = paths.get(scope)
    if path is None:
        return NOTHING
    # Every scope stays inside the membership's network (the tenant boundary).
    network_path = paths.get(Scope.NETWORK)
    in_network = Q(**{network_path: membership.network_id}) if network_path else Q()
    if scope == Scope.NETWORK:
        return in_network
    if scope == Scope.REGION:
        return in_network & Q(**{path: membership.region_id}) if membership.region_id else NOTHING
    if scope == Scope.AGENCY:
        if membership.agency_id:
            return in_network & Q(**{path: membership.agency_id})
        if membership.role == CONSULTANT:  # a consultant's agency is on their profile
            profile = getattr(user, "consultant_profile", None)
            return in_network & Q(**{path: profile.agency_id}) if profile else NOTHING
        return NOTHING
    if scope == Scope.PROGRAM:
        return in_network & Q(**{path: membership.program_id}) if membership.program_id else NOTHING
    if scope == Scope.SERVED_COUNTIES:
        return in_network & Q(**{f"{path}__in": _served_county_ids(user)})
    if scope == Scope.SUPERVISEES:
        # A path ending in supervisor_id names the supervisor (a consultant's, or that of the consultant
        # a request, episode, group or brief contact belongs to); any other path is a county.
        if path == "supervisor_id" or path.endswith("__supervisor_id"):
            return in_network & Q(**{path: user.pk})
        return in_network & Q(**{f"{path}__in": _supervisee_county_ids(user)})
    if scope == Scope.SELF:
        return in_network & Q(**{path: user.pk})
    if scope == Scope.ENGAGED:
        return in_network & Q(**{f"{path}__in": _engaged_program_ids(user, membership)})
    return NOTHING


def scope_q(
    user: Any, permission: str, model: type[models.Model], *, exclude_roles: Collection[Role] = ()
) -> Q:
    """The filter selecting the records of `model` on which `user` holds `permission`.

    `exclude_roles`: memberships in these roles are not consulted. For a decision taken on some of a person's
    roles only (e.g. an identified export, which an evaluator membership never justifies), so that the records
    reached come through the same memberships that justified the decision. Empty (the default): all of them."""
    grants = POLICY.get(permission)
    paths = SCOPE_PATHS.get(_label(model))
    if not grants or paths is None:
        return NOTHING
    combined: Q | None = None
    for membership in _memberships(user):
        role = Role(membership.role)
        if role in exclude_roles:
            continue
        scope = grants.get(role)
        if scope is None:
            continue
        piece = _scope_filter(user, membership, scope, paths)
        combined = piece if combined is None else combined | piece
        # Break glass: an active emergency grant adds its one record, in this membership's network. It joins
        # here, in the one door, so that the detail page, lists and counts agree about it (issue 9).
        if permission in BREAK_GLASS_READS.get(_label(model), ()) and role in POLICY["breakglass.open"]:
            emergency = _break_glass_filter(user, membership, model, paths)
            combined = combined if emergency is None else combined | emergency
    return combined if combined is not None else NOTHING


def _break_glass_filter(
    user: Any, membership: Membership, model: type[models.Model], paths: dict[Scope, str]
) -> Q | None:
    """The records of `model` an active emergency grant opens to the user in the membership's network."""
    from abrazo.audit.break_glass_selectors import active_grant_ids

    ids = active_grant_ids(user, object_type=_label(model), network_id=membership.network_id)
    return Q(pk__in=ids) & Q(**{paths[Scope.NETWORK]: membership.network_id}) if ids else None


def visible(
    user: Any, permission: str, queryset: QuerySet[M], *, exclude_roles: Collection[Role] = ()
) -> QuerySet[M]:
    """Narrow a queryset to the records the user holds the permission on (through memberships not in
    `exclude_roles`, see scope_q)."""
    return queryset.filter(scope_q(user, permission, queryset.model, exclude_roles=exclude_roles))


def has_permission(user: Any, permission: str) -> bool:
    """Whether any of the user's roles holds the permission somewhere (navigation, buttons)."""
    grants = POLICY.get(permission, {})
    return any(Role(m.role) in grants for m in _memberships(user))


def can(user: Any, permission: str, obj: models.Model) -> bool:
    """Whether the user holds the permission on this record (one indexed query)."""
    if obj.pk is None:
        return False
    return visible(user, permission, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def require(user: Any, permission: str, obj: models.Model) -> None:
    """Refuse with PermissionDenied; callers that must hide existence use `get_or_404` instead."""
    if not can(user, permission, obj):
        raise PermissionDenied(permission)


def get_or_404(user: Any, permission: str, queryset: QuerySet[M], **lookup: Any) -> M:
    """Fetch one record in the user's scope, or answer 404 so that existence is not revealed."""
    model: Any = queryset.model
    try:
        return visible(user, permission, queryset).get(**lookup)
    except (model.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        from abrazo.audit import services as audit

        audit.record_denied(
            user=user, object_type=_label(queryset.model), object_id=str(lookup.get("pk", ""))[:64]
        )
        raise Http404 from exc


def roles_with(permission: str) -> Iterable[Role]:
    return POLICY.get(permission, {}).keys()
