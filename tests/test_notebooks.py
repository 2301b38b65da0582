"""The notebooks in notebooks/ are the docs pages, current, and they run in Jupyter.

They are made from the pages by docs/make_notebooks.py (one source: the page). Here each one is
checked to be current, to hold exactly the page's code, to link only to files that exist, and is
run in a real Jupyter kernel (nbclient + ipykernel, in a scratch folder): every cell must run,
every cell that draws a graph must show it as SVG, and every ``# -> ...`` the page states must be
in the cell's printed output. The kernel tools come with the `test` extra; without them these
runs are skipped on a developer's machine, and fail in CI.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from test_docs import _spaced, python_blocks, stated_outputs

ROOT = Path(__file__).resolve().parent.parent
MAKE = ROOT / "docs" / "make_notebooks.py"


def load_maker() -> Any:
    spec = importlib.util.spec_from_file_location("make_notebooks", MAKE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PAGES: list[str] = load_maker().PAGES


def read_notebook(page: str) -> dict:
    return json.loads(
        (ROOT / "notebooks" / (Path(page).stem + ".ipynb")).read_text(encoding="utf-8")
    )


def cells(nb: dict, kind: str) -> list[str]:
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == kind]


def test_notebooks_are_current() -> None:
    """Edit the docs page, then run `python docs/make_notebooks.py`."""
    result = subprocess.run([sys.executable, str(MAKE), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_learners_path_has_notebooks() -> None:
    assert PAGES[:3] == ["autograd.md", "rnn_bptt.md", "graphs.md"]
    assert sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")) == sorted(
        Path(page).stem + ".ipynb" for page in PAGES
    ), "a notebook without its page, or a page without its notebook"
    for guide in (ROOT / "README.md", ROOT / "docs" / "index.md"):
        text = guide.read_text(encoding="utf-8")
        for page in PAGES:
            assert f"notebooks/{Path(page).stem}.ipynb)" in text, f"{guide.name} does not link it"
        assert 'pip install -e ".[notebooks]" && jupyter notebook' in text


@pytest.mark.parametrize("page", PAGES)
def test_a_notebook_holds_exactly_the_pages_code(page: str) -> None:
    """The code cells are the page's python blocks, which test_docs runs, in the same order."""
    blocks = [b.strip("\n") for b in python_blocks(ROOT / "docs" / page)]
    assert cells(read_notebook(page), "code") == blocks


@pytest.mark.parametrize("page", PAGES)
def test_notebook_links_and_pictures_exist(page: str) -> None:
    link = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
    targets = [t for text in cells(read_notebook(page), "markdown") for t in link.findall(text)]
    # (the pages with pictures show them through ../docs/images/)
    pictureless = {"autograd.md", "exercises.md"}
    assert any(t.startswith("../docs/images/") for t in targets) or page in pictureless
    for target in targets:
        if "://" not in target:
            assert (ROOT / "notebooks" / target).resolve().exists(), f"{page}: missing {target}"


def test_split_page_keeps_other_blocks_in_the_prose_and_repoints_links() -> None:
    make = load_maker()
    page = (
        "# Title\n\nSee [graphs.md](graphs.md) and ![pic](images/a.svg).\n\n"
        "```python\nx = 1\n\ny = 2\n```\n\n## Two\n\n```bash\n# not a heading\n```\n"
        "Read [`nn/rnn.py`](../minitorch_rnn/nn/rnn.py), [reading](reading.md#order).\n"
    )
    assert make.split_page(page) == [
        (
            "markdown",
            "# Title\n\nSee [graphs.ipynb](graphs.ipynb) and ![pic](../docs/images/a.svg).",
        ),
        ("code", "x = 1\n\ny = 2"),
        (
            "markdown",
            "## Two\n\n```bash\n# not a heading\n```\n"
            "Read [`nn/rnn.py`](../minitorch_rnn/nn/rnn.py), [reading](../docs/reading.md#order).",
        ),
    ]


def notebook_tools() -> tuple[Any, Any]:
    """nbformat and nbclient (with ipykernel for the kernel); in CI their absence is a failure."""
    try:
        import ipykernel  # noqa: F401
        import nbclient
        import nbformat
    except ImportError as missing:
        if os.environ.get("CI"):
            raise
        pytest.skip(
            f"the notebook tools are not installed ({missing.name}): pip install -e '.[test]'"
        )
    return nbformat, nbclient


@pytest.mark.parametrize("page", PAGES)
def test_notebook_runs_and_shows_its_graphs(page: str, tmp_path: Path) -> None:
    nbformat, nbclient = notebook_tools()
    path = ROOT / "notebooks" / (Path(page).stem + ".ipynb")
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    # One more cell, not stored: which minitorch_rnn the kernel imported.
    nb.cells.append(
        nbformat.v4.new_code_cell("import minitorch_rnn\nprint(minitorch_rnn.__file__)")
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    client = nbclient.NotebookClient(
        nb, timeout=120, startup_timeout=60, resources={"metadata": {"path": str(tmp_path)}}
    )
    start = time.perf_counter()
    client.execute(env=env)  # raises CellExecutionError, naming the cell, if one fails
    print(f"{path.name}: {time.perf_counter() - start:.1f} s")

    *code, which = [c for c in nb.cells if c.cell_type == "code"]
    assert Path(_stdout(which).strip()).is_relative_to(ROOT / "minitorch_rnn"), _stdout(which)
    drawn = 0
    for cell in code:
        if "make_dot(" in cell.source:  # a drawing cell ends with the Digraph: it shows itself
            svg = [
                o["data"]["image/svg+xml"]
                for o in cell.outputs
                if "image/svg+xml" in o.get("data", {})
            ]
            assert len(svg) == 1 and "<svg" in svg[0], f"{cell.id} shows no SVG:\n{cell.source}"
            drawn += 1
        printed = _spaced(_stdout(cell))
        for text in stated_outputs(cell.source).values():
            assert text in printed, (
                f"{cell.id}: the page says {text!r}; the notebook printed {printed!r}"
            )
    assert drawn >= (4 if page == "graphs.md" else 0)


def _stdout(cell: Any) -> str:
    return "".join(
        o["text"] for o in cell.outputs if o["output_type"] == "stream" and o["name"] == "stdout"
    )
