"""mt.compile: a replayed call gives eager's results bit for bit, and re-records when it must.

Every comparison here is exact (`np.array_equal`) in float64: a replay makes the same NumPy
calls in the same order as the eager call it recorded, so there is nothing to be tolerant about.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minitorch_rnn as mt
from minitorch_rnn import nn
from minitorch_rnn.autograd.grad_mode import state
from minitorch_rnn.compile.replay import CompiledFunction
from minitorch_rnn.nn import functional as F

RNN_CONFIGS = [
    {},
    {"num_layers": 2},
    {"num_layers": 3, "bias": False},
    {"nonlinearity": "relu"},
    {"batch_first": True},
    {"bidirectional": True},
    {"num_layers": 2, "bidirectional": True, "batch_first": True},
]
GATED = [getattr(nn, name) for name in ("LSTM", "GRU") if hasattr(nn, name)]


class Net(nn.Module):
    """A recurrent layer and a Linear head on its last output, as the benchmark's."""

    def __init__(self, layer: type = nn.RNN, seed: int = 0, **options: object) -> None:
        super().__init__()
        mt.manual_seed(seed)
        self.rnn = layer(4, 6, dtype=mt.float64, **options)
        directions = 2 if options.get("bidirectional") else 1
        self.head = nn.Linear(6 * directions, 1, dtype=mt.float64)
        self.batch_first = bool(options.get("batch_first"))

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        out, _ = self.rnn(x)
        return self.head(out[:, -1] if self.batch_first else out[-1])


def data(step: int, batch: int = 3, batch_first: bool = False) -> tuple[mt.Tensor, mt.Tensor]:
    rng = np.random.default_rng(step)
    shape = (batch, 5, 4) if batch_first else (5, batch, 4)
    return mt.tensor(rng.standard_normal(shape)), mt.tensor(rng.standard_normal((batch, 1)))


def assert_same_grads(a: nn.Module, b: nn.Module) -> None:
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        assert (p.grad is None) == (q.grad is None), name
        if p.grad is not None:
            assert np.array_equal(p.grad.numpy(), q.grad.numpy()), name
        assert np.array_equal(p.detach().numpy(), q.detach().numpy()), name


