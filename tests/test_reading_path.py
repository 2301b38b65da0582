"""docs/reading.md states each file's size; the claims are checked here, as every package file
is kept under 400 lines (one a reader can finish)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READING = ROOT / "docs" / "reading.md"


def stated_sizes() -> list[tuple[str, int]]:
    rows = []
    for line in READING.read_text().splitlines():
        cells = [c.strip() for c in line.split("|")]
        for i, cell in enumerate(cells[:-1]):  # the lines column follows the file column
            links = re.findall(r"\]\(\.\./(minitorch_rnn/[^)]+\.py)\)", cell)
            if links and re.fullmatch(r"\d+(, \d+)*", cells[i + 1]):
                rows += list(zip(links, map(int, cells[i + 1].split(", "))))
    return rows


def test_reading_path_states_true_sizes() -> None:
    rows = stated_sizes()
    assert len(rows) >= 15
    for path, stated in rows:
        actual = len((ROOT / path).read_text().splitlines())
        assert abs(actual - stated) <= max(15, 0.1 * stated), f"{path}: docs say {stated}, it has {actual}"


def test_first_read_is_short() -> None:
    text = READING.read_text()
    first = text.split("## First read")[1].split("## Second read")[0]
    total = sum(n for path, n in stated_sizes() if path in first)
    claimed = int(re.search(r"about (\d+) lines", text).group(1))
    assert abs(total - claimed) <= 0.1 * claimed


def test_no_package_file_over_400_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / "minitorch_rnn").rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 400
    }
    assert not long, long
