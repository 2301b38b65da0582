"""``python -m minitorch_rnn.viz``: draw a demo computation graph to a file, no code needed.

python -m minitorch_rnn.viz rnn --layers 2 --steps 3 -o rnn.svg
python -m minitorch_rnn.viz rnn --steps 100 --loss last --grads -o fading.png
python -m minitorch_rnn.viz expression --values --grads -o neuron.png
python -m minitorch_rnn.viz expression -o neuron.pdf     # PDF needs system Graphviz's `dot`
python -m minitorch_rnn.viz rnn --steps 5 -o backward.html     # the step-through page
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional

from . import demos
from .dot import make_dot
from .program import CHOICES, ENV, GraphvizNotFound
from .render import render


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m minitorch_rnn.viz",
        description="Draw the computation graph (the tape) of a demo: an nn.RNN unrolled "
        "over time, clustered by layer and time step, or a small expression.",
        epilog="The picture is drawn by graphviz-pure (installed with minitorch_rnn: SVG, PNG) "
        "or by system Graphviz's `dot` when it is installed (apt-get / brew / conda install "
        "graphviz; needed for PDF). The .gv source is always written too.",
    )
    p.add_argument(
        "demo",
        nargs="?",
        default="rnn",
        choices=["rnn", "expression"],
        help="what to draw (default: rnn)",
    )
    p.add_argument(
        "-o",
        "--output",
        default=None,
        help="the picture's file; its extension picks the format (default: <demo>.<format>); "
        "a .html file is the step-through page: the backward pass, one node at a time",
    )
    p.add_argument(
        "-f",
        "--format",
        default="svg",
        choices=["svg", "png", "pdf"],
        help="picture format when --output has no extension (default: svg)",
    )
    p.add_argument(
        "--program",
        default=None,
        choices=list(CHOICES),
        help="what draws the picture: system Graphviz's dot, graphviz-pure, or auto: dot when "
        f"installed (default: ${ENV}, else auto)",
    )
    rnn = p.add_argument_group("rnn demo: nn.RNN(input_size, hidden, layers) on random data")
    rnn.add_argument("--input-size", type=int, default=10, help="default: 10")
    rnn.add_argument("--hidden", type=int, default=20, help="hidden_size (default: 20)")
    rnn.add_argument("--layers", type=int, default=2, help="num_layers (default: 2)")
    rnn.add_argument("--steps", type=int, default=3, help="sequence length (default: 3)")
    rnn.add_argument("--batch", type=int, default=3, help="batch size (default: 3)")
    rnn.add_argument("--bidirectional", action="store_true", help="a reverse direction too")
    rnn.add_argument(
        "--loss",
        default="sum",
        choices=["sum", "last"],
        help="sum every output, or only the last step's (default: sum)",
    )
    draw = p.add_argument_group("drawing")
    draw.add_argument("--values", action="store_true", help="print a summary of each value")
    draw.add_argument(
        "--grads",
        action="store_true",
        help="print ||grad|| and colour nodes by it (after a backward pass)",
    )
    draw.add_argument(
        "--max-steps",
        type=int,
        default=6,
        help="fold loops longer than this; 0 draws every step (default: 6)",
    )
    draw.add_argument("--rankdir", default="TB", choices=["TB", "LR"], help="default: TB")
    draw.add_argument("--no-legend", action="store_true", help="leave the legend out")
    draw.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    return p


def main(argv: Optional[list[str]] = None) -> int:
    args = parser().parse_args(argv)
    as_page = (args.output or "").endswith(".html")  # the step-through page runs backward itself
    if as_page:
        args.grads = False
    if args.demo == "rnn":
        root, params = demos.rnn(
            args.input_size,
            args.hidden,
            args.layers,
            args.steps,
            args.batch,
            args.bidirectional,
            args.loss,
            backward=args.grads,
            seed=args.seed,
        )
    else:
        root, params = demos.expression(backward=args.grads, seed=args.seed)
    if as_page:
        from .step_through import step_through

        try:
            page = step_through(
                root, params, max_steps=args.max_steps or None, program=args.program
            )
            print(page.save(args.output))
        except GraphvizNotFound as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        return 0
    dot = make_dot(
        root,
        params,
        show_values=args.values,
        show_grads=args.grads,
        max_steps=args.max_steps or None,
        rankdir=args.rankdir,
        legend=not args.no_legend,
    )
    output = args.output or f"{args.demo}.{args.format}"
    try:
        path = render(dot, output, format=args.format, program=args.program)
    except GraphvizNotFound as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
