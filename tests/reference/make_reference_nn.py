"""Write the PyTorch reference numbers that our parity tests compare against.

Run it once, with torch installed, from the repository root::

    python tests/reference/make_reference_nn.py

It writes five small compressed ``.npz`` files next to itself.  The tests
(``tests/test_nn_reference.py``, ``tests/test_optim_reference.py``) only read
those files, so the test suite checks us against torch's numbers without torch
being installed.  torch is never a runtime dependency of minitorch_rnn.

Layout of every file:

* ``__cases__``: a JSON string with a list of dicts, one per case.  Each has an
  ``"id"`` (readable, e.g. ``L2_relu_bias1_bf0_bi1_unb0_h01_f64``) plus everything a
  test needs to rebuild the module or optimizer (sizes, flags, dtype name).
* ``__meta__``: a JSON string saying which torch / numpy made the file.
* ``"{case id}/{field}"``: the arrays of one case, e.g. ``param/weight_ih_l0``
  (torch's state_dict), ``input``, ``output``, ``grad/input``, ``grad/weight_ih_l0``.
* a few shared arrays without a case id (``data/x`` and ``init/weight`` in sgd.npz).

Every case seeds torch and numpy from a hash of its id, so rerunning the script
reproduces the same numbers and adding a case does not change the others.
"""

from __future__ import annotations

import itertools
import json
import math
import pathlib
import zlib
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

HERE = pathlib.Path(__file__).resolve().parent

DTYPES: dict[str, torch.dtype] = {"float32": torch.float32, "float64": torch.float64}

# Tiny sizes keep the files small; they are still big enough that a transposed
# weight, a swapped direction or a wrong axis gives a shape error or a wrong number.
INPUT_SIZE, HIDDEN_SIZE, SEQ_LEN, BATCH = 3, 4, 5, 2

SGD_STEPS = 20


class Archive:
    """Collect ``{case}/{field}`` arrays and the case list, then write one .npz file."""

    def __init__(self) -> None:
        self.cases: list[dict[str, Any]] = []
        self.arrays: dict[str, np.ndarray] = {}

    def add_case(self, case: dict[str, Any]) -> str:
        self.cases.append(case)
        return str(case["id"])

    def put(self, key: str, value: torch.Tensor | np.ndarray) -> None:
        if key in self.arrays:
            raise KeyError(f"duplicate key {key!r}")
        if isinstance(value, torch.Tensor):
            value = value.detach().numpy()
        self.arrays[key] = np.array(value)  # a copy: later in-place torch ops must not change it

    def put_module(self, case_id: str, module: torch.nn.Module) -> None:
        """Store every parameter (torch's state_dict names) and, if present, its gradient."""
        for name, param in module.named_parameters():
            self.put(f"{case_id}/param/{name}", param)
            if param.grad is not None:
                self.put(f"{case_id}/grad/{name}", param.grad)

    def save(self, filename: str) -> int:
        meta = {
            "torch": torch.__version__,
            "numpy": np.__version__,
            "made_by": pathlib.Path(__file__).name,
        }
        path = HERE / filename
        np.savez_compressed(
            path,
            __cases__=np.array(json.dumps(self.cases)),
            __meta__=np.array(json.dumps(meta)),
            **self.arrays,
        )
        return path.stat().st_size


def seed_everything(case_id: str) -> np.random.Generator:
    """Seed torch (parameter init) from the case id; return a numpy generator for the data."""
    seed = zlib.crc32(case_id.encode())
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def randn(
    rng: np.random.Generator,
    shape: tuple[int, ...],
    dtype: torch.dtype,
    scale: float = 1.0,
    requires_grad: bool = False,
) -> torch.Tensor:
    """Standard-normal data drawn in float64 by numpy, then cast (so f32/f64 cases look alike)."""
    return torch.tensor(
        scale * rng.standard_normal(shape), dtype=dtype, requires_grad=requires_grad
    )


def dtype_tag(dtype_name: str) -> str:
    return "f32" if dtype_name == "float32" else "f64"


# --------------------------------------------------------------------------- nn.RNN


