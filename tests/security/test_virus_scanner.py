"""Uploads go past a real virus scanner when one is configured (ABRAZO_CLAMD_ADDRESS), and the check fails closed.

ClamAV's daemon cannot run here (its signature database comes from the internet), so a small stand-in speaks
clamd's INSTREAM protocol on a TCP port or a unix socket: it reassembles the length-prefixed chunks, keeps what it
received, and answers with the verdict the test chose. That proves the client's side of the protocol (framing,
chunking, the zero-length end, reading the verdict) and what the application does with each answer.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from abrazo.core import uploads
from abrazo.core.uploads import ScannerUnavailable, clamd_scan, refuse_malware_signature


@dataclass
class FakeClamd:
    """One clamd stand-in; `verdict` is what it answers next, `received` what it was sent, per connection."""

    verdict: bytes = b"stream: OK"
    received: list[bytes] = field(default_factory=list)
    commands: list[bytes] = field(default_factory=list)
    hang: bool = False

    def serve(self, listener: socket.socket) -> None:
        while True:
            try:
                connection, _address = listener.accept()
            except OSError:
                return
            with connection:
                self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        stream = connection.makefile("rb")
        command = b""
        while not command.endswith(b"\0"):
            byte = stream.read(1)
            if not byte:
                return
            command += byte
        self.commands.append(command)
        body = b""
        while True:
            (length,) = struct.unpack("!L", stream.read(4))
            if length == 0:
                break
            body += stream.read(length)
        self.received.append(body)
        if self.hang:
            threading.Event().wait(3)
            return
        connection.sendall(self.verdict + b"\0")


def _serve(listener: socket.socket) -> Iterator[FakeClamd]:
    fake = FakeClamd()
    thread = threading.Thread(target=fake.serve, args=(listener,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        listener.close()
        thread.join(timeout=5)


@pytest.fixture
def tcp_clamd(settings) -> Iterator[FakeClamd]:
    listener = socket.create_server(("127.0.0.1", 0))
    settings.ABRAZO_CLAMD_ADDRESS = f"tcp:127.0.0.1:{listener.getsockname()[1]}"
    settings.ABRAZO_CLAMD_TIMEOUT = 1.0
    yield from _serve(listener)


@pytest.fixture
def unix_clamd(settings, tmp_path: Path) -> Iterator[FakeClamd]:
    path = tmp_path / "clamd.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen()
    settings.ABRAZO_CLAMD_ADDRESS = f"unix:{path}"
    yield from _serve(listener)


def test_a_clean_file_is_streamed_whole_across_several_chunks_and_accepted(tcp_clamd, monkeypatch):
    monkeypatch.setattr(uploads, "CHUNK_BYTES", 1000)  # so 2,500 bytes go as three chunks
    content = bytes(range(256)) * 9 + b"end"
    upload = BytesIO(content)
    upload.seek(17)
    refuse_malware_signature(upload)
    assert tcp_clamd.commands == [b"zINSTREAM\0"]
    assert tcp_clamd.received == [content]
    assert upload.tell() == 17  # the read position is put back for whoever stores the file


def test_a_file_the_scanner_flags_is_refused_in_the_persons_language(tcp_clamd, caplog):
    from django.utils import translation

    tcp_clamd.verdict = b"stream: Win.Test.Planted-1 FOUND"
    upload = SimpleUploadedFile("consent.pdf", b"%PDF-1.4 looks harmless", content_type="application/pdf")
    with translation.override("es"):
        with pytest.raises(ValidationError) as refused:
            refuse_malware_signature(upload)
        message = str(refused.value.messages[0])  # the message is lazy: read it in the person's language
    assert refused.value.code == "malware"
    assert "antivirus" in message and "No se guardó nada" in message
    assert "Win.Test.Planted-1" in caplog.text and "consent.pdf" not in caplog.text


def test_the_unix_socket_address_works_too(unix_clamd):
    assert clamd_scan(BytesIO(b"hello"), uploads.settings.ABRAZO_CLAMD_ADDRESS) is None
    unix_clamd.verdict = b"stream: Eicar-Test-Signature FOUND"
    assert clamd_scan(BytesIO(b"hello"), uploads.settings.ABRAZO_CLAMD_ADDRESS) == "Eicar-Test-Signature"


@pytest.mark.parametrize(
    "verdict",
    [b"INSTREAM size limit exceeded. ERROR", b"UNKNOWN COMMAND", b""],
    ids=["size-limit", "unknown", "empty"],
)
def test_an_answer_that_is_not_a_verdict_refuses_the_upload(tcp_clamd, verdict):
    tcp_clamd.verdict = verdict
    with pytest.raises(ValidationError) as refused:
        refuse_malware_signature(BytesIO(b"some file"))
    assert refused.value.code == "scanner_unavailable"


def test_a_scanner_that_is_down_refuses_the_upload_rather_than_storing_it_unchecked(settings, caplog):
    spare = socket.create_server(("127.0.0.1", 0))
    port = spare.getsockname()[1]
    spare.close()  # nothing listens there now
    settings.ABRAZO_CLAMD_ADDRESS = f"tcp:127.0.0.1:{port}"
    with pytest.raises(ValidationError) as refused:
        refuse_malware_signature(BytesIO(b"some file"))
    assert refused.value.code == "scanner_unavailable"
    assert "could not be checked for viruses" in refused.value.messages[0]
    assert "no verdict" in caplog.text


def test_a_scanner_that_never_answers_times_out_and_refuses(tcp_clamd):
    tcp_clamd.hang = True
    with pytest.raises(ScannerUnavailable):
        clamd_scan(BytesIO(b"some file"), uploads.settings.ABRAZO_CLAMD_ADDRESS, timeout=0.5)


def test_the_eicar_gate_still_runs_first_and_without_a_scanner(settings):
    settings.ABRAZO_CLAMD_ADDRESS = ""
    eicar = BytesIO(uploads.SIGNATURES[0])
    with pytest.raises(ValidationError) as refused:
        refuse_malware_signature(eicar)
    assert refused.value.code == "malware"
    refuse_malware_signature(BytesIO(b"an ordinary file"))  # no scanner configured: accepted


@pytest.mark.django_db
def test_a_consent_form_the_scanner_flags_is_not_stored(tcp_clamd, world, settings, tmp_path):
    # the same refusal, through a real upload path: the signed consent form of an episode
    from abrazo.consultations import services as consultations
    from abrazo.consultations.models import ConsentRelationship
    from abrazo.consultations.tests.factories import EpisodeFactory

    settings.MEDIA_ROOT = str(tmp_path / "media")
    episode = EpisodeFactory(program=world.program_a, consultant=world.people["consultant"].consultant_profile)
    tcp_clamd.verdict = b"stream: Pdf.Exploit.Planted-2 FOUND"
    scanned = SimpleUploadedFile("firmado.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    with pytest.raises(ValidationError):
        consultations.consent_record(
            actor=world.people["consultant"],
            episode=episode,
            given_by_name="Rosa Martínez",
            relationship=ConsentRelationship.values[0],
            given_on=episode.opened_at.date(),
            scope="Observation",
            form=scanned,
        )
    assert tcp_clamd.received == [b"%PDF-1.4\n%%EOF\n"]
    assert episode.consents.count() == 0
    assert not any((tmp_path / "media").rglob("*.pdf"))
