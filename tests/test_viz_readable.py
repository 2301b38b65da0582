"""Pictures a learner cannot misread (issue 15, item 4): arrows do not run under boxes they do
not touch, slice labels do not sit on step titles, x and h0 are drawn, the legend says what the
arrows are, and the gradient colours compare like with like.

The geometry is read from the SVG that graphviz draws: boxes from each node's outline, arrows
from their Bezier paths, labels from their text positions.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import minitorch_rnn as mt
from minitorch_rnn import nn, viz
from minitorch_rnn.viz import demos
from minitorch_rnn.viz.style import GRAD_RAMP, ZERO_GRAD

SVG = "{http://www.w3.org/2000/svg}"
POINT = re.compile(r"(-?[\d.]+),(-?[\d.]+)")
Box = tuple[float, float, float, float]


def svg_of(dot) -> ET.Element:
    return ET.fromstring(dot.pipe(format="svg"))


def title(g: ET.Element) -> str:
    return g.find(f"{SVG}title").text or ""


def node_boxes(svg: ET.Element) -> dict[str, Box]:
    """Each drawn node's bounding box (its outline: a polygon, or a path for rounded boxes)."""
    boxes = {}
    for g in svg.iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        points = []
        for shape in g.iter():
            if shape.tag == f"{SVG}polygon":
                points += POINT.findall(shape.get("points", ""))
            elif shape.tag == f"{SVG}path":
                points += POINT.findall(shape.get("d", ""))
        if points:
            xs, ys = zip(*((float(x), float(y)) for x, y in points))
            boxes[title(g)] = (min(xs), min(ys), max(xs), max(ys))
    return boxes


