"""Log lines that cannot be forged.

Values that reach a log come from outside: the username typed on a failed sign-in, a search query, an
uploaded file's name, the request path, X-Forwarded-For, User-Agent. A carriage return or line feed in one
of them would let the sender start a line of their own ("... 200\\n2026-01-01 INFO admin signed in"), and
other control characters (escape sequences, NUL, the Unicode line and paragraph separators) can rewrite
what a terminal or a log viewer shows. `SafeFormatter` writes every event as exactly one line: control
characters in the message, its arguments and any traceback are written as visible escapes (\\n, \\r,
\\x1b, \\u2028), so a reader sees what was sent and a log parser sees one event.
"""

from __future__ import annotations

import logging
import re

# C0 controls (tab included: it can shift columns in a fixed-layout log), DEL, C1 controls, and the Unicode
# line/paragraph separators that some viewers break lines on.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u0085]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_one(match: re.Match[str]) -> str:
    character = match.group()
    if character in _NAMED:
        return _NAMED[character]
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_control_characters(text: str) -> str:
    """`text` with every control character written as a visible escape (a backslash is left as it is: the
    escapes are for reading, the original bytes are not meant to be recovered from them)."""
    return _CONTROL.sub(_escape_one, text)


class SafeFormatter(logging.Formatter):
    """A Formatter whose output is one line per event, whatever the message, arguments or exception hold."""

    def format(self, record: logging.LogRecord) -> str:
        # The standard formatting first (the message with its arguments, the time, the traceback), then every
        # control character escaped: the arguments are already merged into the text, so none slips past.
        return escape_control_characters(super().format(record))
