"""`Tensor`: a `numpy.ndarray` plus what reverse-mode autodiff needs.

(The file is `_tensor.py`, as in torch, because `mt.tensor` is the factory function.)

* ``_data`` -- the array itself (``.numpy()`` hands it out; ``.data`` is torch's view of it);
* ``requires_grad`` -- should backward compute a gradient for this tensor?
* ``grad_fn`` -- the tape node (a `Function`) that made it; ``None`` for leaves;
* ``grad`` -- after ``backward()``, d(output)/d(this tensor), for leaves.

This file holds what a tensor *is*; its methods come from mixins grouped by topic, each a
one-line delegation to a `Function` in `minitorch_rnn.ops`: `_tensor_math.py` (arithmetic,
elementwise functions, casts), `_tensor_reduce.py` (sum, max, sort, ...), `_tensor_compare.py`
(``==``, ``isnan``, ``&``: bool results, off the tape), `_tensor_shape.py` (views, indexing,
gather), `_tensor_inplace.py` (``add_``, ``+=``, ``x[i] = v``) and `_tensor_new.py`
(``x.new_zeros(...)``: factories that take their defaults from ``x``).
"""

from __future__ import annotations

from typing import Any, Optional, Union

import numpy as np

from ._args import as_array, wrap_dim
from ._printing import add_suffixes, array_str
from ._tensor_compare import CompareMethods
from ._tensor_inplace import InPlaceMethods
from ._tensor_math import MathMethods
from ._tensor_new import NewMethods
from ._tensor_random import RandomMethods
from ._tensor_reduce import ReduceMethods
from ._tensor_shape import ShapeMethods
from .autograd import engine, function, hooks, plain, views
from .autograd.function import Function
from .device import DeviceMethods
from .dtypes import dtype_name, float32, int64, is_floating, scalar_type_name

Number = Union[int, float, bool]


class Tensor(
    MathMethods,
    ReduceMethods,
    CompareMethods,
    ShapeMethods,
    InPlaceMethods,
    NewMethods,
    DeviceMethods,
    RandomMethods,
):
    __slots__ = (
        "_data",
        "_requires_grad",
        "_grad",
        "_grad_fn",
        "_output_nr",
        "_vc",
        "_view",
        "_hooks",
        "__weakref__",
    )
    __array_ufunc__ = None  # `np_array + tensor` calls Tensor.__radd__ instead of numpy's loop

    def __init__(self, data: Any = (), requires_grad: Any = False, *sizes: int) -> None:
        if type(data) is not np.ndarray:  # (the ops pass arrays: they keep their dtype)
            data, requires_grad = _constructor(data, requires_grad, sizes)
        self._data: np.ndarray = data
        self._requires_grad = False
        self._grad: Optional[Tensor] = None
        self._grad_fn: Optional[Function] = None
        self._output_nr = 0  # which output of `grad_fn` this is (unbind has many)
        # [version, stamp]: in-place ops bump the version and stamp it with the tape's clock
        # (see autograd/function.py); shared with views
        self._vc = [0, 0]
        # for a view of another tensor: that tensor and the view op (see autograd/views.py)
        self._view: Optional[views.ViewOf] = None
        self._hooks: Optional[dict[int, Any]] = None  # a leaf's gradient hooks (register_hook)
        if requires_grad:
            _check_float(data, "Only Tensors of floating point and complex dtype")
            self._requires_grad = True

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
        return self._data.shape if dim is None else self._data.shape[wrap_dim(dim, self.ndim)]

    def dim(self) -> int:
        """The number of dims."""
        return self._data.ndim

    def numel(self) -> int:
        """The number of entries."""
        return self._data.size

    def element_size(self) -> int:
        """Bytes per entry."""
        return self._data.itemsize

    @property
    def grad_fn(self) -> Optional[Function]:
        """The tape node that made this tensor; None for leaves."""
        if self._view is not None and self._view.seen != self._vc[1]:
            views.sync(self)  # a view whose base changed: derived again (torch: lazily, too)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node: Optional[Function]) -> None:
        self._grad_fn = node

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by you, not by an op (`grad_fn is None`)."""
        return self.grad_fn is None

    @property
    def requires_grad(self) -> bool:
        """Should backward compute a gradient for this tensor? Settable on leaves; a view
        requires grad when its base does."""
        if self._view is not None:
            return views.requires_grad(self)
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self._grad_fn is not None:
            if flag:  # it requires grad already: nothing to change (as torch)
                return
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if flag:  # (torch words this one, the constructor's and requires_grad_'s differently)
            _check_float(self._data, "only Tensors of floating point and complex dtype")
        if self._view is not None:  # a view's own flag; it still asks its base too
            self._view.own_requires_grad = bool(flag)
            flag = flag or views.root_of(self)._requires_grad
        elif bool(flag) != self._requires_grad:
            self._vc[1] = next(function._creation_order)  # its views look again (views.py)
        self._requires_grad = bool(flag)

    @property
    def grad(self) -> Optional[Tensor]:
        """After backward: d(output)/d(self), with self's shape and dtype. Settable (to None, or
        a tensor of the same size and dtype, as torch checks)."""
        return self._grad

    @grad.setter
    def grad(self, value: Optional[Tensor]) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}"
                )
            if value.shape != self.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor "
                    f"of size '{list(self.shape)}'. Please ensure that the gradient and the "
                    "tensor are the same size"
                )
            if value.dtype != self.dtype:
                raise RuntimeError(
                    "attempting to assign a gradient with dtype "
                    f"'{_c_name(value.dtype)}' to a tensor with grad_dtype "
                    f"'{scalar_type_name(self.dtype)}'. The gradient must match the tensor's "
                    "grad_dtype (defaults to the tensor's dtype)."
                )
        self._grad = value

    @property
    def _version(self) -> int:
        return self._vc[0]

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set `requires_grad` in place and return self."""
        if requires_grad and self._grad_fn is None:
            _check_float(self._data, "only Tensors of floating point dtype")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep `.grad` for this non-leaf tensor too after backward."""
        if self.grad_fn is not None:
            plain.register_retained(self)
        elif not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor that called `retain_grad()`."""
        node = self.grad_fn
        return bool(
            node is not None and node.retained_outputs and self._output_nr in node.retained_outputs
        )

    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a hook may return a
        replacement gradient. Returns a handle whose ``remove()`` takes the hook away."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        return hooks.register_tensor_hook(self, hook)

    # ---- leaving the tape -------------------------------------------------------------------
    def detach(self) -> Tensor:
        """The same data, cut off from the tape (shares memory and version counter)."""
        t = Tensor(self._data)
        t._vc = self._vc
        return t

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values as a `numpy.ndarray` (shared memory); refused while it requires grad."""
        if self._requires_grad and not force:
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

    def __index__(self) -> int:
        """A one-entry integer tensor works as a Python index (``letters[topi]``)."""
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.item())

    # ---- backward ---------------------------------------------------------------------------
    def backward(
        self,
        gradient: Any = None,
        retain_graph: Optional[bool] = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` that requires grad."""
        if create_graph:
            raise RuntimeError(
                "minitorch_rnn does not build graphs of the backward pass (create_graph=True): "
                "higher-order gradients are not supported (see docs/differences.md)"
            )
        if not self.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            grad = np.ones_like(self._data)
        else:
            grad = np.asarray(
                gradient._data if isinstance(gradient, Tensor) else gradient,
                dtype=self._data.dtype,
            )
            if grad.shape != self._data.shape:
                raise RuntimeError(
                    "Mismatch in shape: grad_output[0] has a shape of "
                    f"minitorch_rnn.Size({list(grad.shape)}) and output[0] has a shape of "
                    f"minitorch_rnn.Size({list(self._data.shape)})."
                )
        if inputs is not None:
            only = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            grads = engine.run_backward([self], [grad], bool(retain_graph), inputs=only)
            for t, g in zip(only, grads):
                if g is not None:
                    plain.accumulate_grad(t, g)
            return
        engine.run_backward([self], [grad], retain_graph=bool(retain_graph))

    # ---- in-place bookkeeping ---------------------------------------------------------------
    def _modified(self) -> Tensor:
        """Bump the version (shared with views) and stamp it with the tape's clock."""
        self._vc[0] += 1
        self._vc[1] = next(function._creation_order)
        return self

    # ---- printing -----------------------------------------------------------------------------
    def __repr__(self) -> str:
        return format_tensor(self, "tensor(")

    __hash__ = object.__hash__  # tensors are dict keys by identity (optimizer state)


