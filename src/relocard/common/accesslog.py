"""gunicorn's access log with every field escaped: a request cannot forge log lines.

gunicorn writes the request path percent-decoded (``%0a`` becomes a newline), so a crafted URL
could start a new, fake line in the access log, or hide one with terminal control sequences.
This logger escapes, in every field, backslashes and every control or invisible formatting
character (C0, DEL, C1, bidi overrides, line and paragraph separators)
as ``\\xNN`` / ``\\uNNNN`` (gunicorn itself escapes double quotes): one request, one line.
"""

from __future__ import annotations

import re
import unicodedata

from gunicorn.glogging import Logger

_UNSAFE = re.compile(r"[\\\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape_char(match: re.Match) -> str:
    char = match.group()
    if char == "\\":
        return "\\\\"
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(value: str) -> str:
    text = _UNSAFE.sub(_escape_char, value)
    # Any other format character (category Cf) is escaped too.
    if any(unicodedata.category(c) == "Cf" for c in text):
        text = "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) == "Cf" else c for c in text)
    return text


class EscapingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: escape(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
