"""What each column holds: dated entries derived from the seed, the site and ``as_of``.

Pure. Entry 0 is the newest. A ``stale_column`` fault pins the newest entry exactly
``days`` before the as-of date; a ``blank_column`` fault leaves the column empty. The
page builders and the ground truth read the same lists, so the truth is exact.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from core.i18n import demo as text
from demo.fleet import ColumnSpec, FleetSpec, SiteSpec

CST = timezone(timedelta(hours=8), "CST")  # pages show China Standard Time
PER_PAGE = 15
# The closed port dead links point at: nothing in the fleet (or anyone unprivileged) listens there.
CLOSED_PORT = 9

# kind -> (newest entry at most this many days old, gap between entries in days, entry count)
PROFILE: dict[str, tuple[int, tuple[int, int], tuple[int, int]]] = {
    "news": (1, (0, 2), (40, 60)),
    "notice": (6, (1, 9), (25, 40)),
    "policy": (25, (3, 25), (18, 30)),
    "personnel": (45, (7, 40), (10, 18)),
    "planning": (80, (15, 80), (8, 14)),
    "consultation": (3, (0, 3), (20, 32)),
    "interpretation": (0, (0, 0), (0, 0)),  # derived from the policies (_interpretations)
}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "[%m-%d]")


@dataclass(frozen=True)
class Entry:
    id: int
    kind: str
    title: str
    published: datetime  # aware, CST
    path: str  # article page path
    attachments: tuple[tuple[str, str], ...] = ()  # (label, path)
    asker: str = ""
    reply_unit: str = ""
    replied: datetime | None = None
    related: str = ""  # an interpretation: the path of the policy it explains

    @property
    def day(self) -> date:
        return self.published.date()


@dataclass(frozen=True)
class DeadLink:
    page: str  # path of the page carrying the link
    target: str  # absolute URL of the broken target
    expect: str  # "404" or "refused"
    label: str


def today(spec: FleetSpec) -> date:
    return spec.as_of.astimezone(CST).date()


def date_format(spec: FleetSpec, site: SiteSpec, kind: str) -> str:
    """The strftime pattern this site's list page uses for this column (varies like real CMSs)."""
    return random.Random(f"{spec.seed}:{site.code}:{kind}:fmt").choice(DATE_FORMATS)


def _person(rng: random.Random) -> str:
    return rng.choice(text.SURNAMES) + "".join(rng.choice(text.GIVEN) for _ in range(rng.randint(1, 2)))


def _title(rng: random.Random, site: SiteSpec, kind: str, year: int) -> str:
    pools = {"news": text.NEWS_TEMPLATES, "notice": text.NOTICE_TEMPLATES, "policy": text.POLICY_TEMPLATES,
             "personnel": text.PERSONNEL_TEMPLATES, "planning": text.PLANNING_TEMPLATES,
             "consultation": text.CONSULTATION_TEMPLATES}
    return rng.choice(pools[kind]).format(place=site.place, topic=rng.choice(text.TOPICS), year=year,
                                          year2=year + 2, org=site.organizer, person=_person(rng))


def entries(spec: FleetSpec, site: SiteSpec, kind: str) -> list[Entry]:
    """The column's entries, newest first; cached on the spec."""
    key = ("entries", site.code, kind)
    if key not in spec._cache:
        spec._cache[key] = _build(spec, site, site.column(kind))
    return spec._cache[key]