def make_rnn() -> Archive:
    """nn.RNN over the full matrix of its options, forward and backward."""
    archive = Archive()
    matrix = itertools.product(
        (1, 2, 3),
        ("tanh", "relu"),
        (True, False),
        (False, True),
        (False, True),
        (False, True),
        (False, True),
        ("float64", "float32"),
    )
    for (
        num_layers,
        nonlinearity,
        bias,
        batch_first,
        bidirectional,
        unbatched,
        with_h0,
        dtype_name,
    ) in matrix:
        case_id = (
            f"L{num_layers}_{nonlinearity}_bias{int(bias)}_bf{int(batch_first)}_bi{int(bidirectional)}"
            f"_unb{int(unbatched)}_h0{int(with_h0)}_{dtype_tag(dtype_name)}"
        )
        rng = seed_everything(case_id)
        dtype = DTYPES[dtype_name]
        model = torch.nn.RNN(
            INPUT_SIZE,
            HIDDEN_SIZE,
            num_layers=num_layers,
            nonlinearity=nonlinearity,
            bias=bias,
            batch_first=batch_first,
            bidirectional=bidirectional,
            dtype=dtype,
        )
        directions = 2 if bidirectional else 1
        if (
            unbatched
        ):  # batch_first is ignored for unbatched input: always (L, H_in) and (D*layers, H)
            input_shape: tuple[int, ...] = (SEQ_LEN, INPUT_SIZE)
            hidden_shape: tuple[int, ...] = (directions * num_layers, HIDDEN_SIZE)
        else:  # batch_first moves the batch axis of input/output only, never of h0/h_n
            input_shape = (
                (BATCH, SEQ_LEN, INPUT_SIZE) if batch_first else (SEQ_LEN, BATCH, INPUT_SIZE)
            )
            hidden_shape = (directions * num_layers, BATCH, HIDDEN_SIZE)

        x = randn(rng, input_shape, dtype, requires_grad=True)
        h0 = randn(rng, hidden_shape, dtype, requires_grad=True) if with_h0 else None
        output, h_n = model(x, h0) if h0 is not None else model(x)
        g_out = randn(rng, tuple(output.shape), dtype)
        g_h = randn(rng, tuple(h_n.shape), dtype)
        ((output * g_out).sum() + (h_n * g_h).sum()).backward()

        archive.add_case(
            {
                "id": case_id,
                "input_size": INPUT_SIZE,
                "hidden_size": HIDDEN_SIZE,
                "num_layers": num_layers,
                "nonlinearity": nonlinearity,
                "bias": bias,
                "batch_first": batch_first,
                "bidirectional": bidirectional,
                "unbatched": unbatched,
                "h0": with_h0,
                "dtype": dtype_name,
                "param_names": [name for name, _ in model.named_parameters()],
            }
        )
        archive.put_module(case_id, model)
        for field, value in (
            ("input", x),
            ("output", output),
            ("h_n", h_n),
            ("g_out", g_out),
            ("g_h", g_h),
            ("grad/input", x.grad),
        ):
            archive.put(f"{case_id}/{field}", value)
        if h0 is not None:
            archive.put(f"{case_id}/h0", h0)
            archive.put(f"{case_id}/grad/h0", h0.grad)
    return archive


# --------------------------------------------------------------------------- nn.RNNCell


def make_rnncell() -> Archive:
    """nn.RNNCell: one step h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), batched (N, H) or not (H,)."""
    archive = Archive()
    matrix = itertools.product(
        ("tanh", "relu"), (True, False), (False, True), (False, True), ("float64", "float32")
    )
    for nonlinearity, bias, unbatched, with_hx, dtype_name in matrix:
        case_id = (
            f"cell_{nonlinearity}_bias{int(bias)}_unb{int(unbatched)}_hx{int(with_hx)}"
            f"_{dtype_tag(dtype_name)}"
        )
        rng = seed_everything(case_id)
        dtype = DTYPES[dtype_name]
        cell = torch.nn.RNNCell(
            INPUT_SIZE, HIDDEN_SIZE, bias=bias, nonlinearity=nonlinearity, dtype=dtype
        )
        batch_shape: tuple[int, ...] = () if unbatched else (BATCH,)
        x = randn(rng, (*batch_shape, INPUT_SIZE), dtype, requires_grad=True)
        hx = randn(rng, (*batch_shape, HIDDEN_SIZE), dtype, requires_grad=True) if with_hx else None
        output = cell(x, hx)
        g_out = randn(rng, tuple(output.shape), dtype)
        (output * g_out).sum().backward()

        archive.add_case(
            {
                "id": case_id,
                "input_size": INPUT_SIZE,
                "hidden_size": HIDDEN_SIZE,
                "nonlinearity": nonlinearity,
                "bias": bias,
                "unbatched": unbatched,
                "hx": with_hx,
                "dtype": dtype_name,
                "param_names": [name for name, _ in cell.named_parameters()],
            }
        )
        archive.put_module(case_id, cell)
        for field, value in (
            ("input", x),
            ("output", output),
            ("g_out", g_out),
            ("grad/input", x.grad),
        ):
            archive.put(f"{case_id}/{field}", value)
        if hx is not None:
            archive.put(f"{case_id}/hx", hx)
            archive.put(f"{case_id}/grad/hx", hx.grad)
    return archive


