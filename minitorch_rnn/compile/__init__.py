"""Record once, replay fast: ``mt.compile(net)`` and ``mt.compile(step)``. Skip on a first read.

The eager tape pays Python's price for every op -- a ctx, a Tensor, edges, the engine's heap
-- on top of the op's NumPy call. A training step runs the same ops every time, so this
package runs it eagerly once, writes down the NumPy calls it made (record.py), and from then
on replays that list (replay.py) while the guards say nothing it depends on has changed
(api.py). docs/compile.md tells the whole story, with measurements.
"""

from .api import Compiled, compile

__all__ = ["Compiled", "compile"]
