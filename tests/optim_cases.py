"""The optimizer and scheduler runs that are compared with PyTorch, written once for both.

``tests/reference/make_reference_optim2.py`` runs them with torch and stores the results in
``tests/reference/optim2.npz``; the tests run them with minitorch_rnn and compare, step by
step. Every function takes the library as ``lib`` (``torch`` or ``minitorch_rnn``): the
code is the same for both, which is the point.

Gradients come from a fixed numpy formula of the current parameter values (``fake_grad``),
not from autograd, so the only thing that can differ between the two runs is the optimizer
itself. (The live tests, which need torch, use real models and backward passes.)
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

STEPS = 50  # optimizer steps per trajectory
SOMETIMES_EVERY = 3  # "sometimes" has a gradient on steps 0, 3, 6, ...; "unused" never
PARAM_SHAPES: dict[str, tuple[int, ...]] = {
    "weight": (2, 3),
    "bias": (3,),
    "sometimes": (2, 1, 2),
    "unused": (2,),
}
# gradient scales of very different sizes, so that eps and the per-weight scaling matter
GRAD_SCALE = {"weight": 1.0, "bias": 1e-3, "sometimes": 30.0, "unused": 1.0}


def initial_params(dtype: str) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20261207)
    return {name: rng.standard_normal(shape).astype(dtype) for name, shape in PARAM_SHAPES.items()}


def fake_grad(x: np.ndarray, step: int, scale: float) -> np.ndarray:
    """The gradient fed to the optimizer: d/dx of 0.075 x^4 - x^2 / 2 + sin(3x) / 6 + c x,
    a bumpy double well, in x's dtype; c = 0.1 * (step % 4) makes it change over time."""
    return (scale * (0.3 * x**3 - x + 0.5 * np.cos(3 * x) + 0.1 * (step % 4))).astype(x.dtype)


def _grid(**axes: tuple[Any, ...]) -> list[dict[str, Any]]:
    """Every combination of the given option values, leaving out the defaults' keys (None)."""
    names = list(axes)
    return [
        {k: v for k, v in zip(names, values) if v is not None}
        for values in itertools.product(*axes.values())
    ]


ADAM_OPTIONS = [
    *_grid(lr=(0.05,), amsgrad=(False, True), weight_decay=(None, 0.1), maximize=(False, True)),
    {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True, "amsgrad": True},
    {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-3},
    {"lr": 0.02, "betas": (0.0, 0.99)},  # beta1 = 0: torch's lerp_ takes its other branch
    {},  # all defaults (lr=1e-3)
]
ADAMW_OPTIONS = [
    *_grid(lr=(0.05,), amsgrad=(False, True), weight_decay=(None, 0.5), maximize=(False, True)),
    {"weight_decay": 0},
]
ADAGRAD_OPTIONS = [
    *_grid(
        lr=(0.1,),
        lr_decay=(None, 0.05),
        weight_decay=(None, 0.1),
        initial_accumulator_value=(None, 0.5),
        maximize=(False, True),
    ),
    {"lr": 0.1, "eps": 1e-3},
    {},
]
RMSPROP_OPTIONS = [
    *_grid(
        lr=(0.01,),
        momentum=(None, 0.9),
        centered=(False, True),
        weight_decay=(None, 0.1),
        maximize=(False, True),
    ),
    {"lr": 0.01, "alpha": 0.5, "eps": 1e-2, "momentum": 0.3, "centered": True},
    {},
]


def _case_id(name: str, options: dict[str, Any], dtype: str) -> str:
    parts = [f"{k}={v}" for k, v in options.items()] or ["defaults"]
    return f"{name}[{','.join(parts)}]{'f32' if dtype == 'float32' else 'f64'}".replace(" ", "")


TRAJECTORY_CASES: list[dict[str, Any]] = [
    {"id": _case_id(name, options, dtype), "optimizer": name, "options": options, "dtype": dtype}
    for name, grid in [
        ("Adam", ADAM_OPTIONS),
        ("AdamW", ADAMW_OPTIONS),
        ("Adagrad", ADAGRAD_OPTIONS),
        ("RMSprop", RMSPROP_OPTIONS),
    ]
    for options in grid
    for dtype in ("float64", "float32")
]


