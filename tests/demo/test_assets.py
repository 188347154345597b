"""Attachments and images are valid files, not just bytes with the right extension."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

from demo import assets


def test_pdf_xref_points_at_every_object() -> None:
    data = assets.pdf("湖南省关于印发《安全生产实施方案》的通知", ["湖南省人民政府办公厅", "发布日期：2026-11-27"])
    assert data.startswith(b"%PDF-1.4") and data.endswith(b"%%EOF\n")
    startxref = int(re.search(rb"startxref\n(\d+)\n", data).group(1))  # type: ignore[union-attr]
    assert data[startxref:].startswith(b"xref\n0 8\n")
    offsets = [int(m) for m in re.findall(rb"(\d{10}) 00000 n ", data)]
    assert len(offsets) == 7
    for n, off in enumerate(offsets, 1):
        assert data[off:].startswith(f"{n} 0 obj".encode())
    # Chinese title travels as UCS-2 hex for the STSong-Light CJK font.
    assert "湖南".encode("utf-16-be").hex().upper().encode() in data
    length = int(re.search(rb"/Length (\d+)", data).group(1))  # type: ignore[union-attr]
    stream = data.split(b"stream\n", 1)[1]
    assert stream[length:].startswith(b"\nendstream")


def test_docx_is_a_word_package_with_the_text() -> None:
    data = assets.docx("关于开展<防汛>工作的通知", ["第一段", "第二段"])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert {"[Content_Types].xml", "_rels/.rels", "word/document.xml"} <= set(zf.namelist())
        doc = zf.read("word/document.xml").decode()
    assert "关于开展&lt;防汛&gt;工作的通知" in doc and "第二段" in doc
    assert data == assets.docx("关于开展<防汛>工作的通知", ["第一段", "第二段"])  # deterministic


def test_png_is_well_formed() -> None:
    data = assets.png(8, 6, (180, 0, 0))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        tag, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(tag + body)
        chunks[tag] = body
        pos += 12 + length
    assert struct.unpack(">II", chunks[b"IHDR"][:8]) == (8, 6)
    assert len(zlib.decompress(chunks[b"IDAT"])) == 6 * (1 + 8 * 3)
