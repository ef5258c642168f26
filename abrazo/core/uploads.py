"""A check every uploaded file passes, whatever it is for: it must not carry a malware signature.

This is a signature gate, not a virus scanner. It refuses files holding the EICAR anti-virus test string, so
that the refusal path (message, nothing stored) is exercised end to end and a deployment can prove it is
wired in; it does not recognise real malware. Production should also run uploads past a real scanner (for
example ClamAV through clamd) before storing them; see docs/security.md. Each upload's own checks (size,
content type by its first bytes, a generated stored name) are kept beside that upload.
"""

from __future__ import annotations

from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The EICAR test string, assembled so that this source file does not itself carry it (a scanner on a
# developer's machine or in CI would otherwise quarantine it).
_EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-" + "ANTIVIRUS-TEST-FILE!" + "$H+H*"
SIGNATURES: tuple[bytes, ...] = (_EICAR.encode("ascii"),)
CHUNK_BYTES = 1024 * 1024

MALWARE_MESSAGE = _(
    "This file was refused: it carries the signature of a known virus test file. Nothing was saved. "
    "If you believe the file is safe, ask your administrator."
)


def carries_signature(upload: IO[bytes] | Any) -> bool:
    """Whether any known signature appears anywhere in the file, read in chunks that overlap by a signature's
    length (so one cut across a chunk boundary is found). The read position is put back where it was."""
    overlap = max(len(signature) for signature in SIGNATURES) - 1
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    try:
        tail = b""
        while chunk := upload.read(CHUNK_BYTES):
            window = tail + chunk
            if any(signature in window for signature in SIGNATURES):
                return True
            tail = window[-overlap:]
        return False
    finally:
        upload.seek(position)


def refuse_malware_signature(upload: IO[bytes] | Any) -> None:
    """A form field validator (and a service check): refuse a file that carries a known signature."""
    if upload is not None and carries_signature(upload):
        raise ValidationError(MALWARE_MESSAGE, code="malware")
