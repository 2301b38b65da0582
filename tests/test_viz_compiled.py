"""Pictures of mt.compile: a compiled module is one box on its caller's graph, or (expanded)
the program it replays, clustered by layer and time step as the eager graph is; a compiled
training step draws its recorded program: forward, backward() and the optimizer's update."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
from test_compile import Net, data, make_step

import minitorch_rnn as mt
from minitorch_rnn import nn, viz
from minitorch_rnn.compile.record import OP as OP_INSTRUCTION
from minitorch_rnn.nn import functional as F
from minitorch_rnn.viz import program
from minitorch_rnn.viz.compiled import draw_compiled
from minitorch_rnn.viz.trace import DATA, FOLD, OP, PARAMETER, Graph


def ops(graph: Graph) -> Counter:
    return Counter(n.label for n in graph.of_kind(OP))


def assert_well_formed(graph: Graph) -> None:
    ids = [n.id for n in graph.nodes]
    assert len(ids) == len(set(ids))
    assert all(e.src in ids and e.dst in ids for e in graph.edges)


def rnn_pair(layer: type = nn.RNN, **options: object):
    """An nn.RNN, eager and compiled, with an h0 that wants a gradient: every op it records is
    on the tape and reaches the loss, so the eager graph draws all of them."""
    mt.manual_seed(0)
    eager = layer(4, 6, dtype=mt.float64, **options)
    mt.manual_seed(0)
    compiled = layer(4, 6, dtype=mt.float64, **options)
    layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    x = data(0)[0]
    h0 = mt.zeros(layers, 3, 6, dtype=mt.float64, requires_grad=True)
    return eager, mt.compile(compiled), x, h0


def loss_of(out: tuple[mt.Tensor, mt.Tensor]) -> mt.Tensor:
    output, h_n = out
    return output.sum() + h_n.sum()


CONFIGS = [{}, {"num_layers": 2}, {"bidirectional": True}, {"layer": nn.GRU, "num_layers": 2}]


@pytest.mark.parametrize("options", CONFIGS, ids=str)
def test_one_box_collapsed_the_eager_ops_expanded(options):
    eager, net, x, h0 = rnn_pair(**options)
    net(x, h0)  # records
    loss_c, loss_e = loss_of(net(x, h0)), loss_of(eager(x, h0))  # a replay, and eager
    eager_graph, one_box = viz.trace(loss_e), viz.trace(loss_c)
    opened = viz.trace(loss_c, expand_compiled=True)
    around = Counter({"Sum": 2, "Add": 1})  # the loss, outside the compiled call
    recorded = net.program_for(x, h0)
    title = f"CompiledFunction: {recorded.n_nodes} recorded ops"
    assert ops(one_box) == around + Counter({f"CompiledFunction ({recorded.n_nodes} ops)": 1})
    [box] = [n for n in one_box.of_kind(OP) if n.label.startswith("CompiledFunction")]
    assert box.detail == "CompiledFunctionBackward0"
    # opened: the very ops the eager forward put on its tape, N of them, no more
    assert ops(opened) == ops(eager_graph)
    assert len(opened.of_kind(OP)) - sum(around.values()) == recorded.n_nodes
    assert_well_formed(opened)
    # each in the layer and time step eager drew it in, inside the compiled call's box
    inner = Counter(n.scope for n in opened.of_kind(OP) if n.scope[:1] == (title,))
    eager_scopes = Counter((title, *n.scope) for n in eager_graph.of_kind(OP))
    assert inner == eager_scopes - Counter({(title,): 3})  # (the loss's three ops)
    assert sum(inner.values()) == recorded.n_nodes
    # the parameters: the caller's leaves, once each, in the layer they belong to
    params = [n for n in opened.nodes if n.kind == PARAMETER]
    assert sorted(n.label for n in params) == sorted(n for n, _ in eager.named_parameters())
    assert all(n.scope[:2] == (title, "layer 0") for n in params if n.label.endswith("l0"))


def test_ops_on_data_that_needs_no_gradient_are_drawn_as_data():
    net = mt.compile(Net())  # h0: zeros made inside, unbound per layer off the tape
    x, y = data(0)
    net(x)
    opened = viz.trace(F.mse_loss(net(x), y), expand_compiled=True)
    recorded = net.program_for(x)
    off_tape = [ins for ins in recorded.code if ins[0] == OP_INSTRUCTION and ins[6] < 0]
    assert off_tape  # (the x.view and h0's unbind)
    assert len(opened.of_kind(OP)) == recorded.n_nodes + 3  # + the loss: Sub, Mul, Mean
    drawn = [n for n in opened.of_kind(DATA) if n.label.endswith("(no grad)")]
    assert len(drawn) == len(off_tape)
    assert any(n.label == "zeros" for n in opened.of_kind(DATA))
    assert_well_formed(opened)


def test_an_input_made_by_the_caller_flows_into_the_box():
    net = mt.compile(Net())
    x, y = data(0)
    net(mt.tensor(x.numpy(), requires_grad=True) * 2.0)  # records
    xs = mt.tensor(x.numpy(), requires_grad=True)
    opened = viz.trace(F.mse_loss(net(xs * 2.0), y), expand_compiled=True)
    assert_well_formed(opened)
    mul = next(n for n in opened.of_kind(OP) if n.label == "Mul")  # x * 2, first in order
    into = [e for e in opened.edges if e.src == mul.id]
    assert into and all(opened.node(e.dst).scope[0].startswith("CompiledFunction") for e in into)


def test_long_loops_inside_fold_as_eager_ones_do():
    net = mt.compile(nn.RNN(3, 4, dtype=mt.float64))
    x = mt.randn(40, 2, 3, dtype=mt.float64)
    net(x)
    loss = net(x)[0].sum()
    graph = viz.fold_steps(viz.trace(loss, expand_compiled=True), 6)
    [fold] = graph.of_kind(FOLD)
    assert fold.scope[0].startswith("CompiledFunction") and len(fold.folded) == 34
    dot = viz.make_dot(loss, expand_compiled=True)
    assert "more steps" in dot.source


def test_a_compiled_training_step_draws_its_recorded_program():
    compiled = Net()
    opt = mt.optim.SGD(compiled.parameters(), lr=0.1)
    train_step = mt.compile(make_step(compiled, opt))
    with pytest.raises(ValueError, match="recorded nothing to draw yet"):
        viz.make_dot(train_step)
    for step in range(3):
        train_step(*data(step))
    graph = draw_compiled(train_step)
    assert_well_formed(graph)
    labels = ops(graph)
    n_params = len(list(compiled.parameters()))
    assert labels["backward()"] == 1
    grads = [n for n in graph.of_kind(DATA) if n.label.endswith(".grad")]
    assert sorted(n.label for n in grads) == sorted(
        f"{n}.grad" for n, _ in compiled.named_parameters()
    )
    updates = [n for n in graph.of_kind(OP) if n.scope == ("SGD.step()",)]
    assert sorted(n.label for n in updates if n.label.endswith(".add_")) == sorted(
        f"{n}.add_" for n, _ in compiled.named_parameters()
    )
    assert len(updates) == 2 * n_params  # p.add_(grad, alpha=-lr): a Mul by -lr, an add_
    assert sum(n.label == "-0.1" for n in graph.of_kind(DATA)) == n_params  # lr: in the program
    forward = [n for n in graph.of_kind(OP) if n.scope != ("SGD.step()",)]
    assert len(forward) == train_step.program_for(*data(3)).n_nodes + 1  # + backward()
    assert [n.label for n in graph.nodes if n.kind == DATA and n.id.startswith("a")] == ["x", "y"]


def test_adams_step_is_one_live_node():
    compiled = Net()
    opt = mt.optim.Adam(compiled.parameters(), lr=0.01)
    train_step = mt.compile(make_step(compiled, opt))
    for step in range(3):
        train_step(*data(step))
    dot = viz.make_dot(train_step)
    assert dot.source.count("Adam.step()") >= 2  # the node, and its box
    assert "backward()" in dot.source


def graphs_to_draw():
    net = mt.compile(Net(num_layers=2))
    x, y = data(0)
    net(x)
    loss = F.mse_loss(net(x), y)
    yield "one box", viz.make_dot(loss)
    yield "expanded", viz.make_dot(loss, expand_compiled=True, show_values=False)
    compiled = Net()
    opt = mt.optim.SGD(compiled.parameters(), lr=0.1, momentum=0.9)
    train_step = mt.compile(make_step(compiled, opt))
    for step in range(3):
        train_step(*data(step))
    yield "training step", viz.make_dot(train_step)


@pytest.mark.parametrize("name", ["graphviz-pure"] + (["dot"] if shutil.which("dot") else []))
def test_drawn_without_a_warning(name: str, capsys: pytest.CaptureFixture) -> None:
    for what, dot in graphs_to_draw():
        assert dot.source.isascii(), what
        for format in ("svg", "png"):
            assert program.draw(dot.source, format, program=name)
            assert capsys.readouterr().err == "", (what, format)
