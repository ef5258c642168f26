"""Helpers for the workforce browser journeys: a cohort taking applications, the Spanish a page should show,
the email sent to one address, and the text of a certificate PDF.

The text is read from the PDF itself (fpdf2 writes each font's ToUnicode map), so the journey checks what a
reader of the file sees without a PDF library or poppler on the machine.
"""

from __future__ import annotations

import re
import zlib
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext

from abrazo.workforce.models import Cohort, CohortStatus
from abrazo.workforce.tests.factories_cohort import cohort_with_sessions

PHONE = {"width": 390, "height": 844}


def phone_context(browser: Any) -> Any:
    """A phone-sized browser with no account and an English locale (the person picks Spanish on the page)."""
    return browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)


def recruiting_cohort(*, network: Any, region: Any, today: date, name: str, sessions: int,
                      hours: Decimal, capacity: int = 12) -> Cohort:
    """A cohort taking applications for three more weeks, starting in a month, with its sessions planned."""
    cohort = cohort_with_sessions(
        network=network, region=region, name=name, sessions=sessions, hours=hours, assignments=0,
        status=CohortStatus.RECRUITING, starts_on=today + timedelta(days=30), ends_on=today + timedelta(days=120),
        applications_close_on=today + timedelta(days=21), capacity=capacity,
        description_en="Monthly sessions on reflective practice with young children's teachers.",
        description_es="Sesiones mensuales de práctica reflexiva con maestras de niños pequeños.",
    )
    for session in cohort.sessions.all():
        session.held_on = cohort.starts_on + timedelta(days=30 * (session.number - 1))
        session.save(update_fields=["held_on"])
    return cohort


def run_cohort(cohort: Cohort, *, today: date) -> Cohort:
    """Months go by: the cohort is under way and every session has been held (the last one yesterday)."""
    count = cohort.sessions.count()
    starts = today - timedelta(days=30 * (count - 1) + 1)
    Cohort.objects.filter(pk=cohort.pk).update(status=CohortStatus.IN_PROGRESS, starts_on=starts,
                                               ends_on=today, applications_close_on=starts - timedelta(days=9))
    for session in cohort.sessions.all():
        session.held_on = starts + timedelta(days=30 * (session.number - 1))
        session.save(update_fields=["held_on"])
    cohort.refresh_from_db()
    return cohort


def spanish(message: str, **values: Any) -> str:
    """What the Spanish page says for `message` (the English text until a translation is written)."""
    with translation.override("es"):
        text = gettext(message)
    return text % values if values else text


def spanish_date(day: date, pattern: str = "j F Y") -> str:
    """A date spelled out in Spanish ("12 marzo 2026"): Django's own month names, whatever our catalogue holds."""
    with translation.override("es"):
        return formats.date_format(day, pattern)


def spanish_number(value: Decimal) -> str:
    with translation.override("es"):
        return formats.number_format(value)


def messages_to(outbox: list[Any], address: str) -> list[Any]:
    return [message for message in outbox if address in message.to]


# --- The text of a PDF ----------------------------------------------------------------------------------

_OBJECT = re.compile(rb"(\d+)\s+\d+\s+obj\b")
_LENGTH = re.compile(rb"/Length\s+(\d+)")


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Every object of the file: its dictionary and, for a stream, the stream's bytes (inflated)."""
    found: dict[int, tuple[bytes, bytes | None]] = {}
    for match in _OBJECT.finditer(data):
        start = match.end()
        end = data.find(b"endobj", start)
        marker = data.find(b"stream", start)
        if marker == -1 or marker > end:
            found[int(match.group(1))] = (data[start:end], None)
            continue
        head = data[start:marker]
        length = _LENGTH.search(head)
        begin = marker + len(b"stream")
        begin += 2 if data[begin:begin + 2] == b"\r\n" else 1
        raw = data[begin:begin + int(length.group(1))] if length else data[begin:data.find(b"endstream", begin)]
        body = zlib.decompress(raw) if b"/FlateDecode" in head else raw
        found[int(match.group(1))] = (head, body)
    return found