# --------------------------------------------------------------------------- Linear, losses, softmax


def make_linear_and_losses() -> Archive:
    """nn.Linear, MSELoss, CrossEntropyLoss, log_softmax and softmax, each with gradients.

    Every case backpropagates ``(output * g_out).sum()``; for a scalar loss g_out is a
    0-d array, so the stored gradient is torch's gradient times that number.
    """
    archive = Archive()

    # Linear: y = x W^T + b for 1-D (in,), 2-D (N, in) and 3-D (N, L, in) inputs.
    input_shapes = {1: (INPUT_SIZE,), 2: (BATCH, INPUT_SIZE), 3: (BATCH, SEQ_LEN, INPUT_SIZE)}
    for bias, ndim, dtype_name in itertools.product(
        (True, False), (1, 2, 3), ("float64", "float32")
    ):
        case_id = f"linear_bias{int(bias)}_in{ndim}d_{dtype_tag(dtype_name)}"
        rng = seed_everything(case_id)
        dtype = DTYPES[dtype_name]
        layer = torch.nn.Linear(INPUT_SIZE, HIDDEN_SIZE, bias=bias, dtype=dtype)
        x = randn(rng, input_shapes[ndim], dtype, requires_grad=True)
        output = layer(x)
        g_out = randn(rng, tuple(output.shape), dtype)
        (output * g_out).sum().backward()
        archive.add_case(
            {
                "id": case_id,
                "kind": "linear",
                "in_features": INPUT_SIZE,
                "out_features": HIDDEN_SIZE,
                "bias": bias,
                "dtype": dtype_name,
            }
        )
        archive.put_module(case_id, layer)
        for field, value in (
            ("input", x),
            ("output", output),
            ("g_out", g_out),
            ("grad/input", x.grad),
        ):
            archive.put(f"{case_id}/{field}", value)

    # MSELoss: mean((input - target)^2); 'none' keeps the input's shape; target gets a grad too.
    for reduction, shape, dtype_name in itertools.product(
        ("mean", "sum", "none"), ((BATCH, HIDDEN_SIZE), (5,)), ("float64", "float32")
    ):
        case_id = f"mse_{reduction}_{'x'.join(map(str, shape))}_{dtype_tag(dtype_name)}"
        rng = seed_everything(case_id)
        dtype = DTYPES[dtype_name]
        x = randn(rng, shape, dtype, requires_grad=True)
        target = randn(rng, shape, dtype, requires_grad=True)
        output = torch.nn.MSELoss(reduction=reduction)(x, target)
        g_out = randn(rng, tuple(output.shape), dtype)
        (output * g_out).sum().backward()
        archive.add_case(
            {"id": case_id, "kind": "mse", "reduction": reduction, "dtype": dtype_name}
        )
        for field, value in (
            ("input", x),
            ("target", target),
            ("output", output),
            ("g_out", g_out),
            ("grad/input", x.grad),
            ("grad/target", target.grad),
        ):
            archive.put(f"{case_id}/{field}", value)

    # CrossEntropyLoss with class-index targets. Logits scaled by 50 would overflow exp()
    # in a naive softmax, so those cases prove the log-sum-exp shift is there.
    num_classes = 5
    ce_inputs = {"batched": (BATCH + 2, num_classes), "unbatched": (num_classes,)}
    for reduction, (layout, scale), dtype_name in itertools.product(
        ("mean", "sum", "none"),
        (("batched", 1.0), ("batched", 50.0), ("unbatched", 50.0)),
        ("float64", "float32"),
    ):
        case_id = f"ce_{reduction}_{layout}_scale{int(scale)}_{dtype_tag(dtype_name)}"
        rng = seed_everything(case_id)
        dtype = DTYPES[dtype_name]
        logits = randn(rng, ce_inputs[layout], dtype, scale=scale, requires_grad=True)
        target_shape = ce_inputs[layout][:-1]
        target = torch.tensor(rng.integers(0, num_classes, size=target_shape), dtype=torch.int64)
        output = torch.nn.CrossEntropyLoss(reduction=reduction)(logits, target)
        g_out = randn(rng, tuple(output.shape), dtype)
        (output * g_out).sum().backward()
        archive.add_case(
            {
                "id": case_id,
                "kind": "cross_entropy",
                "reduction": reduction,
                "layout": layout,
                "scale": scale,
                "dtype": dtype_name,
            }
        )
        for field, value in (
            ("input", logits),
            ("target", target),
            ("output", output),
            ("g_out", g_out),
            ("grad/input", logits.grad),
        ):
            archive.put(f"{case_id}/{field}", value)

    # log_softmax / softmax along each axis of a 3-D input, at a normal and a huge scale.
    for function, dim, scale, dtype_name in itertools.product(
        ("log_softmax", "softmax"), (0, 1, -1), (1.0, 50.0), ("float64", "float32")
    ):
        case_id = f"{function}_dim{dim}_scale{int(scale)}_{dtype_tag(dtype_name)}"
        rng = seed_everything(case_id)
        dtype = DTYPES[dtype_name]
        x = randn(rng, (BATCH, 3, HIDDEN_SIZE), dtype, scale=scale, requires_grad=True)
        output = getattr(F, function)(x, dim=dim)
        g_out = randn(rng, tuple(output.shape), dtype)
        (output * g_out).sum().backward()
        archive.add_case(
            {"id": case_id, "kind": function, "dim": dim, "scale": scale, "dtype": dtype_name}
        )
        for field, value in (
            ("input", x),
            ("output", output),
            ("g_out", g_out),
            ("grad/input", x.grad),
        ):
            archive.put(f"{case_id}/{field}", value)
    return archive


