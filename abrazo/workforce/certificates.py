"""Certificates of completion: their numbers, their public verification link, their content, the PDF, and
the email that sends a graduate their link.

The verification link carries a random secret; only its SHA-256 is stored (`certificate_token_hash`), so
a database dump, a replica or a backup verifies nothing and reveals no link. The secret exists in clear
only in the email to the graduate and, for the staff member who issued it, sealed with the field keys in
their session so that the certificate they print next carries the link. Reissuing makes a new secret and
the old link stops working.

The certificate is written in the graduate's preferred language (English or Spanish), on a printable page
and as a PDF drawn by fpdf2. The PDF uses DejaVu Sans when the machine has it: Latin letters with every accent
("Nguyễn"), Greek, Cyrillic and several other alphabets, but no Chinese, Japanese or Korean characters, which
fpdf2 leaves out of the page (with a warning in the log). Otherwise it uses PDF's built-in Helvetica, which
covers Spanish (Latin-1) fully, with letters outside Latin-1 written without their accents rather than dropped.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMessage
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django_tasks import task

from abrazo.audit import services as audit
from abrazo.audit.models import Action, Outcome
from abrazo.core import crypto
from abrazo.core.mail import deliver
from abrazo.workforce.models import Participant, ParticipantStatus

TOKEN_BYTES = 32  # 256 bits: a link cannot be guessed
MAX_TOKEN_LENGTH = 100  # token_urlsafe(32) is 43 characters; longer is not ours and is refused unhashed
NUMBER_PREFIX = "ABZ"
PARTICIPANT_TYPE = "workforce.participant"
# Where Debian (and most Linux distributions) keep DejaVu; the ABRAZO_PDF_FONT_DIR setting (read from the
# environment) is tried first.
DEFAULT_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF")
SESSION_KEY = "abrazo_certificate_links"
# A certificate spells the month out ("September 12, 2026", "12 de septiembre de 2026"); the site's own short
# English date ("Sept. 12, 2026") is for tables.
LONG_DATES = {"en": "F j, Y", "es": r"j \d\e F \d\e Y"}


# --- Numbers and secrets --------------------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


NUMBER_PATTERN = re.compile(rf"^{NUMBER_PREFIX}-(\d{{4}})-(\d+)$")


def next_number(*, network_id: UUID, year: int) -> str:
    """The next certificate number of the network for the year: ABZ-2026-0001, ABZ-2026-0002...

    The caller holds a lock that serialises completions in the network (the workforce settings row), so
    two completions cannot read the same last number; the unique constraint is the backstop."""
    prefix = f"{NUMBER_PREFIX}-{year}-"
    taken = Participant.objects.filter(network_id=network_id, certificate_number__startswith=prefix).values_list(
        "certificate_number", flat=True)
    last = max((int(match.group(2)) for n in taken if (match := NUMBER_PATTERN.match(n))), default=0)
    return f"{prefix}{last + 1:04d}"


def verify_path(token: str) -> str:
    return reverse("workforce:certificate-verify", kwargs={"token": token})


def verify_url(token: str) -> str:
    return str(getattr(settings, "ABRAZO_SITE_URL", "")).rstrip("/") + verify_path(token)


def language_of(participant: Participant) -> str:
    """The graduate's preferred language if Abrazo speaks it, English otherwise."""
    available = {code for code, _name in settings.LANGUAGES}
    return participant.preferred_language if participant.preferred_language in available else settings.LANGUAGE_CODE


# --- The staff member's copy of a fresh link --------------------------------------------------------------


def remember_issued(session: Any, *, participant_id: UUID, token: str) -> None:
    """Keep a just-issued link (sealed with the field keys) in the issuer's session, for the certificate they
    print next. One link per participant; it goes when the session ends."""
    issued = dict(session.get(SESSION_KEY) or {})
    issued[str(participant_id)] = crypto.encrypt(token)
    session[SESSION_KEY] = issued


def issued_token(session: Any, *, participant: Participant) -> str | None:
    """The link this session issued for the participant, if it is still the valid one."""
    sealed = (session.get(SESSION_KEY) or {}).get(str(participant.pk))
    if not sealed:
        return None
    try:
        token = crypto.decrypt(sealed)
    except crypto.FieldDecryptionError:
        return None
    return token if hash_token(token) == participant.certificate_token_hash else None


