"""Access-log ingestion: lines per second of ``traffic ingest`` against GoAccess (Debian) and a plain awk pass
over the same file, in the same run.

    .venv/bin/python -m bench.accesslog_bench --lines 1000000

Generates ``--lines`` combined-format lines (seeded: 5,000 client IPs, 40 browser and 12 crawler user agents,
300 paths of which 40 % are static assets, statuses 200/304/404/500/301, spread in time order over 3 days),
plain or gzip (``--gzip``). Ours: ``traffic.ingest.Ingestor`` into a fresh migrated SQLite database (parse,
crawler list, PV rule, visitor keys, ledger hashing, the day rows' transaction): wall time and this process's
CPU. Peers, on the same file: ``goaccess --log-format=COMBINED`` writing its JSON report (its own parser and
crawler list; it counts more panels than we do), and gawk computing our PV and per-day UV with a short
crawler regex (the generated crawler agents all match it, so its PV/UV must equal ours: checked). The ratio is
ours / peer, in wall time and in CPU time (> 1: we are faster; CPU is the fair figure on a shared machine).
Everything runs on this machine; nothing is left behind.
"""

from __future__ import annotations

import argparse
import gzip
import random
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from db.migrate import upgrade
from db.models import Node, NodeLevel, Site, SiteLevel
from db.session import make_engine, make_session_factory, transaction
from traffic.ingest import Ingestor
from traffic.report import year_traffic

