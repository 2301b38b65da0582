"""`Tensor`: a `numpy.ndarray` plus what reverse-mode autodiff needs.

(The file is `_tensor.py`, as in torch, because `mt.tensor` is the factory function.)

* ``_data`` -- the array itself (``.numpy()`` hands it out; ``.data`` is torch's view of it);
* ``requires_grad`` -- should backward compute a gradient for this tensor?
* ``grad_fn`` -- the tape node (a `Function`) that made it; ``None`` for leaves;
* ``grad`` -- after ``backward()``, d(output)/d(this tensor), for leaves.

Every math method is a one-line delegation to a `Function` in `minitorch_rnn.ops`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple, Optional, Union

import numpy as np

from . import ops
from ._printing import add_suffixes, array_str
from .autograd import engine, function
from .autograd.function import Function
from .autograd.grad_mode import state
from .dtypes import dtype_name, float32, int64, is_floating, scalar_type_name, to_dtype

Number = Union[int, float, bool]


class Tensor:
    __slots__ = ("_data", "_requires_grad", "grad", "grad_fn", "_output_nr", "_vc", "__weakref__")
    __array_ufunc__ = None  # `np_array + tensor` calls Tensor.__radd__ instead of numpy's loop

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        self._data: np.ndarray = data if type(data) is np.ndarray else _as_array(data)
        self._requires_grad = False
        self.grad: Optional[Tensor] = None
        self.grad_fn: Optional[Function] = None
        self._output_nr = 0  # which output of `grad_fn` this is (unbind has many)
        # [version, stamp]: in-place ops bump the version and stamp it with the tape's clock
        # (see autograd/function.py); shared with views
        self._vc = [0, 0]
        if requires_grad:
            self.requires_grad = True

    # ---- what it is -------------------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """The same memory as a Tensor outside autograd, as torch's ``.data``: no ``grad_fn``,
        ``requires_grad=False``, and a version counter of its own -- so an in-place change made
        through it is *not* seen by the check that protects saved tensors. Prefer ``detach()``,
        which shares the counter (see docs/autograd.md)."""
        return Tensor(self._data)

    @data.setter
    def data(self, other: Tensor) -> None:
        # torch lets `t.data = other` swap in other's storage, shape and dtype included
        if not isinstance(other, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(other).__name__}")
        self._data = other._data

    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each dim, a tuple (torch's `torch.Size`)."""
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        """The element type: a `numpy.dtype`, equal to `mt.float32` etc."""
        return self._data.dtype

    @property
    def ndim(self) -> int:
        """The number of dims."""
        return self._data.ndim

    def size(self, dim: Optional[int] = None) -> Any:
        """The shape, or the size of one dim."""
        return self._data.shape if dim is None else self._data.shape[_wrap_dim(dim, self.ndim)]

    def dim(self) -> int:
        """The number of dims."""
        return self._data.ndim

    def numel(self) -> int:
        """The number of entries."""
        return self._data.size

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by you, not by an op (`grad_fn is None`)."""
        return self.grad_fn is None

    @property
    def requires_grad(self) -> bool:
        """Should backward compute a gradient for this tensor? Settable on leaves."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if flag and not is_floating(self._data.dtype):
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients"
            )
        self._requires_grad = bool(flag)

    @property
    def _version(self) -> int:
        return self._vc[0]

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set `requires_grad` in place and return self."""
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep `.grad` for this non-leaf tensor too after backward."""
        if self.grad_fn is not None:
            engine.register_retained(self)
        elif not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")

    # ---- leaving the tape -------------------------------------------------------------------
    def detach(self) -> Tensor:
        """The same data, cut off from the tape (shares memory and version counter)."""
        t = Tensor(self._data)
        t._vc = self._vc
        return t

    def numpy(self) -> np.ndarray:
        """The values as a `numpy.ndarray` (shared memory); refused while it requires grad."""
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return self._data

    def item(self) -> Number:
        """The single value of a one-entry tensor, as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.item()

    def tolist(self) -> Any:
        """The values as nested Python lists."""
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.numpy() if dtype is None else self.numpy().astype(dtype)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.item())

    # ---- backward ---------------------------------------------------------------------------
    def backward(self, gradient: Any = None, retain_graph: Optional[bool] = None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` that requires grad."""
        if not self._requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            grad = np.ones_like(self._data)
        else:
            grad = np.asarray(
                gradient._data if isinstance(gradient, Tensor) else gradient, dtype=self._data.dtype
            )
            if grad.shape != self._data.shape:
                raise RuntimeError(
                    "Mismatch in shape: grad_output[0] has a shape of "
                    f"minitorch_rnn.Size({list(grad.shape)}) and output[0] has a shape of "
                    f"minitorch_rnn.Size({list(self._data.shape)})."
                )
        engine.run_backward([self], [grad], retain_graph=bool(retain_graph))

    # ---- arithmetic (scalars and arrays mix in on either side) ------------------------------
    def __add__(self, other: Any) -> Tensor:
        """`self + other` (numbers and arrays mix in, broadcasting as numpy)."""
        return ops.Add.apply(*_promote(self, _wrap(other, self)))

    def __radd__(self, other: Any) -> Tensor:
        return ops.Add.apply(*_promote(_wrap(other, self), self))

    def __sub__(self, other: Any) -> Tensor:
        """`self - other`."""
        return ops.Sub.apply(*_promote(self, _wrap(other, self)))

    def __rsub__(self, other: Any) -> Tensor:
        return ops.Sub.apply(*_promote(_wrap(other, self), self))

    def __mul__(self, other: Any) -> Tensor:
        """`self * other`."""
        return ops.Mul.apply(*_promote(self, _wrap(other, self)))

    def __rmul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(*_promote(_wrap(other, self), self))

    def __truediv__(self, other: Any) -> Tensor:
        """`self / other`."""
        return ops.Div.apply(*_promote(self, _wrap(other, self)))

    def __rtruediv__(self, other: Any) -> Tensor:
        return ops.Div.apply(*_promote(_wrap(other, self), self))

    def __neg__(self) -> Tensor:
        """`-self`."""
        return ops.Neg.apply(self)

    def __pow__(self, exponent: Number) -> Tensor:
        """`self ** exponent` for a Python number `exponent`."""
        if isinstance(exponent, np.number):  # a numpy scalar acts as a Python number (torch)
            exponent = exponent.item()
        if isinstance(exponent, Tensor) or not isinstance(exponent, (int, float)):
            raise TypeError(
                f"pow(): the exponent must be a Python number, got {type(exponent).__name__}"
            )
        return ops.Pow.apply(self, exponent=exponent)

    def __matmul__(self, other: Any) -> Tensor:
        """`self @ other`: 1-D, 2-D and batched, as numpy and torch."""
        return ops.MatMul.apply(*_promote(self, _wrap(other, self)))

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.MatMul.apply(*_promote(_wrap(other, self), self))

    def addmm(self, mat1: Any, mat2: Any, *, beta: Number = 1, alpha: Number = 1) -> Tensor:
        """`beta * self + alpha * (mat1 @ mat2)` for matrices, as ONE tape node (torch's addmm)."""
        return ops.Addmm.apply(self, _wrap(mat1, self), _wrap(mat2, self), beta=beta, alpha=alpha)

    # torch's method names for the same ops
    mul, div = __mul__, __truediv__
    neg, pow, matmul = __neg__, __pow__, __matmul__

    def add(self, other: Any, alpha: Number = 1) -> Tensor:
        """`self + alpha * other`."""
        return self + (other * alpha if alpha != 1 else other)

    def sub(self, other: Any, alpha: Number = 1) -> Tensor:
        """`self - alpha * other`."""
        return self - (other * alpha if alpha != 1 else other)

    # comparisons give bool tensors, outside the tape
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return Tensor(self._data == _data(other))

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return Tensor(self._data != _data(other))

    def __lt__(self, other: Any) -> Tensor:
        return Tensor(self._data < _data(other))

    def __le__(self, other: Any) -> Tensor:
        return Tensor(self._data <= _data(other))

    def __gt__(self, other: Any) -> Tensor:
        return Tensor(self._data > _data(other))

    def __ge__(self, other: Any) -> Tensor:
        return Tensor(self._data >= _data(other))

    __hash__ = object.__hash__  # tensors are dict keys by identity (optimizer state)

    # ---- elementwise functions ----------------------------------------------------------------
    def tanh(self) -> Tensor:
        """Elementwise tanh."""
        return ops.Tanh.apply(self)

    def relu(self) -> Tensor:
        """Elementwise max(x, 0)."""
        return ops.Relu.apply(self)

    def sigmoid(self) -> Tensor:
        """Elementwise 1 / (1 + e^-x)."""
        return ops.Sigmoid.apply(self)

    def exp(self) -> Tensor:
        """Elementwise e^x."""
        return ops.Exp.apply(self)

    def log(self) -> Tensor:
        """Elementwise natural log."""
        return ops.Log.apply(self)

    def clone(self) -> Tensor:
        """A copy, on the tape (gradient passes through)."""
        return ops.Clone.apply(self)

    def to(self, dtype: Any) -> Tensor:
        """The same values in another dtype (on the tape)."""
        dt = to_dtype(dtype)
        return self if dt == self._data.dtype else ops.ToCopy.apply(self, dtype=dt)

    def float(self) -> Tensor:
        """`self.to(mt.float32)`."""
        return self.to(float32)

    def double(self) -> Tensor:
        """`self.to(mt.float64)`."""
        return self.to(np.float64)

    def long(self) -> Tensor:
        """`self.to(mt.int64)` (off the tape: integers have no gradient)."""
        return self.to(int64)

    # ---- reductions ---------------------------------------------------------------------------
    def sum(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Sum over `dim` (all dims by default), keeping reduced dims with `keepdim=True`."""
        return ops.Sum.apply(self, axes=_axes(dim, self.ndim), keepdim=keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Mean over `dim` (all dims by default)."""
        if not is_floating(self._data.dtype):  # numpy would quietly give float64; torch refuses
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {scalar_type_name(self._data.dtype)}"
            )
        return ops.Mean.apply(self, axes=_axes(dim, self.ndim), keepdim=keepdim)

    def max(self, dim: Optional[int] = None, keepdim: bool = False) -> Any:
        """`x.max()` is a tensor; `x.max(dim)` is `(values, indices)`, as torch."""
        if dim is None:
            return ops.Max.apply(self)
        _axes(dim, self.ndim)  # torch's "Dimension out of range" for a bad dim
        if self.ndim == 0:  # the max of one number is itself, at index 0
            return MaxResult(self.clone(), Tensor(np.array(0)))
        indices = np.argmax(self._data, axis=dim)
        values = ops.MaxDim.apply(self, dim=dim, keepdim=keepdim, indices=indices)
        if keepdim:
            indices = np.expand_dims(indices, dim)
        return MaxResult(values, Tensor(indices))

    def argmax(self, dim: Optional[int] = None, keepdim: bool = False) -> Tensor:
        """Indices of the maxima (not differentiable)."""
        if dim is None:
            return Tensor(np.asarray(np.argmax(self._data)))
        _axes(dim, self.ndim)  # torch's "Dimension out of range" for a bad dim
        return Tensor(np.argmax(self._data, axis=dim if self.ndim else None, keepdims=keepdim))

    # ---- shapes -------------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        """The same entries in a new shape (`-1` infers one dim)."""
        return ops.Reshape.apply(self, shape=_shape_args(shape))

    def is_contiguous(self) -> bool:
        """True when the entries lie in memory in row-major order, with no gaps (as torch)."""
        return bool(self._data.flags.c_contiguous)

    def view(self, *shape: Any) -> Tensor:
        """Same as `reshape` here."""
        return ops.View.apply(self, shape=_shape_args(shape))

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dims."""
        dim0, dim1 = _wrap_dim(dim0, self.ndim), _wrap_dim(dim1, self.ndim)
        return ops.Transpose.apply(self, dim0=dim0, dim1=dim1)

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the dims."""
        dims = _shape_args(dims)
        if len(dims) != self.ndim:  # (torch's words, "sparse_coo" included)
            raise RuntimeError(
                "permute(sparse_coo): number of dimensions in the tensor input does not match the "
                "length of the desired ordering of dimensions i.e. input.dim() = "
                f"{self.ndim} is not equal to len(dims) = {len(dims)}"
            )
        dims = tuple(_wrap_dim(d, self.ndim) for d in dims)
        if len(set(dims)) != len(dims):
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        return ops.Permute.apply(self, dims=dims)

    @property
    def T(self) -> Tensor:
        """The transpose of a 2-D tensor (all dims reversed)."""
        return ops.Permute.apply(self, dims=tuple(range(self._data.ndim - 1, -1, -1)))

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a dim of size 1 at `dim`."""
        dim = _wrap_dim(dim, self.ndim + 1)  # it may also go after the last dim
        return ops.Unsqueeze.apply(self, shape=np.expand_dims(self._data, dim).shape)

    def squeeze(self, dim: Any = None) -> Tensor:
        """Drop dims of size 1 (only `dim`, if given)."""
        if dim is None:
            shape = tuple(n for n in self.shape if n != 1)
        else:
            dims = {_wrap_dim(d, self.ndim) for d in (dim if isinstance(dim, tuple) else (dim,))}
            shape = tuple(n for i, n in enumerate(self.shape) if not (i in dims and n == 1))
        return ops.Squeeze.apply(self, shape=shape)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """Split along `dim` into a tuple of tensors, from one tape node."""
        if self.ndim == 0:
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        return ops.Unbind.apply(self, dim=_wrap_dim(dim, self.ndim))

    def __getitem__(self, index: Any) -> Tensor:
        return ops.Index.apply(self, index=_index(index))

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    # ---- in-place ops: for optimizers, under no_grad; never recorded on the tape -------------
    def _check_inplace(self, what: str = "a leaf Variable") -> None:
        if self._requires_grad and state.enabled:
            if self.grad_fn is None:
                raise RuntimeError(
                    f"{what} that requires grad is being used in an in-place operation."
                )
            raise RuntimeError(
                "minitorch_rnn does not record in-place operations on tensors that require grad; "
                "use the out-of-place op (y = y + 1) or wrap the update in mt.no_grad()."
            )

    def _modified(self) -> Tensor:
        self._vc[0] += 1
        self._vc[1] = next(function._creation_order)
        return self

    def add_(self, other: Any, alpha: Number = 1) -> Tensor:
        """In place `self += alpha * other` (for optimizers; not recorded on the tape)."""
        self._check_inplace()
        np.add(
            self._data,
            _data(other) * alpha if alpha != 1 else _data(other),
            out=self._data,
            casting="same_kind",
        )
        return self._modified()

    def sub_(self, other: Any, alpha: Number = 1) -> Tensor:
        """In place `self -= alpha * other`."""
        return self.add_(other, alpha=-alpha)

    def mul_(self, other: Any) -> Tensor:
        """In place `self *= other`."""
        self._check_inplace()
        np.multiply(self._data, _data(other), out=self._data, casting="same_kind")
        return self._modified()

    def zero_(self) -> Tensor:
        """In place: fill with zeros."""
        self._check_inplace()
        self._data[...] = 0
        return self._modified()

    def copy_(self, src: Any) -> Tensor:
        """In place: copy `src`'s values into self."""
        self._check_inplace()
        self._data[...] = _data(src)
        return self._modified()

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace("a view of a leaf Variable")  # (torch writes through a view: x[i])
        self._data[_index(index)] = _data(value)
        self._modified()

    # ---- printing -----------------------------------------------------------------------------
    def __repr__(self) -> str:
        return format_tensor(self, "tensor(")


