"""`render`: write a drawing to SVG / PNG / PDF, with one clear message when Graphviz is missing.

The `graphviz` Python package only writes the graph's *source* (the DOT language); turning it
into a picture needs the Graphviz program ``dot``. Where it is not installed, `render` still
writes the ``.gv`` source (paste it into any online Graphviz viewer) and raises
`GraphvizNotFound`, which says how to install it.
"""

from __future__ import annotations

import functools
import os
from typing import Any, Optional, Union

from .._tensor import Tensor

INSTALL_HELP = (
    "the Graphviz program `dot` was not found on your PATH; it turns the graph into a picture. "
    "Install it with one of:\n"
    "    Debian/Ubuntu:  sudo apt-get install graphviz\n"
    "    macOS:          brew install graphviz\n"
    "    conda:          conda install graphviz\n"
    "(`pip install graphviz` only installs the Python wrapper, not the program.)"
)


class GraphvizNotFound(RuntimeError):
    """Rendering needs the Graphviz program `dot`, and it is not installed."""

    def __init__(self, source_path: Optional[str] = None) -> None:
        self.source_path = source_path
        where = f"\nThe graph's source was written to {source_path}" if source_path else ""
        super().__init__(INSTALL_HELP + where)


@functools.cache
def digraph_class() -> Any:
    """`graphviz.Digraph` whose ``render()`` and ``pipe()`` raise `GraphvizNotFound`.

    Made on first use, so that ``import minitorch_rnn`` never imports graphviz. Jupyter shows
    a Digraph through ``pipe()``, so a notebook gets the same message.
    """
    import graphviz

    class Digraph(graphviz.Digraph):
        def render(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().render(*args, **kwargs)  # writes the source file first
            except graphviz.ExecutableNotFound:
                raise GraphvizNotFound(self.filepath) from None

        def pipe(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().pipe(*args, **kwargs)
            except graphviz.ExecutableNotFound:
                raise GraphvizNotFound() from None

    return Digraph


def render(
    dot_or_root: Any, path: Union[str, os.PathLike], format: str = "svg", **kwargs: Any
) -> str:
    """Draw `dot_or_root` (a `graphviz.Digraph`, or a tensor for `make_dot`) to a file.

    `path` may name the picture (``"rnn.svg"``: the format comes from it) or be a stem
    (``"rnn"`` + ``format``). The DOT source is always written next to it as ``<stem>.gv``.
    Extra keyword arguments go to `make_dot` when a tensor is given. Returns the picture's path.

    Raises:
        GraphvizNotFound: the `dot` program is missing (the ``.gv`` file is written anyway).
    """
    import graphviz

    if isinstance(dot_or_root, Tensor):
        from .dot import make_dot

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
        return str(graphviz.render("dot", format, source_path, outfile=f"{stem}.{format}"))
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFound(source_path) from None
