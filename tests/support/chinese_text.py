"""A scanner for English wording in messages people read (issue 9: configuration and receivers errors).

A message may quote what the user wrote (a key, a value, a file path, a receiver kind) and use a few
technical names (TOML, TCP, IANA, UTF-8 …), but its own words must be Chinese. :func:`english_words_in`
returns the Latin words of a message that are neither quoted data, nor in ``allow`` (the words of the
input the message is about), nor a technical name.

    assert english_words_in(str(exc), allow=words_of(file_text)) == []
"""

from __future__ import annotations

import re
from collections.abc import Iterable

TECHNICAL = frozenset({"TOML", "TCP", "IANA", "IP", "UTF", "ASCII", "PEM", "RE2", "http", "https", "true", "false",
                       "smtplib", "GOVOPS", "Asia", "Shanghai", "sqlite", "postgresql", "routes", "receivers"})
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”")
_URL = re.compile(r"(?<![A-Za-z])[a-z][a-z0-9+.-]*:/+[^\s，（）]*")
_PATH = re.compile(r"(?<![\w])/[^\s:：，（）]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z_]{2,}")


def words_of(text: str) -> set[str]:
    """The Latin words of ``text`` (an input file, a value): what a message may quote back."""
    return set(_WORD.findall(text)) | {w for token in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)
                                       for w in token.split("_") if len(w) > 2}


def english_words_in(message: str, allow: Iterable[str] = ()) -> list[str]:
    """Latin words of ``message`` that are not quoted, not part of a path, not in ``allow`` and not technical."""
    allowed = set(allow) | TECHNICAL
    bare = _PATH.sub(" ", _URL.sub(" ", _QUOTED.sub(" ", message)))
    return [w for w in _WORD.findall(bare) if w not in allowed and not all(p in allowed for p in w.split("_") if p)]