def _build(spec: FleetSpec, site: SiteSpec, col: ColumnSpec) -> list[Entry]:
    kind = col.kind
    if spec.fault(site.code, "blank_column", kind):
        return []
    if kind == "interpretation":
        return _interpretations(spec, site, col)
    rng = random.Random(f"{spec.seed}:{site.code}:{kind}")
    newest_max, (gap_lo, gap_hi), (n_lo, n_hi) = PROFILE[kind]
    now = spec.as_of.astimezone(CST)
    stale = spec.fault(site.code, "stale_column", kind)
    offset = stale.params["days"] if stale else rng.randint(0, newest_max)
    count = rng.randint(n_lo, n_hi)
    out: list[Entry] = []
    kind_index = list(text.COLUMN_SLUGS).index(kind)
    for i in range(count):
        if i:
            offset += rng.randint(gap_lo, gap_hi)
        day = now.date() - timedelta(days=offset)
        minute_cap = now.hour * 60 + now.minute if offset == 0 else 18 * 60
        minutes = rng.randint(min(8 * 60, minute_cap), minute_cap)
        published = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=CST)
        if out and published >= out[-1].published:  # same day: keep the list strictly newest first
            published = out[-1].published - timedelta(minutes=rng.randint(5, 90))
            day = published.date()
        entry_id = (kind_index + 1) * 100_000 + (count - i)
        stamp = day.strftime("%Y%m%d")
        path = f"/{col.slug}/{stamp[:6]}/t{stamp}_{entry_id}.html"
        title = _title(rng, site, kind, day.year)
        attachments: tuple[tuple[str, str], ...] = ()
        if kind in ("policy", "notice", "planning") and i % 2 == 0:
            base = f"/{col.slug}/{stamp[:6]}/P0{stamp}{entry_id}"
            attachments = ((f"{title}.pdf", base + ".pdf"), (f"{title}（可编辑版）.docx", base + ".docx"))
        extra: dict[str, object] = {}
        if kind == "consultation":
            reply = min(published + timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 6)), now)
            extra = {"asker": rng.choice(text.SURNAMES) + "**", "reply_unit": site.organizer, "replied": reply}
        out.append(Entry(entry_id, kind, title, published, path, attachments, **extra))  # type: ignore[arg-type]
    unanswered = spec.fault(site.code, "unanswered_message") if kind == "consultation" else None
    if unanswered:
        out = _with_unanswered(out, rng, site, col, now, unanswered.params["days"], kind_index)
    return out


def _with_unanswered(out: list[Entry], rng: random.Random, site: SiteSpec, col: ColumnSpec, now: datetime,
                     days: int, kind_index: int) -> list[Entry]:
    """``out`` plus one message posted exactly ``days`` ago that never got a reply, in date order."""
    day = now.date() - timedelta(days=days)
    published = datetime(day.year, day.month, day.day, 9, 41, tzinfo=CST)
    entry_id = (kind_index + 1) * 100_000 + 99_999  # above every generated id of the column
    stamp = day.strftime("%Y%m%d")
    message = Entry(entry_id, "consultation", _title(rng, site, "consultation", day.year), published,
                    f"/{col.slug}/{stamp[:6]}/t{stamp}_{entry_id}.html", asker=rng.choice(text.SURNAMES) + "**")
    return sorted([*out, message], key=lambda e: e.published, reverse=True)


INTERPRETED_EVERY = 3  # two policies of every three get an interpretation; few_interpretations: one of five
FEW_INTERPRETED_EVERY = 5


def interpreted(spec: FleetSpec, site: SiteSpec, index: int) -> bool:
    """Whether the ``index``-th policy (0 = newest) of the site has an interpretation."""
    if spec.fault(site.code, "few_interpretations"):
        return index % FEW_INTERPRETED_EVERY == 0
    return index % INTERPRETED_EVERY != INTERPRETED_EVERY - 1


def _interpretations(spec: FleetSpec, site: SiteSpec, col: ColumnSpec) -> list[Entry]:
    """One interpretation per interpreted policy, published a day or three after it (never after now)."""
    rng = random.Random(f"{spec.seed}:{site.code}:interpretation")
    now = spec.as_of.astimezone(CST)
    kind_index = list(text.COLUMN_SLUGS).index("interpretation")
    out = []
    for i, p in enumerate(entries(spec, site, "policy")):
        if not interpreted(spec, site, i):
            continue
        published = min(p.published + timedelta(days=rng.randint(1, 3), minutes=rng.randint(0, 120)), now)
        entry_id = (kind_index + 1) * 100_000 + p.id % 100_000
        stamp = published.strftime("%Y%m%d")
        inner = p.title.replace("《", "〈").replace("》", "〉")  # a title inside 《》 takes 〈〉
        out.append(Entry(entry_id, "interpretation", text.INTERPRETATION_TITLE.format(policy=inner), published,
                         f"/{col.slug}/{stamp[:6]}/t{stamp}_{entry_id}.html", related=p.path))
    return sorted(out, key=lambda e: e.published, reverse=True)


