"""Write the learner's notebooks in notebooks/ from the docs pages: one source, the page.

    python docs/make_notebooks.py          # rewrite notebooks/*.ipynb
    python docs/make_notebooks.py --check  # exit 1 if one is out of date (the tests run this)

Each page becomes one notebook: its prose becomes markdown cells (a new cell at each heading),
each ```python block a code cell, in order. Every other block (```text, ```bash, indented
equations) stays in the prose. Links and pictures are re-pointed so they work from
notebooks/, and a link to another page that has a notebook goes to that notebook. A graph
shows itself when a cell ends with the `graphviz.Digraph` from `viz.make_dot`, so the pages
end those blocks with `dot`.

The notebooks are stored without outputs, so their diffs stay as small as the page's. The
file is plain JSON in nbformat 4.5 (the layout Jupyter writes), with cell ids numbered
instead of random: the same page always gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
NOTEBOOKS = DOCS.parent / "notebooks"
# The learner's path, in order: page -> notebook of the same name.
PAGES = ["autograd.md", "rnn_bptt.md", "graphs.md", "exercises.md", "lstm_gru.md"]

FENCE = re.compile(r"^```(\w*)\s*$")
LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")  # [text](target) and ![alt](picture)


def notebook_path(page: str) -> Path:
    return NOTEBOOKS / (Path(page).stem + ".ipynb")


def repoint(target: str) -> str:
    """A link written for docs/PAGE, rewritten to work from notebooks/NOTEBOOK."""
    if "://" in target or target.startswith(("#", "/", "mailto:", "../")):
        return target  # web addresses, anchors, and ../x (docs/ and notebooks/ are siblings)
    path, hash_, anchor = target.partition("#")
    if path in PAGES:
        return notebook_path(path).name + hash_ + anchor  # the next step of the path, as a notebook
    return "../docs/" + target


def relink(link: re.Match) -> str:
    bang, text, target = link.groups()
    new_target = repoint(target)
    if text.strip("`") == target and new_target.endswith(".ipynb"):  # [graphs.md](graphs.md)
        text = text.replace(target, new_target)
    return f"{bang}[{text}]({new_target})"


def split_page(text: str) -> list[tuple[str, str]]:
    """The page as [(kind, text)], kind "markdown" or "code", in order."""
    cells: list[tuple[str, str]] = []
    prose: list[str] = []
    code: list[str] | None = None  # lines of the ```python block we are in, if any
    other_fence = False  # inside a ```text / ```bash block: its lines are prose

    def end_prose() -> None:
        chunk = "\n".join(prose).strip("\n")
        if chunk:
            cells.append(("markdown", LINK.sub(relink, chunk)))
        prose.clear()

    for line in text.split("\n"):
        fence = FENCE.match(line)
        if code is not None:  # inside a python block
            if fence and not fence[1]:
                cells.append(("code", "\n".join(code).strip("\n")))
                code = None
            else:
                code.append(line)
        elif other_fence:
            prose.append(line)
            other_fence = not (fence and not fence[1])
        elif fence and fence[1] == "python":
            end_prose()
            code = []
        else:
            if fence:
                other_fence = True
            elif line.startswith("#"):  # a heading starts a new cell: the notebook's outline
                end_prose()
            prose.append(line)
    if code is not None:
        raise ValueError("a ```python block is not closed")
    end_prose()
    return cells


def source_lines(text: str) -> list[str]:
    """Jupyter's way to store a cell's text: a list of lines, each but the last ending in \\n."""
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def notebook(page: str) -> dict:
    stem = Path(page).stem
    header = (
        f"*This notebook is made from [docs/{page}](../docs/{page}) by "
        "[make_notebooks.py](../docs/make_notebooks.py): edit the page, not the notebook. "
        "Run the cells in order from the top.*"
    )
    cells = []
    for i, (kind, text) in enumerate([("markdown", header), *split_page(read(page))]):
        cell: dict = {"cell_type": kind, "id": f"{stem}-{i:02d}", "metadata": {}}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        cell["source"] = source_lines(text)
        cells.append(cell)
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def read(page: str) -> str:
    return (DOCS / page).read_text(encoding="utf-8")


def dumps(nb: dict) -> str:
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only check the notebooks are current")
    args = parser.parse_args()
    stale = []
    for page in PAGES:
        path, text = notebook_path(page), dumps(notebook(page))
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
            continue
        NOTEBOOKS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    if stale:
        print(
            f"out of date: {', '.join(stale)}: run python docs/make_notebooks.py", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
