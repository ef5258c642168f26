"""Writes for administrations: scheduling, recording answers (from the form, a survey link or REDCap),
scoring them, cancelling. The registry's writes are in `services.py`; this module is the same kind of
thing for the answers, kept apart because the two change for different reasons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from abrazo.measures.models import Administration


def administration_record_answers(
    *,
    actor: Any,  # the signed-in user, or None when a respondent answers through a survey link
    administration: Administration,
    answers: Mapping[str, Any],  # item key -> text, or a list of codes for a checkbox (REDCap's shape)
    language: str,
    source: str,  # an AnswerSource value
    respondent_consent: bool | None = None,
    completed_on: Any = None,  # a date; today when None
) -> Administration:
    """Validate the answers against the instrument (ranges, choices, required items shown by branching
    logic), score them with the engine, store answers and scores, mark the administration completed and
    audit the change. Raises `AnswersRejected` with every problem (item, message code, values) when any
    answer is not acceptable; nothing is saved then."""
    raise NotImplementedError
