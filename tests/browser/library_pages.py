"""Helpers for the library's browser journey: a small library in English and Spanish, the Spanish a page should
show, and a watch on what a public page loads (its headers, where its scripts come from, what the browser refused).

The Spanish texts are looked up in the catalogue (as in workforce_pages), so the journey holds before and after the
library's strings are translated; what Django writes itself in Spanish (its own messages, month names) is checked
as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from django.utils import formats, translation
from django.utils.translation import gettext, ngettext

from abrazo.library.models import Audience, Resource, ResourceKind, Topic
from abrazo.library.tests.factories_resource import ResourceFactory, TopicFactory, translation_of

PHONE = {"width": 390, "height": 844}


def spanish(message: str, **values: Any) -> str:
    """What a Spanish page says for `message` (the English text until a translation is written)."""
    with translation.override("es"):
        text = gettext(message)
    return text % values if values else text


def spanish_plural(singular: str, plural: str, count: int) -> str:
    """A {% blocktranslate count %} message in Spanish, with its counter filled in."""
    with translation.override("es"):
        return ngettext(singular, plural, count) % {"counter": count}


def spanish_label(choice: Any) -> str:
    """A model choice's label (a lazy string) as a Spanish page shows it."""
    with translation.override("es"):
        return str(choice.label)


def spanish_date(day: date) -> str:
    """A date as DATE_FORMAT writes it on a Spanish page ("12 de marzo de 2026")."""
    with translation.override("es"):
        return formats.date_format(day, "DATE_FORMAT")


# --- The library the journey starts from ----------------------------------------------------------------------


@dataclass
class Library:
    """A network's published resources: tantrums (berrinches) for families and for providers in both languages,
    a Spanish-only guide that says "berrinche" once in its title, and two that no search for tantrums finds."""

    behavior: Topic
    feelings: Topic
    tantrums_en: Resource  # for families
    tantrums_es: Resource
    corner_en: Resource  # for child care providers only
    corner_es: Resource
    singular_es: Resource  # "berrinche" (singular) in its title only, for families
    sleep_es: Resource  # Spanish, for families, about sleep: never matches
    reading_en: Resource  # English, for families, about reading: never matches


def library_for(network: Any) -> Library:
    behavior = TopicFactory(network=network, key="challenging-behavior", name_en="Challenging behavior",
                            name_es="Conducta desafiante", position=1)
    feelings = TopicFactory(network=network, key="big-feelings", name_en="Big feelings",
                            name_es="Emociones fuertes", position=2)
    tantrums_en = ResourceFactory(
        network=network, title="Tantrums: what helps in the moment", kind=ResourceKind.TIP_SHEET,
        summary="Calm, simple steps for parents when a toddler's feelings boil over.", topics=[behavior, feelings],
        audiences=[Audience.FAMILIES], source_organisation="Zero to Three",
    )
    tantrums_es = translation_of(
        tantrums_en, title="Berrinches: qué ayuda en el momento",
        summary="Pasos sencillos y tranquilos para acompañar los berrinches de los niños pequeños en casa.",
    )
    corner_en = ResourceFactory(
        network=network, title="A calm-down corner for the classroom", kind=ResourceKind.VIDEO,
        summary="How teachers set up a quiet corner where children learn to settle big feelings.",
        topics=[behavior], audiences=[Audience.PROVIDERS], source_organisation="ECLKC",
    )
    corner_es = translation_of(
        corner_en, title="Un rincón de calma en el salón",
        summary="Cómo las maestras preparan un rincón tranquilo para los berrinches y las emociones fuertes.",
    )
    singular_es = ResourceFactory(
        network=network, language="es", title="Cuando llega el berrinche: guía para familias",
        summary="Qué decir, qué no decir y cómo cuidarse a uno mismo mientras el niño se calma.",
        kind=ResourceKind.PDF, topics=[feelings], audiences=[Audience.FAMILIES],
        source_organisation="First 5 California",
    )
    sleep_es = ResourceFactory(
        network=network, language="es", title="Dormir bien: rutinas para bebés",
        summary="Rutinas de la noche que ayudan a los bebés y a sus familias a descansar.",
        audiences=[Audience.FAMILIES],
    )
    reading_en = ResourceFactory(
        network=network, title="Reading together every night", summary="Why bedtime stories matter.",
        audiences=[Audience.FAMILIES],
    )
    return Library(behavior=behavior, feelings=feelings, tantrums_en=tantrums_en, tantrums_es=tantrums_es,
                   corner_en=corner_en, corner_es=corner_es, singular_es=singular_es, sleep_es=sleep_es,
                   reading_en=reading_en)


# --- What a public page loads -----------------------------------------------------------------------------------


@dataclass
class Watch:
    """Everything a browser context fetched, the headers of every page it opened, and what its pages' consoles
    said about refused content. Attach it before the first page opens."""

    origin: str
    documents: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (url, headers) of every page
    requests: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    def attach(self, context: Any) -> Watch:
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("response", self._response)
        context.on("console", self._console)
        return self

    def _response(self, response: Any) -> None:
        if response.request.resource_type == "document":
            self.documents.append((response.url, response.headers))

    def _console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.refusals.append(text)

    def foreign_requests(self) -> list[str]:
        """Anything fetched from another site (a tracker, a CDN, a font service)."""
        return [url for url in self.requests
                if urlsplit(url).scheme in ("http", "https", "ws", "wss")
                and urlsplit(url).netloc != urlsplit(self.origin).netloc]

    def pages_without_policy(self) -> list[str]:
        """Pages that came without a Content-Security-Policy that keeps scripts to this site, inline ones out."""
        missing = []
        for url, headers in self.documents:
            policy = headers.get("content-security-policy", "")
            directives = {part.strip().split(" ", 1)[0]: part.strip() for part in policy.split(";") if part.strip()}
            script = directives.get("script-src", directives.get("default-src", ""))
            if script != "script-src 'self'" or "unsafe-inline" in policy:
                missing.append(f"{url}: {policy or '(none)'}")
        return missing


def scripts_of(page: Any) -> list[dict[str, str]]:
    """Every <script> of the page now: where it comes from, and the start of its text when it has one."""
    return page.eval_on_selector_all(
        "script", "els => els.map(e => ({src: e.src, type: e.type, text: (e.textContent || '').trim().slice(0, 80)}))")


def third_party_or_inline_scripts(page: Any, origin: str) -> list[dict[str, str]]:
    """Scripts that run and are not a file of this site: an inline script or one from another origin. A JSON data
    block does not run, so it does not count."""
    host = urlsplit(origin).netloc
    found = []
    for script in scripts_of(page):
        if script["src"]:
            if urlsplit(script["src"]).netloc != host:
                found.append(script)
        elif script["text"] and script["type"] not in ("application/json", "application/ld+json"):
            found.append(script)
    return found
