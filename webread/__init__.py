"""Reading the web: one home for every probe, fetch, TLS read, HTML parse and crawl.

Collectors and inspection checks alike read the web through this package, under one fetch policy:

- ``webread.addresses`` (pure) — the SSRF policy: which addresses may be connected to;
- ``webread.body`` (pure) — bounded streaming inflation and the byte / ratio accounting;
- ``webread.client`` (aiohttp) — the guarded connector, the bounded body reader, error classes;
- ``webread.tls`` — trust (CA file), the peer certificate, its expiry, certificate problems in Chinese;
- ``webread.probe`` — one homepage probe (status, full-load latency, size, hash, redirects, TLS expiry);
- ``webread.fetch`` — the shared HTTP client of the checks (charset decoding, ``FetchError`` kinds);
- ``webread.html`` (pure) — parse helpers on selectolax: text, links, meta tags, footer text;
- ``webread.crawler`` / ``webread.crawl_links`` — the same-site crawler and link checker, its pure parts;
- ``core.i18n.web`` — the Chinese reasons (页面解压后过大…, 指向内网地址，未访问…).

It imports nothing of ours but ``core`` (clock, configuration errors), so ``collectors`` and ``inspection``
both build on it without importing each other.
See docs/inspection.md ("Reading the web") and docs/security.md (issue 9, items 7 and 9).
"""
