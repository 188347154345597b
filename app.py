"""GovOps Command Center — command-line entry point.

``python app.py run`` bootstraps everything and serves the wall screens; ``python app.py --help`` lists
the other commands. The commands live in the composition root (runtime/cli.py).
"""

from __future__ import annotations

import sys

from runtime.cli import build_parser, main

__all__ = ["build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
