"""Plain-language findings: "Black children were 2.7 times as likely as other children to be sent home at
least once".

Written for calculated ratios only (a gated or suppressed group gets no sentence: the table says why).
Each sentence is one whole msgid with named placeholders, so that a translator can reorder it and make
the words agree (in Spanish the outcome phrase must agree with the group, and gender-neutral wording
such as "las niñas y los niños" or "la niñez" is the translator's choice). The numbers are formatted for
the active language (2.7 / 2,7).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from abrazo.equity.counts import NOT_REPORTED

# Translators: completes "... were 2.7 times as likely as other children to ___". Keep the words neutral
# about the children's gender; the sentence's subject is a group of children.
OUTCOME_VERB_PHRASES: dict[str, Any] = {
    "incident": pgettext_lazy("equity: likely to ...", "have at least one behavior incident"),
    "iss": pgettext_lazy("equity: likely to ...", "be given an in-school suspension at least once"),
    "oss": pgettext_lazy("equity: likely to ...", "be sent home at least once"),
    "dismissal": pgettext_lazy("equity: likely to ...", "be dismissed from the program"),
    "exclusion": pgettext_lazy("equity: likely to ...", "be suspended or dismissed at least once"),
}
# Translators: "Black children were 47% of ___ but 19% of the children enrolled."
OUTCOME_CHILDREN: dict[str, Any] = {
    "incident": pgettext_lazy("equity: children who ...", "the children with at least one behavior incident"),
    "iss": pgettext_lazy("equity: children who ...", "the children given an in-school suspension"),
    "oss": pgettext_lazy("equity: children who ...", "the children sent home at least once"),
    "dismissal": pgettext_lazy("equity: children who ...", "the children dismissed from the program"),
    "exclusion": pgettext_lazy("equity: children who ...", "the children suspended or dismissed"),
}
RACE_GROUPS: dict[str, Any] = {
    "hispanic_latino": pgettext_lazy("equity: group of children", "Hispanic or Latino children"),
    "american_indian_alaska_native": pgettext_lazy("equity: group of children",
                                                   "American Indian or Alaska Native children"),
    "asian": pgettext_lazy("equity: group of children", "Asian children"),
    "black": pgettext_lazy("equity: group of children", "Black children"),
    "native_hawaiian_pacific_islander": pgettext_lazy("equity: group of children",
                                                      "Native Hawaiian or Other Pacific Islander children"),
    "white": pgettext_lazy("equity: group of children", "White children"),
    "two_or_more": pgettext_lazy("equity: group of children", "Children of two or more races"),
}
GENDER_GROUPS: dict[str, Any] = {
    "boy": pgettext_lazy("equity: group of children", "Boys"),
    "girl": pgettext_lazy("equity: group of children", "Girls"),
    "another": pgettext_lazy("equity: group of children", "Children of another gender"),
}
NOT_REPORTED_GROUPS: dict[str, Any] = {
    "race_ethnicity": pgettext_lazy("equity: group of children", "Children whose race or ethnicity was not reported"),
    "gender": pgettext_lazy("equity: group of children", "Children whose gender was not reported"),
    "iep": pgettext_lazy("equity: group of children", "Children whose IEP or IFSP status was not reported"),
    "dll": pgettext_lazy("equity: group of children", "Children whose dual-language status was not reported"),
    "home_language": pgettext_lazy("equity: group of children", "Children whose home language was not reported"),
}
TRUE_CODES = {"true", "yes", "1", "t", "y"}


def group_phrase(dimension: str, code: str, label: str) -> str:
    """The group as the subject of a sentence, in the plural ("Black children", "Girls")."""
    lowered = code.lower()
    if code in (NOT_REPORTED, ""):
        phrase = NOT_REPORTED_GROUPS.get(dimension)
        if phrase is not None:
            return str(phrase)
        return pgettext("equity: group of children", "Children with no value reported")
    if dimension == "race_ethnicity" and code in RACE_GROUPS:
        return str(RACE_GROUPS[code])
    if dimension == "gender" and code in GENDER_GROUPS:
        return str(GENDER_GROUPS[code])
    if dimension == "iep":
        if lowered in TRUE_CODES:
            return pgettext("equity: group of children", "Children with an IEP or IFSP")
        return pgettext("equity: group of children", "Children without an IEP or IFSP")
    if dimension == "dll":
        if lowered in TRUE_CODES:
            return pgettext("equity: group of children", "Dual-language learners")
        return pgettext("equity: group of children", "Children who are not dual-language learners")
    if dimension == "home_language":
        return pgettext("equity: group of children", "Children whose home language is %(language)s") % {
            "language": label}
    if dimension.startswith("extra:"):
        column = dimension.removeprefix("extra:").replace("_", " ")
        return pgettext("equity: group of children", "Children with %(column)s “%(value)s”") % {
            "column": column, "value": label}
    return pgettext("equity: group of children", "Children in the group “%(group)s”") % {"group": label}


def comparison_phrase(method: str | None, next_level_kind: str | None) -> str:
    """Whom the group is compared with: the unit's other children, or, for the alternate ratio, the
    children not in the group one level up."""
    if method == "arr" and next_level_kind == "region":
        return pgettext("equity: compared with", "other children across the region")
    if method == "arr":
        return pgettext("equity: compared with", "other children across the network")
    return pgettext("equity: compared with", "other children")


def times(ratio: float) -> str:
    """A ratio as people read it: one decimal (2.7), none from 10 up (12), two below 0.1 (0.04)."""
    # number_format cuts decimals off rather than rounding: round first.
    if ratio >= 10:
        return number_format(round(ratio), 0)
    if round(ratio, 1) < 0.1:
        return number_format(round(ratio, 2), 2)
    return number_format(round(ratio, 1), 1)


def percent(share: float) -> str:
    return _("%(number)s%%") % {"number": number_format(round(share * 100), 0)}


def ratio_sentence(*, group: str, ratio: float, method: str | None, outcome: str,
                   next_level_kind: str | None = None) -> str:
    """One finding about one calculated ratio."""
    values = {
        "group": group,
        "others": comparison_phrase(method, next_level_kind),
        "outcome": str(OUTCOME_VERB_PHRASES.get(outcome, OUTCOME_VERB_PHRASES["exclusion"])),
        "times": times(ratio),
    }
    rounded = round(ratio, 1)
    if rounded == 1.0:
        # Translators: e.g. "Girls were about as likely as other children to be sent home at least once."
        return _("%(group)s were about as likely as %(others)s to %(outcome)s.") % values
    if rounded == 2.0:
        # Translators: e.g. "Boys were twice as likely as other children to be sent home at least once."
        return _("%(group)s were twice as likely as %(others)s to %(outcome)s.") % values
    if rounded == 0.5:
        # Translators: e.g. "Girls were half as likely as other children to be sent home at least once."
        return _("%(group)s were half as likely as %(others)s to %(outcome)s.") % values
    if ratio > 1:
        # Translators: e.g. "Black children were 2.7 times as likely as other children to be sent home at least
        # once." %(times)s is a number larger than 1, formatted for the language.
        return _("%(group)s were %(times)s times as likely as %(others)s to %(outcome)s.") % values
    # Translators: e.g. "Asian children were 0.4 times as likely as other children to be sent home at least
    # once", that is, less likely. %(times)s is a number smaller than 1.
    return pgettext("equity: less likely", "%(group)s were %(times)s times as likely as %(others)s to %(outcome)s.") % (
        values)


def alert_sentence(*, group: str, child_composition: float, enrollment_share: float, outcome: str) -> str:
    values = {
        "group": group, "composition": percent(child_composition), "share": percent(enrollment_share),
        "outcome_children": str(OUTCOME_CHILDREN.get(outcome, OUTCOME_CHILDREN["exclusion"])),
    }
    # Translators: e.g. "Black children were 47% of the children sent home at least once but 19% of the
    # children enrolled."
    return _("%(group)s were %(composition)s of %(outcome_children)s but %(share)s of the children enrolled.") % values


def findings(report: Any, outcome: str) -> list[str]:
    """Sentences for a dimension's calculated ratios, then for its alerts (a selectors.DimensionReport)."""
    sentences: list[str] = []
    for row in _calculated(report.rows):
        sentences.append(ratio_sentence(
            group=group_phrase(report.dimension, row.code, row.label), ratio=row.ratio, method=row.ratio_method,
            outcome=outcome, next_level_kind=report.next_level_kind,
        ))
    for row in report.rows:
        if row.alert and row.child_composition is not None and row.enrollment_share is not None:
            sentences.append(alert_sentence(
                group=group_phrase(report.dimension, row.code, row.label),
                child_composition=row.child_composition, enrollment_share=row.enrollment_share, outcome=outcome,
            ))
    return sentences


def _calculated(rows: Sequence[Any]) -> list[Any]:
    return [row for row in rows if row.ratio is not None and row.ratio > 0]
