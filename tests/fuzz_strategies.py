"""Hypothesis strategies that write op chains (fuzz_chain.py) aimed at issue 12's classes.

`cases(profile)` draws a case step by step. To draw arguments that mostly make sense -- a dim
inside the tensor, a shape with the same number of entries, an index that fits -- it runs
each step with minitorch_rnn as it goes and looks at the shapes it got. (If minitorch_rnn
raises, the chain stops there: the error is part of the case, compared with torch's.)
A profile's ``wild`` percentage is how often an argument is drawn *without* that care, to
compare error types and messages too.

The profiles, one per class of difference issue 12 names, are in `PROFILES`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
from fuzz_chain import DTYPES, OPS, decode
from hypothesis import strategies as st

import minitorch_rnn as mt

FLOATS = ("float16", "float32", "float64")


@dataclass(frozen=True)
class Profile:
    """What to draw: which ops, dtypes, values and shapes, and how often to go off the rails."""

    ops: tuple[str, ...]
    dtypes: tuple[str, ...] = FLOATS
    special_values: bool = False  # NaN, +-inf, +-0, subnormals, huge
    zero_sizes: bool = False  # dims of size 0
    max_dims: int = 3
    max_steps: int = 4
    wild: int = 5  # percent of arguments drawn without regard to validity
    requires_grad: int = 70  # percent of float leaves that require grad
    layouts: tuple[str, ...] = ("contiguous", "contiguous", "transposed", "strided")
    scalars: bool = True  # Python and numpy numbers as operands


ARITH = ("add", "radd", "add_alpha", "sub", "rsub", "mul", "rmul", "div", "rdiv", "pow", "rpow")
UNARY = ("neg", "tanh", "relu", "sigmoid", "exp", "log", "clone")
REDUCE = ("sum", "sum_dim", "mean", "mean_dim", "max", "max_dim", "argmax", "argmax_dim")
CASTS = ("float", "double", "half", "long", "bool", "to")
SHAPE = (
    "reshape", "view", "flatten", "transpose", "t", "permute", "unsqueeze", "squeeze",
    "squeeze_dim", "expand", "repeat", "contiguous", "unbind", "split", "getitem", "cat", "stack",
)
INPLACE = (
    "add_", "sub_", "mul_", "div_", "iadd", "imul", "pow_", "tanh_", "relu_", "sigmoid_", "exp_",
    "zero_", "fill_", "copy_", "clamp_", "setitem", "masked_fill_",
)
MATRIX = ("matmul", "mm", "addmm", "maximum")

PROFILES: dict[str, Profile] = {
    "promotion": Profile(
        ops=ARITH + ("neg", "tanh", "sigmoid", "exp", "log", "eq", "lt", "ge", "cat", "stack",
                     "sum", "mean", "maximum", "matmul") + CASTS,
        dtypes=DTYPES,
        max_dims=2,
    ),
    "special_values": Profile(
        ops=("relu", "max", "max_dim", "maximum", "div", "rdiv", "log", "pow", "rpow", "sigmoid",
             "tanh", "exp", "addmm", "mean", "mean_dim", "sum", "sum_dim", "matmul", "mul",
             "add", "sub", "argmax", "argmax_dim"),
        special_values=True,
        max_dims=2,
    ),
    "inplace": Profile(
        ops=INPLACE + ("getitem", "transpose", "view", "unsqueeze", "t", "expand", "detach",
                       "Parameter", "requires_grad_", "mul", "tanh", "exp", "sigmoid", "add",
                       "sum"),
        dtypes=FLOATS + ("int64", "bool"),
        max_steps=6,
    ),
    "casts": Profile(
        ops=CASTS + ("mul", "add", "sum", "tanh", "getitem", "requires_grad_", "detach"),
        dtypes=DTYPES,
    ),
    "indexing": Profile(
        ops=("getitem", "getitem", "setitem", "mul", "sum", "add_", "transpose"),
        max_steps=3,
    ),
    "empty": Profile(
        ops=ARITH + UNARY + REDUCE + SHAPE + MATRIX,
        zero_sizes=True,
    ),
    "errors": Profile(
        ops=ARITH + UNARY + REDUCE + SHAPE + MATRIX + INPLACE + CASTS,
        dtypes=DTYPES,
        wild=40,
        max_steps=3,
    ),
    "chains": Profile(
        ops=ARITH + UNARY + REDUCE + SHAPE + MATRIX + INPLACE + CASTS + ("item", "detach"),
        dtypes=DTYPES,
        special_values=True,
        zero_sizes=True,
        max_steps=6,
    ),
}


def _special(dtype: str) -> list[float]:
    info = np.finfo(dtype)
    return [
        0.0, -0.0, 1.0, -1.0, float("nan"), float("inf"), float("-inf"),
        float(info.smallest_subnormal), -float(info.smallest_subnormal), float(info.max) / 2,
    ]


class Builder:
    """Draws a case step by step, running each step with minitorch_rnn to see shapes."""

    def __init__(self, draw: Any, profile: Profile) -> None:
        self.draw, self.p = draw, profile
        self.steps: list[list[Any]] = []
        self.env: list[Any] = []
        self.failed = False
        self.base_shape = draw(self.shape_st())

    # ---- small draws ----------------------------------------------------------------------
    def chance(self, percent: int) -> bool:
        """True `percent`% of the time; shrinks to False."""
        return self.draw(st.integers(0, 99)) >= 100 - percent

    def wild(self) -> bool:
        return self.chance(self.p.wild)

    def shape_st(self, min_dims: int = 0) -> Any:
        low = 0 if self.p.zero_sizes else 1
        return st.lists(st.integers(low, 3), min_size=min_dims, max_size=self.p.max_dims).map(
            tuple
        )

    def related_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """A shape that broadcasts with `shape`: leading dims dropped, some dims set to 1."""
        if self.wild():
            return self.draw(self.shape_st())
        drop = self.draw(st.integers(0, len(shape)))
        kept = list(shape[drop:])
        for i in range(len(kept)):
            if self.chance(25):
                kept[i] = 1
        return tuple(kept)

    def values(self, dtype: str, n: int) -> list[Any]:
        if dtype == "bool":
            vals: list[Any] = self.draw(st.lists(st.booleans(), min_size=n, max_size=n))
            return vals
        if dtype in FLOATS:
            nice = st.floats(-3, 3, width=16).map(float)
            elem = st.one_of(st.sampled_from(_special(dtype)), nice) if self.p.special_values else nice
            vals = self.draw(st.lists(elem, min_size=n, max_size=n))
        else:
            low = 0 if dtype == "uint8" else -3
            vals = self.draw(st.lists(st.integers(low, 4), min_size=n, max_size=n))
        a = np.array(vals, dtype=np.float64).astype(dtype)
        return (a.astype(np.float64) if dtype in FLOATS else a).tolist()

    # ---- steps ----------------------------------------------------------------------------
    def add(self, step: list[Any]) -> dict[str, Any]:
        """Append `step`, run it with minitorch_rnn, and return a ref to its result."""
        self.steps.append(step)
        name, *args = step
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                self.env.append(OPS[name].fn(mt, *[decode(mt, self.env, a) for a in args]))
        except Exception:  # noqa: BLE001 -- the case ends here; torch may disagree
            self.failed = True
            self.env.append(None)
        return {"ref": len(self.steps) - 1}

    def fresh(
        self,
        shape: Optional[tuple[int, ...]] = None,
        dtype: Optional[str] = None,
        grad: Optional[bool] = None,
    ) -> dict[str, Any]:
        """A new leaf tensor (a "tensor" step)."""
        if shape is None:
            shape = self.related_shape(self.base_shape)
        if dtype is None:
            dtype = self.draw(st.sampled_from(self.p.dtypes))
        if grad is None:
            grad = dtype in FLOATS and self.chance(self.p.requires_grad)
        spec = {
            "values": self.values(dtype, int(np.prod(shape))),
            "shape": list(shape),
            "dtype": dtype,
            "layout": self.draw(st.sampled_from(self.p.layouts)),
        }
        return self.add(["tensor", spec, grad])

    def tensors(self) -> list[tuple[dict[str, Any], Any]]:
        """(ref, minitorch tensor) for every tensor in the environment, newest first."""
        out = []
        for i, x in enumerate(self.env):
            if isinstance(x, mt.Tensor):
                out.append(({"ref": i}, x))
            elif isinstance(x, tuple):
                out += [({"ref": [i, k]}, v) for k, v in enumerate(x) if isinstance(v, mt.Tensor)]
        return out[::-1]

    def pick(self, shape: Optional[tuple[int, ...]] = None) -> dict[str, Any]:
        """A tensor of the environment (with `shape`, if one has it), newest first."""
        pool = self.tensors()
        if shape is not None and not self.wild():
            pool = [p for p in pool if p[1].shape == shape] or pool
        if not pool:
            return self.fresh()
        return pool[self.draw(st.integers(0, len(pool) - 1))][0]

    def val(self, arg: Any) -> Any:
        return decode(mt, self.env, arg)

    # ---- arguments, by kind (fuzz_chain.OPS names the kinds) ------------------------------
    def arg(self, kind: str, args: list[Any]) -> Any:
        x = self.val(args[0]) if args else None
        shape = tuple(x.shape) if isinstance(x, mt.Tensor) else ()
        ndim = len(shape)
        draw = self.draw
        if kind == "t":
            return self.pick()
        if kind == "bool":
            return draw(st.booleans())
        if kind == "number":
            return self.number()
        if kind == "t_like":
            if self.chance(50):
                return self.fresh(shape if not self.wild() else None)
            return self.pick(shape)
        if kind == "other":
            return self.operand(shape)
        if kind == "exponent":
            return self.fresh(self.related_shape(shape)) if self.chance(25) else self.number()
        if kind in ("dim", "dim+1"):
            n = max(ndim + (kind == "dim+1"), 1)
            if isinstance(x, list) and x:  # cat / stack: the first tensor's dims
                n = max(x[0].ndim + (kind == "dim+1"), 1)
            return draw(st.integers(-n - 1, n) if self.wild() else st.integers(-n, n - 1))
        if kind == "dims":
            if ndim == 0 or self.chance(20):
                return draw(st.sampled_from([None, {"tuple": []}, 0, -1]))
            dims = draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim))
            return dims[0] if len(dims) == 1 else {"tuple": dims}
        if kind == "shape":
            return self.reshape_target(shape)
        if kind == "perm":
            perm = draw(st.permutations(range(ndim)))
            return {"tuple": perm if not self.wild() else perm[:-1]}
        if kind == "expand":
            lead = draw(st.lists(st.integers(0 if self.p.zero_sizes else 1, 3), max_size=2))
            rest = [draw(st.sampled_from([n, -1, 2])) if n == 1 else
                    (n if not self.wild() else draw(st.sampled_from([-1, n + 1]))) for n in shape]
            return {"tuple": lead + rest}
        if kind == "reps":
            return {"tuple": draw(st.lists(st.integers(0, 2), min_size=ndim, max_size=ndim + 1))}
        if kind == "count":
            return draw(st.integers(0 if self.wild() else 1, 3))
        if kind == "dtype":
            return {"dtype": draw(st.sampled_from(DTYPES))}
        if kind == "index":
            return self.index(shape)
        if kind == "value":
            return self.setitem_value(x, args[1])
        if kind == "mask":
            mshape = shape[draw(st.integers(0, ndim)):] if not self.wild() else self.related_shape(shape)
            return self.fresh(mshape, "bool", False)
        if kind == "tensors":
            return self.tensor_list()
        if kind == "mm_rhs":
            return self.mm_rhs(x)
        if kind == "matrix":  # addmm's mat1: rows from input's shape
            rows = shape[-2] if ndim == 2 else draw(st.integers(0 if self.p.zero_sizes else 1, 3))
            k = draw(st.integers(0 if self.p.zero_sizes else 1, 3))
            return self.fresh((rows, k), self.dtype_like(x))
        if kind == "mm_rhs2":  # addmm's mat2: (k, columns of input)
            m1 = self.val(args[1])
            cols = shape[-1] if ndim else draw(st.integers(1, 3))
            k = m1.shape[1] if isinstance(m1, mt.Tensor) and m1.ndim == 2 else 2
            return self.fresh((k, cols), self.dtype_like(x))
        if kind == "spec":
            raise ValueError("'tensor' steps are made by Builder.fresh")
        raise ValueError(f"unknown argument kind {kind!r}")

    def dtype_like(self, x: Any) -> Optional[str]:
        """x's dtype, most of the time (matmul refuses mixed dtypes)."""
        if isinstance(x, mt.Tensor) and not self.wild():
            return str(x.dtype)
        return None

    def number(self) -> Any:
        pool = [0, 1, 2, -1, 3, 0.5, -1.5, 2.0, True, False]
        if self.p.special_values:
            pool += [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, 1e-45, 1e30]
        v = self.draw(st.sampled_from(pool))
        if self.chance(20):  # a numpy scalar: torch reads it as a Python number
            dt = self.draw(st.sampled_from(["float64", "float32", "int64", "int32", "bool"]))
            return {"np": [dt, v if dt != "bool" else bool(v)]}
        return v

    def operand(self, shape: tuple[int, ...]) -> Any:
        choice = self.draw(st.integers(0, 3 if self.p.scalars else 1))
        if choice == 0:  # a tensor of the chain that broadcasts with x
            pool = [p for p in self.tensors() if _broadcasts(p[1].shape, shape)]
            if pool and not self.wild():
                return pool[self.draw(st.integers(0, len(pool) - 1))][0]
            return self.pick()
        if choice == 1:  # a new tensor of a related shape, any dtype
            return self.fresh(self.related_shape(shape))
        if choice == 2:  # a 0-d tensor (its dtype counts less than a tensor with dims)
            return self.fresh(())
        return self.number()

    def reshape_target(self, shape: tuple[int, ...]) -> Any:
        draw = self.draw
        if self.wild():
            return {"tuple": list(draw(self.shape_st()))}
        dims = list(shape)
        if len(dims) >= 2 and draw(st.booleans()):  # merge two neighbours
            i = draw(st.integers(0, len(dims) - 2))
            dims[i : i + 2] = [dims[i] * dims[i + 1]]
        if draw(st.booleans()):
            dims.insert(draw(st.integers(0, len(dims))), 1)
        if dims and 0 not in dims and draw(st.booleans()):
            dims[draw(st.integers(0, len(dims) - 1))] = -1
        return {"tuple": dims}

    def index(self, shape: tuple[int, ...]) -> Any:
        draw, parts, dim = self.draw, [], 0
        ellipsis = False
        for _ in range(draw(st.integers(1, min(len(shape), 3) + 1))):
            kind = draw(st.sampled_from(["int", "slice", "list", "None", "...", "tensor", "mask",
                                         "nested"]))
            size = shape[dim] if dim < len(shape) else 1
            ok = not self.wild()
            if kind == "int":
                parts.append(draw(st.integers(-size, size - 1) if ok and size else st.integers(-4, 4)))
            elif kind == "slice":
                bound = st.one_of(st.none(), st.integers(-size - 1, size + 1))
                step = st.sampled_from([None, 1, 2, 3] if ok else [0, -1, 2])
                parts.append({"slice": [draw(bound), draw(bound), draw(step)]})
            elif kind == "list":
                parts.append(draw(st.lists(st.integers(-size, size - 1) if size and ok else
                                           st.integers(-4, 4), max_size=3)))
            elif kind == "nested":
                ints = st.integers(-size, size - 1) if size and ok else st.integers(-3, 3)
                row = draw(st.integers(0, 2))
                parts.append(draw(st.lists(st.lists(ints, min_size=row, max_size=row),
                                           min_size=1, max_size=2)))
            elif kind == "None":
                parts.append(None)
                continue
            elif kind == "...":
                if ellipsis and ok:
                    continue
                ellipsis = True
                parts.append({"ellipsis": True})
                dim = len(shape) - (len(shape) - dim) // 2
                continue
            elif kind == "tensor":
                n = draw(st.integers(0, 3))
                vals = [draw(st.integers(-size, size - 1) if size and ok else st.integers(-3, 3))
                        for _ in range(n)]
                parts.append(self.add(["tensor", {"values": vals, "shape": [n],
                                                  "dtype": "int64"}, False]))
            elif kind == "mask":
                m = draw(st.integers(1, 2)) if ok else 1
                mshape = shape[dim : dim + m] if ok else (draw(st.integers(0, 3)),)
                parts.append(self.fresh(tuple(mshape), "bool", False))
                dim += m - 1
            dim += 1
        if len(parts) == 1 and draw(st.booleans()):
            return parts[0]
        return {"tuple": parts}

    def setitem_value(self, x: Any, index: Any) -> Any:
        if self.chance(30):
            return self.number()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                region = tuple(x[self.val(index)].shape)
        except Exception:  # noqa: BLE001
            region = ()
        if self.chance(30):  # a value computed on the tape: its gradient must come back
            return self.pick(region)
        return self.fresh(self.related_shape(region), self.dtype_like(x))

    def tensor_list(self) -> list[Any]:
        first_ref = self.pick()
        first = self.val(first_ref)
        if not isinstance(first, mt.Tensor):
            return [first_ref]
        out = [first_ref]
        dim = self.draw(st.integers(0, max(first.ndim - 1, 0)))
        for _ in range(self.draw(st.integers(0, 2))):
            shape = list(first.shape)
            if shape and self.draw(st.booleans()):
                shape[dim] = self.draw(st.integers(0 if self.p.zero_sizes else 1, 3))
            dtype = None if self.chance(40) else str(first.dtype)
            out.append(self.fresh(tuple(shape) if not self.wild() else None, dtype))
        return out

    def mm_rhs(self, x: Any) -> Any:
        if not isinstance(x, mt.Tensor):
            return self.pick()
        low = 0 if self.p.zero_sizes else 1
        k = x.shape[-1] if x.ndim else 2
        if self.wild():
            k = self.draw(st.integers(low, 3))
        rank = self.draw(st.integers(1, 3))
        lead = (x.shape[0],) if rank == 3 and x.ndim == 3 else ()
        shape = (k,) if rank == 1 else (*lead, k, self.draw(st.integers(low, 3)))
        return self.fresh(shape, self.dtype_like(x))


def _broadcasts(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


@st.composite
def cases(draw: Any, profile: Profile) -> dict[str, Any]:
    """One case of the op-chain language, drawn as `profile` says."""
    b = Builder(draw, profile)
    for _ in range(draw(st.integers(1, 2))):
        b.fresh()
    for _ in range(draw(st.integers(1, profile.max_steps))):
        if b.failed:
            break
        name = draw(st.sampled_from(profile.ops))
        args: list[Any] = []
        for kind in OPS[name].args:
            args.append(b.arg(kind, args))
            if b.failed:
                break
        if not b.failed:
            b.add([name, *args])
    last = b.env[-1] if b.env else None
    last = last[0] if isinstance(last, tuple) and last else last
    wants = isinstance(last, mt.Tensor) and last.requires_grad
    backward = draw(st.sampled_from(["sum", "grad"])) if wants or b.wild() else None
    return {"steps": b.steps, "backward": backward}