class MaxResult(NamedTuple):
    """What `x.max(dim)` returns: unpacks as `values, indices`, as torch's."""

    values: Tensor
    indices: Tensor


def format_tensor(t: Tensor, prefix: str) -> str:
    """Torch's layout: 4 decimals, aligned columns, 80 characters a line, suffixes at the end."""
    a = t._data
    suffixes = []
    if a.size == 0 and a.ndim != 1:
        suffixes.append(f"size={a.shape}")
    if a.dtype not in (float32, int64, np.dtype(bool)):
        suffixes.append(f"dtype={dtype_name(a.dtype)}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return add_suffixes(prefix + array_str(a, len(prefix)), suffixes, len(prefix))


# ---- helpers: turning numbers, arrays and indices into what the ops expect ---------------------
def _as_array(data: Any) -> np.ndarray:
    """Python data -> array with torch's default dtypes (floats become float32)."""
    if isinstance(data, Tensor):
        return data._data
    a = np.asarray(data)
    if a.dtype == np.float64 and not isinstance(data, np.ndarray):
        a = a.astype(np.float32)
    return a


def _wrap(x: Any, like: Tensor) -> Tensor:
    """Make `x` a Tensor for a binary op with `like`; a Python number takes `like`'s dtype."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (int, float, bool, np.number)) and like._data.dtype.kind == "f":
        return Tensor(np.asarray(x, dtype=like._data.dtype))
    return Tensor(_as_array(x))


def _promote(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Torch's rule: a 0-d tensor does not widen one with dims (f32 (3,) + f64 () -> f32)."""
    da, db = a._data, b._data
    if da.dtype is not db.dtype and (da.ndim == 0) != (db.ndim == 0):
        if da.dtype.kind == db.dtype.kind == "f":
            return (a.to(db.dtype), b) if da.ndim == 0 else (a, b.to(da.dtype))
    return a, b


def _data(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _wrap_dim(dim: int, ndim: int) -> int:
    """`dim` as a position 0..ndim-1 (torch's maybe_wrap_dim): negative dims count from the end,
    and a 0-d tensor takes -1 and 0 as if it had one dim. Any other dim: torch's IndexError."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def _axes(dim: Any, ndim: int) -> Optional[tuple[int, ...]]:
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    if dim is None or len(dims) == 0:  # torch: sum(dim=()) reduces every dim, like dim=None
        return None
    axes = tuple(sorted(_wrap_dim(d, ndim) for d in dims))
    for a, b in zip(axes, axes[1:]):
        if a == b:
            raise RuntimeError(f"dim {a} appears multiple times in the list of dims")
    return axes if ndim else None


def _shape_args(shape: Sequence[Any]) -> tuple[int, ...]:
    """Accept both `x.reshape(2, 3)` and `x.reshape((2, 3))`."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _index(index: Any) -> Any:
    """Tensors and lists inside an index become numpy arrays."""
    if isinstance(index, tuple):
        return tuple(_index(i) for i in index)
    if isinstance(index, Tensor):
        if index._data.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return index._data
    if isinstance(index, list):
        return np.asarray(index)
    return index
