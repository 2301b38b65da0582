"""A tiny op-chain language, so that a fuzz case is *data*: it runs on torch and on minitorch_rnn.

A case is a JSON-able dict::

    {"steps": [["tensor", {"values": [1.0, nan], "shape": [2], "dtype": "float32"}, true],
               ["tensor", {"values": [3], "shape": [], "dtype": "int64"}, false],
               ["mul", {"ref": 0}, {"ref": 1}],
               ["log", {"ref": 2}]],
     "backward": "sum"}

Each step is ``[op name, *args]``; `OPS` says what the name means, as one line of code written
with API both libraries share. A step's result joins the *environment* (step i's result is
``{"ref": i}``; a tuple result's k-th entry is ``{"ref": [i, k]}``). After the last step,
``backward`` says how to run backward from the last result: ``"sum"`` (``y.sum().backward()``),
``"grad"`` (``y.backward(g)`` with the fixed gradient `grad_pattern`) or ``None``.

`run(lib, case)` returns a *summary* -- JSON-able too, so torch's can be stored -- of what
happened: every result's dtype, shape, values, requires_grad and is_leaf, every tensor's
``.grad`` after backward, and the error (type, message, step) if one was raised.
`differences(ours, torch's)` lists where two summaries disagree.

Skip on a first read of the tests: this is the machinery of ``test_fuzz_torch.py``.
"""

from __future__ import annotations

import json
import operator
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Optional

import numpy as np

# ---------------------------------------------------------------------------------------------
# The ops. Adding one to the fuzzer is one line here: a name, a function of (lib, *args) that
# uses API both libraries share, and the *kinds* of its arguments, which tell the generator
# (fuzz_strategies.py) what to draw: "t" a tensor of the environment, "other" a second operand
# (tensor, Python or numpy number, 0-d tensor), "dim", "shape", "index", ... (see ARG_KINDS).
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    fn: Callable[..., Any]
    args: tuple[str, ...]


