"""The program that turns a graph into a picture: system Graphviz's ``dot``, or graphviz-pure.

The `graphviz` Python package only writes a graph's *source*, in the DOT language. Laying it
out and drawing it takes a program, and two can do it:

* ``dot``, from system Graphviz (``apt-get install graphviz``, ``brew install graphviz``,
  ``conda install graphviz``): if you installed it, you get it. It also writes PDF.
* ``graphviz-pure``, a self-contained port of ``dot`` that pip installs with minitorch_rnn:
  SVG and PNG, the same bytes on every platform. It is only a command, with ``dot``'s arguments
  (no ``dot`` on the PATH, no Python API), so the `graphviz` package, which runs ``dot`` by
  name, cannot reach it. We run it ourselves, found next to the running Python.

`find_program` picks one: ``program="dot"`` or ``"graphviz-pure"``, else the environment
variable ``MINITORCH_RNN_GRAPHVIZ`` (same values), else ``"auto"``: ``dot`` when it is on the
PATH, graphviz-pure otherwise. `draw` runs it; `digraph_class` makes the `graphviz.Digraph`
that `make_dot` returns draw with it too, in ``pipe()``, ``render()`` and in Jupyter.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import sysconfig
from typing import Any, NamedTuple, Optional

ENV = "MINITORCH_RNN_GRAPHVIZ"
CHOICES = ("auto", "dot", "graphviz-pure")
# What graphviz-pure writes (``graphviz-pure -T?`` lists them): no PDF, PostScript, GIF, ...
PURE_FORMATS = ("svg", "png", "jpeg", "jpg", "plain", "json", "xdot", "dot", "canon")

INSTALL_GRAPHVIZ = (
    "    Debian/Ubuntu:  sudo apt-get install graphviz\n"
    "    macOS:          brew install graphviz\n"
    "    conda:          conda install graphviz\n"
    "(`pip install graphviz` only installs the Python wrapper, not the program.)"
)


class GraphvizNotFound(RuntimeError):
    """No program that can draw the picture asked for is installed."""

    def __init__(self, reason: str, source_path: Optional[str] = None) -> None:
        self.reason = reason
        self.source_path = source_path
        where = f"\nThe graph's source was written to {source_path}" if source_path else ""
        super().__init__(reason + where)


class Program(NamedTuple):
    name: str  # "dot" or "graphviz-pure"
    path: str  # the executable


def find_program(format: str = "svg", program: Optional[str] = None) -> Program:
    """The program that draws `format`: `program`, else ``$MINITORCH_RNN_GRAPHVIZ``, else
    ``"auto"`` -- system ``dot`` when it is on the PATH (a user who installed Graphviz gets
    what they installed), graphviz-pure otherwise.

    Raises:
        GraphvizNotFound: the chosen program is not installed, or cannot write `format`.
    """
    choice = program or os.environ.get(ENV) or "auto"
    if choice not in CHOICES:
        raise ValueError(f"{ENV} or program= must be one of {', '.join(CHOICES)}; got {choice!r}")
    dot = shutil.which("dot") if choice in ("auto", "dot") else None
    if dot:
        return Program("dot", dot)
    if choice == "dot":
        raise GraphvizNotFound(
            "the Graphviz program `dot` was not found on your PATH. Install Graphviz with one "
            f"of:\n{INSTALL_GRAPHVIZ}\nor let graphviz-pure draw instead: drop program='dot', "
            f"unset {ENV}."
        )
    if format not in PURE_FORMATS:
        why = "which is not on your PATH" if choice == "auto" else "but graphviz-pure was chosen"
        raise GraphvizNotFound(
            f"{format.upper()} needs the system Graphviz program `dot`, {why} "
            f"(graphviz-pure, installed with minitorch_rnn, writes SVG and PNG, not "
            f"{format.upper()}). Two ways out:\n"
            f"  * draw SVG or PNG instead, e.g. render(dot, 'graph.svg'), or\n"
            f"  * install Graphviz with one of:\n{INSTALL_GRAPHVIZ}"
        )
    pure = find_graphviz_pure()
    if pure:
        return Program("graphviz-pure", pure)
    raise GraphvizNotFound(
        "no program to draw the graph was found: graphviz-pure, which pip installs with "
        "minitorch_rnn, is missing (pip install graphviz-pure), and so is the Graphviz "
        f"program `dot`. Either of them will do; Graphviz installs with one of:\n{INSTALL_GRAPHVIZ}"
    )


def find_graphviz_pure() -> Optional[str]:
    """The ``graphviz-pure`` command: in the scripts folder of the running Python (a venv's
    ``bin/``, or ``Scripts\\`` on Windows, which is often not on the PATH), in the user's
    scripts folder (``pip install --user``), else wherever the PATH finds it."""
    folders = [sysconfig.get_path("scripts")]
    folders.append(sysconfig.get_path("scripts", sysconfig.get_preferred_scheme("user")))
    for folder in folders:
        found = shutil.which("graphviz-pure", path=folder)
        if found:
            return found
    return shutil.which("graphviz-pure")


def draw(source: str, format: str, program: Optional[str] = None, quiet: bool = False) -> bytes:
    """The picture of DOT `source` in `format` (``"svg"``, ``"png"``, ...), drawn by the
    program `find_program` picks. What the program prints on stderr (its warnings) is passed
    on to ours, as graphviz's own ``render`` does, unless `quiet`.

    Raises:
        GraphvizNotFound: see `find_program`.
        subprocess.CalledProcessError: the program failed (its message is on stderr).
    """
    found = find_program(format, program)
    command = [found.path, f"-T{format}"]
    result = subprocess.run(command, input=source.encode("utf-8"), capture_output=True)
    if result.stderr and not quiet:
        sys.stderr.write(result.stderr.decode("utf-8", errors="replace"))
    result.check_returncode()
    return result.stdout


@functools.cache
def digraph_class() -> Any:
    """`graphviz.Digraph` whose ``pipe()`` and ``render()`` draw with `draw`.

    graphviz's own methods run ``dot`` by name: without system Graphviz they fail even when
    graphviz-pure is installed. Jupyter shows a Digraph through ``pipe(format="svg")``, so a
    notebook draws with the same program. Made on first use, so that ``import minitorch_rnn``
    never imports graphviz.
    """
    import graphviz

    class Digraph(graphviz.Digraph):
        def pipe(
            self,
            format: Optional[str] = None,
            *,
            encoding: Optional[str] = None,
            quiet: bool = False,
        ) -> Any:
            """The picture as bytes (as text when given an `encoding`)."""
            picture = draw(self.source, format or self.format, quiet=quiet)
            return picture.decode(encoding) if encoding else picture

        def render(
            self,
            filename: Any = None,
            directory: Any = None,
            view: bool = False,
            cleanup: bool = False,
            format: Optional[str] = None,
            quiet: bool = False,
            quiet_view: bool = False,
        ) -> str:
            """As graphviz's: save the source to `filename` (``<name>.gv`` by default), draw
            it to ``<filename>.<format>`` and return that path; `view` opens it."""
            format = format or self.format
            source_path = self.save(filename, directory=directory)  # first, so nothing is lost
            try:
                picture = draw(self.source, format, quiet=quiet)
            except GraphvizNotFound as e:
                raise GraphvizNotFound(e.reason, source_path) from None
            path = f"{source_path}.{format}"
            with open(path, "wb") as f:
                f.write(picture)
            if cleanup:
                os.remove(source_path)
            if view or quiet_view:
                self._view(path, format=format, quiet=quiet_view)
            return path

    return Digraph
