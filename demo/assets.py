"""Static assets and attachments of the demo sites, built in memory: CSS, JS, PNG, PDF, DOCX.

Pure and deterministic: the same input gives the same bytes. The PDF uses the standard
CJK font STSong-Light (no embedding needed); the DOCX is a minimal WordprocessingML package.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from functools import lru_cache
from xml.sax.saxutils import escape

CSS = """body{margin:0;font:14px/1.6 "Microsoft YaHei","PingFang SC",sans-serif;color:#333;background:#f5f5f5}
header{background:#b40000;color:#fff;padding:12px 40px;display:flex;align-items:center;gap:16px}
header h1{margin:0;font-size:26px}
nav{background:#8f0000;padding:6px 40px}nav a{color:#fff;margin-right:22px;text-decoration:none}
main{max-width:1100px;margin:16px auto;background:#fff;padding:16px 24px}
section{margin-bottom:18px}section h2{border-bottom:2px solid #b40000;font-size:18px}
ul.list{list-style:none;padding:0}ul.list li{display:flex;justify-content:space-between;border-bottom:1px dashed #ddd}
.date{color:#888;white-space:nowrap;margin-left:12px}
footer{background:#eee;text-align:center;padding:16px;font-size:12px;color:#666}
.pager a,.pager span{margin:0 6px}
"""

JS = """(function(){
  "use strict";
  // Shows the visitor's local date in the header, like most portal templates do.
  var el = document.getElementById("today");
  if (el) {
    var d = new Date();
    el.textContent = d.getFullYear() + "年" + (d.getMonth() + 1) + "月" + d.getDate() + "日";
  }
})();
"""


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


@lru_cache(maxsize=8)
def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid RGB PNG: a solid block with a lighter band (a stand-in for a logo or photo)."""
    light = tuple(min(255, c + 80) for c in rgb)
    rows = []
    for y in range(height):
        color = light if height // 3 <= y < 2 * height // 3 else rgb
        rows.append(b"\x00" + bytes(color) * width)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + _png_chunk(b"IEND", b""))


def pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF 1.4 showing ``title`` and ``lines`` in STSong-Light (UCS-2 text)."""
    def hexs(s: str) -> str:
        return "<" + s.encode("utf-16-be", errors="replace").hex().upper() + ">"

    ops = ["BT", "/F1 16 Tf", "60 780 Td", f"{hexs(title)} Tj", "/F1 11 Tf"]
    for line in lines:
        ops += ["0 -24 Td", f"{hexs(line)} Tj"]
    ops.append("ET")
    stream = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [5 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 7 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{n} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
 Target="word/document.xml"/>
</Relationships>"""


def docx(title: str, lines: list[str]) -> bytes:
    """A minimal valid .docx whose body is ``title`` then one paragraph per line."""
    paras = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(t)}</w:t></w:r></w:p>"
                    for t in [title, *lines])
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f"<w:body>{paras}</w:body></w:document>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS),
                           ("word/document.xml", document)):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # fixed: same bytes every time
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()
