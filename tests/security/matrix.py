"""The tables the permission matrix is generated from (besides access.POLICY itself), and the records
inside and outside every scope for the people of the `world` fixture."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from abrazo.accounts.access import Scope
from abrazo.accounts.models import Role
from abrazo.audit.tests import matrix_break_glass
from abrazo.consultations.tests import group_matrix
from abrazo.consultations.tests import matrix as episode_matrix
from abrazo.directory.models import Agency, ConsultantProfile, Region
from abrazo.directory.tests import matrix_imports
from abrazo.directory.tests.factories import (
    AgencyFactory,
    ClassroomFactory,
    ConsultantProfileFactory,
    ProgramStaffFactory,
    county,
)
from abrazo.equity.tests import matrix as equity_matrix
from abrazo.incidents.tests import matrix as roster_matrix
from abrazo.incidents.tests import warning_matrix
from abrazo.library.tests import matrix_curation, matrix_plan, matrix_resource, matrix_site
from abrazo.measures.tests import matrix as measures_matrix
from abrazo.reports.tests import matrix_exports, matrix_reports
from abrazo.workforce.tests import (
    matrix_application,
    matrix_capacity,
    matrix_cohort,
    matrix_competency,
    matrix_feedback,
    matrix_supervision,
)
from tests.security.routes import Route

ANONYMOUS = "anonymous"
ROLES: tuple[str, ...] = tuple(Role.values)

# Which kind of record the id in a URL names. The key is the URL name; the value is the kind, whose
# inside/outside objects for each scope are in SCOPED_OBJECTS. A view that takes an id and is missing
# here fails test_every_url_with_an_id_names_its_kind_of_object.
URL_OBJECTS: dict[str, str] = {
    "directory:program-detail": "program",
    "directory:program-edit": "program",
    "directory:classroom-create": "program",  # a new classroom is checked against its program
    "directory:classroom-edit": "classroom",
    "directory:staff-create": "program",  # so is a new staff member
    "directory:staff-edit": "staff",
    "directory:consultant-detail": "consultant",
    "directory:consultant-edit": "consultant",
    "directory:agency-detail": "agency",
    "directory:agency-edit": "agency",
    "directory:region-detail": "region",
    "directory:region-edit": "region",
    "intake:request-create-for-network": "network",  # the public form of one network, named by its slug
    "intake:request-detail": "request",
    "intake:request-ask-info": "request",
    "intake:request-decline": "request",
    "intake:request-waitlist": "request",
    "intake:request-priority": "request",
    "intake:request-assign": "request",
}

# kind -> scope -> (record inside the scope, record outside it), as names of MatrixWorld.objects.
# Inside means: the world's person holding that scope (in region A, program A, agency A, Fresno County,
# or supervising the Fresno consultant) may reach it. Outside is the nearest record they must not reach:
# the other region's for narrow scopes, the other network's for the network scope (the tenant boundary).
_PROGRAM_LIKE = {
    Scope.NETWORK: ("{kind}_a", "other_{kind}"),
    Scope.REGION: ("{kind}_a", "{kind}_b"),
    Scope.PROGRAM: ("{kind}_a", "{kind}_b"),
    Scope.SERVED_COUNTIES: ("{kind}_a", "{kind}_b"),  # the consultant serves Fresno (A), not Los Angeles (B)
    Scope.SUPERVISEES: ("{kind}_a", "{kind}_b"),  # the supervisor's consultant serves Fresno
    Scope.ENGAGED: ("{kind}_a", "{kind}_b"),  # the world's consultant holds an episode at program A, not B
}
SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {
    kind: {scope: (inside.format(kind=kind), outside.format(kind=kind)) for scope, (inside, outside) in
           _PROGRAM_LIKE.items()}
    for kind in ("program", "classroom", "staff")
}
SCOPED_OBJECTS["network"] = {Scope.NETWORK: ("network", "other_network")}
# request_a: region A, program A, assigned to the world's consultant (whom the world's supervisor supervises);
# request_b: region B, program B, another consultant; other_request: the other network.
SCOPED_OBJECTS["request"] = {
    scope: ("request_a", "other_request" if scope == Scope.NETWORK else "request_b")
    for scope in (Scope.NETWORK, Scope.REGION, Scope.PROGRAM, Scope.SELF, Scope.SUPERVISEES)
}
SCOPED_OBJECTS["region"] = {Scope.NETWORK: ("region_a", "other_region"), Scope.REGION: ("region_a", "region_b")}
SCOPED_OBJECTS["agency"] = {
    Scope.NETWORK: ("agency_a", "other_agency"),
    Scope.REGION: ("agency_a", "agency_b"),
    Scope.AGENCY: ("agency_a", "agency_b"),  # the supervisor's membership and the consultant's profile: A
}
SCOPED_OBJECTS["consultant"] = {
    Scope.NETWORK: ("consultant_a", "other_consultant"),
    Scope.REGION: ("consultant_a", "consultant_b"),
    Scope.AGENCY: ("consultant_a", "consultant_b"),
    Scope.SELF: ("consultant_a", "consultant_b"),  # consultant_a is the world's consultant
    Scope.SUPERVISEES: ("consultant_a", "consultant_b"),  # consultant_a is supervised by the world's supervisor
}

# Episodes and the consents, goals and referrals that hang off them (tables kept beside the episode tests).
URL_OBJECTS.update(episode_matrix.URL_OBJECTS)
SCOPED_OBJECTS.update(episode_matrix.SCOPED_OBJECTS)
# Groups, their members, and brief contacts (helpline calls).
URL_OBJECTS.update(group_matrix.URL_OBJECTS)
SCOPED_OBJECTS.update(group_matrix.SCOPED_OBJECTS)
# Workforce (issue 6): one table per area, each kept beside that area's tests.
WORKFORCE_TABLES = (matrix_cohort, matrix_application, matrix_competency, matrix_supervision, matrix_capacity,
                    matrix_feedback)
# The public site and the resource library (issue 7).
LIBRARY_TABLES = (matrix_resource, matrix_curation, matrix_site, matrix_plan)
# Children, incidents and exclusions; early warnings; equity dashboards.
for _table in (roster_matrix, warning_matrix, equity_matrix, measures_matrix, *WORKFORCE_TABLES, *LIBRARY_TABLES):
    URL_OBJECTS.update(_table.URL_OBJECTS)
    SCOPED_OBJECTS.update(_table.SCOPED_OBJECTS)

# Reports, exports and bulk import (issue 8). Export files are reached by ownership, not scope: their names
# carry "{role}" (see inside_and_outside).
URL_OBJECTS.update(matrix_exports.URL_OBJECTS)
SCOPED_OBJECTS.update(matrix_exports.SCOPED_OBJECTS)
# Emergency ("break glass") grants, reviewed by network administrators (issue 9).
URL_OBJECTS.update(matrix_break_glass.URL_OBJECTS)
SCOPED_OBJECTS.update(matrix_break_glass.SCOPED_OBJECTS)

# URLs whose one argument is not a record but one of a fixed set of values (URL name -> the argument, its known
# values, a value outside the set). The matrix opens each known value (the answer POLICY gives the role) and the
# unknown one (404 for every signed-in role); there is no object to place inside or outside a scope.
URL_CHOICES: dict[str, tuple[str, tuple[str, ...], str]] = {**matrix_imports.URL_CHOICES}

# Views open to holders of any one of several permissions, which a decorator cannot declare (they are @signed_in,
# or @requires another permission too): a role holding none of them is expected a 404.
REQUIRES_ONE_OF: dict[str, tuple[str, ...]] = {**matrix_reports.REQUIRES_ONE_OF}

# Views that answer GET with something other than their page, whoever asks (after the access check).
GET_ANSWERS: dict[str, int] = {
    "set_language": 405,  # POST only: switching language changes state
    "intake:request-thanks": 302,  # the confirmation without a request just sent goes back to the form
}

# Views that act on POST only and take an object: a GET answers 405 inside and outside the scope alike, which
# proves nothing, so the matrix sends them an empty POST instead (after every GET, since a granted POST may
# change the record) and expects this answer when the action is granted.
POST_ANSWERS: dict[str, int] = {**matrix_exports.POST_ANSWERS}


@dataclass
class MatrixWorld:
    """The `world` fixture plus one record of each kind inside and outside every scope."""

    people: dict[str, Any]
    objects: dict[str, Any]

    def url(self, route: Route, attribute: str = "") -> str:
        """The route's URL, with its id argument (if any) naming objects[attribute]; for a URL in URL_CHOICES,
        `attribute` is the argument's value itself."""
        if not route.kwargs:
            return reverse(route.name)
        if route.name in URL_CHOICES:
            return reverse(route.name, kwargs={route.kwargs[0]: attribute})
        obj = self.objects[attribute]
        value = obj.slug if route.converters.get(route.kwargs[0]) == "SlugConverter" else obj.pk
        return reverse(route.name, kwargs={route.kwargs[0]: value})

    def inside_and_outside(self, route: Route, scope: Scope | None, role: str = ANONYMOUS) -> tuple[str, str]:
        kind = URL_OBJECTS[route.name]
        # A role without the permission is shown what the broadest scope reaches; it must 404 anyway.
        pair = SCOPED_OBJECTS[kind].get(scope or Scope.NETWORK)
        if pair is None:
            raise AssertionError(f"SCOPED_OBJECTS[{kind!r}] has no records for scope {scope} (URL {route.name})")
        # Records reached by ownership are named per person ("{role}"); an anonymous visitor owns nothing and is
        # shown the network administrator's, a real record, so that a sign-in redirect is not due to its absence.
        owner = role if role != ANONYMOUS else Role.NETWORK_ADMIN.value
        inside, outside = (name.format(role=owner) for name in pair)
        return inside, outside