# --- What a certificate says ------------------------------------------------------------------------------


def hours_text(hours: Decimal) -> str:
    """27.00 -> "27", 25.50 -> "25.5" (with the active language's decimal separator)."""
    plain = f"{hours.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return formats.number_format(Decimal(plain))


@dataclass(frozen=True)
class CertificateContent:
    """Every line of one certificate, already in the certificate's language (for the page and the PDF)."""

    language: str
    valid: bool
    name: str
    cohort: str
    network: str
    number: str
    title: str
    certifies: str
    completed: str
    dates: str
    hours: str
    hours_value: str  # "27", "25,5"
    issued: str
    number_text: str
    verification: str
    verify_url: str  # "" when the link is not known here
    document_title: str
    issued_on: date | None


def content_for(participant: Participant, *, ce_hours: Decimal, token: str | None,
                language: str | None = None) -> CertificateContent:
    """The certificate of a graduate (cohort and network loaded), in `language` or the graduate's own."""
    cohort = participant.cohort
    network = cohort.network
    code = language if language in {c for c, _n in settings.LANGUAGES} else language_of(participant)
    url = verify_url(token) if token else ""
    with translation.override(code):
        def day(value: date | None) -> str:
            return formats.date_format(value, LONG_DATES.get(code, "DATE_FORMAT")) if value else ""

        if url:
            verification = _("Check that this certificate is valid at %(url)s") % {"url": url}
        elif network.contact_email:
            verification = _("To check that this certificate is valid, write to %(email)s quoting its number.") % {
                "email": network.contact_email}
        else:
            verification = _("To check that this certificate is valid, contact %(network)s quoting its number.") % {
                "network": network.name}
        title = _("Certificate of completion")
        return CertificateContent(
            language=code, valid=participant.status == ParticipantStatus.COMPLETED,
            name=participant.full_name, cohort=cohort.name, network=network.name,
            number=participant.certificate_number, title=title,
            certifies=_("This certifies that"),
            completed=_("has completed the training"),
            dates=_("from %(start)s to %(end)s") % {"start": day(cohort.starts_on), "end": day(cohort.ends_on)},
            hours=_("%(hours)s continuing-education hours") % {"hours": hours_text(ce_hours)},
            hours_value=hours_text(ce_hours),
            issued=_("Issued on %(date)s by %(network)s") % {"date": day(participant.completed_on),
                                                              "network": network.name},
            number_text=_("Certificate number %(number)s") % {"number": participant.certificate_number},
            verification=verification, verify_url=url,
            document_title=f"{title}: {participant.full_name}", issued_on=participant.completed_on,
        )


# --- The PDF ----------------------------------------------------------------------------------------------


def _font_dir() -> Path | None:
    configured = getattr(settings, "ABRAZO_PDF_FONT_DIR", "")
    for candidate in ([configured] if configured else []) + list(DEFAULT_FONT_DIRS):
        folder = Path(candidate)
        if (folder / "DejaVuSans.ttf").is_file() and (folder / "DejaVuSans-Bold.ttf").is_file():
            return folder
    return None


def latin1(text: str) -> str:
    """Text Helvetica can draw: Latin-1 as it is (all of Spanish), other letters without their accents
    ("Nguyễn" -> "Nguyen"), anything else as "?"."""
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            out.append(bare if bare and all(ord(c) < 256 for c in bare) else "?")
    return "".join(out)


USE_SYSTEM_FONT = object()  # render_pdf's default: DejaVu when the machine has it