def _check_float(data: np.ndarray, which: str) -> None:
    if not is_floating(data.dtype):
        raise RuntimeError(f"{which} can require gradients")


def _constructor(data: Any, second: Any, sizes: tuple[int, ...]) -> tuple[np.ndarray, Any]:
    """torch's ``Tensor(...)`` constructor: ``Tensor([1, 2])`` is float32 (the default dtype,
    whatever the data), ``Tensor(2, 3)`` a (2, 3) tensor (zeros here; torch leaves it
    uninitialised), ``Tensor(t)`` the same data as t."""
    if isinstance(data, int) and not isinstance(data, bool):  # a shape
        extra = () if second is False else (int(second),)
        return np.zeros((data, *extra, *sizes), dtype=float32), False
    if isinstance(data, (list, tuple, float, bool)):
        return np.array(as_array(data), dtype=float32), second
    return as_array(data), second


def _c_name(dtype: np.dtype) -> str:
    """How torch's C++ names a dtype in its grad-assignment message: 'double', 'float'."""
    return {"float64": "double", "float32": "float", "float16": "c10::Half"}.get(
        dtype.name, dtype.name
    )


def format_tensor(t: Tensor, prefix: str) -> str:
    """Torch's layout: 4 decimals, aligned columns, 80 characters a line, suffixes at the end."""
    a = t._data
    suffixes = []
    if a.size == 0 and a.ndim != 1:
        suffixes.append(f"size={a.shape}")
    if a.dtype not in (float32, int64, np.dtype(bool)):
        suffixes.append(f"dtype={dtype_name(a.dtype)}")
    try:
        node = t.grad_fn
    except RuntimeError:  # a view that may not be derived again (views.py): torch's words
        suffixes.append("grad_fn=<Invalid>")
    else:
        if node is not None:
            suffixes.append(f"grad_fn=<{node.name()}>")
        elif t.requires_grad:
            suffixes.append("requires_grad=True")
    return add_suffixes(prefix + array_str(a, len(prefix)), suffixes, len(prefix))
