"""Readability measured in the browser: every visible text on a wall page with its computed font size, its
colour and the effective background behind it (the backgrounds of its ancestors composited, gradients at
their lightest stop), classified as a number or a label, judged against the wall's thresholds.

Thresholds (docs/walls.md): a number ≥ ``NUMBER_PX``, a label ≥ ``LABEL_PX``; contrast ≥ 4.5:1 (WCAG AA), or
3:1 for large text (≥ 24 px, or bold ≥ 18.66 px). A Plotly axis tick is a scale, not a reading: it is held
to the label size, not the number size (``TICK_EXEMPT``). A number in a table cell is read along its row with
the row's name and badge: it is held to the table size ``CELL_NUMBER_PX`` (22 px), since 28-px rows would
halve the rows a panel shows (they page instead) — the headline numbers (tiles, counts, map) are ≥ 28 px."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

NUMBER_PX = 28
LABEL_PX = 18
AA = 4.5
AA_LARGE = 3.0
LARGE_PX = 24
LARGE_BOLD_PX = 18.66
TICK_EXEMPT = True
CELL_NUMBER_PX = 22  # a number in a table row or a facts row (theme.FONT_TABLE_PX): read along its row

# A reading: digits with separators, a sign, a ratio or a percentage, optionally a short unit.
NUMBER = re.compile(r"^[-+−]?\d[\d.,:/\s%-]*(?:\s?(?:ms|s|%|GB|MB|KB|TB|Mbps|MB/s|秒|毫秒))?$")

COLLECT_JS = r"""() => {
  const W = window.innerWidth, H = window.innerHeight;
  const parse = (c) => {
    const m = (c || '').match(/rgba?\(([^)]+)\)/);
    if (!m) { return null; }
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const lum = (c) => { const f = v => { v /= 255;
                                        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                       return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const over = (top, under) => { const a = top[3];
    return [top[0] * a + under[0] * (1 - a), top[1] * a + under[1] * (1 - a), top[2] * a + under[2] * (1 - a), 1]; };
  const layer = (el) => {
    const cs = getComputedStyle(el);
    const img = cs.backgroundImage || '';
    if (img.includes('gradient')) {  // the stop that weighs most, lightest among equals: the worst case for light text
      const stops = (img.match(/rgba?\([^)]+\)/g) || []).map(parse).filter(Boolean);
      stops.sort((a, b) => (b[3] - a[3]) || (lum(b) - lum(a)));
      if (stops.length && stops[0][3] > 0) { return stops[0]; }
    }
    const bg = parse(cs.backgroundColor);
    return bg && bg[3] > 0 ? bg : null;
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) { const l = layer(e); if (l) { layers.push(l); } }
    let c = [255, 255, 255, 1];  // the canvas behind everything, if nothing is opaque
    for (let i = layers.length - 1; i >= 0; i--) { c = over(layers[i], c); }
    return c;
  };
  const opacity = (el) => { let o = 1; for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
    o *= parseFloat(getComputedStyle(e).opacity || '1'); } return o; };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.replace(/\s+/g, ' ').trim();
    const el = n.parentElement;
    if (!text || !el || seen.has(el) || el.closest('script, style, noscript, title, [hidden]')) { continue; }
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.display === 'none') { continue; }
    const range = document.createRange(); range.selectNodeContents(n);
    const r = range.getBoundingClientRect();
    if (r.width < 1 || r.height < 1 || r.right <= 0 || r.bottom <= 0 || r.left >= W || r.top >= H) { continue; }
    const op = opacity(el);
    if (op < 0.05) { continue; }
    seen.add(el);
    const svg = el instanceof SVGElement;
    let fg = parse(svg ? cs.fill : cs.color) || [0, 0, 0, 1];
    if (svg) { fg[3] *= parseFloat(cs.fillOpacity || '1'); }
    fg = [fg[0], fg[1], fg[2], fg[3] * op];
    let bg = background(el);
    const bar = svg ? el.closest('g.point') : null;  // text drawn on a bar: the bar's fill is behind it
    const shape = bar ? bar.querySelector('path') : null;
    if (shape) {
      const ss = getComputedStyle(shape), f = parse(ss.fill);
      if (f) { bg = over([f[0], f[1], f[2], f[3] * parseFloat(ss.fillOpacity || '1')], bg); }
    }
    const shown = over(fg, bg);
    const L1 = lum(shown), L2 = lum(bg);
    const ratio = (Math.max(L1, L2) + 0.05) / (Math.min(L1, L2) + 0.05);
    const cell = !!el.closest('td, th, .fact');
    const tick = svg && !!el.closest('.xtick, .ytick, .x2tick, .y2tick, [class*="tick"]');
    const id = el.id || (el.closest('[id]') || {}).id || '';
    out.push({text: text.slice(0, 60), px: parseFloat(cs.fontSize), weight: parseInt(cs.fontWeight, 10) || 400,
              ratio: Math.round(ratio * 100) / 100, tick, cell, svg, where: `${el.tagName.toLowerCase()}.${
              (el.getAttribute('class') || '').split(' ')[0]} #${id}`});
  }
  return out;
}"""


@dataclass(frozen=True)
class Offence:
    path: str
    text: str
    where: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}  {self.text!r}  ({self.where}): {self.why}"


def is_number(text: str) -> bool:
    return bool(NUMBER.match(text.strip()))


def judge(path: str, texts: list[dict[str, Any]]) -> list[Offence]:
    """The texts of page ``path`` (as COLLECT_JS returns them) that break a threshold."""
    bad: list[Offence] = []
    for t in texts:
        px, ratio = float(t["px"]), float(t["ratio"])
        number = is_number(t["text"]) and not (TICK_EXEMPT and t["tick"])
        need_px = (CELL_NUMBER_PX if t.get("cell") else NUMBER_PX) if number else LABEL_PX
        if px + 0.01 < need_px:
            kind = "数字" if number else "文字"
            bad.append(Offence(path, t["text"], t["where"], f"{kind} {px:g}px < {need_px}px"))
        large = px >= LARGE_PX or (int(t["weight"]) >= 700 and px >= LARGE_BOLD_PX)
        need = AA_LARGE if large else AA
        if ratio + 0.005 < need:
            bad.append(Offence(path, t["text"], t["where"], f"contrast {ratio:.2f} < {need}"))
    return bad