def _hex(value: bytes) -> bytes:
    return bytes.fromhex(value.decode("ascii"))


def _cmap(stream: bytes) -> dict[bytes, str]:
    """A ToUnicode map: character code (as bytes) -> text."""
    mapping: dict[bytes, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
        for source, target in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[_hex(source)] = _hex(target).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
        for low, high, target in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            width, first, last = len(low) // 2, int(low, 16), int(high, 16)
            base = int(target, 16)
            for offset in range(last - first + 1):
                mapping[(first + offset).to_bytes(width, "big")] = chr(base + offset)
    return mapping


_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}


def _tokens(content: bytes) -> Any:
    """The tokens of a content stream: ("str", bytes) for strings, ("op", bytes) for everything else."""
    i, size = 0, len(content)
    while i < size:
        char = content[i]
        if chr(char).isspace():
            i += 1
        elif char == ord("("):
            depth, i, out = 1, i + 1, bytearray()
            while depth:
                char = content[i]
                if char == ord("\\"):
                    following = content[i + 1]
                    if chr(following).isdigit():
                        digits = re.match(rb"[0-7]{1,3}", content[i + 1:i + 4])
                        assert digits is not None
                        out.append(int(digits.group(0), 8) & 0xFF)
                        i += 1 + len(digits.group(0))
                        continue
                    out += _ESCAPES.get(following, bytes([following]))
                    i += 2
                    continue
                depth += {ord("("): 1, ord(")"): -1}.get(char, 0)
                if depth:
                    out.append(char)
                i += 1
            yield "str", bytes(out)
        elif char == ord("<") and content[i + 1:i + 2] != b"<":
            end = content.index(b">", i)
            yield "str", _hex(re.sub(rb"\s", b"", content[i + 1:end]))
            i = end + 1
        elif char in b"[]":
            yield "op", bytes([char])
            i += 1
        else:
            word = re.match(rb"/?[^\s()<>\[\]/]+|<<|>>|/", content[i:])
            assert word is not None
            yield "op", word.group(0)
            i += len(word.group(0))


def _decode(value: bytes, mapping: dict[bytes, str] | None) -> str:
    if mapping is None:  # a built-in font: the bytes are Latin-1
        return value.decode("latin-1")
    width = len(next(iter(mapping))) if mapping else 1
    return "".join(mapping.get(value[i:i + width], "") for i in range(0, len(value), width))


def pdf_text(data: bytes) -> str:
    """The text drawn on the pages of a PDF, one line per text object, in drawing order."""
    objects = _objects(data)
    fonts: dict[bytes, dict[bytes, str] | None] = {}
    for head, _stream in objects.values():
        for block in re.findall(rb"/Font\s*<<(.*?)>>", head, re.S):
            for name, number in re.findall(rb"/([^\s/]+)\s+(\d+)\s+\d+\s+R", block):
                font_head = objects.get(int(number), (b"", None))[0]
                unicode_map = re.search(rb"/ToUnicode\s+(\d+)\s+\d+\s+R", font_head)
                stream = objects.get(int(unicode_map.group(1)), (b"", None))[1] if unicode_map else None
                fonts[b"/" + name] = _cmap(stream) if stream else None
    lines: list[str] = []
    for head, stream in objects.values():
        if stream is None or b"BT" not in stream or b"/Type /XObject" in head or b"beginbfchar" in stream:
            continue
        font: dict[bytes, str] | None = None
        operands: list[tuple[str, bytes]] = []
        line: list[str] = []
        for kind, value in _tokens(stream):
            if kind == "str" or value in (b"[", b"]") or not value.isalpha():
                operands.append((kind, value))
                continue
            if value == b"Tf":
                names = [v for k, v in operands if k == "op" and v.startswith(b"/")]
                font = fonts.get(names[-1]) if names else None
            elif value in (b"Tj", b"TJ"):
                line.append("".join(_decode(v, font) for k, v in operands if k == "str"))
            elif value == b"ET":
                lines.append("".join(line))
                line = []
            operands = []
    return "\n".join(text for text in lines if text.strip())