def render_pdf(content: CertificateContent, *, font_dir: Any = USE_SYSTEM_FONT, compress: bool = True) -> bytes:
    """One landscape Letter page. `font_dir=None` forces the built-in Helvetica; `compress=False` leaves the
    page's text readable in the file (tests read it)."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    folder = _font_dir() if font_dir is USE_SYSTEM_FONT else (Path(font_dir) if font_dir else None)
    pdf = FPDF(orientation="L", unit="mm", format="Letter")
    pdf.set_compression(compress)
    pdf.set_auto_page_break(False)
    # Dated the day of completion, so that one certificate is the same file from one download to the next.
    pdf.set_creation_date(datetime.combine(content.issued_on or date.today(), time.min, tzinfo=UTC))
    pdf.set_title(content.document_title)
    pdf.set_author(content.network)
    pdf.set_subject(content.cohort)
    pdf.set_lang(content.language)
    if folder is not None:
        pdf.add_font("Certificate", "", str(folder / "DejaVuSans.ttf"))
        pdf.add_font("Certificate", "B", str(folder / "DejaVuSans-Bold.ttf"))
        family, text = "Certificate", (lambda value: value)
    else:
        family, text = "Helvetica", latin1
    pdf.add_page()
    width, height = pdf.w, pdf.h
    # A double frame, the colour of the site's headings.
    pdf.set_draw_color(31, 78, 121)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, width - 20, height - 20)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, width - 28, height - 28)

    def line(value: str, size: float, *, bold: bool = False, gap: float = 0, colour: tuple[int, int, int] = (0, 0, 0),
             link: str = "") -> None:
        pdf.set_font(family, "B" if bold else "", size)
        pdf.set_text_color(*colour)
        pdf.set_x(25)
        pdf.multi_cell(width - 50, size * 0.5, text(value), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT,
                       link=link)
        if gap:
            pdf.ln(gap)

    pdf.set_y(32)
    line(content.network, 14, colour=(31, 78, 121), gap=8)
    line(content.title, 30, bold=True, colour=(31, 78, 121), gap=10)
    line(content.certifies, 14, gap=4)
    line(content.name, 28, bold=True, gap=4)
    line(content.completed, 14, gap=3)
    line(content.cohort, 18, bold=True, gap=2)
    line(content.dates, 13, gap=6)
    line(content.hours, 16, bold=True, gap=12)
    line(content.issued, 12, gap=2)
    line(content.number_text, 12, gap=6)
    line(content.verification, 10, colour=(60, 60, 60), link=content.verify_url)
    return bytes(pdf.output())


# --- Public verification ----------------------------------------------------------------------------------


def _audit_public(participant: Participant, outcome: str = Outcome.ALLOWED) -> None:
    audit.record(user=None, action=Action.VIEW, object_type=PARTICIPANT_TYPE, object_id=str(participant.pk),
                 outcome=outcome)


def verify(*, token: str) -> Participant:
    """The participant a verification link names (cohort and network loaded), whether still valid or not;
    Http404 for a token that names nobody. Every look-up of a real certificate is audited (no user: the
    public asks)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise Http404
    participant = (
        Participant.objects.select_related("cohort__network")
        .filter(certificate_token_hash=hash_token(token)).exclude(certificate_token_hash="").first()
    )
    if participant is None:
        raise Http404
    valid = participant.status == ParticipantStatus.COMPLETED
    _audit_public(participant, Outcome.ALLOWED if valid else Outcome.DENIED)
    return participant


# --- The email --------------------------------------------------------------------------------------------


@task()
def send_certificate_link(participant_id: str, sealed_token: str) -> None:
    """Email the graduate their certificate link, in their language. A link replaced (reissued) or a
    completion withdrawn before the queue got here is not sent."""
    participant = Participant.objects.select_related("cohort__network").filter(pk=participant_id).first()
    if participant is None or participant.status != ParticipantStatus.COMPLETED:
        return
    token = crypto.decrypt(sealed_token)
    if hash_token(token) != participant.certificate_token_hash:
        return
    language = language_of(participant)
    network = participant.cohort.network
    with translation.override(language):
        context = {"participant": participant, "cohort": participant.cohort, "network": network,
                   "url": verify_url(token)}
        subject = render_to_string("workforce/certificates/email/certificate_subject.txt", context).strip()
        body = render_to_string("workforce/certificates/email/certificate_body.txt", context)
    reply_to = [network.contact_email] if network.contact_email else None
    deliver(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [participant.email], reply_to=reply_to,
                         headers={"Content-Language": language}))
