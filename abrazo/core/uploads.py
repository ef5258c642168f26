"""A check every uploaded file passes, whatever it is for: it must not carry malware.

Two layers:

- a signature gate, always on: files holding the EICAR anti-virus test string are refused, so that the refusal
  path (message, nothing stored) is exercised end to end and a deployment can prove it is wired in. It does not
  recognise real malware;
- a real scanner, when ABRAZO_CLAMD_ADDRESS names a ClamAV daemon (`unix:/run/clamav/clamd.ctl` or
  `tcp:host:3310`): the file is streamed to it with clamd's INSTREAM command. The check fails closed: if the
  scanner cannot be reached or answers with an error, the upload is refused (and logged), since storing an
  unchecked file would break the promise silently.

Each upload's own checks (size, content type by its first bytes, a generated stored name) are kept beside that
upload.
"""

from __future__ import annotations

import logging
import socket
import struct
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# The EICAR test string, assembled so that this source file does not itself carry it (a scanner on a
# developer's machine or in CI would otherwise quarantine it).
_EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-" + "ANTIVIRUS-TEST-FILE!" + "$H+H*"
SIGNATURES: tuple[bytes, ...] = (_EICAR.encode("ascii"),)
CHUNK_BYTES = 1024 * 1024

MALWARE_MESSAGE = _(
    "This file was refused: it carries the signature of a known virus test file. Nothing was saved. "
    "If you believe the file is safe, ask your administrator."
)


SCANNER_FOUND_MESSAGE = _(
    "This file was refused: the virus scanner found something harmful in it. Nothing was saved. "
    "If you believe the file is safe, ask your administrator."
)
SCANNER_UNAVAILABLE_MESSAGE = _(
    "This file could not be checked for viruses just now, so it was not saved. Try again in a few minutes; if "
    "it keeps happening, tell your administrator."
)


class ScannerUnavailable(Exception):
    """The virus scanner could not give a verdict (unreachable, timed out, or answered with an error)."""


def _rewound(upload: IO[bytes] | Any) -> tuple[Any, int]:
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    return upload, position


def _connect(address: str, timeout: float) -> socket.socket:
    """`unix:/path` or `tcp:host:port` (a bare `host:port` is TCP too)."""
    if address.startswith("unix:"):
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(timeout)
        connection.connect(address.removeprefix("unix:"))
        return connection
    host, _colon, port = address.removeprefix("tcp:").rpartition(":")
    return socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout)


def clamd_scan(upload: IO[bytes] | Any, address: str, *, timeout: float = 30.0) -> str | None:
    """Stream the file to clamd (INSTREAM: each chunk behind its length as 4 bytes, big-endian, then a zero
    length) and read its one-line verdict. Returns the name of what was found, or None for a clean file; raises
    ScannerUnavailable when there is no verdict. The read position is put back where it was."""
    upload, position = _rewound(upload)
    try:
        with _connect(address, timeout) as connection:
            connection.sendall(b"zINSTREAM\0")
            while chunk := upload.read(CHUNK_BYTES):
                connection.sendall(struct.pack("!L", len(chunk)) + chunk)
            connection.sendall(struct.pack("!L", 0))
            answer = b""
            while not answer.endswith(b"\0") and (received := connection.recv(4096)):
                answer += received
    except (OSError, ValueError) as exc:
        raise ScannerUnavailable(f"clamd at {address}: {exc.__class__.__name__}") from exc
    finally:
        upload.seek(position)
    verdict = answer.rstrip(b"\0").decode("utf-8", errors="replace").strip()
    # "stream: OK", "stream: <name> FOUND", or "<reason> ERROR"
    if verdict.endswith(" FOUND"):
        return verdict.removeprefix("stream:").removesuffix(" FOUND").strip() or "unnamed"
    if verdict == "stream: OK":
        return None
    raise ScannerUnavailable(f"clamd at {address} answered {verdict[:200]!r}")


def carries_signature(upload: IO[bytes] | Any) -> bool:
    """Whether any known signature appears anywhere in the file, read in chunks that overlap by a signature's
    length (so one cut across a chunk boundary is found). The read position is put back where it was."""
    overlap = max(len(signature) for signature in SIGNATURES) - 1
    upload, position = _rewound(upload)
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
    """A form field validator (and a service check): refuse a file that carries a known signature, and, where a
    scanner is configured, one it finds harmful or cannot check."""
    if upload is None:
        return
    if carries_signature(upload):
        raise ValidationError(MALWARE_MESSAGE, code="malware")
    address = getattr(settings, "ABRAZO_CLAMD_ADDRESS", "")
    if not address:
        return
    try:
        found = clamd_scan(upload, address, timeout=getattr(settings, "ABRAZO_CLAMD_TIMEOUT", 30.0))
    except ScannerUnavailable as exc:
        logger.warning("upload refused: the virus scanner gave no verdict (%s)", exc)
        raise ValidationError(SCANNER_UNAVAILABLE_MESSAGE, code="scanner_unavailable") from exc
    if found is not None:
        # the name comes from clamd's signature database, not from the file; the file's own name is not logged
        logger.warning("upload refused: the virus scanner found %s", found)
        raise ValidationError(SCANNER_FOUND_MESSAGE, code="malware")
