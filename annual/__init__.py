"""The yearly website report (政府网站工作年度报表): template, fill, workflow and export (docs/annual-report.md)."""