def arrows(svg: ET.Element) -> list[tuple[str, str, list[tuple[float, float]]]]:
    """(tail, head, points along the drawn line) for each arrow: its cubic Beziers, sampled."""
    found = []
    for g in svg.iter(f"{SVG}g"):
        path = next(g.iter(f"{SVG}path"), None)
        if g.get("class") != "edge" or path is None:
            continue
        tail, head = (end.split(":")[0] for end in title(g).split("->"))
        p = [(float(x), float(y)) for x, y in POINT.findall(path.get("d", ""))]
        samples = []
        for i in range(0, len(p) - 3, 3):
            for k in range(21):
                t = k / 20
                w = ((1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t**3)
                samples.append(
                    tuple(sum(wj * p[i + j][c] for j, wj in enumerate(w)) for c in (0, 1))
                )
        found.append((tail, head, samples))
    return found


def under_boxes(root: mt.Tensor, params: dict, **options) -> list[tuple[str, str, str]]:
    """Arrows that pass under a parameter's or a data box they do not start or end at, and
    arrows out of data (x, h0) that pass under any box."""
    graph = viz.fold_steps(viz.trace(root, params), options.get("max_steps", 6))
    kinds = {n.id: n.kind for n in graph.nodes}
    label = {n.id: f"{n.label} {'/'.join(n.scope)}" for n in graph.nodes}
    svg = svg_of(viz.make_dot(root, params, **options))
    drawn = {k: b for k, b in node_boxes(svg).items() if k in kinds}
    leaves = {k: b for k, b in drawn.items() if kinds[k] in ("parameter", "data")}
    bad = []
    for tail, head, points in arrows(svg):
        from_data = "data" in (kinds.get(tail), kinds.get(head))
        for name, (x0, y0, x1, y1) in (drawn if from_data else leaves).items():
            inside = any(x0 + 3 < x < x1 - 3 and y0 + 3 < y < y1 - 3 for x, y in points)
            if inside and name not in (tail, head):
                bad.append((label.get(tail, tail), label.get(head, head), label[name]))
    return bad


@pytest.mark.parametrize(
    "size, steps, layers, bidirectional, grads",
    [
        (10, 5, 2, False, True),
        (10, 3, 2, False, False),
        (4, 3, 3, True, False),
        (4, 100, 2, True, True),
    ],
)
def test_no_arrow_runs_under_a_weight_or_data_box(
    size, steps, layers, bidirectional, grads
) -> None:
    # The seed's RNN(10, 20, 2): layer 0's Stack into layer 1 used to run under bias_hh_l1
    root, params = demos.rnn(size, 2 * size, layers, steps, 3, bidirectional, backward=grads)
    assert under_boxes(root, params, show_grads=grads) == []


def text_boxes(g: ET.Element) -> list[tuple[str, Box]]:
    """The texts of a group with an estimate of their box (average glyph ~0.6 font size)."""
    out = []
    for t in g.iter(f"{SVG}text"):
        size, x, y = float(t.get("font-size", "10")), float(t.get("x")), float(t.get("y"))
        width = 0.6 * size * len(t.text or "")
        left = {"middle": x - width / 2, "end": x - width}.get(t.get("text-anchor", ""), x)
        out.append((t.text or "", (left, y - size, left + width, y)))
    return out


def test_slice_labels_stay_off_the_step_titles() -> None:
    root, params = demos.rnn(10, 20, 2, 5, 3, backward=False)
    svg = svg_of(viz.make_dot(root, params))
    titles = [
        b for g in svg.iter(f"{SVG}g") if g.get("class") == "cluster" for _, b in text_boxes(g)
    ]
    labels = [
        (text, b)
        for g in svg.iter(f"{SVG}g")
        if g.get("class") == "edge"
        for text, b in text_boxes(g)
        if re.fullmatch(r"\[\d+\]", text)
    ]
    assert len(labels) == 2 * 5  # every slice of both layers' Unbind is labelled
    for text, (x0, y0, x1, y1) in labels:
        for a0, b0, a1, b1 in titles:
            assert x1 <= a0 or a1 <= x0 or y1 <= b0 or b1 <= y0, f"{text} sits on a box title"


def test_x_and_h0_are_drawn_and_feed_the_first_step() -> None:
    root, params = demos.rnn(10, 20, 2, 5, 3, backward=False)  # names input, h0 and the weights
    graph = viz.trace(root, params)
    data = {n.id: n for n in graph.of_kind("data")}
    assert sorted((n.label, n.shapes[0], n.scope) for n in data.values()) == [
        ("h0[0]", (3, 20), ("layer 0",)),
        ("h0[1]", (3, 20), ("layer 1",)),
        ("input", (5, 3, 10), ("layer 0",)),
    ]
    into = {
        (data[e.src].label, graph.node(e.dst).label, graph.node(e.dst).scope, e.note)
        for e in graph.edges
        if e.src in data
    }
    assert into == {
        ("h0[0]", "Addmm", ("layer 0", "t=0"), ""),  # t=0 has its incoming state
        ("h0[1]", "Addmm", ("layer 1", "t=0"), ""),
        ("input", "Addmm", ("layer 0",), "view (15, 10)"),  # the projection of every step
    }
    source = viz.make_dot(root, params).source
    assert 'label="view (15, 10)"' in source and "style=dashed" in source
    # the nodes keep no reference to the data: it is freed as before
    import gc
    import weakref

    x = mt.randn(2, 3)
    ref = weakref.ref(x)
    y = (x * nn.Parameter(mt.ones(2, 3))).sum()
    del x
    gc.collect()
    assert ref() is None and y.grad_fn is not None
    assert [n.label for n in viz.trace(y).of_kind("data")] == ["data"]  # shape only, now


def test_the_legend_says_where_weight_arrows_go() -> None:
    root, params = demos.rnn(10, 20, 2, 3, 3, backward=False)
    source = viz.make_dot(root, params).source
    assert "into each step" not in source.split("yellow arrow")[1].split("<br/>")[0]
    assert "Permute" in source.split("yellow arrow")[1].split("</font>")[0]
    assert "dashed arrow: data that needs no grad" in source


def tanh_layers() -> tuple[mt.Tensor, dict]:
    """Two tanh's whose gradients have the same size per entry but 1 vs 100 entries, and one
    whose gradient is exactly zero."""
    a = nn.Parameter(mt.ones(1))
    b = nn.Parameter(mt.ones(100))
    c = nn.Parameter(mt.ones(3))
    with mt.autograd.retain_grads():
        loss = a.tanh().sum() + b.tanh().sum() + (c.tanh() * 0).sum()
        loss.backward()
    return loss, {"a": a, "b": b, "c": c}


def fills(dot) -> dict[str, str]:
    """Each Tanh's fill colour, by the parameter it reads."""
    out = {}
    for line in dot.body:
        m = re.search(r'label="Tanh\n\((\d+),\)\n[^"]*" .*fillcolor="(#\w+)"', line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def test_gradient_colours_compare_entries_and_zero_stands_apart() -> None:
    loss, params = tanh_layers()
    by_rms = fills(viz.make_dot(loss, params, show_grads=True))  # the default: RMS
    assert by_rms["1"] == by_rms["100"]  # the same gradient per entry: the same colour
    assert by_rms["3"] == ZERO_GRAD and ZERO_GRAD not in GRAD_RAMP  # zero: grey, not pale red
    by_norm = fills(viz.make_dot(loss, params, show_grads=True, grad_measure="norm"))
    assert by_norm["1"] != by_norm["100"]  # 100 entries: 10 times the norm
    assert by_norm["3"] == ZERO_GRAD
    source = viz.make_dot(loss, params, show_grads=True).source
    assert "rms = ||grad|| / sqrt(numel)" in source and "grad = 0" in source
    with pytest.raises(ValueError, match="grad_measure"):
        viz.make_dot(loss, params, show_grads=True, grad_measure="max")


def test_legend_values_keep_two_digits() -> None:
    mt.manual_seed(0)
    w = nn.Parameter(mt.randn(4, 4))
    with mt.autograd.retain_grads():
        loss = ((w * 0.0123).tanh() * 4.56).sum()
        loss.backward()
    source = viz.make_dot(loss, {"w": w}, show_grads=True).source
    values = [float(v) for v in re.findall(r"rms (\d\.\d+(?:e-?\d+)?)</font>", source)]
    assert len(values) == 4 and values == sorted(values)
    assert any(len(f"{v:g}".lstrip("0.").replace(".", "")) == 2 for v in values)
    assert not np.allclose(values[0], values[1])
