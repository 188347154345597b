"""`python app.py notify check|test|send-due` end to end, against a loopback receiver in a thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app import main
from db.models_alerts import DeliveryStatus, Notification
from tests.alerts.notify_receivers import HttpReceiver


@contextmanager
def threaded_receiver() -> Iterator[HttpReceiver]:
    """An HttpReceiver serving from its own event loop thread, for code that calls asyncio.run itself."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = HttpReceiver()
    try:
        asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def _write(tmp_path: Path, url: str) -> Path:
    f = tmp_path / "receivers.toml"
    f.write_text(f'[receivers.hook]\nkind = "webhook"\nurl = "{url}"\n\n[[routes]]\nreceivers = ["hook"]\n',
                 encoding="utf-8")
    return f


def test_check_reports_errors_with_file_receiver_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(tmp_path, "http://127.0.0.1:9/x")
    assert main(["notify", "check", str(good)]) == 0
    assert "接收方配置有效：1 个接收方（1 个已启用），1 条路由" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text('[receivers.hook]\nkind = "webhook"\nurl = "http://127.0.0.1:9/x"\ntimeout = -1\n',
                   encoding="utf-8")
    assert main(["notify", "check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "接收方配置有误" in err and "bad.toml:4: 接收方 hook：键 timeout：须大于 0" in err


def test_test_message_reaches_the_receiver(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with threaded_receiver() as server:
        f = _write(tmp_path, server.url)
        assert main(["notify", "test", "hook", "--file", str(f)]) == 0
        assert main(["notify", "test", "pager", "--file", str(f)]) == 1
    assert "测试消息已送达 hook" in capsys.readouterr().out
    (seen,) = server.seen
    assert seen.body["title"] == "告警通知测试" and "hook" in seen.body["text"]


def test_send_due_sends_pending_rows(migrated_db: tuple[str, sessionmaker[Session]], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    url, sessions = migrated_db
    with sessions.begin() as s:
        s.add(Notification(idem_key="cli-1", group_key="g", receiver="hook", notifier="webhook",
                           status=DeliveryStatus.PENDING, payload={"title": "湘潭市网站告警", "text": "首页无法访问"}))
    with threaded_receiver() as server:
        f = _write(tmp_path, server.url)
        cfg = tmp_path / "govops.toml"
        cfg.write_text(f'[database]\nurl = "{url}"\n\n[alerts]\nreceivers_file = "{f}"\n', encoding="utf-8")
        assert main(["--config", str(cfg), "notify", "send-due"]) == 0
        assert main(["--config", str(cfg), "notify", "send-due"]) == 0
    out = capsys.readouterr().out
    assert "本轮发送：成功 1" in out and "本轮发送：成功 0" in out
    assert [s.body["idem_key"] for s in server.seen] == ["cli-1"]
