"""Pure parsing of one remote host's batched poll (``collectors.kinds.ssh_host``): no I/O, time as an argument.

One poll is one shell script (:func:`batch_script`) run over SSH; it prints every section between markers::

    @@govops-begin meminfo
    MemTotal: ...
    @@govops-end meminfo 0

with the section command's exit status. :func:`split_sections` cuts the output; one parser per section turns
its text into numbers and raises :class:`SectionError` (a Chinese reason) when the command was missing, was
refused or printed something unexpected — one absent command costs only its own metrics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from core.i18n.ssh import T

BEGIN, END = "@@govops-begin", "@@govops-end"
FAILED_LOGIN = re.compile(r"\bFailed [a-z/-]+ for ")  # one line per refused authentication attempt (sshd)
# Exit status 127: the shell found no such command; 126: found, not executable.
MISSING = (126, 127)
AUTH_WINDOW_S = 3600.0

# The sections of one poll, in order; each command's stderr is part of its text (the reason when it fails).
_SECTIONS: tuple[tuple[str, str], ...] = (
    ("clock", "date '+%s %z'"),
    ("stat", "head -n 1 /proc/stat"),
    ("meminfo", "cat /proc/meminfo"),
    ("loadavg", "cat /proc/loadavg"),
    ("uptime", "cat /proc/uptime"),
    ("procs", "set -- /proc/[0-9]*; echo $#"),
    ("netdev", "cat /proc/net/dev"),
    ("diskstats", "cat /proc/diskstats"),
    ("df", "df -P -k -T"),
    ("services", "systemctl list-units --type=service --all --no-legend --plain --no-pager"),
    ("ports", "ss -H -t -l -n"),
    ("auth", "if journalctl -q --no-pager -n 1 2>/dev/null | grep -q .; then echo 'source journal';"
             " journalctl -q --no-pager -o short-iso --since=-1h _COMM=sshd 2>&1 | tail -n 20000;"
             " elif [ -r /var/log/auth.log ]; then echo 'source auth.log'; tail -n 20000 /var/log/auth.log;"
             " elif [ -r /var/log/secure ]; then echo 'source secure'; tail -n 20000 /var/log/secure;"
             " else echo 'source none'; exit 3; fi | grep -E '^source |Failed [a-z/-]+ for '"),
)
SECTION_NAMES = tuple(name for name, _ in _SECTIONS)


class SectionError(ValueError):
    """One section could not be read; the message is the Chinese reason shown to operators."""


@dataclass(frozen=True)
class Section:
    status: int
    text: str


def batch_script(cpu_window_s: float = 0.0) -> str:
    """The POSIX shell script of one poll. ``cpu_window_s`` > 0 adds a second ``/proc/stat`` reading that
    much later (``stat2``), so the first poll of a host already yields a CPU figure."""
    parts = ["LC_ALL=C; export LC_ALL"]
    sections = list(_SECTIONS)
    if cpu_window_s > 0:
        sections.insert(2, ("stat2", f"sleep {cpu_window_s:.3f}; head -n 1 /proc/stat"))
    for name, command in sections:
        parts.append(f"echo '{BEGIN} {name}'; ( {command} ) 2>&1; echo \"\n{END} {name} $?\"")
    return "\n".join(parts) + "\n"


def split_sections(output: str) -> dict[str, Section]:
    """Section name → exit status and text. A section begun but never ended (output cut off) is left out."""
    found: dict[str, Section] = {}
    current: str | None = None
    lines: list[str] = []
    for line in output.splitlines():
        if line.startswith(BEGIN + " "):
            current, lines = line[len(BEGIN) + 1:].strip(), []
        elif line.startswith(END + " ") and current is not None:
            name, _, status = line[len(END) + 1:].partition(" ")
            if name == current and status.strip().lstrip("-").isdigit():
                text = "\n".join(lines)
                found[name] = Section(int(status), text[:-1] if text.endswith("\n") else text)
            current = None
        elif current is not None:
            lines.append(line)
    return found


def section_text(sections: Mapping[str, Section], name: str) -> str:
    """The text of a section that ran and succeeded; :class:`SectionError` saying why not otherwise."""
    sec = sections.get(name)
    if sec is None:
        raise SectionError(T["section_missing"])
    if sec.status in MISSING:
        raise SectionError(T["command_missing"].format(detail=_first_line(sec.text)))
    if sec.status != 0:
        raise SectionError(T["command_failed"].format(status=sec.status, detail=_first_line(sec.text)))
    return sec.text


def _first_line(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line[:200] or "无输出"


def _numbers(text: str, what: str, count: int) -> list[float]:
    parts = text.split()
    try:
        values = [float(p) for p in parts[:count]]
    except ValueError:
        raise SectionError(T["unexpected"].format(what=what, detail=_first_line(text))) from None
    if len(values) < count:
        raise SectionError(T["unexpected"].format(what=what, detail=_first_line(text)))
    return values


def parse_clock(text: str) -> tuple[float, timezone]:
    """``date '+%s %z'`` → the remote clock (unix seconds) and its UTC offset."""
    parts = text.split()
    if len(parts) != 2 or not parts[0].isdigit() or not re.fullmatch(r"[+-]\d{4}", parts[1]):
        raise SectionError(T["unexpected"].format(what="date", detail=_first_line(text)))
    sign = -1 if parts[1][0] == "-" else 1
    offset = timedelta(hours=int(parts[1][1:3]), minutes=int(parts[1][3:5])) * sign
    return float(parts[0]), timezone(offset)


def parse_cpu(text: str) -> tuple[float, float]:
    """The aggregate ``cpu`` line of /proc/stat → (busy, total) in clock ticks (idle and iowait are not busy)."""
    line = next((ln for ln in text.splitlines() if ln.startswith("cpu ")), "")
    if not line:
        raise SectionError(T["unexpected"].format(what="/proc/stat", detail=_first_line(text)))
    ticks = _numbers(line[4:], "/proc/stat", 4)
    ticks += [float(x) for x in line.split()[5:9] if x.isdigit()]  # iowait irq softirq steal, when present
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0.0)
    total = sum(ticks)  # guest time is already counted in user (kernel docs), so it is left out
    return total - idle, total


def parse_meminfo(text: str) -> dict[str, float]:
    """/proc/meminfo → ``mem_percent``, ``mem_used_bytes``, ``mem_total_bytes``, ``swap_percent`` (as psutil:
    used = total - available)."""
    kb: dict[str, float] = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        value = rest.split()
        if value and value[0].isdigit():
            kb[key.strip()] = float(value[0]) * (1024 if value[1:] == ["kB"] else 1)
    total = kb.get("MemTotal")
    if not total:
        raise SectionError(T["unexpected"].format(what="/proc/meminfo", detail=_first_line(text)))
    available = kb.get("MemAvailable", kb.get("MemFree", 0.0) + kb.get("Buffers", 0.0) + kb.get("Cached", 0.0))
    used = max(0.0, total - available)
    out = {"mem_total_bytes": float(int(total)), "mem_used_bytes": float(int(used)),
           "mem_percent": round(100.0 * used / total, 1)}
    swap_total = kb.get("SwapTotal", 0.0)
    out["swap_percent"] = round(100.0 * (swap_total - kb.get("SwapFree", 0.0)) / swap_total, 1) if swap_total else 0.0
    return out


def parse_loadavg(text: str) -> tuple[float, float, float]:
    a, b, c = _numbers(text, "/proc/loadavg", 3)
    return a, b, c


def parse_uptime(text: str) -> float:
    return _numbers(text, "/proc/uptime", 1)[0]


def parse_count(text: str, what: str) -> int:
    return int(_numbers(text, what, 1)[0])


def parse_netdev(text: str) -> dict[str, int]:
    """/proc/net/dev → ``net_rx``/``net_tx`` bytes summed over every interface (as psutil does)."""
    rx = tx = 0
    seen = False
    for line in text.splitlines():
        _name, sep, rest = line.partition(":")
        cols = rest.split()
        if sep and "|" not in line and len(cols) >= 9 and cols[0].isdigit() and cols[8].isdigit():
            rx, tx, seen = rx + int(cols[0]), tx + int(cols[8]), True
    if not seen:
        raise SectionError(T["unexpected"].format(what="/proc/net/dev", detail=_first_line(text)))
    return {"net_rx": rx, "net_tx": tx}


def parse_diskstats(text: str) -> dict[str, int]:
    """/proc/diskstats → ``disk_read``/``disk_write`` bytes of whole disks (partitions, loop, ram and
    device-mapper devices left out, so nothing is counted twice)."""
    rows: dict[str, tuple[int, int]] = {}
    for line in text.splitlines():
        cols = line.split()
        if len(cols) >= 10 and cols[3].isdigit() and cols[9].isdigit():
            rows[cols[2]] = (int(cols[5]) * 512, int(cols[9]) * 512)  # sectors read / written, 512 bytes each
    if not rows and text.strip():
        raise SectionError(T["unexpected"].format(what="/proc/diskstats", detail=_first_line(text)))
    disks = [n for n in rows if not n.startswith(("loop", "ram", "dm-", "zram", "sr"))
             and not any(n != d and n.startswith(d) and n[len(d):].lstrip("p").isdigit() for d in rows)]
    return {"disk_read": sum(rows[d][0] for d in disks), "disk_write": sum(rows[d][1] for d in disks)}


@dataclass(frozen=True)
class RemoteMount:
    mount: str
    fstype: str
    total_bytes: int
    free_bytes: int
    used_percent: float


def parse_df(text: str, pseudo_fs: Iterable[str] = (), pseudo_prefixes: Iterable[str] = ()) -> list[RemoteMount]:
    """``df -P -k -T`` → one mount per real filesystem (pseudo filesystems and prefixes left out, each mount
    point once). ``used_percent`` is used / (used + available), as df's Capacity and psutil compute it."""
    skip_fs, prefixes = frozenset(pseudo_fs), tuple(pseudo_prefixes)
    lines = text.splitlines()
    if not lines or not lines[0].startswith("Filesystem"):
        raise SectionError(T["unexpected"].format(what="df", detail=_first_line(text)))
    out: list[RemoteMount] = []
    seen: set[str] = set()
    for line in lines[1:]:
        cols = line.split(None, 6)
        if len(cols) < 7 or not (cols[2].isdigit() and cols[3].isdigit() and cols[4].isdigit()):
            continue
        fstype, mount = cols[1], cols[6]
        if fstype in skip_fs or mount in seen or any(mount == p or mount.startswith(p + "/") for p in prefixes):
            continue
        total, used, avail = (int(c) * 1024 for c in cols[2:5])
        if total <= 0:
            continue
        seen.add(mount)
        pct = round(100.0 * used / (used + avail), 1) if used + avail else 0.0
        out.append(RemoteMount(mount, fstype, total, avail, pct))
    return out


