"""A supervised child for the supervisor tests: ``python -m tests.runtime.child MODE PORT``.

``serve``: answers /healthz (runtime.health) until SIGTERM; ``crash``: exits 1 at once; ``user-error``:
exits 2; ``mute``: runs without ever answering. Real processes, real HTTP on loopback.
"""

from __future__ import annotations

import signal
import sys
import threading

from runtime.health import HealthServer


def main() -> int:
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "crash":
        return 1
    if mode == "user-error":
        return 2
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    server = HealthServer("test", port, lambda: {"part": True}).start() if mode == "serve" else None
    done.wait(120)  # bounded: a test that forgets its child leaves no process behind for long
    if server is not None:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
