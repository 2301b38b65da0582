"""mt.compile's generated replay (compile/codegen.py) and its rewrites (compile/optimize.py).

From its second replay on, a compiled training step runs as one generated Python function.
Each rewrite must keep eager's arithmetic, so every comparison here is exact -- in float64 and
in float32 (whose NumPy loops differ) -- and each rewrite has a case where it must not apply.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_compile import GATED, RNN_CONFIGS, Net, assert_same_grads, data, make_step

import minitorch_rnn as mt
from minitorch_rnn import nn
from minitorch_rnn.autograd.deferred import ProductSum, ZeroGrad
from minitorch_rnn.compile import optimize
from minitorch_rnn.nn import functional as F
from minitorch_rnn.ops.shape import Stack

STEPS = 6  # records at calls 1 and 2 (.grad appears), interprets at 3, generated from 4 on


def run_both(make, steps: int = STEPS, dtype=mt.float64, batch_first: bool = False):
    """Eager and compiled copies of one training step, `steps` calls on fresh data each;
    asserts loss, .grad and parameters equal bit for bit after every call."""
    (eager, step_e), (compiled, step_c) = make(), make()
    step_c = mt.compile(step_c)
    for k in range(steps):
        x, y = data(k, batch_first=batch_first)
        x, y = x.to(dtype), y.to(dtype)
        mt.manual_seed(k)  # (the same dropout masks for both, drawn by the same calls)
        loss_e = step_e(x, y)
        mt.manual_seed(k)
        loss_c = step_c(x, y)
        assert loss_e.item() == loss_c.item()
        assert_same_grads(eager, compiled)
    program = step_c.program_for(x, y)
    assert program is not None and program.generated is not None  # the generated path ran
    return step_c, program


def sgd_step(layer=nn.RNN, dtype=mt.float64, **options):
    def make():
        net = Net(layer, **options).to(dtype)
        return net, make_step(net, mt.optim.SGD(net.parameters(), lr=0.1, momentum=0.5))

    return make


@pytest.mark.parametrize("options", RNN_CONFIGS, ids=str)
@pytest.mark.parametrize("dtype", [mt.float64, mt.float32], ids=str)
def test_generated_step_is_eagers_bit_for_bit(options, dtype):
    batch_first = bool(options.get("batch_first"))
    run_both(sgd_step(dtype=dtype, **options), dtype=dtype, batch_first=batch_first)


def test_generated_step_draws_dropout_masks_as_eager_does():
    _, program = run_both(sgd_step(num_layers=3, dropout=0.5))
    assert program.generated.source.count("draw_mask(") == 2


@pytest.mark.parametrize("layer", GATED, ids=lambda c: c.__name__)
def test_generated_step_of_gated_cells_is_eagers_bit_for_bit(layer):
    run_both(sgd_step(layer, num_layers=2))
    run_both(sgd_step(layer, dtype=mt.float32), dtype=mt.float32)


def test_code_shows_the_generated_function():
    step_c, program = run_both(sgd_step(num_layers=2))
    assert step_c.code == program.generated.source
    assert step_c.code.startswith("def replay(args, s0, s1):")
    compile(step_c.code, "<test>", "exec")  # it is plain Python


# ---- rewrite 1: Addmm and Tanh written out ----------------------------------------------------
def test_addmm_and_tanh_are_written_out_without_a_ctx():
    _, program = run_both(sgd_step())
    src = program.generated.source
    assert "# addmm (node" in src and "np.tanh(" in src
    assert "Addmm()" not in src and "Tanh()" not in src
    assert "ProductSum(" in src  # the weight's gradient is deferred exactly as eager defers it


def test_addmm_with_beta_or_alpha_is_not_written_out():
    def make():
        mt.manual_seed(3)
        holder = nn.Module()
        holder.w = nn.Parameter(mt.randn(4, 6, dtype=mt.float64))
        holder.b = nn.Parameter(mt.randn(6, dtype=mt.float64))
        opt = mt.optim.SGD(holder.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            h = mt.addmm(holder.b, x[0], holder.w, beta=0.5, alpha=2.0).tanh()
            loss = F.mse_loss(h.sum(1, keepdim=True), y)
            loss.backward()
            opt.step()
            return loss

        return holder, step

    _, program = run_both(make)
    src = program.generated.source
    assert "Addmm()" in src  # the op's own forward: alpha and beta are its arithmetic
    assert "np.tanh(" in src and "out=" not in src.split("np.tanh(")[1].split("\n")[0]


# ---- rewrite 2: tanh in place -------------------------------------------------------------------
def pre_activation_step(use: str):
    """A step whose addmm result z is read again after tanh(z) -- so tanh must not overwrite z."""

    def make():
        mt.manual_seed(4)
        net = nn.Linear(4, 6, dtype=mt.float64)
        opt = mt.optim.SGD(net.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            z = net(x[0])  # addmm
            h = z.tanh()
            out = h + z if use == "read" else h
            loss = F.mse_loss(out.sum(1, keepdim=True), y)
            loss.backward()
            opt.step()
            return (loss, z) if use == "returned" else loss

        return net, step

    return make


@pytest.mark.parametrize("use", ["only tanh", "read", "returned"])
def test_tanh_is_in_place_unless_its_input_is_used_again(use):
    (eager, step_e), (compiled, step_c) = pre_activation_step(use)(), pre_activation_step(use)()
    step_c = mt.compile(step_c)
    for k in range(STEPS):
        x, y = data(k)
        out_e, out_c = step_e(x, y), step_c(x, y)
        if use == "returned":
            assert np.array_equal(
                out_e[1].detach().numpy(), out_c[1].detach().numpy()
            )  # z, not tanh(z)
            out_e, out_c = out_e[0], out_c[0]
        assert out_e.item() == out_c.item()
        assert_same_grads(eager, compiled)
    src = step_c.program_for(x, y).generated.source
    assert "np.tanh(" in src and ("in place" in src) == (use == "only tanh")


# ---- rewrite 3: tanh's backward in one temporary ------------------------------------------------
def test_tanh_backward_is_eagers_three_operations_in_one_buffer():
    _, program = run_both(sgd_step(num_layers=2, dtype=mt.float32), dtype=mt.float32)
    assert "np.subtract(1, " in program.generated.source


# ---- rewrite 4: zero gradients vanish, but only where eager's sum is unchanged ----------------
class Names:
    pairs: dict[str, tuple[str, str]] = {}  # (rewrite 9: none here)

    def grad(self, ref: int) -> str:
        return f"g{ref}"


def test_a_zero_added_to_an_array_is_not_written():
    kinds = [ZeroGrad, np.ndarray, ZeroGrad]
    assert optimize.gather(Names(), [0, 1, 2], kinds).expr == "g1"
    assert optimize.gather(Names(), [1, 0], kinds).expr == "g1"
    assert optimize.gather(Names(), [0, 2], kinds).kind is ZeroGrad


def test_a_zero_after_a_product_sum_is_kept():
    # eager: ProductSum + zero resolves to an array, and array + ProductSum adds arrays; leaving
    # the zero out would merge the two ProductSums into one matmul: other bits
    kinds = [ProductSum, ZeroGrad, ProductSum]
    gathered = optimize.gather(Names(), [0, 1, 2], kinds)
    assert gathered.expr == "g0 + g1 + g2" and gathered.kind is np.ndarray
    assert optimize.gather(Names(), [0, 2], kinds).kind is ProductSum


def test_zero_sum_semantics_the_rewrite_relies_on():
    a, z = np.arange(3.0), ZeroGrad((3,), np.dtype(np.float64))
    assert (a + z) is a and (z + a) is a
    p = ProductSum(np.ones((2, 3)), np.ones((2, 3)))
    assert type(p + z) is np.ndarray


# ---- rewrite 5: dead shape ops ------------------------------------------------------------------
def test_an_unread_stack_is_not_run_but_a_returned_one_is():
    _, program = run_both(sgd_step(num_layers=2))
    assert "Stack (node" in program.generated.source and "not run" in program.generated.source

    def make():
        net = Net(num_layers=2)
        opt = mt.optim.SGD(net.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            out, h_n = net.rnn(x)
            loss = F.mse_loss(net.head(out[-1]), y)
            loss.backward()
            opt.step()
            return loss, h_n  # h_n is read: its stack must run

        return net, step

    (eager, step_e), (compiled, step_c) = make(), make()
    step_c = mt.compile(step_c)
    for k in range(STEPS):
        x, y = data(k)
        (loss_e, h_e), (loss_c, h_c) = step_e(x, y), step_c(x, y)
        assert loss_e.item() == loss_c.item()
        assert np.array_equal(h_e.detach().numpy(), h_c.detach().numpy())
        assert_same_grads(eager, compiled)
    assert "not run" not in step_c.program_for(x, y).generated.source


# ---- rewrites 6 and 7: tanhs write into their stack's array; tanh' for all its rows at once ---
def test_tanhs_write_their_stacks_rows_and_backward_takes_one_minus_y_squared_at_once():
    _, program = run_both(sgd_step(num_layers=2))
    src = program.generated.source
    assert src.count("np.empty(") == 2  # one array per layer's output stack
    assert "into row 4" in src and "all rows at once" in src
    _, program = run_both(sgd_step(num_layers=2, dtype=mt.float32), dtype=mt.float32)
    assert "np.empty((5, 3, 6), float32)" in program.generated.source


def test_a_written_stack_keeps_what_stack_forward_keeps_on_its_ctx():
    # rewrite 6 makes the Stack node's ctx itself (its rows are already written): it must be
    # everything Stack.forward leaves there, or Stack.backward would read something missing
    ctx = Stack()
    Stack.forward(ctx, np.zeros(2), np.ones(2), dim=0)
    assert vars(ctx) == {"dim": 0}


def cell_loop_step(returns_last: bool):
    """An RNNCell unrolled by hand, its outputs stacked; the last h also returned, or not."""

    def make():
        mt.manual_seed(5)
        net = nn.Module()
        net.cell = nn.RNNCell(4, 6, dtype=mt.float64)
        net.head = nn.Linear(6, 1, dtype=mt.float64)
        opt = mt.optim.SGD(net.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            h, hs = None, []
            for t in range(x.shape[0]):
                h = net.cell(x[t], h)
                hs.append(h)
            loss = F.mse_loss(net.head(mt.stack(hs)[-1]), y)
            loss.backward()
            opt.step()
            return (loss, h) if returns_last else loss

        return net, step

    return make


@pytest.mark.parametrize("returns_last", [False, True])
def test_a_returned_tanh_output_is_not_written_into_a_stack(returns_last):
    make = cell_loop_step(returns_last)
    (eager_net, step_e), (compiled_net, step_c) = make(), make()
    step_c = mt.compile(step_c)
    for k in range(STEPS):
        x, y = data(k)
        out_e, out_c = step_e(x, y), step_c(x, y)
        if returns_last:
            assert np.array_equal(out_e[1].detach().numpy(), out_c[1].detach().numpy())
            out_e, out_c = out_e[0], out_c[0]
        assert out_e.item() == out_c.item()
        assert_same_grads(eager_net, compiled_net)
    src = step_c.program_for(x, y).generated.source
    assert ("into row" in src) == (not returns_last)


# ---- rewrite 8: an unbind whose gradients are the rows of one array already ------------------
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_unbind_backward_reuses_the_tanh_derivative_array(nonlinearity):
    make = sgd_step(num_layers=2, bidirectional=True, nonlinearity=nonlinearity)
    _, program = run_both(make)
    src = program.generated.source
    # one input projection per layer and direction; relu has no tanh rows to reuse
    expected = 4 if nonlinearity == "tanh" else 0
    assert src.count("unbind backward: its rows, stacked already") == expected


# ---- rewrite 9: the per-step weight-gradient pairs joined in one place -------------------------
@pytest.mark.parametrize("l2", [False, True])
def test_per_step_product_sums_are_joined_unless_another_kind_of_gradient_joins_them(l2):
    def make():
        mt.manual_seed(6)
        net = nn.Module()
        net.u = nn.Parameter(mt.randn(4, 6, dtype=mt.float64) / 2)
        net.w = nn.Parameter(mt.randn(6, 6, dtype=mt.float64) / 3)
        net.b = nn.Parameter(mt.zeros(1, 6, dtype=mt.float64))
        opt = mt.optim.SGD(net.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            h = mt.zeros(3, 6, dtype=mt.float64)
            for t in range(x.shape[0]):  # w is addmm's m2 at every step: T deferred products
                h = mt.addmm(x[t] @ net.u + net.b, h, net.w).tanh()
            loss = F.mse_loss(h.sum(1, keepdim=True), y)
            if l2:  # and an array joins them in w's gradient
                loss = loss + (net.w * net.w).sum()
            loss.backward()
            opt.step()
            return loss

        return net, step

    _, program = run_both(make)
    src = program.generated.source
    assert src.count("_product_sum((") == (0 if l2 else 1)
    # else made one at a time and added up, as eager does: ProductSum + array is an array
    assert src.count("= ProductSum(") == (5 if l2 else 0)


def test_long_lines_of_names_are_wrapped_into_valid_python():
    from minitorch_rnn.compile.codegen import _wrap

    names = ", ".join(f"g{k}" for k in range(200))
    pairs = ", ".join(f"(s{k}, g{k})" for k in range(100))
    for line in (
        f"del {names}",
        f"({names}) = f()",
        f"d1 = _sum(({names}))",
        f"if p._requires_grad: accumulate_grad(p, _product_sum(({pairs})).resolve())",
    ):
        wrapped = _wrap(line)
        assert len(wrapped) > 3 and all(len(part) <= 100 for part in wrapped)
        compile("def f():\n" + "\n".join(wrapped), "<test>", "exec")


def test_a_step_without_backward_is_generated_from_its_first_replay():
    net = Net(num_layers=2)

    def predict(x):
        with mt.no_grad():
            return net(x)

    compiled = mt.compile(predict)
    for k in range(3):
        x, _ = data(k)
        assert np.array_equal(compiled(x).numpy(), predict(x).numpy())
        assert (compiled.code is not None) == (k > 0)  # recorded at the first call only