def run_trajectory(lib: Any, case: dict[str, Any], **extra: Any) -> tuple[Any, dict[str, Any], dict[str, list]]:
    """STEPS steps of ``case``'s optimizer; returns optimizer, params and, per param, its
    values before the first step and after each step."""
    params = {
        name: lib.tensor(value, requires_grad=True)
        for name, value in initial_params(case["dtype"]).items()
    }
    options = {k: tuple(v) if k == "betas" else v for k, v in case["options"].items()}
    optimizer = getattr(lib.optim, case["optimizer"])(list(params.values()), **options, **extra)
    history: dict[str, list] = {name: [value_of(p)] for name, p in params.items()}
    for step in range(STEPS):
        optimizer.zero_grad()  # grads become None: a param without a new grad is skipped
        for name, p in params.items():
            if name == "unused" or (name == "sometimes" and step % SOMETIMES_EVERY):
                continue
            p.grad = lib.tensor(fake_grad(value_of(p), step, GRAD_SCALE[name]))
        optimizer.step()
        for name, p in params.items():
            history[name].append(value_of(p))
    return optimizer, params, history


def flat_history(history: dict[str, list]) -> np.ndarray:
    """(STEPS + 1, n): row k holds every parameter, flattened in order, after step k."""
    return np.stack([np.concatenate([h[k].reshape(-1) for h in history.values()])
                     for k in range(STEPS + 1)])  # fmt: skip


def flat_state(optimizer: Any, params: dict[str, Any]) -> dict[str, np.ndarray]:
    """The optimizer's state, one array per key: the key's tensors of all parameters that
    have it, flattened and joined in parameter order ("step" gives one count per parameter)."""
    joined: dict[str, list[np.ndarray]] = {}
    for p in params.values():
        for key, value in optimizer.state.get(p, {}).items():
            joined.setdefault(key, []).append(value_of(value).reshape(-1))
    return {key: np.concatenate(values) for key, values in joined.items()}


def value_of(t: Any) -> np.ndarray:
    return np.array(t.detach().numpy())  # a copy


# --------------------------------------------------------------------------- LBFGS

LBFGS_STEPS = 4  # calls of step(closure); each runs up to max_iter iterations
LBFGS_SHAPES = {"a": (2, 3), "b": (3,), "no_grad": (2,)}  # no_grad never gets a gradient

LBFGS_CASES: list[dict[str, Any]] = [
    {"id": "defaults", "options": {}},
    {"id": "strong_wolfe", "options": {"line_search_fn": "strong_wolfe"}},
    {"id": "history3_iter7", "options": {"history_size": 3, "max_iter": 7}},
    {"id": "strong_wolfe_history2_eval12_lr0.5", "options": {
        "line_search_fn": "strong_wolfe", "history_size": 2, "max_iter": 10, "max_eval": 12,
        "lr": 0.5}},
    {"id": "strong_wolfe_max_eval4", "options": {"line_search_fn": "strong_wolfe", "max_eval": 4}},
    {"id": "strong_wolfe_tolerance_grad", "options": {
        "line_search_fn": "strong_wolfe", "tolerance_grad": 1e-3}},
    {"id": "tolerance_change", "options": {"tolerance_change": 1e-4}},
    {"id": "lr0.1_iter5", "options": {"lr": 0.1, "max_iter": 5}},
    {"id": "strong_wolfe_history1_iter50", "options": {
        "line_search_fn": "strong_wolfe", "history_size": 1, "max_iter": 50, "max_eval": 80}},
]  # fmt: skip


def rosenbrock(x: np.ndarray) -> tuple[float, np.ndarray]:
    """f(x) = sum_i 10 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2 and its gradient (minimum: all ones)."""
    r = x[1:] - x[:-1] ** 2
    f = float((10 * r**2).sum() + ((1 - x[:-1]) ** 2).sum())
    g = np.zeros_like(x)
    g[1:] += 20 * r
    g[:-1] += -40 * r * x[:-1] - 2 * (1 - x[:-1])
    return f, g


