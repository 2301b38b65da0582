"""viz.step_through: the recorded backward pass, the page file, the command line (no browser;
tests/test_step_through_browser.py clicks through the page in a real one)."""

from __future__ import annotations

import configparser
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minitorch_rnn as mt
from minitorch_rnn import nn, ops, viz
from minitorch_rnn.autograd.function import Function
from minitorch_rnn.viz.backward_steps import derivative_of, record_backward

ROOT = Path(__file__).resolve().parent.parent


def seed_rnn(steps: int = 5, seed: int = 0):
    """The seed's nn.RNN(10, 20, 2) on a (steps, 3, 10) sequence with a random h0."""
    mt.manual_seed(seed)
    rnn = nn.RNN(10, 20, 2)
    x, h0 = mt.randn(steps, 3, 10), mt.randn(2, 3, 20)
    output, _ = rnn(x, h0)
    return output.sum(), rnn


def norm(a: np.ndarray) -> float:
    return float(np.sqrt(np.sum(np.square(a, dtype=np.float64))))


def page_data(page: viz.StepThrough) -> dict:
    found = re.search(r'<script type="application/json" id="step-data">(.*?)</script>', page.html)
    assert found
    return json.loads(found.group(1))


def test_grads_are_exactly_those_of_backward() -> None:
    loss, rnn = seed_rnn()
    page = viz.step_through(loss, dict(rnn.named_parameters()))
    loss2, copy = seed_rnn()  # the same model and data, built again
    loss2.backward()
    for (name, p), (_, q) in zip(rnn.named_parameters(), copy.named_parameters()):
        np.testing.assert_array_equal(p.grad._data, q.grad._data, err_msg=name)
    with pytest.raises(RuntimeError, match="second time"):  # the graph was freed, as backward does
        loss.backward()
    assert len(page) == len(page.recording.steps)


def test_the_seed_rnn_step_by_step() -> None:
    # Nodes on the tape: per layer 7 ops outside the steps + 2 per step (Addmm, Tanh); layer 1
    # also has the View of its input (layer 0's output needs grad); and the final Sum:
    # 2 * (7 + 2 * 5) + 1 + 1 = 36. Each is one step of the page (5 steps: nothing is folded).
    loss, rnn = seed_rnn()
    rec = record_backward(loss, dict(rnn.named_parameters()))
    assert len(rec.steps) == 36
    assert [s.title for s in rec.steps[:4]] == [
        "SumBackward0",
        "StackBackward0",
        "TanhBackward0",
        "AddmmBackward0",
    ]
    assert rec.steps[2].scope == ("layer 1", "t=4")  # newest first: the last step of layer 1
    graph = viz.trace(loss, dict(rnn.named_parameters()))
    # every step points at a distinct op node of the drawing
    ops_drawn = {n.id for n in graph.of_kind("op")}
    assert {s.highlight for s in rec.steps} == ops_drawn

    # weight_hh_l0: one term per time step, last step first; weight_ih_l0: one (one matmul)
    i = rec.leaves.index("weight_hh_l0")
    terms = [t.label for s in rec.steps for t in s.terms if t.leaf == i]
    assert terms == ["t=4", "t=3", "t=2", "t=1", "t=0"]
    j = rec.leaves.index("weight_ih_l0")
    assert [t.label for s in rec.steps for t in s.terms if t.leaf == j] == ["Addmm"]
    # the running ‖grad‖ grows one term at a time and ends on ‖.grad‖
    counts = [s.counts[i] for s in rec.steps]
    assert counts == sorted(counts) and counts[-1] == 5
    for name, p in rnn.named_parameters():
        k = rec.leaves.index(name)
        assert rec.final[k] == pytest.approx(norm(p.grad._data), rel=1e-12)
        assert rec.steps[-1].running[k] == pytest.approx(norm(p.grad._data), rel=1e-6)
        assert rec.steps[-1].heads[k] == pytest.approx(p.grad._data.ravel()[:4].tolist(), rel=1e-5)
    # one term's value: the t=4 term is that step's h_{t-1}^T @ (gradient into Addmm)
    addmm = rec.steps[3]
    (term,) = addmm.terms
    assert term.leaf == rec.leaves.index("weight_hh_l1")
    assert term.norm == pytest.approx(addmm.sends[-1].grad.norm)  # what it sent to W_hh^T
    assert "mapped back through the view" in addmm.sends[-1].note
    # what arrives at a node is the sum of what was sent to it
    tanh_t3 = next(s for s in rec.steps if s.scope == ("layer 1", "t=3") and s.op == "Tanh")
    into = [
        d.grad.norm for s in rec.steps for d in s.sends if d.to_id == tanh_t3.highlight
    ]  # from Stack and from the Addmm of t=4 (the hidden state)
    assert len(into) == 2 and tanh_t3.arrived[0].norm <= sum(into) + 1e-9


