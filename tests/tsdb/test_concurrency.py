"""One writer thread and several reader threads on one store file."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore
from tsdb.store import Query

T0 = datetime(2026, 3, 1, tzinfo=UTC)
BATCH, BATCHES, READERS = 150, 40, 3


def test_writer_and_readers_see_whole_batches_only(tmp_path: Path) -> None:
    store = SQLiteMetricStore(tmp_path / "m.db", raw_retention=timedelta(days=30))
    base = int(T0.timestamp()) * 10**9
    q = Query("site_probe", "latency_ms", T0 - timedelta(days=1), T0 + timedelta(days=2), agg="count")
    done = threading.Event()
    errors: list[BaseException] = []
    seen: list[list[int]] = [[] for _ in range(READERS)]

    def writer() -> None:
        try:
            for b in range(BATCHES):
                # 30 s of samples per batch for 150 sites; maintain now and then, as the scheduler does
                ts = base + b * 30 * 10**9
                store.write([Point("site_probe", {"latency_ms": float(i), "up": True}, ts,
                                   {"site": f"s{i}", "city": f"c{i % 14}"}) for i in range(BATCH)])
                if b % 10 == 9:
                    store.maintain(T0 + timedelta(seconds=30 * b))
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    def reader(k: int) -> None:
        deadline = time.monotonic() + 30
        try:
            for _ in range(2000):
                df = store.query(q)
                seen[k].append(0 if df.empty else int(df["value"].iloc[0]))
                latest = store.latest("site_probe", "up", tags={"city": "c3"})
                assert latest.empty or set(latest["city"]) == {"c3"}
                if done.is_set() or time.monotonic() > deadline:
                    break
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader, args=(k,)) for k in range(READERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)
    for counts in seen:
        assert counts, "a reader never ran"
        assert all(c % BATCH == 0 for c in counts), "a reader saw part of a batch"
        assert counts == sorted(counts), "a reader saw the count go backwards"
    final = store.query(q)
    assert int(final["value"].iloc[0]) == BATCH * BATCHES
    store.close()
    # a fresh store on the same file sees everything
    again = SQLiteMetricStore(tmp_path / "m.db")
    assert int(again.query(q)["value"].iloc[0]) == BATCH * BATCHES
    assert len(again.latest("site_probe", "up")) == BATCH
    again.close()