def interpretation_of(spec: FleetSpec, site: SiteSpec, policy: Entry) -> Entry | None:
    return next((e for e in entries(spec, site, "interpretation") if e.related == policy.path), None)


def unanswered(spec: FleetSpec, site: SiteSpec) -> list[Entry]:
    """Consultation messages of the site that never got a reply (an ``unanswered_message`` fault)."""
    return [e for e in entries(spec, site, "consultation") if e.replied is None]


def page_count(n_entries: int) -> int:
    return max(1, -(-n_entries // PER_PAGE))


def page_path(col: ColumnSpec, page: int) -> str:
    return col.path if page == 1 else f"/{col.slug}/index_{page}.html"


def homepage_items(spec: FleetSpec, site: SiteSpec, kind: str, limit: int) -> list[Entry]:
    """Entries the homepage block shows; a ``homepage_stale`` fault hides everything newer than N days."""
    items = entries(spec, site, kind)
    fault = spec.fault(site.code, "homepage_stale")
    if fault:
        cutoff = today(spec) - timedelta(days=fault.params["days"])
        items = [e for e in items if e.day <= cutoff]
    return items[:limit]


HOMEPAGE_BLOCKS = (("news", 8), ("notice", 6), ("policy", 6))


def homepage_newest(spec: FleetSpec, site: SiteSpec) -> date | None:
    """Newest date the homepage shows; None when it shows none (e.g. a navigation-only homepage)."""
    if spec.fault(site.code, "navigation_homepage"):
        return None
    days = [e.day for kind, n in HOMEPAGE_BLOCKS for e in homepage_items(spec, site, kind, n)]
    return max(days) if days else None


CHANNEL_BLOCK = 8  # entries per column on a channel page


def channel_items(spec: FleetSpec, site: SiteSpec, kind: str) -> list[Entry]:
    """Entries a channel page (二级页面 of a navigation homepage) shows for one column.

    With ``second_level = "stale"`` the channel pages froze ``days`` ago, like a stale homepage.
    """
    items = entries(spec, site, kind)
    fault = spec.fault(site.code, "navigation_homepage")
    if fault and fault.params["second_level"] == "stale":
        cutoff = today(spec) - timedelta(days=fault.params["days"])
        items = [e for e in items if e.day <= cutoff]
    return items[:CHANNEL_BLOCK]


def second_level_newest(spec: FleetSpec, site: SiteSpec) -> date | None:
    """Newest date on any channel page of a navigation homepage."""
    days = [e.day for _slug, _name, kinds in text.CHANNELS for k in kinds for e in channel_items(spec, site, k)]
    return max(days) if days else None


def dead_links(spec: FleetSpec, site: SiteSpec) -> list[DeadLink]:
    """The broken links a ``dead_links`` fault plants: alternately internal 404s and a closed port."""
    fault = spec.fault(site.code, "dead_links")
    if not fault:
        return []
    where = fault.params["where"]
    inner = [site.column("news").path, site.column("notice").path]
    out = []
    for i in range(fault.params["count"]):
        page = "/" if where == "homepage" or (where == "both" and i % 2 == 0) else inner[(i // 2) % 2]
        if (i + i // 2) % 2 == 0:  # both targets on both pages as soon as count >= 4
            target, expect = site.abs_url(f"/zt/{2020 + i}/index_{i}.html"), "404"
        else:
            target, expect = f"http://{site.address}:{CLOSED_PORT}/zt/{i}/", "refused"
        out.append(DeadLink(page, target, expect, f"专题{i + 1}：{text.TOPICS[i % len(text.TOPICS)]}"))
    return out
