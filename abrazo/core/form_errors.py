"""Showing a service's refusal on the form that asked for it."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def add_service_problem(form: forms.BaseForm, problem: ValidationError) -> None:
    """Put a service's ValidationError on the form: each message on the field it names when the form shows that
    field, else above the form (a service may judge a field this form does not have, e.g. a rule about the
    record as a whole), so that no message is lost and nothing raises while the page is redrawn."""
    if hasattr(problem, "error_dict"):
        for name, errors in problem.error_dict.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        for message in problem.messages:
            form.add_error(None, message)
