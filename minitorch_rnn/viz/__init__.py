"""Pictures of the tape: ``make_dot(loss)`` draws the computation graph behind a tensor.

* `trace` -- the tape as plain nodes and edges (``trace.py``, no graphviz needed);
* `fold_steps` -- long loops keep their first and last time steps (``fold.py``);
* `make_dot` -- a `graphviz.Digraph`, one labelled box per scope (``dot.py``);
  given ``mt.compile``'s work, it draws the recorded program (``compiled.py``);
* `render` -- to SVG / PNG / PDF, with one clear message when it cannot (``render.py``);
* `find_program` -- what draws: system Graphviz's ``dot``, or graphviz-pure (``program.py``);
* `step_through` -- one HTML page that replays the backward pass node by node
  (``step_through.py``, recording in ``backward_steps.py``);
* ``python -m minitorch_rnn.viz --help`` -- the same from the command line (``__main__.py``).

graphviz itself is imported only when something is drawn, so ``import minitorch_rnn`` stays
cheap and works on a machine without it.
"""

from .dot import make_dot
from .fold import fold_steps
from .program import GraphvizNotFound, find_program
from .render import render
from .step_through import StepThrough, step_through
from .trace import Edge, Graph, Node, trace

__all__ = [
    "Edge",
    "Graph",
    "GraphvizNotFound",
    "Node",
    "StepThrough",
    "find_program",
    "fold_steps",
    "make_dot",
    "render",
    "step_through",
    "trace",
]
