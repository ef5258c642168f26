"""Records for the permission matrix (tests/security/matrix.py) for the workforce application pages: what each URL's
id names, and one record inside and outside each scope."""

from __future__ import annotations

from typing import Any

from abrazo.accounts.access import Scope

URL_OBJECTS: dict[str, str] = {
    "workforce:apply-cohorts-for-network": "network",  # the public list of one network's cohorts, by its slug
    "workforce:apply": "apply_cohort",  # the public form of one cohort: 200 for everyone
    "workforce:application-detail": "application",
    "workforce:application-review": "application",
    "workforce:application-withdraw": "application",
    "workforce:application-enrol": "application",  # GET asks for confirmation; POST enrols
}

# apply_cohort_a: a cohort of the world's network taking applications; other_apply_cohort: the other network's.
# The form is public, so both answer 200 to everyone.
# application_a: to a region A cohort (the world's coordinator reviews region A); application_b: to a region B
# cohort; other_application: to a cohort of the other network. application.review has the network and region
# scopes only.
SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {
    "apply_cohort": {Scope.NETWORK: ("apply_cohort_a", "other_apply_cohort")},
    "application": {
        Scope.NETWORK: ("application_a", "other_application"),
        Scope.REGION: ("application_a", "application_b"),
    },
}


def build_objects(objects: dict[str, Any]) -> dict[str, Any]:
    from abrazo.workforce.tests.factories_application import ApplicationFactory, CohortFactory

    apply_cohort_a = CohortFactory(network=objects["network"], region=objects["region_a"])
    apply_cohort_b = CohortFactory(network=objects["network"], region=objects["region_b"])
    other_apply_cohort = CohortFactory(network=objects["other_network"], region=objects["other_region"])
    return {
        "apply_cohort_a": apply_cohort_a, "other_apply_cohort": other_apply_cohort,
        "application_a": ApplicationFactory(cohort=apply_cohort_a),
        "application_b": ApplicationFactory(cohort=apply_cohort_b),
        "other_application": ApplicationFactory(cohort=other_apply_cohort),
    }
