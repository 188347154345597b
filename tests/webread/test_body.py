"""Bounded inflation and the byte / ratio accounting (pure)."""

from __future__ import annotations

import gzip
import zlib

import pytest

from webread.body import Body, BodyLimits, BodyMeter, CorruptEncoding, Inflater, coding_of

HTML = ("<html><body>" + "".join(f"<p>第{i}条 省政府常务会议研究部署近期重点工作。</p>" for i in range(3000))
        + "</body></html>").encode()


def inflate_all(data: bytes, encoding: str | None, step: int = 7919) -> tuple[bytes, int]:
    """Feed ``data`` in odd-sized slices; (output, largest piece)."""
    inf = Inflater(encoding, piece=4096)
    out, biggest = [], 0
    for i in range(0, len(data), step):
        for piece in inf.feed(data[i:i + step]):
            out.append(piece)
            biggest = max(biggest, len(piece))
    return b"".join(out), biggest


@pytest.mark.parametrize(("encoding", "data"), [
    ("gzip", gzip.compress(HTML)),
    ("x-gzip", gzip.compress(HTML)),
    ("GZIP", gzip.compress(HTML[:5000]) + gzip.compress(HTML[5000:])),  # two members, as `cat a.gz b.gz`
    ("deflate", zlib.compress(HTML)),  # RFC 1950, as meant
    ("deflate", zlib.compress(HTML)[2:-4]),  # raw deflate, as many servers send it
    (None, HTML), ("identity", HTML), ("br", HTML), ("gzip, gzip", HTML),  # passed through as they came
])
def test_inflates_every_form_in_bounded_pieces(encoding: str | None, data: bytes) -> None:
    out, biggest = inflate_all(data, encoding)
    assert out == HTML and biggest <= 4096


def test_inflation_stops_when_the_consumer_stops() -> None:
    bomb = gzip.compress(b"\0" * (64 << 20), 9)  # ~64 KB that inflates to 64 MiB
    inf = Inflater("gzip", piece=65536)
    seen = 0
    for piece in inf.feed(bomb):
        seen += len(piece)
        if seen >= 1 << 20:
            break
    assert seen == 1 << 20  # nothing was inflated ahead of the consumer


def test_trailing_garbage_after_the_stream_is_ignored_and_corrupt_data_raises() -> None:
    out, _ = inflate_all(gzip.compress(HTML) + b"garbage", "gzip")
    assert out == HTML
    with pytest.raises(CorruptEncoding):
        inflate_all(b"\x1f\x8b\x08\x00" + b"\xff" * 100, "gzip")


def test_coding_of() -> None:
    assert [coding_of(c) for c in ("gzip", " x-gzip ", "deflate", "identity, gzip", "", None, "br", "gzip, br")] \
        == ["gzip", "gzip", "deflate", "gzip", "", "", "", ""]


def test_meter_caps_inflated_and_wire_bytes() -> None:
    m = BodyMeter(BodyLimits(max_bytes=1000, max_ratio=100, ratio_grace=10_000))
    assert m.on_wire(100) == "ok" and m.on_inflated(1000) == "ok" and m.on_inflated(1) == "cap"
    assert BodyMeter(BodyLimits(max_bytes=1000)).on_wire(1001) == "cap"


def test_meter_refuses_a_ratio_only_past_the_grace() -> None:
    m = BodyMeter(BodyLimits(max_bytes=100 << 20, max_ratio=100, ratio_grace=1 << 20))
    m.on_wire(1000)
    assert m.on_inflated(500_000) == "ok"  # 500× but under the grace: small pages that compress well are fine
    assert m.on_inflated(600_000) == "ratio"
    honest = BodyMeter(BodyLimits(max_bytes=100 << 20, max_ratio=100, ratio_grace=1 << 20))
    honest.on_wire(400_000)
    assert honest.on_inflated(4 << 20) == "ok"  # ~10×, a big page


def test_reasons_in_chinese() -> None:
    lim = BodyLimits(max_bytes=5 << 20, max_ratio=100)
    assert Body(b"", 6 << 20, 6 << 20, "", lim, truncated=True).reason() == "页面过大（超过 5 MB）"
    assert Body(b"", 6 << 20, 9000, "gzip", lim, truncated=True).reason() == "页面解压后过大（超过 5 MB）"
    bomb = Body(b"", 2 << 20, 2000, "gzip", lim, bomb=True)
    assert bomb.reason().startswith("页面解压后过大（压缩比超过 100 倍") and bomb.ratio > 1000
    assert Body(HTML, len(HTML), 900, "gzip", lim).reason() == ""