DAYS = 3
CHUNK = 100_000
BROWSERS = [f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 "
            f"Safari/537.36" for v in range(100, 120)] + [
    f"Mozilla/5.0 (iPhone; CPU iPhone OS 17_{v} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    f"Mobile/15E148 MicroMessenger/8.0.{v}" for v in range(20)]
CRAWLERS = ["Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "Mozilla/5.0 (compatible; Bytespider; spider-feedback@bytedance.com)",
            "360Spider", "YisouSpider", "Mozilla/5.0 (compatible; YandexBot/3.0)",
            "curl/8.5.0", "python-requests/2.32.3", "Wget/1.21.3", "Go-http-client/1.1"]
AWK_BOTS = "bot|spider|Spider|curl|python-requests|Wget|Go-http-client"
PAGE_EXT = "html|htm|shtml|xhtml|jhtml|php|jsp|asp|aspx|do|action|cgi"
AWK_PROGRAM = r"""
BEGIN { FS = "\"" }
{
  split($1, a, " "); day = substr(a[4], 2, 11); split($3, s, " "); st = s[1] + 0; ua = $6
  if (ua ~ BOTS || ua == "" || ua == "-") { bots++; next }
  n = split($2, r, " "); if (n < 2 || r[1] != "GET") next
  if (!((st >= 200 && st < 300) || st == 304)) next
  p = r[2]; sub(/[?#].*/, "", p); k = split(p, seg, "/"); last = seg[k]
  if (last ~ /\./) { e = tolower(last); sub(/.*\./, "", e); if (e !~ "^(" EXT ")$") next }
  pv++; if (!((day, a[1], ua) in seen)) { seen[day, a[1], ua] = 1; uv++ }
}
END { printf "%d %d %d\n", pv, uv, bots }
"""


def generate(path: Path, n: int, seed: int, compress: bool) -> None:
    rnd = random.Random(seed)
    ips = [f"{rnd.randint(1, 223)}.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}"
           for _ in range(5000)]
    uas = BROWSERS + CRAWLERS
    ua_weights = [8] * len(BROWSERS) + [3] * len(CRAWLERS)
    pages = [f"/art/2026/12/{i}/art_{i}.html" for i in range(120)] + [f"/col/col{i}/" for i in range(40)] + \
        ["/", "/index.html", "/zwgk/index.shtml", "/search.do?q=%E6%94%BF%E5%8A%A1"] * 5
    assets = [f"/images/{i}.png" for i in range(60)] + [f"/js/app{i}.js?v=3" for i in range(30)] + \
        [f"/css/s{i}.css" for i in range(20)] + [f"/files/{i}.pdf" for i in range(10)]
    paths = pages + assets
    statuses = ["200"] * 85 + ["304"] * 8 + ["404"] * 4 + ["500", "301", "301"]
    opener = gzip.open if compress else open
    with opener(path, "wt", encoding="utf-8") as fh:
        for start in range(0, n, CHUNK):
            k = min(CHUNK, n - start)
            rows = zip(rnd.choices(ips, k=k), rnd.choices(uas, weights=ua_weights, k=k), rnd.choices(paths, k=k),
                       rnd.choices(statuses, k=k), strict=True)
            out = []
            for i, (ip, ua, p, st) in enumerate(rows, start):
                sec = i * DAYS * 86400 // n
                day, rest = divmod(sec, 86400)
                out.append(f'{ip} - - [{5 + day:02d}/Dec/2026:{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d} '
                           f'+0800] "GET {p} HTTP/1.1" {st} 5120 "-" "{ua}"\n')
            fh.write("".join(out))


def run_ours(path: Path, work: Path) -> tuple[float, float, int, int]:
    url = f"sqlite:///{work / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with transaction(sessions) as s:
        s.add(Node(code="430000", name="湖南省", level=NodeLevel.PROVINCE))
        s.flush()
        s.add(Site(code="4300000001", name="湖南省人民政府", url="https://www.hunan.gov.cn/",
                   level=SiteLevel.PROVINCIAL_PORTAL, node_code="430000"))
    cpu0, t0 = _cpu(), time.perf_counter()
    outcome = Ingestor(sessions, site_code="4300000001").ingest([path])[0]
    wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
    assert outcome.state == "done", outcome.messages
    with sessions() as s:
        sid = s.scalars(select(Site.id)).one()
        total = year_traffic(s, sid, 2026)[-1]
    engine.dispose()
    return wall, cpu, total.pv, total.uv


def _cpu(who: int = resource.RUSAGE_SELF) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def _child_cpu() -> float:
    """CPU of the finished child processes (the peers, waited for)."""
    return _cpu(resource.RUSAGE_CHILDREN)


def run_awk(path: Path) -> tuple[float, float, int, int]:
    cat = ["zcat", str(path)] if path.suffix == ".gz" else ["cat", str(path)]
    cpu0, t0 = _child_cpu(), time.perf_counter()
    src = subprocess.Popen(cat, stdout=subprocess.PIPE)
    out = subprocess.run(["gawk", "-v", f"BOTS={AWK_BOTS}", "-v", f"EXT={PAGE_EXT}", AWK_PROGRAM], stdin=src.stdout,
                         capture_output=True, text=True, check=True, env={"LC_ALL": "C"}).stdout.split()
    src.wait()
    return time.perf_counter() - t0, _child_cpu() - cpu0, int(out[0]), int(out[1])


def run_goaccess(path: Path, work: Path) -> tuple[float, float] | None:
    exe = shutil.which("goaccess")
    if exe is None:
        return None
    cpu0, t0 = _child_cpu(), time.perf_counter()
    subprocess.run([exe, str(path), "--log-format=COMBINED", "--no-global-config", "--ignore-crawlers",
                    "-o", str(work / "goaccess.json")], check=True, capture_output=True)
    return time.perf_counter() - t0, _child_cpu() - cpu0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--gzip", action="store_true", help="generate and read a .gz file")
    ap.add_argument("--no-goaccess", action="store_true", help="leave GoAccess out (it is the slowest)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="govops-accesslog-bench-") as tmp:
        work = Path(tmp)
        path = work / ("access.log.1.gz" if args.gzip else "access.log")
        t0 = time.perf_counter()
        generate(path, args.lines, args.seed, args.gzip)
        print(f"generated {args.lines:,} lines ({path.stat().st_size / 2**20:.1f} MiB on disk) "
              f"in {time.perf_counter() - t0:.1f} s", flush=True)
        wall, cpu, pv, uv = run_ours(path, work)
        awk_s, awk_cpu, awk_pv, awk_uv = run_awk(path)
        goa = None if args.no_goaccess else run_goaccess(path, work)
        n = args.lines

        def row(name: str, w: float, c: float, extra: str = "") -> None:
            print(f"{name:9}: {w:8.2f} s wall {n / w:10,.0f} lines/s | {c:8.2f} s CPU {n / c:10,.0f} lines/CPU-s"
                  f"{extra}", flush=True)

        row("ours", wall, cpu, f"   PV {pv:,}  UV {uv:,}")
        row("gawk", awk_s, awk_cpu, f"   PV {awk_pv:,}  UV {awk_uv:,}")
        if goa is not None:
            row("goaccess", *goa)
        print(f"ratio ours/gawk: {awk_s / wall:.2f} wall, {awk_cpu / cpu:.2f} CPU"
              + (f"; ours/goaccess: {goa[0] / wall:.2f} wall, {goa[1] / cpu:.2f} CPU" if goa is not None
                 else "; goaccess not run"))
        print("PV/UV agree with gawk: " + ("yes" if (pv, uv) == (awk_pv, awk_uv) else "NO"), flush=True)


if __name__ == "__main__":
    main()
