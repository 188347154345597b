"""Exported reports of the operations center (issue 14 §4): a period's 检查情况通报 and one site's score sheet,
as Excel (openpyxl) and PDF (reportlab, embedded CJK font, charts). Built from plain data — the JSON form of
:func:`inspection.scoring.to_dict` plus the site's identity — never from database rows (docs/exports.md)."""