# --------------------------------------------------------------------------- optim.SGD


SGD_PARAM_SHAPES: dict[str, tuple[int, ...]] = {
    "weight": (2, INPUT_SIZE),  # used by the loss on every step
    "bias": (2,),  # used by the loss on every step
    "sometimes": (INPUT_SIZE,),  # used only on steps 0, 3, 6, ... -> grad is None on the others
    "unused": (
        2,
    ),  # never used -> grad always None -> torch never touches it (not even weight decay)
}
SOMETIMES_EVERY = 3


def sgd_loss(F_: Any, params: dict[str, Any], x: Any, y: Any, step: int) -> Any:
    """The deterministic loss the trajectories minimise; test_optim_reference.py repeats it with mt.

    Written against ``torch.nn.functional``'s names so the same code reads for both libraries.
    """
    loss = F_.mse_loss(F_.linear(x, params["weight"], params["bias"]), y)
    if step % SOMETIMES_EVERY == 0:
        loss = loss + (params["sometimes"] * params["sometimes"]).sum()
    return loss


def sgd_option_grid() -> list[dict[str, Any]]:
    """Every valid combination; nesterov needs momentum > 0 and dampening == 0 (torch raises otherwise)."""
    options = []
    for lr, momentum, dampening, weight_decay, nesterov, maximize in itertools.product(
        (0.1, 0.01), (0.0, 0.9), (0.0, 0.5), (0.0, 0.1), (False, True), (False, True)
    ):
        if nesterov and (momentum == 0 or dampening != 0):
            continue
        options.append(
            {
                "lr": lr,
                "momentum": momentum,
                "dampening": dampening,
                "weight_decay": weight_decay,
                "nesterov": nesterov,
                "maximize": maximize,
            }
        )
    # lr=None means "leave lr out": torch's default is 1e-3.
    options.append(
        {
            "lr": None,
            "momentum": 0.0,
            "dampening": 0.0,
            "weight_decay": 0.0,
            "nesterov": False,
            "maximize": False,
        }
    )
    return options


def make_sgd() -> Archive:
    """20-step SGD trajectories (float64) on sgd_loss for every option combination."""
    archive = Archive()
    rng = seed_everything("sgd-shared-data")
    x = rng.standard_normal((8, INPUT_SIZE))
    y = rng.standard_normal((8, 2))
    init = {name: 0.5 * rng.standard_normal(shape) for name, shape in SGD_PARAM_SHAPES.items()}
    archive.put("data/x", x)
    archive.put("data/y", y)
    for name, value in init.items():
        archive.put(f"init/{name}", value)

    for options in sgd_option_grid():
        lr = options["lr"]
        case_id = ("lr_default" if lr is None else f"lr{lr:g}") + (
            f"_mom{options['momentum']:g}_damp{options['dampening']:g}_wd{options['weight_decay']:g}"
            f"_nest{int(options['nesterov'])}_max{int(options['maximize'])}"
        )
        params = {name: torch.tensor(value, requires_grad=True) for name, value in init.items()}
        kwargs = {k: v for k, v in options.items() if v is not None}
        optimizer = torch.optim.SGD(list(params.values()), foreach=False, **kwargs)
        trajectory = {name: [p.detach().clone()] for name, p in params.items()}
        losses = []
        for step in range(SGD_STEPS):
            for p in params.values():
                p.grad = None  # what optimizer.zero_grad() does by default (set_to_none=True)
            loss = sgd_loss(F, params, torch.tensor(x), torch.tensor(y), step)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            for name, p in params.items():
                trajectory[name].append(p.detach().clone())

        archive.add_case(
            {"id": case_id, **options, "steps": SGD_STEPS, "sometimes_every": SOMETIMES_EVERY}
        )
        archive.put(f"{case_id}/loss", np.array(losses))
        for name, p in params.items():
            archive.put(f"{case_id}/params/{name}", torch.stack(trajectory[name]))
            buffer = optimizer.state[p].get("momentum_buffer")
            if buffer is not None:
                archive.put(f"{case_id}/momentum_buffer/{name}", buffer)
    return archive