def test_a_long_sequence_folds_into_one_step_per_span() -> None:
    mt.manual_seed(0)
    rnn = nn.RNN(4, 8, 2)
    output, _ = rnn(mt.randn(100, 2, 4))
    rec = record_backward(output[-1].sum(), max_steps=6)
    folds = [s for s in rec.steps if s.nodes > 1]
    # per layer: the 94 hidden steps (2 nodes each) are one step of the page
    assert [(s.title, s.nodes, s.highlight) for s in folds] == [
        ("... 94 more steps ...", 188, "cluster_fold1"),
        ("... 94 more steps ...", 188, "cluster_fold0"),
    ]
    # Index, Sum; per layer 7 ops + 6 steps * 2 + 1 fold (+ View in layer 1): 2 + 20 + 21
    assert len(rec.steps) == 43
    w = rec.leaves.index("weight_hh_l0")
    assert sum(t.leaf == w for t in folds[1].terms) == 94  # every hidden step's term, at once
    assert rec.steps[-1].counts[w] == 100
    assert rec.steps[-1].running[w] == pytest.approx(rec.final[w], rel=1e-6)
    assert {d.to for d in folds[1].sends} >= {"UnbindBackward0", "PermuteBackward0"}


def test_the_page_is_one_file_that_loads_nothing(tmp_path: Path) -> None:
    loss, rnn = seed_rnn()
    page = viz.step_through(loss, dict(rnn.named_parameters()))
    path = page.save(tmp_path / "sub" / "backward.html")
    text = Path(path).read_text(encoding="utf-8")
    assert text == page.html and text.startswith("<!DOCTYPE html>")
    assert "default-src 'none'" in text  # the browser refuses to load anything else
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", text)  # no URLs to load
    assert not re.search(r"\{\{\w+\}\}", text)  # every part was filled in
    assert text.count("<svg") == 1 and 'data-role="counter"' in text
    data = page_data(page)
    assert len(data["steps"]) == 36 and data["leaves"][3] == "weight_hh_l0"
    titles = set(re.findall(r"<title>([^<]*)</title>", text))
    assert {s["highlight"] for s in data["steps"]} <= titles  # the page can find each node
    html = page._repr_html_()
    assert html.startswith("<iframe srcdoc=") and "&lt;svg" in html


def test_a_node_without_a_derivative_line() -> None:
    class Double(Function):
        """2x, with no derivative line: the page says so."""

        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, grad):
            return 2 * grad

    x = mt.randn(3, requires_grad=True)
    rec = record_backward(Double.apply(x).sum())
    assert [s.op for s in rec.steps] == ["Sum", "Double"]
    assert rec.steps[1].derivative == [""]
    assert x.grad is not None and np.allclose(x.grad._data, 2.0)


def test_every_op_states_its_derivative() -> None:
    for name in ops.__all__:
        op = getattr(ops, name)
        own = [ln.strip() for ln in (op.__doc__ or "").splitlines()]
        assert any(ln.startswith("Derivative:") for ln in own), f"{name}: no 'Derivative:' line"
        assert derivative_of(op), name


def test_the_assets_ship_with_the_package() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    listed = {f.strip() for f in cfg["options.package_data"]["minitorch_rnn.viz"].split(",")}
    on_disk = {f"assets/{p.name}" for p in (ROOT / "minitorch_rnn/viz/assets").iterdir()}
    assert listed == on_disk


def test_cli_writes_the_page(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "minitorch_rnn.viz", "rnn", "--steps", "5"]
        + ["-o", str(tmp_path / "rnn.html")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.returncode == 0, out.stderr
    text = (tmp_path / "rnn.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="step-data">(.*?)</script>', text).group(1))
    assert len(data["steps"]) == 36  # the seed's RNN(10, 20, 2) over 5 steps, as above
