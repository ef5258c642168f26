"""A stored cross-site-scripting corpus, and the seeding that puts it in every free-text field of the records
the permission matrix builds (tests/security/matrix.py).

Every payload, were it to run, would either open a dialog (`alert`) or set `window.__xss`; the browser test
(tests/browser/test_xss_corpus.py) asserts neither happens, that no Content-Security-Policy violation is
reported (a blocked inline script or handler means the markup reached the page), and that the page holds no
element the payloads would add (an inline script, an `on...` attribute, a `javascript:` link).

The payloads were written for this project; they cover the usual ways text escapes its context: a raw tag,
an event handler, an attribute breakout, a `javascript:`/`data:` URL, SVG, closing `</textarea>`/`</script>`/
`</title>`, template syntax (Django's and others'), Markdown links and raw HTML (the library's Markdown
fields), HTML entities that a double decode would turn into tags, and the Unicode line separators that end a
JavaScript string in old engines.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from django.apps import apps
from django.core import validators
from django.db import models

# Short enough for most CharFields (the rotation below gives each field the payloads that fit it).
PAYLOADS: tuple[str, ...] = (
    "<script>window.__xss=1</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(2)>',
    "'><img src=x onerror=window.__xss=1>",
    "<svg/onload=alert(3)>",
    "</textarea><script>alert(4)</script>",
    "</script><script>alert(5)</script>",
    "</title><script>alert(6)</script>",
    "<a href=javascript:alert(7)>x</a>",
    "<iframe srcdoc='<script>alert(8)</script>'>",
    "<details open ontoggle=alert(9)>",
    '" autofocus onfocus="alert(10)',
    "' onmouseover='alert(11)",
    "&lt;script&gt;alert(12)&lt;/script&gt;",
    "&#60;img src=x onerror=alert(13)&#62;",
    "tpl{{7*7}}{{request.user}}tpl",
    "tpl{% now 'Y' %}{% debug %}tpl",
    "${alert(14)}#{7*7}",
    "\u2028\u2029</script><script>alert(15)</script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(16)>",
    "<body onload=alert(17)>",
    "<input onfocus=alert(18) autofocus>",
    "<object data=javascript:alert(19)>",
)
# For the library's Markdown fields (and any long text): links and images with active URLs, raw HTML.
MARKDOWN_PAYLOADS: tuple[str, ...] = (
    "[click me](javascript:alert(20))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgyMSk8L3NjcmlwdD4=)",
    "![img](javascript:alert(22))",
    '[title](https://example.org "x" onmouseover="alert(23)")',
    "<a href='javascript:alert(24)'>raw html link</a>",
    "[ref][1]\n\n[1]: javascript:alert(25)",
    "<https://example.org/\"onmouseover=\"alert(26)>",
    "[JaVaScRiPt](JAVASCRIPT:alert(27))",
    "[entity](&#106;avascript:alert(28))",
)
# For link fields (URLField): what an import or an API body could store without the form's validator.
URL_PAYLOADS: tuple[str, ...] = (
    "javascript:alert(29)",
    "JaVaScript:window.__xss=1",
    "data:text/html,<script>alert(30)</script>",
    "https://example.org/\"><script>alert(31)</script>",
)
# The distinctive pieces of text whose literal presence shows a payload came through (exports, PDFs).
TEMPLATE_MARKERS = ("tpl49", "tpl" + "{{", "tpl{%")
ALL_PAYLOADS = PAYLOADS + MARKDOWN_PAYLOADS + URL_PAYLOADS

SHORTEST_FIELD = 16  # a CharField shorter than this holds codes, not text a person writes
# Validators of free text. A field with any other validator (a regex, an email) holds a code or an address.
_FREE_TEXT_VALIDATORS = (validators.MaxLengthValidator, validators.ProhibitNullCharactersValidator)
# Free-text-looking fields that hold keys the code relies on (an unknown value would break the page, not test it).
_NOT_FREE_TEXT = {
    "password", "username", "email", "token", "key", "kind", "language", "preferred_language", "timezone",
    "checksum", "digest", "sha256", "content_type", "file_format", "status", "code", "slug", "external_id",
    "license_number", "postal_code", "phone", "fips", "secret", "hash", "token_hash", "prefix", "locale",
    "instrument_key", "topic_key", "filename", "stored_name", "path", "ip_address", "address", "user_agent",
    "object_type", "object_id", "action", "outcome", "role", "scope", "scopes", "idempotency_key", "verify_code",
    "serial", "number", "reference", "section", "setting_type", "county", "form", "field", "column", "item_key",
    # REDCap's data dictionary: expressions and types the measures engine parses, not prose
    "branching_logic", "calculation", "field_type", "validation", "validation_min", "validation_max",
    "question_number", "matrix_group", "redcap_form", "redcap_event", "redcap_record", "form_content_type",
}
# Free text under a code-like name: the identifier a program gives a child (Abrazo stores no child names), which
# people type and every child page shows.
_ALWAYS_FREE_TEXT = {("incidents.Child", "code"), ("consultations.Episode", "child_code")}
# Models whose rows are the machinery, not records a person reads (audit rows are written by the app itself;
# the outbox and task rows are queues).
_SKIPPED_MODELS = {"audit", "sessions", "django_tasks_database", "django_tasks_db", "admin", "contenttypes"}


@dataclass
class Seeded:
    """What was written: (model label, field name) -> the payloads stored there."""

    fields: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    rows: int = 0

    @property
    def payloads(self) -> set[str]:
        return set().union(*self.fields.values()) if self.fields else set()


def _is_free_text(model_field: models.Field) -> bool:  # type: ignore[type-arg]
    if not isinstance(model_field, (models.CharField, models.TextField)):
        return False
    if model_field.choices or model_field.primary_key or model_field.unique or not model_field.editable:
        return False
    if isinstance(model_field, (models.SlugField, models.EmailField, models.GenericIPAddressField)):
        return False
    if (model_field.model._meta.label, model_field.name) in _ALWAYS_FREE_TEXT:
        return True
    if model_field.name in _NOT_FREE_TEXT or model_field.name.endswith(("_code", "_key", "_hash", "_token", "_id")):
        return False
    if isinstance(model_field, models.URLField):
        return True
    if any(not isinstance(v, _FREE_TEXT_VALIDATORS) for v in model_field.validators):
        return False
    return model_field.max_length is None or model_field.max_length >= SHORTEST_FIELD


def free_text_fields(model: type[models.Model]) -> list[models.Field]:  # type: ignore[type-arg]
    return [f for f in model._meta.concrete_fields if _is_free_text(f)]


def _value_for(model_field: models.Field, turn: int, row_number: int) -> str:  # type: ignore[type-arg]
    """A payload for this field and row. Long text holds the whole corpus (Markdown payloads included); a
    CharField holds one payload that fits, a different one per row and field; a link holds an active URL. A row
    number is appended so that names unique per network stay unique."""
    suffix = f" #{row_number}"
    if isinstance(model_field, models.URLField):
        return URL_PAYLOADS[turn % len(URL_PAYLOADS)][: model_field.max_length]
    if model_field.max_length is None:
        return "\n".join((*PAYLOADS, *MARKDOWN_PAYLOADS)) + suffix
    fitting = [p for p in PAYLOADS if len(p) + len(suffix) <= model_field.max_length]
    if not fitting:
        return PAYLOADS[turn % len(PAYLOADS)][: model_field.max_length]
    return fitting[turn % len(fitting)] + suffix


def seed_corpus() -> Seeded:
    """Write the corpus into every free-text field of every row of the project's own models (people's names too).

    The records themselves were made by the factories (through the matrix world); the text is written with
    queryset.update so that the form validators, which would refuse some payloads (a `javascript:` link), do not
    stand between the corpus and the pages: the pages must be safe whatever the database holds (imports, the
    API and the admin write there too).
    """
    seeded = Seeded()
    counter = itertools.count()
    for model in apps.get_models():
        label = model._meta.app_label
        module = model.__module__
        if label in _SKIPPED_MODELS or model._meta.proxy or not model._meta.managed:
            continue
        if not module.startswith("abrazo."):
            continue
        text_fields = free_text_fields(model)
        if not text_fields:
            continue
        for pk in model._default_manager.values_list("pk", flat=True):
            row_number = next(counter)
            values = {}
            for turn, model_field in enumerate(text_fields, start=row_number):
                value = _value_for(model_field, turn, row_number)
                values[model_field.attname] = value
                seeded.fields.setdefault((model._meta.label, model_field.name), set()).add(value)
            model._default_manager.filter(pk=pk).update(**values)
            seeded.rows += 1
    return seeded


# --- what a page must not hold ------------------------------------------------------------------------------

# Run in the page: everything the payloads would add to the DOM were they markup rather than text. The app's
# own pages have none of these (the CSP forbids inline scripts and handlers; links are http(s), mailto, tel or
# relative), so each hit is an injection.
DOM_PROBE = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.getAttributeNames()) {
      if (attr.startsWith('on')) found.push(`${el.tagName.toLowerCase()}[${attr}]`);
      if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'srcdoc'].includes(attr)) {
        const value = (el.getAttribute(attr) || '').replace(/[\\s\\u0000-\\u001f]+/g, '').toLowerCase();
        if (attr === 'srcdoc' || value.startsWith('javascript:') || value.startsWith('vbscript:') ||
            (value.startsWith('data:') && !value.startsWith('data:image/'))) {
          found.push(`${el.tagName.toLowerCase()}[${attr}=${value.slice(0, 40)}]`);
        }
      }
    }
  }
  for (const script of document.querySelectorAll('script')) {
    if (!script.src && !['application/json', 'application/ld+json'].includes(script.type)) {
      found.push('inline script: ' + script.textContent.slice(0, 60));
    }
  }
  for (const tag of ['iframe', 'object', 'embed', 'base']) {
    for (const el of document.querySelectorAll(tag)) found.push(tag);
  }
  return {
    found,
    xss: typeof window.__xss,
    dialogs: window.__dialogs || 0,
    violations: window.__cspViolations || [],
    templateRendered: document.documentElement.innerHTML.includes('tpl49') ||
      /tpl\\d{4}/.test(document.documentElement.innerHTML),
  };
}"""

# Added to every page before its own scripts: records CSP violations and replaces alert/confirm/prompt with
# counters (a dialog would also be seen by Playwright's "dialog" event; both are checked).
INIT_SCRIPT = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${(e.sample || '').slice(0, 60)}`);
});
"""