def run_lbfgs(lib: Any, case: dict[str, Any]) -> list[dict[str, Any]]:
    """LBFGS_STEPS calls of ``step(closure)`` on `rosenbrock` over the flattened a and b
    (float64); after each: the returned loss, the parameters, func_evals and n_iter."""
    rng = np.random.default_rng(7)
    params = {name: lib.tensor(0.6 * rng.standard_normal(s), requires_grad=True)
              for name, s in LBFGS_SHAPES.items()}  # fmt: skip
    a, b = params["a"], params["b"]
    optimizer = lib.optim.LBFGS(list(params.values()), **case["options"])

    def closure() -> Any:
        optimizer.zero_grad()
        f, g = rosenbrock(np.concatenate([value_of(a).reshape(-1), value_of(b)]))
        a.grad = lib.tensor(g[: a.numel()].reshape(a.shape))
        b.grad = lib.tensor(g[a.numel() :])
        return lib.tensor(np.array(f))  # a float64 scalar

    results = []
    for _ in range(LBFGS_STEPS):
        loss = optimizer.step(closure)
        state = optimizer.state[a]
        results.append({"loss": float(loss), "a": value_of(a), "b": value_of(b),
                        "func_evals": state["func_evals"], "n_iter": state["n_iter"]})  # fmt: skip
    return results


# --------------------------------------------------------------------------- schedulers

EPOCHS = 40
# a validation loss that improves, stalls, creeps up, improves by tiny amounts, ...
METRICS = [1.0, 0.9, 0.95, 0.95, 0.9, 0.89999, 0.91, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85, 0.7,
           0.71, 0.6999, 0.72, 0.73, 0.74, 0.5, 0.4, 0.41, 0.42, 0.43, 0.44, 0.45, 0.46, 0.47,
           0.3, 0.31, 0.29, 0.30, 0.31, 0.32, 0.33, 0.34, 0.35, 0.36, 0.37, 0.38]  # fmt: skip

SCHEDULER_CASES: list[dict[str, Any]] = [
    {"id": "StepLR_3_0.5", "scheduler": "StepLR", "options": {"step_size": 3, "gamma": 0.5}},
    {"id": "StepLR_default_gamma", "scheduler": "StepLR", "options": {"step_size": 7}},
    {"id": "ExponentialLR_0.9", "scheduler": "ExponentialLR", "options": {"gamma": 0.9}},
    *[
        {"id": f"ReduceLROnPlateau_{mode}_{tmode}_{i}", "scheduler": "ReduceLROnPlateau",
         "options": {"mode": mode, "threshold_mode": tmode, **options}}
        for mode, tmode in itertools.product(("min", "max"), ("rel", "abs"))
        for i, options in enumerate([
            {},
            {"patience": 1},
            {"patience": 0, "cooldown": 2, "factor": 0.5, "threshold": 0.01},
            {"patience": 2, "min_lr": [0.02, 0.1], "factor": 0.3},
            {"patience": 1, "min_lr": 0.004, "eps": 0.01, "threshold": 0.0},
        ])
    ],
]  # fmt: skip


def run_scheduler(lib: Any, case: dict[str, Any]) -> tuple[Any, np.ndarray]:
    """EPOCHS epochs of an SGD over two param groups (lr 0.1 and 0.5) driven by the case's
    scheduler; returns the scheduler and ``get_last_lr()`` after each epoch, (EPOCHS, 2)."""
    first, second = lib.zeros(2, requires_grad=True), lib.zeros(1, requires_grad=True)
    optimizer = lib.optim.SGD([{"params": [first]}, {"params": [second], "lr": 0.5}], lr=0.1)
    scheduler = getattr(lib.optim.lr_scheduler, case["scheduler"])(optimizer, **case["options"])
    lrs = []
    for epoch in range(EPOCHS):
        optimizer.step()  # no gradients: nothing moves, but the order of calls is torch's
        if case["scheduler"] == "ReduceLROnPlateau":
            scheduler.step(METRICS[epoch])
        else:
            scheduler.step()
        lrs.append(list(scheduler.get_last_lr()))
    return scheduler, np.array(lrs)
