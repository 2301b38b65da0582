"""mt.compile with Adam & co: their step() is replayed live, so it equals eager's bit for bit.

Adam, AdamW, RMSprop and Adagrad update their NumPy arrays themselves (no Tensor op the
recorder could see), and read numbers that change every step: the step count and the bias
corrections made from it, and the lr a scheduler moves. A compiled step records their
``step()`` as one STEP instruction and calls it again at every replay (record.py), so none of
those numbers is frozen and none has to be guarded: a step records twice (the first call finds
no ``.grad`` and no state yet) and replays from then on.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_compile import Net, data, make_step

import minitorch_rnn as mt
from minitorch_rnn.compile.record import STEP

OPTIMIZERS = [
    ("Adam", {}),
    ("Adam", {"amsgrad": True}),
    ("Adam", {"weight_decay": 0.01}),
    ("Adam", {"maximize": True, "betas": (0.8, 0.99)}),
    ("AdamW", {"weight_decay": 0.1}),
    ("AdamW", {"amsgrad": True, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"centered": True, "momentum": 0.9, "weight_decay": 0.01}),
    ("Adagrad", {"lr_decay": 0.01, "weight_decay": 0.01}),
]


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.tobytes() == b.tobytes()


def assert_same_training_state(eager: mt.optim.Optimizer, compiled: mt.optim.Optimizer) -> None:
    """Parameters, their .grad and every state entry (step, exp_avg, exp_avg_sq, ...)."""
    for group_e, group_c in zip(eager.param_groups, compiled.param_groups):
        assert group_e["lr"] == group_c["lr"]
        for p, q in zip(group_e["params"], group_c["params"]):
            assert same_bits(p.detach().numpy(), q.detach().numpy())
            assert same_bits(p.grad.numpy(), q.grad.numpy())
            s, t = eager.state[p], compiled.state[q]
            assert sorted(s) == sorted(t) and len(s) >= 2
            for key in s:
                assert same_bits(s[key].numpy(), t[key].numpy()), key


def pair(name: str, options: dict, dtype: mt.dtype, **kw: object):
    nets = [Net(num_layers=2), Net(num_layers=2)]
    if dtype == mt.float32:
        nets = [net.float() for net in nets]
    opts = [getattr(mt.optim, name)(net.parameters(), lr=0.01, **options) for net in nets]
    return nets, opts


def cast(t: mt.Tensor, dtype: mt.dtype) -> mt.Tensor:
    return t.to(dtype)


@pytest.mark.filterwarnings("error")  # a fallback to eager would warn
@pytest.mark.parametrize("dtype", [mt.float64, mt.float32], ids=str)
@pytest.mark.parametrize("name, options", OPTIMIZERS, ids=str)
def test_twenty_steps_replay_and_equal_eager_bit_for_bit(name, options, dtype):
    (eager, compiled), (opt_e, opt_c) = pair(name, options, dtype)
    step_e, step_c = make_step(eager, opt_e), mt.compile(make_step(compiled, opt_c))
    before = [p.detach().numpy().copy() for p in compiled.parameters()]
    for step in range(20):
        x, y = (cast(t, dtype) for t in data(step))
        loss_e, loss_c = step_e(x, y), step_c(x, y)
        assert same_bits(loss_e.detach().numpy(), loss_c.detach().numpy())
        assert_same_training_state(opt_e, opt_c)
    assert step_c.recordings == 2  # no .grad and no state yet; then every call replays
    program = step_c.program_for(*(cast(t, dtype) for t in data(20)))
    assert program is not None and sum(ins[0] == STEP for ins in program.code) == 1
    step_count = next(iter(opt_c.state.values()))["step"]
    assert float(step_count) == 20.0  # each replay advanced it: the update was not skipped
    after = [p.detach().numpy() for p in compiled.parameters()]
    assert all(not np.array_equal(a, b) for a, b in zip(before, after))


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name", ["Adam", "RMSprop"])
def test_a_schedulers_lr_is_read_live_without_re_recording(name):
    (eager, compiled), (opt_e, opt_c) = pair(name, {}, mt.float64)
    sched_e = mt.optim.lr_scheduler.ExponentialLR(opt_e, gamma=0.8)
    sched_c = mt.optim.lr_scheduler.ExponentialLR(opt_c, gamma=0.8)
    step_e, step_c = make_step(eager, opt_e), mt.compile(make_step(compiled, opt_c))
    for step in range(10):
        x, y = data(step)
        step_e(x, y), step_c(x, y)
        sched_e.step(), sched_c.step()  # a new lr before every step
        assert_same_training_state(opt_e, opt_c)
    assert opt_c.param_groups[0]["lr"] == 0.01 * 0.8**10
    assert step_c.recordings == 2


def test_an_lr_set_by_hand_is_live_too():
    (eager, compiled), (opt_e, opt_c) = pair("Adam", {"weight_decay": 0.01}, mt.float64)
    step_e, step_c = make_step(eager, opt_e), mt.compile(make_step(compiled, opt_c))
    for step in range(6):
        if step == 4:
            for opt in (opt_e, opt_c):
                opt.param_groups[0]["lr"] = 0.5  # 50x: a replay that kept 0.01 would differ
        step_e(*data(step)), step_c(*data(step))
        assert_same_training_state(opt_e, opt_c)
    assert step_c.recordings == 2


def test_adam_next_to_a_compiled_module_is_plain_eager():
    (eager, compiled), (opt_e, opt_c) = pair("Adam", {}, mt.float64)
    net = mt.compile(compiled)
    for step in range(4):
        x, y = data(step)
        for f, opt in ((eager, opt_e), (net, opt_c)):
            opt.zero_grad()
            mt.nn.functional.mse_loss(f(x), y).backward()
            opt.step()
        assert_same_training_state(opt_e, opt_c)
    assert net.recordings == 1


def test_the_optimizers_steps_are_put_back_after_recording():
    originals = [
        cls.__dict__["step"] for cls in (mt.optim.Adam, mt.optim.RMSprop, mt.optim.Adagrad)
    ]
    (_, compiled), (_, opt) = pair("Adagrad", {}, mt.float64)
    mt.compile(make_step(compiled, opt))(*data(0))
    now = [cls.__dict__["step"] for cls in (mt.optim.Adam, mt.optim.RMSprop, mt.optim.Adagrad)]
    assert now == originals


def test_an_optimizer_that_writes_arrays_itself_is_not_silently_skipped():
    class Plain(mt.optim.Optimizer):  # an update in NumPy, that the recorder cannot see
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1})

        def step(self, closure=None):
            for p in self.param_groups[0]["params"]:
                p._data -= 0.1 * p.grad._data
                p._modified()

    eager, compiled = Net(), Net()
    step_e = make_step(eager, Plain(eager.parameters()))
    step_c = mt.compile(make_step(compiled, Plain(compiled.parameters())))
    with pytest.warns(UserWarning, match="parameter changed in place without an op"):
        for step in range(4):
            step_e(*data(step)), step_c(*data(step))
    for p, q in zip(eager.parameters(), compiled.parameters()):
        assert same_bits(p.detach().numpy(), q.detach().numpy())


def test_lbfgs_stays_eager_and_the_warning_says_why():
    mt.manual_seed(0)
    lin = mt.nn.Linear(3, 1, dtype=mt.float64)
    opt = mt.optim.LBFGS(lin.parameters(), lr=0.5, max_iter=3)
    x, y = mt.randn(4, 3, dtype=mt.float64), mt.randn(4, 1, dtype=mt.float64)

    def step(x, y):
        def closure():
            opt.zero_grad()
            loss = mt.nn.functional.mse_loss(lin(x), y)
            loss.backward()
            return loss

        return opt.step(closure)

    compiled = mt.compile(step)
    with pytest.warns(UserWarning) as record:
        losses = [float(compiled(x, y)) for _ in range(4)]
    messages = " | ".join(str(w.message) for w in record)
    assert "reads a value into Python" in messages  # (LBFGS's line search reads the loss)
    assert "optimizer option or state entry" in messages  # not blamed on the arguments
    assert "an argument that is neither" not in messages
    assert losses[-1] < losses[0]  # eager LBFGS still runs and learns