def _iop(f: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    """`a op= b` as a step: returns `a` (the same object, changed in place)."""
    return lambda lib, a, b: f(a, b)


def _setitem(lib: ModuleType, x: Any, index: Any, value: Any) -> Any:
    x[index] = value
    return x


def _make_tensor(lib: ModuleType, spec: dict[str, Any], requires_grad: bool = False) -> Any:
    """A leaf from stored values; ``layout`` makes it non-contiguous the same way in both."""
    a = np.array(spec["values"], dtype=spec["dtype"]).reshape(spec["shape"])
    layout = spec.get("layout", "contiguous")
    if layout == "transposed" and a.ndim >= 2:  # same values, memory in reversed dim order
        dims = tuple(reversed(range(a.ndim)))
        t = lib.tensor(np.ascontiguousarray(a.transpose(dims))).permute(*dims).detach()
    elif layout == "strided" and a.ndim >= 1:  # every other entry of a twice-as-long last dim
        t = lib.tensor(np.repeat(a, 2, axis=-1))[..., ::2].detach()
    else:
        t = lib.tensor(a)
    return t.requires_grad_(True) if requires_grad else t


OPS: dict[str, Op] = {
    # making tensors
    "tensor": Op(_make_tensor, ("spec", "bool")),
    "Parameter": Op(lambda lib, x: lib.nn.Parameter(x), ("t",)),
    # arithmetic: Python numbers, numpy scalars and 0-d tensors mix in (type promotion)
    "add": Op(lambda lib, a, b: a + b, ("t", "other")),
    "radd": Op(lambda lib, a, b: b + a, ("t", "other")),
    "add_alpha": Op(lambda lib, a, b, alpha: a.add(b, alpha=alpha), ("t", "other", "number")),
    "sub": Op(lambda lib, a, b: a - b, ("t", "other")),
    "rsub": Op(lambda lib, a, b: b - a, ("t", "other")),
    "mul": Op(lambda lib, a, b: a * b, ("t", "other")),
    "rmul": Op(lambda lib, a, b: b * a, ("t", "other")),
    "div": Op(lambda lib, a, b: a / b, ("t", "other")),
    "rdiv": Op(lambda lib, a, b: b / a, ("t", "other")),
    "pow": Op(lambda lib, a, b: a**b, ("t", "exponent")),
    "rpow": Op(lambda lib, a, b: b**a, ("t", "number")),
    "neg": Op(lambda lib, x: -x, ("t",)),
    "maximum": Op(lambda lib, a, b: a.max(b), ("t", "t_like")),
    "matmul": Op(lambda lib, a, b: a @ b, ("t", "mm_rhs")),
    "mm": Op(lambda lib, a, b: a.mm(b), ("t", "mm_rhs")),
    "addmm": Op(
        lambda lib, c, a, b, beta, alpha: lib.addmm(c, a, b, beta=beta, alpha=alpha),
        ("t", "matrix", "mm_rhs2", "number", "number"),
    ),
    # elementwise functions (int and bool tensors become float32 first)
    "tanh": Op(lambda lib, x: x.tanh(), ("t",)),
    "relu": Op(lambda lib, x: x.relu(), ("t",)),
    "sigmoid": Op(lambda lib, x: x.sigmoid(), ("t",)),
    "exp": Op(lambda lib, x: x.exp(), ("t",)),
    "log": Op(lambda lib, x: x.log(), ("t",)),
    "clone": Op(lambda lib, x: x.clone(), ("t",)),
    "detach": Op(lambda lib, x: x.detach(), ("t",)),
    # comparisons (bool results, off the tape)
    "eq": Op(lambda lib, a, b: a == b, ("t", "other")),
    "lt": Op(lambda lib, a, b: a < b, ("t", "other")),
    "ge": Op(lambda lib, a, b: a >= b, ("t", "other")),
    # reductions
    "sum": Op(lambda lib, x: x.sum(), ("t",)),
    "sum_dim": Op(lambda lib, x, d, k: x.sum(dim=d, keepdim=k), ("t", "dims", "bool")),
    "mean": Op(lambda lib, x: x.mean(), ("t",)),
    "mean_dim": Op(lambda lib, x, d, k: x.mean(dim=d, keepdim=k), ("t", "dims", "bool")),
    "max": Op(lambda lib, x: x.max(), ("t",)),
    "max_dim": Op(lambda lib, x, d, k: x.max(dim=d, keepdim=k), ("t", "dim", "bool")),
    "argmax": Op(lambda lib, x: x.argmax(), ("t",)),
    "argmax_dim": Op(lambda lib, x, d: x.argmax(dim=d), ("t", "dim")),
    # casts: between floats on the tape, to integers off it
    "float": Op(lambda lib, x: x.float(), ("t",)),
    "double": Op(lambda lib, x: x.double(), ("t",)),
    "half": Op(lambda lib, x: x.half(), ("t",)),
    "long": Op(lambda lib, x: x.long(), ("t",)),
    "bool": Op(lambda lib, x: x.bool(), ("t",)),
    "to": Op(lambda lib, x, dt: x.to(dt), ("t", "dtype")),
    # views and shapes
    "reshape": Op(lambda lib, x, s: x.reshape(s), ("t", "shape")),
    "view": Op(lambda lib, x, s: x.view(s), ("t", "shape")),
    "flatten": Op(lambda lib, x: x.flatten(), ("t",)),
    "transpose": Op(lambda lib, x, a, b: x.transpose(a, b), ("t", "dim", "dim")),
    "t": Op(lambda lib, x: x.t(), ("t",)),
    "permute": Op(lambda lib, x, p: x.permute(p), ("t", "perm")),
    "unsqueeze": Op(lambda lib, x, d: x.unsqueeze(d), ("t", "dim+1")),
    "squeeze": Op(lambda lib, x: x.squeeze(), ("t",)),
    "squeeze_dim": Op(lambda lib, x, d: x.squeeze(d), ("t", "dim")),
    "expand": Op(lambda lib, x, s: x.expand(s), ("t", "expand")),
    "repeat": Op(lambda lib, x, r: x.repeat(r), ("t", "reps")),
    "contiguous": Op(lambda lib, x: x.contiguous(), ("t",)),
    "unbind": Op(lambda lib, x, d: x.unbind(d), ("t", "dim")),
    "split": Op(lambda lib, x, n, d: x.split(n, d), ("t", "count", "dim")),
    "getitem": Op(lambda lib, x, i: x[i], ("t", "index")),
    "cat": Op(lambda lib, xs, d: lib.cat(xs, dim=d), ("tensors", "dim")),
    "stack": Op(lambda lib, xs, d: lib.stack(xs, dim=d), ("tensors", "dim+1")),
    # in place, on graph tensors and on their views
    "add_": Op(lambda lib, a, b: a.add_(b), ("t", "other")),
    "sub_": Op(lambda lib, a, b: a.sub_(b), ("t", "other")),
    "mul_": Op(lambda lib, a, b: a.mul_(b), ("t", "other")),
    "div_": Op(lambda lib, a, b: a.div_(b), ("t", "other")),
    "iadd": Op(_iop(operator.iadd), ("t", "other")),
    "imul": Op(_iop(operator.imul), ("t", "other")),
    "pow_": Op(lambda lib, a, p: a.pow_(p), ("t", "number")),
    "tanh_": Op(lambda lib, x: x.tanh_(), ("t",)),
    "relu_": Op(lambda lib, x: x.relu_(), ("t",)),
    "sigmoid_": Op(lambda lib, x: x.sigmoid_(), ("t",)),
    "exp_": Op(lambda lib, x: x.exp_(), ("t",)),
    "zero_": Op(lambda lib, x: x.zero_(), ("t",)),
    "fill_": Op(lambda lib, x, v: x.fill_(v), ("t", "number")),
    "copy_": Op(lambda lib, x, src: x.copy_(src), ("t", "t_like")),
    "clamp_": Op(lambda lib, x, lo, hi: x.clamp_(lo, hi), ("t", "number", "number")),
    "setitem": Op(_setitem, ("t", "index", "value")),
    "masked_fill_": Op(lambda lib, x, m, v: x.masked_fill_(m, v), ("t", "mask", "number")),
    "requires_grad_": Op(lambda lib, x, flag: x.requires_grad_(flag), ("t", "bool")),
    # Python values out of tensors
    "item": Op(lambda lib, x: x.item(), ("t",)),
}

# ---------------------------------------------------------------------------------------------
# Running a case
# ---------------------------------------------------------------------------------------------

DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64")


def decode(lib: ModuleType, env: list[Any], arg: Any) -> Any:
    """A stored argument as the value to pass: refs, slices, dtypes, numpy scalars, tuples."""
    if isinstance(arg, list):
        return [decode(lib, env, a) for a in arg]
    if not isinstance(arg, dict) or "values" in arg:
        return arg  # a number, bool, None, str, or a tensor spec (for the "tensor" step)
    (tag, value), *_ = arg.items()
    if tag == "ref":
        return env[value] if isinstance(value, int) else env[value[0]][value[1]]
    if tag == "slice":
        return slice(*value)
    if tag == "ellipsis":
        return Ellipsis
    if tag == "dtype":
        return getattr(lib, value)
    if tag == "np":  # a numpy scalar: ["float64", 1.5]
        return np.dtype(value[0]).type(value[1])
    if tag == "tuple":
        return tuple(decode(lib, env, a) for a in value)
    raise ValueError(f"unknown argument tag {tag!r}")


def grad_pattern(shape: tuple[int, ...]) -> np.ndarray:
    """The fixed upstream gradient of ``"backward": "grad"``: not all ones, so a gradient sent
    to the wrong entry shows; every value exact in float16."""
    cycle = np.array([1.0, -2.0, 0.5, 3.0, -0.25])
    n = int(np.prod(shape))
    return np.resize(cycle, n).reshape(shape)


def is_tensor(lib: ModuleType, x: Any) -> bool:
    return isinstance(x, lib.Tensor)


def run(lib: ModuleType, case: dict[str, Any]) -> dict[str, Any]:
    """Run `case` with `lib` (torch or minitorch_rnn) and summarize what happened."""
    env: list[Any] = []
    error = None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for i, (name, *args) in enumerate(case["steps"]):
            try:
                env.append(OPS[name].fn(lib, *[decode(lib, env, a) for a in args]))
            except Exception as e:  # noqa: BLE001 -- the error is part of the behaviour
                error = _error(lib, e, i)
                break
        values = [summarize(lib, x) for x in env]
        grads = None
        if error is None and case.get("backward") and env:
            out = env[-1][0] if isinstance(env[-1], tuple) and env[-1] else env[-1]
            if is_tensor(lib, out):
                try:
                    if case["backward"] == "sum":
                        out.sum().backward()
                    else:
                        g = grad_pattern(tuple(out.shape)).astype(_dtype_name(out.dtype))
                        out.backward(lib.tensor(g))
                except Exception as e:  # noqa: BLE001
                    error = _error(lib, e, "backward")
                grads = [_grads(lib, x) for x in env]
    return {"values": values, "grads": grads, "error": error}


def _error(lib: ModuleType, e: Exception, where: Any) -> dict[str, Any]:
    """Type and message; torch's messages name torch where ours name minitorch_rnn."""
    message = str(e)
    if lib.__name__ == "torch":
        message = re.sub(r"\btorch\b", "minitorch_rnn", message)
    return {"where": where, "type": type(e).__name__, "message": message}


def _dtype_name(dtype: Any) -> str:
    return str(dtype).replace("torch.", "")  # torch.float32 -> float32; np.dtype: its name


def summarize(lib: ModuleType, x: Any) -> Any:
    """What a step's result was, as JSON-able data."""
    if isinstance(x, tuple):
        return {"tuple": [summarize(lib, v) for v in x]}
    if is_tensor(lib, x):
        return {
            "dtype": _dtype_name(x.dtype),
            "shape": list(x.shape),
            "values": _values(x),
            "requires_grad": _attr(x, "requires_grad"),
            "is_leaf": _attr(x, "is_leaf"),
        }
    if isinstance(x, (bool, int, float)) or x is None:
        return {"py": x, "type": type(x).__name__}
    return {"type": type(x).__name__}


def _attr(x: Any, name: str) -> Any:
    """``x.name`` as a bool -- or the error reading it raises (torch: a stale view of unbind)."""
    try:
        return bool(getattr(x, name))
    except Exception as e:  # noqa: BLE001
        return f"{type(e).__name__}: {e}"


def _values(t: Any) -> list[Any]:
    a = np.asarray(t.detach().numpy())
    return (a.astype(np.float64) if a.dtype.kind == "f" else a).ravel().tolist()


def _grads(lib: ModuleType, x: Any) -> Any:
    """The ``.grad`` of a result (None for most); a tuple's entries one by one."""
    if isinstance(x, tuple):
        return [_grads(lib, v) for v in x]
    if not is_tensor(lib, x):
        return None
    try:
        g = x.grad
    except Exception as e:  # noqa: BLE001
        return {"dtype": "", "shape": [], "values": [], "error": f"{type(e).__name__}: {e}"}
    if g is None:
        return None
    return {"dtype": _dtype_name(g.dtype), "shape": list(g.shape), "values": _values(g)}


# ---------------------------------------------------------------------------------------------
# Comparing two summaries
# ---------------------------------------------------------------------------------------------

# (rtol, atol relative to the largest finite magnitude of torch's array): a few units in the
# last place of each float type, with room for a chain of several ops.
TOLERANCE = {"float16": (1e-2, 1e-3), "float32": (1e-4, 1e-6), "float64": (1e-9, 1e-12)}


def differences(case: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """Where our summary of `case` differs from torch's, in words (empty: they agree). Each
    line names the step and its op (``step 3 (log) .grad values: ...``), so a known difference
    can be recognised by a regular expression."""
    names = [step[0] for step in case["steps"]]
    label = lambda i: f"step {i} ({names[i]})" if isinstance(i, int) else str(i)  # noqa: E731
    out: list[str] = []
    if ours["error"] != theirs["error"]:
        out.append(
            f"error: {_fmt_error(ours['error'], label)} != torch's "
            f"{_fmt_error(theirs['error'], label)}"
        )
    floor = _least_precise(theirs["values"])
    n = min(len(ours["values"]), len(theirs["values"]))
    for i in range(n):
        _compare(ours["values"][i], theirs["values"][i], label(i), out, floor)
    if ours["grads"] is not None and theirs["grads"] is not None:
        for i, (a, b) in enumerate(zip(ours["grads"], theirs["grads"])):
            _compare_grad(a, b, f"{label(i)} .grad", out, floor)
    elif (ours["grads"] is None) != (theirs["grads"] is None) and not out:
        out.append("backward ran in one library only")
    return out


def _fmt_error(e: Optional[dict[str, Any]], label: Callable[[Any], str]) -> str:
    return "none" if e is None else f"{e['type']}({e['message']!r}) at {label(e['where'])}"


def _least_precise(values: list[Any]) -> str:
    """The least precise float dtype in a chain: a float64 result computed from float32 ones
    can only be as close as float32 (numpy's and torch's exp differ in the last bit)."""
    text = json.dumps(values)
    return next((dt for dt in TOLERANCE if f'"{dt}"' in text), "float64")


def _compare(a: Any, b: Any, what: str, out: list[str], floor: str) -> None:
    if "tuple" in a or "tuple" in b:
        if len(a.get("tuple", ())) != len(b.get("tuple", ())):
            out.append(f"{what}: {_kind(a)} != torch's {_kind(b)}")
            return
        for k, (x, y) in enumerate(zip(a["tuple"], b["tuple"])):
            _compare(x, y, f"{what}[{k}]", out, floor)
        return
    if "py" in a or "py" in b:
        if a.get("type") != b.get("type") or not _close_py(a.get("py"), b.get("py")):
            out.append(f"{what}: {a} != torch's {b}")
        return
    if "dtype" not in a or "dtype" not in b:
        if a != b:
            out.append(f"{what}: {_kind(a)} != torch's {_kind(b)}")
        return
    for key in ("dtype", "shape", "requires_grad", "is_leaf"):
        if a[key] != b[key]:
            out.append(f"{what} {key}: {a[key]} != torch's {b[key]}")
    if a["shape"] == b["shape"] and not _close(a["values"], b["values"], b["dtype"], floor):
        out.append(f"{what} values: {_short(a['values'])} != torch's {_short(b['values'])}")


def _compare_grad(a: Any, b: Any, what: str, out: list[str], floor: str) -> None:
    if isinstance(a, list) or isinstance(b, list):
        for k, (x, y) in enumerate(zip(a or [], b or [])):
            _compare_grad(x, y, f"{what}[{k}]", out, floor)
        return
    if (a is None) != (b is None):
        out.append(f"{what}: {'None' if a is None else 'a tensor'} != torch's "
                   f"{'None' if b is None else 'a tensor'}")
    elif a is not None:
        for key in ("dtype", "shape"):
            if a[key] != b[key]:
                out.append(f"{what} {key}: {a[key]} != torch's {b[key]}")
        if a["shape"] == b["shape"] and not _close(a["values"], b["values"], b["dtype"], floor):
            out.append(f"{what} values: {_short(a['values'])} != torch's {_short(b['values'])}")


def _kind(s: Any) -> str:
    return "tuple" if "tuple" in s else "tensor" if "dtype" in s else s.get("type", "?")


def _close(a: list[Any], b: list[Any], dtype: str, floor: str = "float64") -> bool:
    """Equal for ints and bools; for floats, close with NaN where torch has NaN, infs equal
    (to the tolerance of `dtype`, or of `floor` if that is looser)."""
    if dtype not in TOLERANCE:
        return a == b
    x, y = np.array(a, dtype=np.float64), np.array(b, dtype=np.float64)
    rtol, atol = max(TOLERANCE[dtype], TOLERANCE[floor])
    finite = np.abs(y[np.isfinite(y)])
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    return bool(np.all(np.isclose(x, y, rtol=rtol, atol=atol * scale, equal_nan=True)))


def _close_py(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return _close([a], [b], "float32")
    return a == b


def _short(values: list[Any], n: int = 8) -> str:
    shown = ", ".join(f"{v:.6g}" if isinstance(v, float) else str(v) for v in values[:n])
    return f"[{shown}{', ...' if len(values) > n else ''}]"
