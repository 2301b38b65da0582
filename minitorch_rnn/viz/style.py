"""How a node looks: colours, labels, value summaries, the gradient colour scale, the legend.

One palette for every picture: inputs blue, parameters yellow, ops grey, the output green,
data that needs no gradient dashed (tensors are square boxes, ops rounded). With
``show_grads`` the fill colour shows the gradient instead, on a log scale from pale (the
smallest drawn) to dark red (the largest); the border keeps the kind's colour. By default the
colour measures the RMS, ||grad|| / sqrt(numel) -- the typical size of one entry -- so that a
big weight does not look important only because it has many entries; a gradient that is
exactly zero is grey, not the palest red.

Labels are plain ASCII (``||grad||``, ``5 x (3, 20)``): graphviz-pure, like ``dot`` built
without fonts, sizes text from a table of ASCII widths and warns at any other character.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from .trace import DATA, FOLD, INPUT, OP, OUTPUT, PARAMETER, Node

# kind -> (fill, border)
PALETTE = {
    INPUT: ("#dae8fc", "#6c8ebf"),
    PARAMETER: ("#fff2cc", "#d6b656"),
    OP: ("#f5f5f5", "#666666"),
    OUTPUT: ("#d5e8d4", "#82b366"),
    FOLD: ("#ffffff", "#999999"),
    DATA: ("#ffffff", "#6c8ebf"),
}
LEGEND = {
    INPUT: "input (leaf tensor)",
    PARAMETER: "parameter",
    OP: "op, output shape",
    OUTPUT: "output",
    DATA: "data (no grad)",
}
# ColorBrewer "Reds": pale (small ‖grad‖) to dark (large ‖grad‖).
GRAD_RAMP = ["#fff5f0", "#fee0d2", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#a50f15"]
RECURRENT_EDGE = "#1f5fa8"  # arrows from one time step into another: the hidden state
WEIGHT_EDGE = "#c49a1c"  # arrows out of a parameter
DATA_EDGE = "#6c8ebf"  # arrows out of data (x, h0): dashed, no gradient flows back
INVISIBLE = {"style": "invis", "shape": "point", "width": "0", "height": "0", "label": ""}


ZERO_GRAD = "#d0d0d0"  # a gradient that is exactly zero: nothing flowed back here


class LogScale:
    """Maps a gradient size to a colour: log10, normalised over the sizes drawn."""

    def __init__(self, norms: list[float]) -> None:
        logs = [math.log10(v) for v in norms if v > 0 and math.isfinite(v)]
        self.lo, self.hi = (min(logs), max(logs)) if logs else (0.0, 0.0)

    def position(self, norm: float) -> float:
        """0 for the smallest norm drawn (and for zero), 1 for the largest."""
        if not norm > 0:
            return 0.0
        if not math.isfinite(norm) or self.hi - self.lo < 1e-12:
            return 1.0
        return min(max((math.log10(norm) - self.lo) / (self.hi - self.lo), 0.0), 1.0)

    def colour(self, norm: float) -> str:
        if norm == 0:
            return ZERO_GRAD
        return GRAD_RAMP[round(self.position(norm) * (len(GRAD_RAMP) - 1))]


def node_attrs(
    node: Node,
    show_values: bool,
    norm: Optional[float],
    scale: LogScale,
    rms: Optional[float] = None,
) -> dict:
    """Graphviz attributes of one node: its label (name, shape, value, ||grad||) and colours.

    The fill shows `rms` (||grad|| / sqrt(numel)) when it is given, else `norm`."""
    fill, border = PALETTE[node.kind]
    if node.kind == OP:
        lines = [node.label, shape_text(node.shapes)]  # "Tanh" over "(3, 20)"
    elif node.kind == FOLD:
        lines = [node.label]
    else:
        lines = [f"{node.label} {shape_text(node.shapes)}"]  # "weight_hh_l0 (20, 20)"
    if show_values and node.value is not None:
        lines.append(summarize(node.value))
    attrs = {"shape": "box", "fillcolor": fill, "color": border}
    attrs["tooltip"] = node.detail or node.label  # e.g. TanhBackward0, when hovering in an SVG
    if node.kind == OP:
        attrs["style"] = "rounded,filled"
    elif node.kind == FOLD:
        attrs.update(shape="plaintext", fontsize="11")  # not filled: its dashed box is the frame
    elif node.kind == DATA:
        attrs.update(style="filled,dashed", penwidth="1.5")
    else:
        attrs.update(style="filled", penwidth="2")
    if norm is not None:
        lines.append(f"||grad|| {norm:.2g}" + (f"  rms {rms:.2g}" if rms is not None else ""))
        size = rms if rms is not None else norm
        attrs["fillcolor"] = scale.colour(size)
        if size > 0 and scale.position(size) > 0.6:
            attrs["fontcolor"] = "white"  # dark fill
    attrs["label"] = "\n".join(lines)
    return attrs


def shape_text(shapes: tuple[tuple[int, ...], ...]) -> str:
    """``(3, 20)``; several equal outputs (an unbind) as ``5 x (3, 20)``."""
    if len(shapes) > 1 and len(set(shapes)) == 1:
        return f"{len(shapes)} x {tuple(shapes[0])}"
    return ", ".join(str(tuple(s)) for s in shapes)


def summarize(value: Any) -> str:
    """A one-line summary of an array (or a tuple of them): the entries, or min/mean/max."""
    arrays = value if isinstance(value, tuple) else (value,)
    flat = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in arrays])
    if flat.size <= 4:
        return "[" + ", ".join(f"{v:.3g}" for v in flat) + "]"
    return f"min {flat.min():.3g}  mean {flat.mean():.3g}  max {flat.max():.3g}"


def draw_legend(dot: Any, scale: Optional[LogScale], loops: bool, measure: str = "rms") -> None:
    """One node holding a small two-column table: a sample of each kind, the gradient colours
    (of `measure`: "rms" or "norm") and, when the graph has time steps (`loops`), what the
    coloured arrows mean."""
    cell = '<td border="1" color="{}" bgcolor="{}"{}><font color="{}">{}</font></td>'
    rounded = ' style="rounded"'  # only where wanted: an empty style="" makes graphviz warn
    cells = [
        cell.format(PALETTE[k][1], PALETTE[k][0], rounded if k == OP else "", "black", text)
        for k, text in LEGEND.items()
    ]
    if len(cells) % 2:
        cells.append("<td></td>")
    rows = [f"<tr>{a}{b}</tr>" for a, b in zip(cells[::2], cells[1::2])]
    if scale is not None:  # the ramp, from the smallest to the largest gradient drawn
        name = "rms" if measure == "rms" else "||grad||"
        what = "rms = ||grad|| / sqrt(numel)" if measure == "rms" else "||grad||"
        rows.append(f'<tr><td colspan="2">fill: {what}, log scale</td></tr>')
        cells = [cell.format("#999999", ZERO_GRAD, "", "black", "grad = 0")]
        for i in (0, 2, 5, 7):
            value = 10 ** (scale.lo + (scale.hi - scale.lo) * i / (len(GRAD_RAMP) - 1))
            ink = "white" if i > 4 else "black"
            cells.append(cell.format("#999999", GRAD_RAMP[i], "", ink, f"{name} {value:.2g}"))
        cells.append("<td></td>")
        rows += [f"<tr>{a}{b}</tr>" for a, b in zip(cells[::2], cells[1::2])]
    if loops:
        for colour, text in (
            (
                WEIGHT_EDGE,
                "yellow arrow: out of a weight (drawn once);<br/>"
                "what it feeds (Permute: W^T) is used by each step",
            ),
            (RECURRENT_EDGE, "blue arrow: the hidden state,<br/>into the next time step"),
            (DATA_EDGE, "dashed arrow: data that needs no grad<br/>(the input x, the initial h0)"),
        ):
            rows.append(f'<tr><td colspan="2"><font color="{colour}">{text}</font></td></tr>')
    table = '<table border="0" cellspacing="4" cellpadding="3">' + "".join(rows) + "</table>"
    with dot.subgraph(name="cluster_legend") as leg:
        leg.attr(label="legend", style="rounded,dashed", color="#bbbbbb", fontsize="11")
        leg.node("legend", f"<{table}>", shape="plaintext", fontsize="9")
