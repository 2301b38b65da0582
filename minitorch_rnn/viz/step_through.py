"""`step_through(root)`: one HTML page that walks the backward pass a node at a time.

    page = viz.step_through(loss, dict(rnn.named_parameters()))   # runs loss.backward()
    page.save("backward.html")      # open it in any browser: Next, Next, ... N / N
    page                            # in Jupyter: the same page, inside the notebook

Three parts, each in its own place:

1. ``backward_steps.py`` runs the backward pass and writes down every node's turn: the gradient
   that arrived, what it sent along each edge, and each leaf's gradient term by term;
2. `make_dot` draws the graph and `render` turns it into SVG (whichever renderer is there);
3. this file puts both into ``assets/step_through.html`` with its ``.css`` and ``.js`` (package
   data files: read them as a page, not as strings in Python) -- one self-contained file, no
   server and no network (its Content-Security-Policy forbids loading anything).
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
import os
import re
import tempfile
from collections.abc import Mapping
from importlib import resources
from typing import Any, Optional, Union

from .._tensor import Tensor
from .backward_steps import Recording, record_backward
from .dot import make_dot
from .render import render


class StepThrough:
    """The page: ``.save(path)`` writes it, Jupyter shows it (``_repr_html_``).

    ``.recording`` is what the page shows, as plain Python data (`backward_steps.Recording`).
    """

    def __init__(self, page: str, recording: Recording) -> None:
        self.html = page
        self.recording = recording

    def save(self, path: Union[str, os.PathLike]) -> str:
        """Write the page to `path` (``.html``) and return the path."""
        path = os.fspath(path)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.html)
        return path

    def _repr_html_(self) -> str:
        # In a frame of its own, so that the page's style and script stay out of the notebook's.
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            'style="width: 100%; height: 820px; border: 1px solid #ddd"></iframe>'
        )

    def __len__(self) -> int:
        return len(self.recording.steps)


def step_through(
    root: Tensor,
    params: Optional[Mapping[str, Tensor]] = None,
    *,
    max_steps: Optional[int] = 6,
    rankdir: str = "TB",
    retain_graph: bool = False,
    title: str = "Backpropagation, step by step",
    root_name: str = "loss",
    program: Optional[str] = None,
) -> StepThrough:
    """Run ``root.backward()`` and return a page that replays it one node at a time.

    Args:
        root: a scalar output (a loss) with a graph behind it.
        params: names for the leaves, e.g. ``dict(model.named_parameters())`` (as `make_dot`).
        max_steps: as in `make_dot`: loops longer than this show their first and last steps;
            the nodes of the hidden steps run as one step of the page.
        rankdir, title, root_name: the drawing's direction, the page's title, the output's name.
        retain_graph: as in ``backward()``.
        program: what draws the graph, as in `render` (``"dot"``, ``"graphviz-pure"``).

    Afterwards every leaf's ``.grad`` is what ``root.backward()`` would have given. (The pass
    is watched first and then run for real: tensor hooks are called twice.)
    """
    # the drawing first: the backward pass frees what forward saved, not the tape's shape
    svg = _svg(make_dot(root, params, max_steps=max_steps, rankdir=rankdir), program)
    recording = record_backward(root, params, max_steps=max_steps, retain_graph=retain_graph)
    data = dataclasses.asdict(recording)
    data["root"] = root_name
    folds = sum(step["nodes"] > 1 for step in data["steps"])
    fold_note = (
        "Long loops are folded as in the picture: the backward nodes of the hidden time steps "
        "run as <b>one step</b> of this page (its card shows what went in and out of them)."
        if folds
        else ""
    )
    parts = {
        "TITLE": html.escape(title),
        "ROOT": html.escape(root_name),
        "FOLD_NOTE": fold_note,
        "STYLE": _asset("step_through.css"),
        "SVG": svg,
        # (in a <script> element "</" would end it: JSON lets us write "<\/" instead)
        "DATA": json.dumps(_finite(data), ensure_ascii=False).replace("</", "<\\/"),
        "SCRIPT": _asset("step_through.js"),
    }
    page = re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], _asset("step_through.html"))
    return StepThrough(page, recording)


def _asset(name: str) -> str:
    return (resources.files(__package__) / "assets" / name).read_text(encoding="utf-8")


def _svg(dot: Any, program: Optional[str]) -> str:
    """The drawing as an inline ``<svg>`` element (without the XML prolog and doctype)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = render(dot, os.path.join(tmp, "graph.svg"), program=program)
        with open(path, encoding="utf-8") as f:
            text = f.read()
    return text[text.index("<svg") :]


def _finite(value: Any) -> Any:
    """JSON has no inf or NaN: write them as strings the page prints as they are."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
