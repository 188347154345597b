"""inspect's progress: sites done / total; plain lines without a terminal, a tqdm bar on one."""

from __future__ import annotations

import io

from inspection.progress import BarProgress, PlainProgress, SiteTracker, progress_for


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_site_is_done_when_all_its_checks_reported() -> None:
    t = SiteTracker(["A", "B"], 2)
    assert (t.feed("A"), t.feed("B"), t.feed("A"), t.done) == (False, False, True, 1)
    assert t.feed("B") and t.done == 2 == t.total


def test_plain_lines_every_tenth_of_the_sites_after_silence_and_at_the_end() -> None:
    err, clock = io.StringIO(), Clock()
    p = PlainProgress(40, err, every_s=10.0, clock=clock)  # a line every 4 sites
    for done in range(1, 4):
        p.advance(done, f"网站{done}")
    assert err.getvalue() == ""
    p.advance(4, "网站4")
    assert err.getvalue() == "检查进度：4/40 个网站（10%），已用时 0 秒，最近完成 网站4\n"
    clock.t += 9.0
    p.tick()
    assert err.getvalue().count("\n") == 1  # 9 s of silence: nothing yet
    clock.t += 1.5
    p.tick()  # nothing finished for 10 s: still a sign of life
    assert err.getvalue().splitlines()[-1] == "检查进度：4/40 个网站（10%），已用时 10 秒，最近完成 网站4"
    p.advance(5, "网站5")  # one more site right after a line: no line
    assert err.getvalue().count("\n") == 2
    clock.t += 200
    p.advance(40, "网站40")
    assert err.getvalue().splitlines()[-1] == "检查进度：40/40 个网站（100%），已用时 3 分 30 秒"
    p.tick()
    p.close()
    assert err.getvalue().count("\n") == 3 and "\x1b" not in err.getvalue() and "\r" not in err.getvalue()


def test_closing_early_reports_where_it_stopped() -> None:
    err = io.StringIO()
    p = PlainProgress(100, err, clock=Clock())
    p.advance(3, "甲")
    p.close()
    assert err.getvalue() == "检查进度：3/100 个网站（3%），已用时 0 秒，最近完成 甲\n"


def test_a_terminal_gets_a_bar_of_sites_and_the_current_site() -> None:
    tty = Tty()
    p = progress_for(2, tty)
    assert isinstance(p, BarProgress)
    p.show("芙蓉区人民政府")
    p.advance(1, "芙蓉区人民政府")
    p.tick()
    p.close()
    shown = tty.getvalue()
    assert "1/2 个网站" in shown and "芙蓉区人民政府" in shown and "已用" in shown
    assert isinstance(progress_for(2, io.StringIO()), PlainProgress)
