"""CLI start-up benchmark: what one ``app.py`` invocation costs before it does any work, per command.

Run: ``.venv/bin/python -m bench.cli_startup_bench [--repeat 5]``

Each command's ``--help`` is run as a user would (a new interpreter, stdin /dev/null); the figure is the CPU
time (user + system) of the child, median of ``--repeat`` runs, interleaved. Peers in the same run: a bare
interpreter (``python -c pass``, the floor) and the whole command tree (``build_parser()`` with every command
module imported: what each invocation paid before the commands were loaded lazily). Progress on stderr.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ("--help", "migrate --help", "inspect --help", "users --help", "score --help", "annual --help",
            "traffic --help", "verify --help", "notify --help")
WHOLE_TREE = "import sys; sys.argv=['app.py']; from runtime.cli import build_parser; build_parser()"


def _cpu(argv: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, timeout=120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    cases = {"python -c pass": [sys.executable, "-c", "pass"],
             "whole tree (every command module)": [sys.executable, "-c", WHOLE_TREE]}
    cases |= {f"app.py {c}": [sys.executable, "app.py", *c.split()] for c in COMMANDS}
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for i in range(args.repeat):
        print(f"round {i + 1}/{args.repeat}", file=sys.stderr, flush=True)
        for name, cmd in cases.items():
            samples[name].append(_cpu(cmd))
    floor = statistics.median(samples["python -c pass"])
    tree = statistics.median(samples["whole tree (every command module)"])
    print(f"{'invocation':40} {'CPU s':>7} {'÷ whole tree':>13}")
    for name, got in samples.items():
        med = statistics.median(got)
        print(f"{name:40} {med:7.3f} {med / tree:13.2f}")
    print(f"interpreter floor {floor:.3f} s; the whole tree costs {tree:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
