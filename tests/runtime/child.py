"""A supervised child for the supervisor tests: ``python -m tests.runtime.child MODE PORT``.

``serve``: answers /healthz (runtime.health) until SIGTERM; ``crash``: exits 1 at once; ``user-error``:
exits 2; ``mute``: runs without ever answering; ``supervise``: a supervisor of one ``serve`` child that has
``parent_death_signal`` set, printing the child's pid. Real processes, real HTTP on loopback.
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
    if mode == "supervise":
        return _supervise(port)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    server = HealthServer("test", port, lambda: {"part": True}).start() if mode == "serve" else None
    done.wait(120)  # bounded: a test that forgets its child leaves no process behind for long
    if server is not None:
        server.close()
    return 0


def _supervise(port: int) -> int:
    import os

    from runtime.supervisor import ChildSpec, Supervisor

    spec = ChildSpec(role="web", label_zh="大屏服务", health_url=f"http://127.0.0.1:{port}/healthz",
                     argv=[sys.executable, "-m", "tests.runtime.child", "serve", str(port)],
                     env={"PYTHONPATH": os.environ.get("PYTHONPATH", "")}, ready_timeout_s=30,
                     parent_death_signal=signal.SIGTERM)
    sup = Supervisor([spec], say=lambda _line: None)
    sup.start()
    proc = sup.children[0].proc
    assert proc is not None
    print(proc.pid, flush=True)
    threading.Event().wait(120)  # until killed (bounded)
    sup.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
