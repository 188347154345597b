"""A playlist's items as text, one per line — how the editor page edits them (add a line, delete a line, move a
line to reorder): ``页面 展开方式 停留秒数 [市州编码]``, with each field given by its key or its Chinese
label, e.g. ``overview none 30`` or ``市州详情 逐个市州轮播 15``. Pure."""

from __future__ import annotations

from core.i18n.playlists import EXPANSION_LABELS, TP, VIEW_LABELS
from walls.playlist import MAX_ITEMS, Expansion, Item, PlaylistError

LINE_ERR, FIELDS_BAD, DWELL_NOT_INT, TOO_MANY = TP.LINE_ERR, TP.FIELDS_BAD, TP.DWELL_NOT_INT, TP.TOO_MANY_LINES


def _key(value: str, labels: dict[str, str]) -> str:
    by_label = {v: k for k, v in labels.items()}
    return by_label.get(value, value)


def parse_items(text: str) -> list[Item]:
    """The items written in ``text`` (blank lines and lines starting with ``#`` skipped). Raises
    :class:`PlaylistError` naming the line for a line that is not four fields at most, or whose dwell is
    not a whole number; the items' meaning is checked by :func:`walls.playlist.validate`."""
    items: list[Item] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = LINE_ERR.format(n=n, line=line[:60])
        parts = line.split()
        if not 3 <= len(parts) <= 4:
            raise PlaylistError(where + FIELDS_BAD)
        view, expansion, dwell = _key(parts[0], VIEW_LABELS), _key(parts[1], EXPANSION_LABELS), parts[2]
        if not dwell.isascii() or not dwell.isdigit() or len(dwell) > 6:
            raise PlaylistError(where + DWELL_NOT_INT.format(value=dwell))
        if expansion not in set(Expansion):
            raise PlaylistError(where + TP.EXPANSION_UNKNOWN.format(expansion=parts[1],
                                                                    known="、".join(EXPANSION_LABELS.values())))
        items.append(Item(view, int(dwell), Expansion(expansion), parts[3] if len(parts) == 4 else None))
        if len(items) > MAX_ITEMS:
            raise PlaylistError(where + TOO_MANY.format(n=MAX_ITEMS))
    return items


def format_items(items: list[Item] | tuple[Item, ...]) -> str:
    """The text :func:`parse_items` reads back to ``items`` (keys, not labels: what one types)."""
    return "\n".join(" ".join(p for p in (i.view, Expansion(i.expansion).value, str(i.dwell), i.city or "") if p)
                     for i in items)