# --------------------------------------------------------------------------- gradient clipping


CLIP_GRAD_SHAPES: list[tuple[int, ...]] = [(2, 3), (4,), (3, 2)]


def make_clip() -> Archive:
    """clip_grad_norm_ (norm 2, 1, inf, 3; limit below and above the norm) and clip_grad_value_.

    Each case has three parameters with gradients and a fourth whose grad is None
    (torch leaves it out of the norm and leaves it None).
    """
    archive = Archive()
    for norm_type, where, dtype_name in itertools.product(
        (2.0, 1.0, math.inf, 3.0), ("below", "above"), ("float64", "float32")
    ):
        norm_tag = "inf" if math.isinf(norm_type) else f"{norm_type:g}"
        case_id = f"norm_p{norm_tag}_{where}_{dtype_tag(dtype_name)}"
        rng = seed_everything(case_id)
        dtype = DTYPES[dtype_name]
        grads = [randn(rng, shape, dtype) for shape in CLIP_GRAD_SHAPES]
        exact = float(
            torch.linalg.vector_norm(torch.cat([g.double().flatten() for g in grads]), norm_type)
        )
        # "below": the limit is under the norm, so grads shrink; "above": grads are untouched.
        max_norm = 0.5 * exact if where == "below" else 2.0 * exact
        params = [torch.zeros(shape, dtype=dtype, requires_grad=True) for shape in CLIP_GRAD_SHAPES]
        no_grad_param = torch.zeros(2, dtype=dtype, requires_grad=True)
        for p, g in zip(params, grads):
            p.grad = g.clone()
        total_norm = torch.nn.utils.clip_grad_norm_(
            params + [no_grad_param], max_norm, norm_type=norm_type, foreach=False
        )
        assert no_grad_param.grad is None
        archive.add_case(
            {
                "id": case_id,
                "kind": "norm",
                "norm_type": norm_tag,
                "max_norm": max_norm,
                "dtype": dtype_name,
            }
        )
        archive.put(f"{case_id}/total_norm", total_norm)
        for i, (p, g) in enumerate(zip(params, grads)):
            archive.put(f"{case_id}/grad_before/p{i}", g)
            archive.put(f"{case_id}/grad_after/p{i}", p.grad)

    for clip_value, dtype_name in itertools.product((0.5, 2.0), ("float64", "float32")):
        case_id = f"value_{clip_value:g}_{dtype_tag(dtype_name)}"
        rng = seed_everything(case_id)
        dtype = DTYPES[dtype_name]
        grads = [randn(rng, shape, dtype, scale=1.5) for shape in CLIP_GRAD_SHAPES]
        params = [torch.zeros(shape, dtype=dtype, requires_grad=True) for shape in CLIP_GRAD_SHAPES]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        result = torch.nn.utils.clip_grad_value_(params, clip_value, foreach=False)
        assert result is None
        archive.add_case(
            {"id": case_id, "kind": "value", "clip_value": clip_value, "dtype": dtype_name}
        )
        for i, (p, g) in enumerate(zip(params, grads)):
            archive.put(f"{case_id}/grad_before/p{i}", g)
            archive.put(f"{case_id}/grad_after/p{i}", p.grad)
    return archive


def main() -> None:
    torch.use_deterministic_algorithms(True)
    total = 0
    for filename, make in (
        ("rnn.npz", make_rnn),
        ("rnncell.npz", make_rnncell),
        ("linear_loss.npz", make_linear_and_losses),
        ("sgd.npz", make_sgd),
        ("clip.npz", make_clip),
    ):
        archive = make()
        size = archive.save(filename)
        total += size
        print(
            f"{filename:16s} {len(archive.cases):4d} cases {len(archive.arrays):6d} arrays {size / 1024:8.1f} KiB"
        )
    print(f"{'total':16s} {total / 1024:29.1f} KiB")


if __name__ == "__main__":
    main()
