"""`render`: write a drawing to SVG / PNG / PDF, with one clear message when it cannot.

The picture is drawn by system Graphviz's ``dot`` or by graphviz-pure, which pip installs with
minitorch_rnn (``program.py`` says which and why). The graph's DOT source is always written
first, as ``<stem>.gv``: if no program can draw the format asked for (PDF needs system
Graphviz), `GraphvizNotFound` says what to do, and nothing is lost.
"""

from __future__ import annotations

import os
from typing import Any, Optional, Union

from .._tensor import Tensor
from .dot import make_dot
from .program import GraphvizNotFound, draw


def render(
    dot_or_root: Any,
    path: Union[str, os.PathLike],
    format: str = "svg",
    program: Optional[str] = None,
    **kwargs: Any,
) -> str:
    """Draw `dot_or_root` (a `graphviz.Digraph`, or a tensor for `make_dot`) to a file.

    `path` may name the picture (``"rnn.svg"``: the format comes from it) or be a stem
    (``"rnn"`` + ``format``). The DOT source is always written next to it as ``<stem>.gv``.
    `program` picks what draws it: ``"dot"`` (system Graphviz) or ``"graphviz-pure"``; by
    default ``$MINITORCH_RNN_GRAPHVIZ``, else ``dot`` if installed, else graphviz-pure.
    Extra keyword arguments go to `make_dot` when a tensor is given. Returns the picture's path.

    Raises:
        GraphvizNotFound: no installed program can draw `format` (the ``.gv`` file is written
            anyway): PDF without system Graphviz, say.
    """
    import graphviz

    if isinstance(dot_or_root, Tensor):
        dot = make_dot(dot_or_root, **kwargs)
    elif kwargs:
        raise TypeError("render: keyword arguments are for make_dot; pass a tensor, not a Digraph")
    else:
        dot = dot_or_root
    stem, ext = os.path.splitext(os.fspath(path))
    if ext.lstrip(".") in graphviz.FORMATS:
        format = ext.lstrip(".")
    else:
        stem = os.fspath(path)
    source_path = stem + ".gv"
    os.makedirs(os.path.dirname(source_path) or ".", exist_ok=True)
    dot.save(source_path)  # first, so nothing is lost if drawing fails
    if format in ("gv", "dot"):  # the DOT source itself was asked for
        return source_path
    try:
        picture = draw(dot.source, format, program)
    except GraphvizNotFound as e:
        raise GraphvizNotFound(e.reason, source_path) from None
    picture_path = f"{stem}.{format}"
    with open(picture_path, "wb") as f:
        f.write(picture)
    return picture_path
