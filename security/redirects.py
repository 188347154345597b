"""Where a login may send the browser next: only a path on this site. Pure.

Browsers are lenient with a ``Location``: they drop tabs and line breaks anywhere in it, read ``\\`` as
``/`` and ignore leading control characters and spaces, so ``/\\t/evil.example`` arrives as
``//evil.example`` — another host. A target is therefore judged on every form a browser or a
proxy might make of it (as given, and percent-decoded up to ``_DECODE_ROUNDS`` times), and any
character that a browser would drop or reinterpret is refused outright rather than cleaned up.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

HOME = "/"
MAX_LENGTH = 2048  # a longer ``next`` is not a page of ours
_DECODE_ROUNDS = 3  # %252F → %2F → /: decode until stable, at most this often


def _unsafe_char(ch: str) -> bool:
    """C0 controls (tab, CR, LF …), DEL, C1 controls, the backslash, and Unicode line/paragraph
    separators: each is dropped or reinterpreted by some browser or proxy."""
    code = ord(ch)
    return code < 0x20 or 0x7F <= code <= 0x9F or ch == "\\" or ch in "\u2028\u2029"


def _is_local_path(text: str) -> bool:
    if not text.startswith("/") or text.startswith("//"):
        return False
    if any(_unsafe_char(ch) for ch in text):
        return False
    parts = urlsplit(text)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None) -> str:
    """``target`` when it is an absolute path on this site in every decoded form, else ``"/"``.

    Never raises: any input (``None``, control characters, odd encodings, very long text) yields a
    value that is safe to put in a ``Location`` header.
    """
    if not target or len(target) > MAX_LENGTH:
        return HOME
    form = target
    for _ in range(_DECODE_ROUNDS + 1):
        if not _is_local_path(form):
            return HOME
        decoded = unquote(form)
        if decoded == form:
            return target
        form = decoded
    return HOME  # still changing after every round: not a plain path