def build_matrix_world(world: Any) -> MatrixWorld:
    agency_a = Agency.objects.get(network=world.network, name="Valley Family Services")
    agency_b = AgencyFactory(network=world.network, region=world.region_b, name="Harbor Family Services")
    other_region = Region.objects.get(network=world.other_network)
    other_agency = AgencyFactory(network=world.other_network, region=other_region, name="Elsewhere Services")
    consultant_a = ConsultantProfile.objects.get(user=world.people["consultant"])
    consultant_b = ConsultantProfileFactory(
        network=world.network, region=world.region_b, agency=agency_b, counties=[county("06037")]
    )
    other_consultant = ConsultantProfileFactory(
        network=world.other_network, region=other_region, agency=other_agency, counties=[county("06019")]
    )
    objects = {
        "program_a": world.program_a, "program_b": world.program_b, "other_program": world.other_program,
        "region_a": world.region_a, "region_b": world.region_b, "other_region": other_region,
        "agency_a": agency_a, "agency_b": agency_b, "other_agency": other_agency,
        "consultant_a": consultant_a, "consultant_b": consultant_b, "other_consultant": other_consultant,
    }
    objects["network"], objects["other_network"] = world.network, world.other_network
    objects.update(_requests(world, consultant_a, consultant_b, other_consultant, other_region))
    for suffix, program in (("a", world.program_a), ("b", world.program_b), ("other", world.other_program)):
        name = f"{{}}_{suffix}" if suffix != "other" else "other_{}"
        objects[name.format("classroom")] = ClassroomFactory(program=program)
        objects[name.format("staff")] = ProgramStaffFactory(program=program)
    objects.update(episode_matrix.build_objects(objects))
    objects.update(group_matrix.build_objects(objects))
    for table in (roster_matrix, warning_matrix, equity_matrix, measures_matrix, *WORKFORCE_TABLES, *LIBRARY_TABLES):
        objects.update(table.build_objects(objects))
    objects.update(matrix_exports.build_objects(objects, world.people))  # files are owned by people, not scopes
    objects.update(matrix_break_glass.build_objects(objects))  # after the episodes the grants name
    return MatrixWorld(people=world.people, objects=objects)


def _requests(
    world: Any, consultant_a: Any, consultant_b: Any, other_consultant: Any, other_region: Any
) -> dict[str, Any]:
    from abrazo.intake.models import RequestStatus
    from abrazo.intake.tests.factories import RequestFactory

    def assigned(**fields: Any) -> Any:
        return RequestFactory(status=RequestStatus.ASSIGNED, **fields)

    return {
        "request_a": assigned(network=world.network, region=world.region_a, program=world.program_a,
                              consultant=consultant_a),
        "request_b": assigned(network=world.network, region=world.region_b, program=world.program_b,
                              county=county("06037"), consultant=consultant_b),
        "other_request": assigned(network=world.other_network, region=other_region, program=world.other_program,
                                  consultant=other_consultant),
    }