@dataclass(frozen=True)
class Unit:
    name: str
    load: str
    active: str
    sub: str


def parse_services(text: str) -> list[Unit]:
    """``systemctl list-units --type=service --all --no-legend --plain`` → its units (a leading ``●`` of a
    failed unit is dropped)."""
    units: list[Unit] = []
    for line in text.splitlines():
        cols = line.replace("●", " ").split()
        if len(cols) >= 4 and cols[0].endswith(".service"):
            units.append(Unit(cols[0], cols[1], cols[2], cols[3]))
        elif line.strip():
            raise SectionError(T["unexpected"].format(what="systemctl", detail=_first_line(line)))
    return units


def parse_ports(text: str) -> list[tuple[str, int]]:
    """``ss -H -t -l -n`` → (local address, port) of each listening TCP socket, sorted, without duplicates."""
    found: set[tuple[str, int]] = set()
    for line in text.splitlines():
        cols = line.split()
        if not cols:
            continue
        local = cols[3] if len(cols) >= 5 and cols[0] == "LISTEN" else ""
        addr, _, port = local.rpartition(":")
        if not port.isdigit():
            raise SectionError(T["unexpected"].format(what="ss", detail=_first_line(line)))
        found.add((addr.split("%")[0].strip("[]"), int(port)))
    return sorted(found)


