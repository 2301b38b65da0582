"""Pictures of the tape: trace counts, clusters, folding, values and gradients, real rendering.

The counts below are derived from the code that builds each graph; the comments say how, so
a change to that code (say, nn.RNN adding both biases in one op) tells you what to update.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import minitorch_rnn as mt
from minitorch_rnn import nn, viz
from minitorch_rnn.viz.style import GRAD_RAMP
from minitorch_rnn.viz.trace import grad_norm

SVG = "{http://www.w3.org/2000/svg}"
PARAM_NAMES = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]


# ---- graphs to draw ---------------------------------------------------------------------------
def expression() -> tuple[mt.Tensor, dict[str, mt.Tensor]]:
    mt.manual_seed(0)
    x = mt.randn(2, 3, requires_grad=True)
    w = nn.Parameter(mt.randn(3, 1))
    b = nn.Parameter(mt.zeros(1))
    with mt.autograd.scope("neuron"):
        y = (x @ w + b).tanh()
    return (y * y).sum(), {"x": x, "w": w, "b": b}


def rnn_loss(steps: int = 3, layers: int = 1, bidirectional: bool = False, last: bool = False):
    mt.manual_seed(0)
    rnn = nn.RNN(4, 8, layers, bidirectional=bidirectional)
    output, _ = rnn(mt.randn(steps, 2, 4))  # h0 defaults to zeros: data, drawn as such
    return (output[-1].sum() if last else output.sum()), rnn


def svg_of(dot) -> ET.Element:
    return ET.fromstring(dot.pipe(format="svg"))


def groups(svg: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in svg.iter(f"{SVG}g") if g.get("class") == kind]


def titles(svg: ET.Element, kind: str) -> list[str]:
    return [g.find(f"{SVG}title").text for g in groups(svg, kind)]


def texts(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text")]


# ---- exact counts -----------------------------------------------------------------------------
def test_expression_counts() -> None:
    # Leaves x, w, b (3); ops MatMul, Add, Tanh inside "neuron" and Mul, Sum outside (5); the
    # output (1): 9 nodes. Edges: x->MatMul, w->MatMul, MatMul->Add, b->Add, Add->Tanh,
    # Tanh->Mul twice (y * y uses y twice), Mul->Sum, Sum->output: 9. One scope: 1 cluster.
    loss, params = expression()
    graph = viz.trace(loss, params)
    assert len(graph.nodes) == 9 and len(graph.edges) == 9
    assert [n.label for n in graph.of_kind("op")] == ["MatMul", "Add", "Tanh", "Mul", "Sum"]
    assert {n.label: n.kind for n in graph.nodes if n.kind in ("input", "parameter")} == {
        "x": "input",
        "w": "parameter",
        "b": "parameter",
    }
    # every leaf is used only inside "neuron", so it is drawn inside that box too
    assert {n.scope for n in graph.nodes if n.kind != "op" and n.kind != "output"} == {("neuron",)}
    svg = svg_of(viz.make_dot(loss, params, legend=False))
    assert len(groups(svg, "node")) == 9 and len(groups(svg, "edge")) == 9
    assert titles(svg, "cluster") == ["cluster_neuron"]
    svg = svg_of(viz.make_dot(loss, params))  # the legend adds one node in one more box
    assert len(groups(svg, "node")) == 10 and len(groups(svg, "cluster")) == 2


def test_one_layer_rnn_over_three_steps_counts() -> None:
    # nn.rnn_loop.run_direction, inside scope "layer 0": b_ih + b_hh (Add), w_ih.T (Permute), the
    # projection of all steps as torch's linear does it -- x.view(6, 4) @ w_ih.T + b as one
    # Addmm (x needs no grad, so its View is not on the tape), the View back to (3, 2, 8) --,
    # unbind (Unbind), w_hh.T (Permute), and the final stack (Stack): 7 ops. Inside each scope
    # "t=k": x_t + h @ w_hh.T (Addmm), tanh: 2 ops, 6 in all. output.sum(): 1 op. With 4
    # parameters and the output node: 7 + 6 + 1 + 4 + 1 = 19.
    # Edges: b_ih->Add<-b_hh, Add->Addmm, W_ih->Permute->Addmm, Addmm->View->Unbind,
    # W_hh->Permute: 8. Step 0: Unbind->Addmm, Permute->Addmm,
    # Addmm->Tanh: 3 (h0 needs no grad); steps 1 and 2 also get the previous Tanh: 4 each.
    # Three Tanh->Stack, Stack->Sum, Sum->output: 5. In all 8 + 11 + 5 = 24.
    # Data that needs no gradient is drawn too, one box per use in each layer box: x (viewed as
    # (6, 4) for the projection) and h0[0] (the zeros, into t=0): +2 nodes, +2 edges.
    loss, rnn = rnn_loss(steps=3)
    graph = viz.trace(loss)
    assert len(graph.nodes) == 21 and len(graph.edges) == 26
    assert sorted(n.label for n in graph.of_kind("data")) == ["data", "data[0]"]
    assert sorted({n.scope for n in graph.of_kind("op")}) == [
        (),
        ("layer 0",),
        ("layer 0", "t=0"),
        ("layer 0", "t=1"),
        ("layer 0", "t=2"),
    ]
    svg = svg_of(viz.make_dot(loss, legend=False))
    # (h0[0]'s arrow bends at the point that keeps the steps in order: two pieces in the SVG)
    assert len(groups(svg, "node")) == 21 and len(groups(svg, "edge")) == 26 + 1
    # a "layer 0" box around three "t=k" boxes, each labelled
    assert titles(svg, "cluster") == [
        "cluster_layer 0",
        "cluster_layer 0/t=0",
        "cluster_layer 0/t=1",
        "cluster_layer 0/t=2",
    ]
    assert {"layer 0", "t=0", "t=1", "t=2"} <= set(texts(svg))


def test_two_layer_bidirectional_rnn_counts() -> None:
    # 4 (layer, direction) boxes, each as in the 1-layer test: 7 + 6 ops, 4 parameters, 22
    # edges (24 less Sum and output). Layer 1's input, the Cat of layer 0's two directions,
    # requires grad: its View is on the tape (+1 node, and Cat->View->Addmm: +2 edges, in each
    # layer-1 box). Cat after layer 0 and after layer 1, Sum and output: 4 more nodes, with
    # edges 2 + 2 (the Stacks into each Cat), Cat->Sum, Sum->output.
    # Nodes 4 * (13 + 4) + 2 + 4 = 74; edges 4 * 22 + 4 + 2 + 2 + 1 + 1 = 98; boxes 4 + 4 * 3 = 16.
    # Data: h0[k] in each of the 4 boxes, x in both layer-0 boxes: +6 nodes, +6 edges.
    loss, rnn = rnn_loss(steps=3, layers=2, bidirectional=True)
    graph = viz.trace(loss)
    assert len(graph.nodes) == 80 and len(graph.edges) == 104
    svg = svg_of(viz.make_dot(loss, legend=False))
    assert len(groups(svg, "node")) == 80 and len(groups(svg, "edge")) == 104 + 4  # (h0 bends)
    boxes = titles(svg, "cluster")
    assert len(boxes) == 16
    for layer in ("layer 0", "layer 0 reverse", "layer 1", "layer 1 reverse"):
        assert f"cluster_{layer}" in boxes
        # (where they sit on the page is test_time_steps_are_laid_out_in_order's business)
        assert sorted(b for b in boxes if b.startswith(f"cluster_{layer}/")) == [
            f"cluster_{layer}/t={t}" for t in range(3)
        ]


# ---- names and shared weights -----------------------------------------------------------------
def test_parameters_named_without_params_and_drawn_once() -> None:
    loss, rnn = rnn_loss(steps=5, layers=2, bidirectional=True)
    graph = viz.trace(loss)  # no params=: names come from Parameter._name
    names = [n.label for n in graph.of_kind("parameter")]
    assert sorted(names) == sorted(name for name, _ in rnn.named_parameters())
    assert len(names) == len(set(names)) == 16  # each weight once, however many steps use it
    # ... with an arrow into every step that uses it (here through its transpose)
    w_hh = next(n for n in graph.nodes if n.label == "weight_hh_l1_reverse")
    (permute,) = [e.dst for e in graph.edges if e.src == w_hh.id]
    assert len([e for e in graph.edges if e.src == permute]) == 5
    # each weight sits in its own layer's box, outside the time steps
    assert w_hh.scope == ("layer 1 reverse",)
    svg_text = texts(svg_of(viz.make_dot(loss)))
    for name, _ in rnn.named_parameters():
        assert sum(t.startswith(f"{name} (") for t in svg_text) == 1


def test_params_dict_names_win() -> None:
    loss, rnn = rnn_loss()
    graph = viz.trace(loss, {"W_hh": rnn.weight_hh_l0})
    labels = {n.label for n in graph.of_kind("parameter")}
    assert labels == {"W_hh", "weight_ih_l0", "bias_ih_l0", "bias_hh_l0"}


def test_edges_follow_the_data_and_unbind_slices_are_numbered() -> None:
    loss, _ = rnn_loss(steps=3)
    graph = viz.trace(loss)
    unbind = next(n for n in graph.nodes if n.label == "Unbind")
    assert unbind.shapes == ((2, 8),) * 3
    into_steps = sorted(
        (e.output_nr, graph.node(e.dst).scope) for e in graph.edges if e.src == unbind.id
    )
    assert into_steps == [(t, ("layer 0", f"t={t}")) for t in range(3)]
    assert graph.edges[-1].dst == "output"
    source = viz.make_dot(loss).source
    assert 'label="[2]"' in source and "headlabel" not in source  # not on the step's title
    assert "Unbind\n3 x (2, 8)" in source


# ---- folding ----------------------------------------------------------------------------------
def test_folding_keeps_one_page_for_a_hundred_steps() -> None:
    # RNN(4, 8, 2), max_steps=6: per layer 7 ops + 6 kept steps * 2 ops + 1 fold node + 4
    # parameters = 24 (+1 in layer 1: the View of its input, layer 0's output, is on the tape);
    # with Sum and output 51 nodes, whatever the length of the sequence.
    # Edges per layer: 8 outside the steps (+2 in layer 1: Stack->View->Addmm), steps t=0: 3,
    # t=1, 2, 97, 98, 99: 4 each (t=97's hidden state comes from the fold), into the fold:
    # from Unbind, the W_hh Permute and t=2's Tanh, out of it: into Stack (4), kept steps into
    # Stack: 6. So 41 + 43, with Sum and output 86. Data: x and h0[0] in layer 0, h0[1] in
    # layer 1 (one arrow each): 54 nodes, 89 edges.
    mt.manual_seed(0)
    rnn = nn.RNN(4, 8, 2)
    sizes = []
    for steps in (100, 300):
        output, _ = rnn(mt.randn(steps, 2, 4))
        graph = viz.fold_steps(viz.trace(output.sum()), max_steps=6)
        sizes.append((len(graph.nodes), len(graph.edges)))
        folds = graph.of_kind("fold")
        assert [f.label for f in folds] == [f"... {steps - 6} more steps ..."] * 2
        assert folds[0].folded == tuple(range(3, steps - 3))
    assert sizes == [(54, 89), (54, 89)]

    dot = viz.make_dot(output.sum(), legend=False)  # max_steps=6 is the default
    svg = svg_of(dot)
    # 2 layers, 6 step boxes and 1 fold box in each
    assert len(groups(svg, "cluster")) == 2 * (1 + 6 + 1)
    assert "t=3 ... t=296" in texts(svg)
    width, height = (float(svg.get(k).removesuffix("pt")) for k in ("width", "height"))
    assert width / 72 < 25 and height / 72 < 25  # inches: one (large) page, not 184 inches


def test_folding_your_own_loop_and_the_limits() -> None:
    w = nn.Parameter(mt.ones(3, 3) * 0.5)
    w._name = "w"
    h = mt.ones(1, 3)
    for t in range(20):  # any loop tagged scope("t=<int>") folds like nn.RNN's
        with mt.autograd.scope(f"t={t}"):
            h = (h @ w).tanh()
    graph = viz.fold_steps(viz.trace(h.sum()), max_steps=4)
    steps = sorted({n.scope for n in graph.of_kind("op") if n.scope})
    assert steps == [("t=0",), ("t=1",), ("t=18",), ("t=19",)]
    # w, the first h (data), 20 * (MatMul, Tanh), Sum, output
    assert len(viz.trace(h.sum()).nodes) == 3 + 20 * 2 + 1
    assert len(graph.nodes) == 3 + 4 * 2 + 1 + 1  # ... and the fold node
    assert viz.fold_steps(viz.trace(h.sum()), None).nodes == viz.trace(h.sum()).nodes
    with pytest.raises(ValueError, match="at least 2"):
        viz.fold_steps(graph, 1)


def test_time_steps_are_laid_out_in_order() -> None:
    # graphviz orders boxes to avoid crossings; make_dot must still put t=0, t=1, ... left to
    # right (and the fold between the first and last steps), and "layer 0" left of "layer 0
    # reverse". Read the positions dot chose.
    for steps, bidirectional in ((5, True), (100, False)):
        loss, _ = rnn_loss(steps=steps, layers=2, bidirectional=bidirectional)
        dot = viz.make_dot(loss, legend=False)
        x = {}
        for line in dot.pipe(format="plain").decode().splitlines():
            part = line.split(" ")
            if part[0] == "node":
                x[part[1]] = float(part[2])
        graph = viz.fold_steps(viz.trace(loss), 6)
        for loop in {n.scope[:1] for n in graph.of_kind("op") if len(n.scope) == 2}:
            first: dict[int, float] = {}
            for n in graph.nodes:
                if n.kind == "fold" and n.scope == loop:
                    first[n.folded[0]] = x[n.id]
                elif n.scope[:1] == loop and len(n.scope) == 2:
                    first.setdefault(int(n.scope[1][2:]), x[n.id])
            ordered = [first[t] for t in sorted(first)]
            assert ordered == sorted(ordered), (loop, first)
        if bidirectional:  # each layer's forward box left of its reverse box
            for layer in ("layer 0", "layer 1"):
                fwd, rev = (
                    np.mean([x[n.id] for n in graph.nodes if n.scope[:1] == (name,)])
                    for name in (layer, f"{layer} reverse")
                )
                assert fwd < rev


# ---- values and gradients ---------------------------------------------------------------------
def test_show_values() -> None:
    mt.manual_seed(0)
    x = mt.tensor([1.0, -2.0], requires_grad=True)
    with mt.autograd.retain_values():
        y = (x * 3).tanh()
        z = mt.randn(10, requires_grad=True).exp().sum() + y.sum()
    source = viz.make_dot(z, show_values=True).source
    assert "[1, -2]" in source  # a tiny tensor: its entries
    assert f"[{np.tanh(3):.3g}, {np.tanh(-6):.3g}]" in source
    assert "min " in source and "mean " in source and "max " in source  # a larger one
    plain = (x * 2).sum()  # computed outside retain_values(): the ops kept nothing
    with pytest.warns(UserWarning, match="retain_values"):
        viz.make_dot(plain, show_values=True)


def test_show_grads_colours_vanishing_gradients() -> None:
    mt.manual_seed(0)
    loss, rnn = rnn_loss(steps=8, last=True)  # only the last step's output counts
    with mt.autograd.retain_grads():
        loss.backward()
    graph = viz.trace(loss)
    tanh = {n.scope[1]: grad_norm(n) for n in graph.of_kind("op") if n.label == "Tanh"}
    norms = [tanh[f"t={t}"] for t in range(8)]
    assert norms == sorted(norms)  # the gradient fades back through time
    dot = viz.make_dot(loss, show_grads=True, max_steps=None)
    fills = {}
    for line in dot.body:
        match = re.search(r'label="Tanh\n\(2, 8\)\n\|\|grad\|\| [^"]*" .*fillcolor="(#\w+)"', line)
        if match:
            fills[len(fills)] = GRAD_RAMP.index(match.group(1))
    assert len(fills) == 8 and fills[0] < fills[7]  # pale early, dark late
    assert list(fills.values()) == sorted(fills.values())
    assert f"||grad|| {np.linalg.norm(rnn.weight_hh_l0.grad._data):.2g}" in dot.source
    # outside retain_grads() the ops keep no gradients: a warning says what to do
    loss2, _ = rnn_loss(steps=2)
    loss2.backward()
    with pytest.warns(UserWarning, match="retain_grads"):
        viz.make_dot(loss2, show_grads=True)


def test_retain_grads_does_not_change_training() -> None:
    loss, rnn = rnn_loss(steps=4)
    loss.backward()
    plain = rnn.weight_hh_l0.grad._data.copy()
    loss, rnn = rnn_loss(steps=4)
    with mt.autograd.retain_grads():
        loss.backward()
    np.testing.assert_array_equal(rnn.weight_hh_l0.grad._data, plain)


# ---- rendering for real -----------------------------------------------------------------------
def test_render_svg_and_png(tmp_path: Path) -> None:
    loss, rnn = rnn_loss(steps=3, layers=2)
    dot = viz.make_dot(loss, dict(rnn.named_parameters()))
    svg_path = viz.render(dot, tmp_path / "rnn.svg")
    assert svg_path.endswith("rnn.svg") and (tmp_path / "rnn.gv").exists()
    svg = ET.parse(svg_path).getroot()  # real XML
    assert svg.tag == f"{SVG}svg"
    assert len(groups(svg, "cluster")) == 2 + 2 * 3 + 1  # layers, steps, legend
    assert "weight_hh_l1 (8, 8)" in texts(svg)

    png_path = viz.render(loss, tmp_path / "rnn", format="png", max_steps=None)
    data = Path(png_path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert 200 < width < 5000 and 200 < height < 5000 and len(data) > 10_000


def test_importing_the_package_does_not_import_graphviz() -> None:
    code = "import sys, minitorch_rnn.viz; print('graphviz' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---- command line -----------------------------------------------------------------------------
def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "minitorch_rnn.viz", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )


def test_cli_help_and_render(tmp_path: Path) -> None:
    out = run_cli("--help")
    assert out.returncode == 0
    for option in ("--layers", "--steps", "--hidden", "--bidirectional", "--values", "--grads"):
        assert option in out.stdout
    out = run_cli("rnn", "--layers", "1", "--steps", "4", "--grads", "-o", str(tmp_path / "g.svg"))
    assert out.returncode == 0, out.stderr
    svg = ET.parse(tmp_path / "g.svg").getroot()
    assert len(groups(svg, "cluster")) == 1 + 4 + 1  # layer 0, t=0..3, legend
    assert any(t.startswith("||grad||") for t in texts(svg))
    out = run_cli("expression", "-f", "png", "-o", str(tmp_path / "e"))
    assert out.returncode == 0 and (tmp_path / "e.png").read_bytes()[:4] == b"\x89PNG"
