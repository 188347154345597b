"""The pure parsers of a remote poll (collectors/ssh_parse.py), table-driven.

``ssh_samples/`` holds command output captured on the build machine (Debian 12 container): /proc files,
``df -P -k -T``, ``ss -H -t -l -n`` and ``systemctl`` on a machine not booted with systemd (a real failure
to degrade on). systemd units and sshd log lines could not be captured there (no systemd, no auth log), so
those rows are typed from the formats of Debian 12's systemd 252 and OpenSSH 9.2, marked as such.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from collectors import ssh_parse as sp
from collectors.kinds.host import PSEUDO_FS, PSEUDO_PREFIXES
from collectors.kinds.ssh_host import poll_points

SAMPLES = Path(__file__).with_name("ssh_samples")


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


@pytest.mark.parametrize(("parse", "text", "expected"), [
    (sp.parse_cpu, "stat.txt", (219383 - 28070, 219383)),
    (sp.parse_loadavg, "loadavg.txt", (5.77, 6.92, 4.36)),
    (sp.parse_uptime, "uptime.txt", 1100.50),
    (sp.parse_meminfo, "meminfo.txt", {"mem_total_bytes": 25276182528, "mem_used_bytes": 1800728576,
                                       "mem_percent": 7.1, "swap_percent": 0.0}),
    (sp.parse_netdev, "netdev.txt", {"net_rx": 1491575810 + 486756284, "net_tx": 1491575810 + 611022}),
    (sp.parse_diskstats, "diskstats.txt", {"disk_read": 3670994 * 512, "disk_write": 10165864 * 512}),
])
def test_captured_proc_files(parse: Any, text: str, expected: Any) -> None:
    assert parse(sample(text)) == expected


def test_df_keeps_real_filesystems_only() -> None:
    (root,) = sp.parse_df(sample("df.txt"), PSEUDO_FS, PSEUDO_PREFIXES)
    assert root == sp.RemoteMount("/", "ext4", 264212084 * 1024, 81146944 * 1024,
                                  round(100 * 25243968 / (25243968 + 81146944), 1))
    assert 23.5 < root.used_percent < 24.5  # df's own Capacity column says 24%


def test_ports_from_captured_ss_and_ipv6_forms() -> None:
    ports = sp.parse_ports(sample("ports.txt"))
    assert ("127.0.0.1", 6379) in ports and len(ports) == len(set(ports))
    typed = ("LISTEN 0      128          0.0.0.0:22        0.0.0.0:*\n"  # ss 6.1 (iproute2), typed
             "LISTEN 0      128             [::]:22           [::]:*\n"
             "LISTEN 0      4096    127.0.0.53%lo:53        0.0.0.0:*\n")
    assert sp.parse_ports(typed) == [("0.0.0.0", 22), ("127.0.0.53", 53), ("::", 22)]


SYSTEMCTL_252 = (  # systemd 252 `list-units --type=service --all --no-legend --plain`, typed from its format
    "cron.service                       loaded    active   running Regular background program processing daemon\n"
    "nginx.service                      loaded    failed   failed  A high performance web server\n"
    "● mysql.service                    not-found inactive dead    mysql.service\n"
    "ssh.service                        loaded    active   running OpenBSD Secure Shell server\n"
    "systemd-fsck-root.service          loaded    inactive dead    File System Check on Root Device\n"
)


def test_services() -> None:
    units = sp.parse_services(SYSTEMCTL_252)
    assert [(u.name, u.load, u.active) for u in units] == [
        ("cron.service", "loaded", "active"), ("nginx.service", "loaded", "failed"),
        ("mysql.service", "not-found", "inactive"), ("ssh.service", "loaded", "active"),
        ("systemd-fsck-root.service", "loaded", "inactive")]
    assert sp.parse_services("") == []


NOW = datetime(2026, 12, 7, 10, 30, tzinfo=timezone(timedelta(hours=8)))


@pytest.mark.parametrize(("text", "count"), [
    # /var/log/auth.log, traditional syslog times (no year, no zone: read in the remote's offset)
    ("source auth.log\n"
     "Dec  7 10:01:02 web sshd[811]: Failed password for invalid user admin from 10.0.0.9 port 50112 ssh2\n"
     "Dec  7 10:01:05 web sshd[811]: Failed password for root from 10.0.0.9 port 50114 ssh2\n"
     "Dec  7 09:10:00 web sshd[700]: Failed password for root from 10.0.0.9 port 50000 ssh2\n"  # > 1 h ago
     "Dec  7 10:02:00 web sshd[812]: Failed publickey for ops from 10.0.0.7 port 40000 ssh2\n", 3),
    # Debian 12 rsyslog (RFC 3339 times) and journalctl -o short-iso
    ("source auth.log\n"
     "2026-12-07T10:20:00.123456+08:00 web sshd[9]: Failed password for root from 10.0.0.9 port 1 ssh2\n"
     "2026-12-07T01:00:00.000000+00:00 web sshd[9]: Failed password for root from 10.0.0.9 port 1 ssh2\n", 1),
    ("source journal\n"
     "2026-12-07T10:29:59+0800 web sshd[9]: Failed keyboard-interactive/pam for root from ::1 port 2 ssh2\n", 1),
    ("source journal\n", 0),
    # a year boundary: a January read of December lines is last year, outside the window
    ("source auth.log\nDec 31 23:59:00 web sshd[1]: Failed password for root from 10.0.0.1 port 1 ssh2\n", 0),
])
def test_failed_logins_in_the_last_hour(text: str, count: int) -> None:
    assert sp.count_failed_logins(text, NOW) == count


def test_failed_logins_without_a_readable_log_is_a_clear_section_error() -> None:
    with pytest.raises(sp.SectionError, match="无法读取登录日志"):
        sp.count_failed_logins("source none", NOW)


def test_sections_split_with_status_and_missing_commands_degrade() -> None:
    out = ("@@govops-begin ports\nsh: 1: ss: not found\n\n@@govops-end ports 127\n"
           "@@govops-begin services\n" + sample("services_nosystemd.txt") + "\n@@govops-end services 1\n"
           "@@govops-begin loadavg\n0.10 0.20 0.30 1/99 5\n\n@@govops-end loadavg 0\n"
           "@@govops-begin df\nFilesystem …")  # cut off: no end marker
    sections = sp.split_sections(out)
    assert set(sections) == {"ports", "services", "loadavg"}
    assert sp.parse_loadavg(sp.section_text(sections, "loadavg")) == (0.1, 0.2, 0.3)
    with pytest.raises(sp.SectionError, match="缺少该命令：sh: 1: ss: not found"):
        sp.section_text(sections, "ports")
    with pytest.raises(sp.SectionError, match=r"退出码 1.*not been booted with systemd"):
        sp.section_text(sections, "services")
    with pytest.raises(sp.SectionError, match="未返回结果"):
        sp.section_text(sections, "df")


@pytest.mark.parametrize(("parse", "text"), [
    (sp.parse_cpu, "intr 1 2 3"), (sp.parse_meminfo, "garbage"), (sp.parse_loadavg, "x y z"),
    (sp.parse_df, "df: cannot read table of mounted file systems"), (sp.parse_netdev, ""),
    (sp.parse_ports, "LISTEN 0 128 nonsense"), (sp.parse_services, "not a unit line"),
    (sp.parse_clock, "Mon Dec 7"),
])
def test_unexpected_output_names_the_command(parse: Any, text: str) -> None:
    with pytest.raises(sp.SectionError, match=r"无法识别|无输出"):
        parse(text)


def test_the_batch_script_runs_here_and_every_section_parses_or_explains() -> None:
    """The real script under this machine's /bin/sh: every section is present; the ones that fail here
    (no systemd, no auth log) become per-section errors and the host point still has its figures."""
    out = subprocess.run(["/bin/sh", "-s"], input=sp.batch_script(0.05), capture_output=True, text=True,
                         timeout=60, check=True).stdout
    sections = sp.split_sections(out)
    assert set(sections) == {*sp.SECTION_NAMES, "stat2"}
    tags = {"host": "h", "node": "430000", "city": "430000"}
    points, state = poll_points(tags, "web", sections, None, datetime.now(UTC), 0.1)
    (host,) = [p for p in points if p.measurement == "host"]
    assert {"cpu_percent", "load1", "mem_percent", "uptime_s", "procs"} <= set(host.fields)
    failed = {p.tags["section"]: p.tags["reason"] for p in points if p.measurement == "ssh_host_section"}
    (status,) = [p for p in points if p.measurement == "ssh_host"]
    assert status.fields["sections_failed"] == len(failed) and set(failed) <= {"services", "auth"}
    assert state.cpu is not None and state.uptime is not None
