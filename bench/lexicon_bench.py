"""Content-scan benchmark: near-miss detection over large pages, beside the plain dictionary scan.

Run: ``.venv/bin/python -m bench.lexicon_bench [--pages 30] [--chars 200000] [--repeat 5]``

Corpus: real text — the demo fleet's article pages (rendered by demo.routes, the code the fleet serves,
text extracted with inspection.textextract.html_text) concatenated into ``pages`` documents of ``chars``
characters each (the content check's per-document cap, ``textextract.MAX_CHARS``), every tenth page
carrying one near-miss slip. Measured in the same run, interleaved per repetition so load from other
processes hits all alike: the peer, ``Dictionary.scan`` of the shipped dictionary (Aho-Corasick over its
entries, after ``normalise``); ``NearMissMatcher.scan`` of the shipped lexicon alone; and
``ContentErrors.scan_text`` (both, as the check runs them). Figures: median seconds per repetition,
characters per second, milliseconds per 200,000-character page, and the ratio check / dictionary.
Also the one-time cost of loading the lexicon and building the matcher (cold, in this process).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime

from core.config import PROJECT_ROOT, load_config
from demo.entries import entries
from demo.fleet import build_fleet
from demo.routes import resolve
from inspection.base import CheckContext
from inspection.checks.content_errors import ContentErrors, Settings
from inspection.lexicon import load_matcher
from inspection.textextract import html_text

SLIPS = ("湘谭市", "国务院办公听", "中国特色社会主意", "刘阳市", "全面从严冶党")


def corpus(pages: int, chars: int) -> list[str]:
    """``pages`` documents of ``chars`` characters of demo article text, every tenth with one slip."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = build_fleet(load_config(env={"GOVOPS_COLLECTORS__PROBE_CA_FILE": f"{tmp}/ca.pem"}),
                           datetime(2026, 11, 27, 2, 30, tzinfo=UTC))
    clean = [s for s in spec.sites if not spec.faults_for(s.code)]
    docs: list[str] = []
    buf: list[str] = []
    size = 0
    for site in clean:
        for col in site.columns:
            for e in entries(spec, site, col.kind):
                text = html_text(resolve(spec, site, e.path).body.decode())
                buf.append(text)
                size += len(text) + 1
                if size >= chars:
                    doc = "\n".join(buf)[:chars]
                    if len(docs) % 10 == 0:
                        mid = len(doc) // 2
                        doc = doc[:mid] + SLIPS[len(docs) // 10 % len(SLIPS)] + doc[mid + 10:]
                    docs.append(doc[:chars])
                    buf, size = [], 0
                    if len(docs) == pages:
                        return docs
    raise SystemExit(f"the demo fleet gave only {len(docs)} pages of {chars} characters")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=30)
    ap.add_argument("--chars", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    t0 = time.perf_counter()
    lexicon, matcher = load_matcher(PROJECT_ROOT / "data" / "inspection" / "lexicon", PROJECT_ROOT)
    build = time.perf_counter() - t0
    check = ContentErrors(CheckContext(config=None, settings=Settings(), fetcher=None))
    docs = corpus(args.pages, args.chars)
    total = sum(map(len, docs))
    sides = {"dictionary": lambda d: check.dictionary.scan(d, ""), "near-miss": lambda d: matcher.scan(d, ""),
             "check (both)": lambda d: check.scan_text(d, "")}
    times: dict[str, list[float]] = {k: [] for k in sides}
    found: dict[str, int] = {}
    for _ in range(args.repeat):
        for name, scan in sides.items():
            start = time.perf_counter()
            found[name] = sum(len(scan(d)) for d in docs)
            times[name].append(time.perf_counter() - start)
    print(f"lexicon {lexicon.version}: {len(lexicon.terms)} terms, {len(matcher.terms)} matched, "
          f"load + build {build:.2f} s (cold)")
    print(f"corpus: {len(docs)} pages, {total:,} characters of demo article text; repeat {args.repeat}")
    print("| scan | median s | chars/s | ms per 200k page | hits |")
    print("|---|---|---|---|---|")
    med = {k: statistics.median(v) for k, v in times.items()}
    for name in sides:
        print(f"| {name} | {med[name]:.3f} | {total / med[name]:,.0f} | {med[name] / total * 200_000 * 1000:.1f} "
              f"| {found[name]} |")
    print(f"ratio check (both) / dictionary: {med['check (both)'] / med['dictionary']:.2f}; "
          f"near-miss / dictionary: {med['near-miss'] / med['dictionary']:.2f}")


if __name__ == "__main__":
    main()
