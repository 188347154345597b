"""core.i18n.files: size before reading, UTF-8 with the line of a bad byte, TOML shape before tomllib
(nesting that makes tomllib recurse to death, dotted keys that make it take quadratic memory)."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest

from core.i18n.files import MAX_DEPTH, MAX_KEY_PARTS, TextFileError, check_toml_shape, parse_toml, read_text


def test_read_text_refuses_a_file_over_the_limit_and_names_a_bad_bytes_line(tmp_path: Path) -> None:
    f = tmp_path / "f.toml"
    f.write_bytes(b"a = 1\n" * 100)
    with pytest.raises(TextFileError) as exc:
        read_text(f, max_bytes=599)
    assert exc.value.line == 0 and "599" in exc.value.reason and str(f) in str(exc.value)
    assert read_text(f, max_bytes=600).count("\n") == 100
    f.write_bytes(b"a = 1\nb = 2\nc = '\xd5\xbe\xb5\xe3'\n")  # GBK
    with pytest.raises(TextFileError) as exc:
        read_text(f, max_bytes=1000)
    assert exc.value.line == 3 and "UTF-8" in exc.value.reason
    f.write_bytes("\ufeffa = '站点'\n".encode())  # a BOM from Windows Notepad is dropped
    assert read_text(f, max_bytes=1000) == "a = '站点'\n"


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ("a = 1\nb = " + "[" * 500 + "]" * 500 + "\n", 2, "嵌套"),
    ("x = 1\n\ny = " + "{a = " * 400 + "1" + "}" * 400 + "\n", 3, "嵌套"),
    (".".join(["k"] * 3000) + " = 1\n", 1, "点分段"),
    ("[" + ".".join(['"q"'] * 100) + "]\n", 1, "点分段"),
])
def test_shapes_tomllib_cannot_take_are_refused_with_their_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(TextFileError) as exc:
        parse_toml(text, "f.toml")
    assert exc.value.line == line and fragment in exc.value.reason


def test_real_toml_passes_whatever_its_strings_and_comments_hold() -> None:
    text = ('# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n'
            'title = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["\n'
            "lit = '{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{'\n"
            'ml = """\na.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g.h\n"""\n'
            "mll = '''\n[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n'''\n"
            'esc = "a\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["\n'
            "floats = [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, 15.5, 16.5,\n"
            "  17.5, 18.5, 19.5, 20.5, 21.5, 22.5, 23.5, 24.5, 25.5, 26.5, 27.5, 28.5, 29.5, 30.5, 31.5, 32.5]\n"
            "when = 1979-05-27T07:32:00.999999-07:00\n"
            "[a.b.c]\n"
            'd."e.f".g = 1\n'
            "[[list]]\nx = [[1, 2], [3, 4]]\n")
    assert parse_toml(text, "f.toml") == tomllib.loads(text)
    nested = "v = " + "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_toml(nested, "f.toml")["v"]
    check_toml_shape(".".join(["k"] * (MAX_KEY_PARTS - 1)) + " = 1", "f.toml")


def test_the_scan_is_linear() -> None:
    for text in ("k" * 2_000_000, "= " * 1_000_000, '"' + "a" * 2_000_000, "k = 1 # c\n" * 200_000):
        t = time.perf_counter()
        check_toml_shape(text, "f.toml")
        assert time.perf_counter() - t < 5.0
