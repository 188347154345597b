import json
import logging

import pytest

from core.logging import JsonFormatter, LogfmtFormatter, get_logger


@pytest.mark.parametrize("formatter", [LogfmtFormatter(), JsonFormatter()])
def test_one_line_per_event_and_reserved_field_names_survive(formatter: logging.Formatter,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    get_logger("t").info("engine.cycle", created=3, name="网站", detail="a b\nc")
    (record,) = caplog.records
    line = formatter.format(record)
    assert "\n" not in line
    if isinstance(formatter, JsonFormatter):
        doc = json.loads(line)
        assert doc["event"] == "engine.cycle" and doc["created_"] == 3 and doc["name_"] == "网站"
    else:
        assert "event=engine.cycle" in line and "created_=3" in line and "name_=网站" in line
        assert 'detail="a b\\nc"' in line


def test_log_lines_follow_the_current_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stderr replaced (and the old one closed) after set-up must not turn log calls into errors."""
    import io
    import logging
    import sys

    from core.logging import get_logger, setup_logging

    saved = logging.getLogger().handlers[:], logging.getLogger().level
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    try:
        setup_logging("INFO")
        first.close()
        second = io.StringIO()
        monkeypatch.setattr(sys, "stderr", second)
        get_logger("test.stderr").info("moved.on", where="second")
        assert "event=moved.on" in second.getvalue() and "where=second" in second.getvalue()
    finally:
        logging.getLogger().handlers[:], level = saved
        logging.getLogger().setLevel(level)