def make_step(net: nn.Module, opt: mt.optim.Optimizer):
    def step(x, y):
        opt.zero_grad()
        loss = F.mse_loss(net(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


# ---- a compiled module: one node on the caller's tape ------------------------------------------
@pytest.mark.parametrize("options", RNN_CONFIGS, ids=str)
def test_compiled_module_gradients_are_eagers_bit_for_bit(options):
    eager, compiled = Net(**options), Net(**options)
    net = mt.compile(compiled)
    for step in range(4):  # call 1 records, calls 2.. replay (a new x every time)
        x, y = data(step, batch_first=options.get("batch_first", False))
        for model, f in ((eager, eager), (compiled, net)):
            model.zero_grad()
            F.mse_loss(f(x), y).backward()
        assert_same_grads(eager, compiled)
    assert net.recordings == 1


@pytest.mark.parametrize("layer", GATED, ids=lambda c: c.__name__)
def test_gated_cells_replay_bit_for_bit(layer):
    eager, compiled = Net(layer, num_layers=2), Net(layer, num_layers=2)
    net = mt.compile(compiled)
    for step in range(3):
        x, y = data(step)
        for model, f in ((eager, eager), (compiled, net)):
            model.zero_grad()
            F.mse_loss(f(x), y).backward()
        assert_same_grads(eager, compiled)
    assert net.recordings == 1


def test_a_replayed_module_is_one_node_whose_backward_reaches_the_input():
    eager, compiled = Net(), Net()
    net = mt.compile(compiled)
    x, y = data(0)
    net(mt.tensor(x.numpy(), requires_grad=True) * 2.0)  # records: an input with a grad_fn
    xs = [mt.tensor(x.numpy(), requires_grad=True) for _ in range(2)]
    out_e, out_c = eager(xs[0] * 2.0), net(xs[1] * 2.0)
    assert isinstance(out_c.grad_fn, CompiledFunction)
    assert out_c.grad_fn.name() == "CompiledFunctionBackward0"
    assert np.array_equal(out_e.detach().numpy(), out_c.detach().numpy())
    F.mse_loss(out_e, y).backward()
    F.mse_loss(out_c, y).backward()
    assert np.array_equal(xs[0].grad.numpy(), xs[1].grad.numpy())  # through the outer Mul
    assert_same_grads(eager, compiled)


def test_new_shapes_requires_grad_and_mode_re_record():
    net = mt.compile(Net())
    net(data(0)[0])
    net(data(1)[0])
    assert net.recordings == 1
    net(data(0, batch=5)[0])  # another batch size
    assert net.recordings == 2
    net(mt.tensor(data(0)[0].numpy(), requires_grad=True))  # an input that wants a gradient
    assert net.recordings == 3
    with mt.no_grad():
        out = net(data(0)[0])
    assert out.grad_fn is None and net.recordings == 4


# ---- a compiled training step: forward, backward and SGD's update ------------------------------
@pytest.mark.parametrize(
    "sgd",
    [{}, {"momentum": 0.9}, {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01}],
    ids=str,
)
def test_compiled_step_updates_parameters_as_eager_does(sgd):
    eager, compiled = Net(num_layers=2), Net(num_layers=2)
    opt_e = mt.optim.SGD(eager.parameters(), lr=0.1, **sgd)
    opt_c = mt.optim.SGD(compiled.parameters(), lr=0.1, **sgd)
    step_e, step_c = make_step(eager, opt_e), mt.compile(make_step(compiled, opt_c))
    for step in range(5):
        x, y = data(step)
        loss_e, loss_c = step_e(x, y), step_c(x, y)
        assert isinstance(loss_c, mt.Tensor) and loss_e.item() == loss_c.item()
        assert_same_grads(eager, compiled)  # .grad and the updated parameters
    # the first call finds no .grad and (with momentum) no buffers -- a different computation
    # from the later steps' -- so the second call records again; from the third on it replays
    assert step_c.recordings == 2


def test_a_changed_learning_rate_re_records():
    eager, compiled = Net(), Net()
    opt_e = mt.optim.SGD(eager.parameters(), lr=0.1)
    opt_c = mt.optim.SGD(compiled.parameters(), lr=0.1)
    sched_e = mt.optim.lr_scheduler.StepLR(opt_e, step_size=2, gamma=0.5)
    sched_c = mt.optim.lr_scheduler.StepLR(opt_c, step_size=2, gamma=0.5)
    step_e, step_c = make_step(eager, opt_e), mt.compile(make_step(compiled, opt_c))
    for step in range(6):
        x, y = data(step)
        step_e(x, y), step_c(x, y)
        sched_e.step(), sched_c.step()
        assert_same_grads(eager, compiled)
    assert step_c.recordings == 4  # lr 0.1 (no .grad yet, then .grad), 0.05, 0.025


def test_weights_loaded_in_place_are_read_by_the_replay():
    eager, compiled = Net(seed=1), Net()
    net = mt.compile(compiled)
    x, _ = data(0)
    net(x)
    compiled.load_state_dict(eager.state_dict())
    assert np.array_equal(net(x).detach().numpy(), eager(x).detach().numpy())
    assert net.recordings == 1


# ---- what cannot be replayed runs eagerly, with one warning saying why ---------------------------
def test_item_inside_falls_back_to_eager_with_one_warning():
    eager, compiled = Net(), Net()
    opt_e = mt.optim.SGD(eager.parameters(), lr=0.1)
    opt_c = mt.optim.SGD(compiled.parameters(), lr=0.1)

    def stepper(net, opt):
        def step(x, y):
            opt.zero_grad()
            loss = F.mse_loss(net(x), y)
            if loss.item() < 100:  # data-dependent Python: cannot be replayed
                loss.backward()
                opt.step()
            return loss

        return step

    step_c = mt.compile(stepper(compiled, opt_c))
    step_e = stepper(eager, opt_e)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for step in range(3):
            step_e(*data(step)), step_c(*data(step))
            assert_same_grads(eager, compiled)
    messages = [str(w.message) for w in caught if "mt.compile" in str(w.message)]
    assert len(messages) == 1 and "item()" in messages[0]


@pytest.mark.filterwarnings("error")  # a fallback to eager would warn
def test_dropout_draws_a_fresh_mask_at_every_replay_as_eager_does():
    eager, compiled = Net(num_layers=2, dropout=0.5), Net(num_layers=2, dropout=0.5)
    opt_e = mt.optim.SGD(eager.parameters(), lr=0.1)
    opt_c = mt.optim.SGD(compiled.parameters(), lr=0.1)
    step_e, step_c = make_step(eager, opt_e), mt.compile(make_step(compiled, opt_c))
    losses = []
    for step in range(5):  # the same seed before each: the same masks, drawn by the same calls
        x, y = data(step)
        mt.manual_seed(step)
        loss_e = step_e(x, y)
        mt.manual_seed(step)
        losses.append(step_c(x, y).item())
        assert loss_e.item() == losses[-1]
        assert_same_grads(eager, compiled)
    assert step_c.recordings == 2 and step_c.program_for(*data(0)) is not None
    net = mt.compile(compiled)
    x, _ = data(0)
    net(x)  # records
    b, c = net(x), net(x)  # replays: a new mask every call
    assert net.program_for(x) is not None
    assert not np.array_equal(b.detach().numpy(), c.detach().numpy())
    compiled.eval()  # no mask at all: another program
    assert np.array_equal(net(x).detach().numpy(), net(x).detach().numpy())
    assert net.recordings == 2


def test_zero_grad_to_zeros_is_not_replayed():
    compiled = Net()
    opt = mt.optim.SGD(compiled.parameters(), lr=0.1)

    def step(x, y):
        opt.zero_grad(set_to_none=False)
        F.mse_loss(compiled(x), y).backward()
        opt.step()

    train = mt.compile(step)
    train(*data(0))  # no .grad yet: records
    with pytest.warns(UserWarning, match="runs eagerly"):  # zero_() is an x[...] = 0
        train(*data(1))
    assert train.program_for(*data(2)) is None  # this signature stays eager


def test_nothing_is_left_patched_after_recording():
    original = (mt.Tensor.item, mt.Tensor.backward)
    net = mt.compile(Net())
    net(data(0)[0])
    assert state.recorder is None
    assert (mt.Tensor.item, mt.Tensor.backward) == original


def test_other_random_draws_stay_eager():
    noisy = mt.compile(lambda x: x + mt.randn(*x.shape, dtype=x.dtype))
    x = data(0)[0]
    with pytest.warns(UserWarning, match="random numbers"):
        noisy(x)
    a, b = noisy(x), noisy(x)  # eager: new noise each call, never a frozen copy
    assert not np.array_equal(a.numpy(), b.numpy())