_SYSLOG_TIME = re.compile(r"^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) ")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _line_time(line: str, now: datetime) -> datetime | None:
    first = line.split(" ", 1)[0]
    if first[:4].isdigit() and "T" in first:
        try:
            stamp = datetime.fromisoformat(first)
        except ValueError:
            return None
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=now.tzinfo)
    m = _SYSLOG_TIME.match(line)
    if m is None or m.group(1) not in _MONTHS:
        return None
    month = _MONTHS.index(m.group(1)) + 1
    try:  # traditional syslog has no year: the newest such date not after now (a log read in January)
        stamp = now.replace(month=month, day=int(m.group(2)), hour=int(m.group(3)), minute=int(m.group(4)),
                            second=int(m.group(5)), microsecond=0)
        return stamp if stamp <= now + timedelta(minutes=5) else stamp.replace(year=now.year - 1)
    except ValueError:
        return None


def count_failed_logins(text: str, now: datetime, window_s: float = AUTH_WINDOW_S) -> int:
    """sshd's refused authentication attempts (``Failed <method> for …`` lines) within ``window_s`` before
    ``now`` (the remote clock, tz-aware: syslog times without a zone are read in its offset). The first line
    of the section says the source; ``source none`` (no readable log) is a :class:`SectionError`."""
    lines = text.splitlines()
    source = lines[0].removeprefix("source ").strip() if lines and lines[0].startswith("source ") else ""
    if source in ("", "none"):
        raise SectionError(T["auth_unreadable"])
    since = now - timedelta(seconds=window_s)
    count = 0
    for line in lines[1:]:
        if FAILED_LOGIN.search(line):
            stamp = _line_time(line, now)
            count += stamp is not None and since <= stamp <= now + timedelta(minutes=5)
    return count


def remote_now(sections: Mapping[str, Section], fallback: datetime) -> datetime:
    """The remote clock of the poll, in its own offset; ``fallback`` (ours) when the clock section failed."""
    try:
        seconds, tz = parse_clock(section_text(sections, "clock"))
    except SectionError:
        return fallback
    return datetime.fromtimestamp(seconds, UTC).astimezone(tz)
