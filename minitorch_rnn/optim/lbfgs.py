"""`LBFGS`: a quasi-Newton method that re-evaluates the loss itself, through a closure.

Newton's method steps by ``-H^-1 g`` (H the Hessian). L-BFGS never forms H: it keeps the
last ``history_size`` pairs ``s = x_new - x_old`` (step) and ``y = g_new - g_old`` (change of
gradient), and the *two-loop recursion* turns them into ``-H^-1 g`` for the H they imply
(Nocedal & Wright, "Numerical Optimization", algorithm 7.4). One ``step(closure)`` runs up to
``max_iter`` such iterations, so it needs the loss and gradient at new points: ``closure``
zeroes the grads, computes the loss, calls ``backward()`` and returns the loss.

This is torch's `torch/optim/lbfgs.py` (itself after Mark Schmidt's minFunc), with the same
stopping rules and the same strong-Wolfe line search, written on flat numpy vectors: all
parameters are treated as one long vector ``x``. Dot products stay numpy scalars of the
parameters' dtype (torch's are 0-d tensors), so float32 runs round as torch's do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from .optimizer import Optimizer, Params, mark_modified


class LBFGS(Optimizer):
    """L-BFGS with torch's options; ``step(closure)`` does up to ``max_iter`` iterations.

    Only one param group is allowed (as in torch). The state lives under the first parameter
    (``optimizer.state[params[0]]``), with torch's keys: ``func_evals``, ``n_iter``, ``d``
    (last direction), ``t`` (last step length), ``old_dirs`` (the y's), ``old_stps`` (the
    s's), ``ro`` (1 / y.s), ``H_diag`` (the initial inverse-Hessian scale),
    ``prev_flat_grad``, ``prev_loss`` and ``al``.

    Args:
        params: an iterable of tensors
        lr: learning rate: the step length tried first (default: 1)
        max_iter: iterations per ``step()`` (default: 20)
        max_eval: closure calls per ``step()`` (default: ``max_iter * 5 // 4``)
        tolerance_grad: stop when every gradient entry is at most this (default: 1e-7)
        tolerance_change: stop when the loss or the parameters change less (default: 1e-9)
        history_size: how many (s, y) pairs to keep (default: 100)
        line_search_fn: None (a fixed step of ``lr``) or ``"strong_wolfe"`` (default: None)

    Example::

        >>> optimizer = optim.LBFGS(model.parameters(), lr=0.8)
        >>> def closure():
        ...     optimizer.zero_grad()
        ...     loss = loss_fn(model(input), target)
        ...     loss.backward()
        ...     return loss
        >>> optimizer.step(closure)
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: Optional[int] = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: Optional[str] = None,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Tensor] = self.param_groups[0]["params"]

    # ---- all parameters as one flat vector ------------------------------------------------
    def _gather_flat_grad(self) -> np.ndarray:
        """All gradients as one new vector (zeros for a parameter without one)."""
        return np.concatenate(
            [
                p.grad._data.reshape(-1) if p.grad is not None else np.zeros(p.numel(), p.dtype)
                for p in self._params
            ]  # fmt: skip
        )

    def _add_grad(self, step_size: float, update: np.ndarray) -> None:
        """x = x + step_size * update, in place on the parameters."""
        offset = 0
        for p in self._params:
            p._data += step_size * update[offset : offset + p.numel()].reshape(p.shape)
            offset += p.numel()
        mark_modified(self._params)

    def _clone_param(self) -> list[np.ndarray]:
        return [p._data.copy() for p in self._params]

    def _set_param(self, params_data: list[np.ndarray]) -> None:
        for p, data in zip(self._params, params_data):
            p._data[...] = data
        mark_modified(self._params)

    def _directional_evaluate(
        self, closure: Callable[[], Any], x: list[np.ndarray], t: float, d: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """Loss and flat gradient at x + t * d; the parameters are put back to x after."""
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # ---- the step -------------------------------------------------------------------------
    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Up to ``max_iter`` L-BFGS iterations; returns the loss of the first closure call."""

        def evaluate() -> Any:
            with enable_grad():  # the closure must build a graph to call backward on
                return closure()

        group = self.param_groups[0]
        lr = group["lr"]
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = evaluate()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:  # already optimal
            return orig_loss

        # what the previous step() left (None on the first call)
        d, t = _array(state.get("d")), state.get("t")
        old_dirs = [_array(y) for y in state.get("old_dirs", [])]  # the y's
        old_stps = [_array(s) for s in state.get("old_stps", [])]  # the s's
        ro: list[float] = list(state.get("ro", []))
        H_diag: float = state.get("H_diag", 1.0)
        prev_flat_grad, prev_loss = _array(state.get("prev_flat_grad")), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # -- the direction d ~ -H^-1 g
            if state["n_iter"] == 1:
                d = -flat_grad  # the very first direction is steepest descent
                old_dirs, old_stps, ro, H_diag = [], [], [], 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:  # keep the pair only if the curvature is positive
                    if len(old_dirs) == history_size:  # forget the oldest pair
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)  # the scale of the initial H^-1
                if "al" not in state:
                    state["al"] = [None] * history_size
                d = two_loop_recursion(flat_grad, old_dirs, old_stps, ro, H_diag, state["al"])

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                prev_flat_grad[...] = flat_grad
            prev_loss = loss

            # -- the step length t
            if state["n_iter"] == 1:  # a small first step: the scale of H is unknown yet
                t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)  # directional derivative: negative downhill
            if gtd > -tolerance_change:
                break

            ls_func_evals, opt_cond = 0, False
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = self._clone_param()

                def obj_func(x: Any, t: float, d: np.ndarray) -> tuple[float, np.ndarray]:
                    return self._directional_evaluate(evaluate, x, t, d)

                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)  # a fixed step; re-evaluate unless this is the last one
                if n_iter != max_iter:
                    loss = float(evaluate())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            # -- stop? (torch's conditions, in torch's order)
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change:  # the parameters hardly moved
                break
            if abs(loss - prev_loss) < tolerance_change:  # the loss hardly changed
                break

        state["d"], state["t"] = Tensor(d), t
        state["old_dirs"] = [Tensor(y) for y in old_dirs]
        state["old_stps"] = [Tensor(s) for s in old_stps]
        state["ro"], state["H_diag"] = ro, H_diag
        state["prev_flat_grad"], state["prev_loss"] = Tensor(prev_flat_grad), prev_loss
        return orig_loss


def two_loop_recursion(
    flat_grad: np.ndarray,
    old_dirs: list[np.ndarray],
    old_stps: list[np.ndarray],
    ro: list[float],
    H_diag: float,
    al: list[Any],
) -> np.ndarray:
    """d = -H^-1 g for the inverse Hessian H^-1 that the pairs (s_i, y_i) imply.

    With rho_i = 1 / (y_i . s_i)::

        q = -g
        for i = newest ... oldest:  a_i = rho_i * (s_i . q);   q = q - a_i * y_i
        r = H_diag * q                      (H_diag = s.y / y.y of the newest pair)
        for i = oldest ... newest:  b_i = rho_i * (y_i . r);   r = r + (a_i - b_i) * s_i
        d = r

    The a_i are written into ``al`` (torch keeps that list in the state, as ``"al"``).
    """
    q = -flat_grad
    for i in range(len(old_dirs) - 1, -1, -1):
        al[i] = old_stps[i].dot(q) * ro[i]
        q += -al[i] * old_dirs[i]
    r = q * H_diag
    for i in range(len(old_dirs)):
        be_i = old_dirs[i].dot(r) * ro[i]
        r += (al[i] - be_i) * old_stps[i]
    return r


def cubic_interpolate(
    x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
    bounds: Optional[tuple[float, float]] = None,
) -> float:  # fmt: skip
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2,
    clipped to ``bounds`` (default: between x1 and x2); the middle if it has none."""
    xmin_bound, xmax_bound = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def strong_wolfe(
    obj_func: Callable[[Any, float, np.ndarray], tuple[float, np.ndarray]],
    x: Any, t: float, d: np.ndarray, f: float, g: np.ndarray, gtd: float,
    c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9, max_ls: int = 25,
) -> tuple[float, np.ndarray, float, int]:  # fmt: skip
    """A step length t along d that satisfies the strong Wolfe conditions::

        f(x + t d) <= f + c1 * t * gtd          (sufficient decrease)
        |g(x + t d) . d| <= -c2 * gtd           (the slope has flattened enough)

    First *bracket* an interval that holds such a t (grow t, guessing each new one by cubic
    interpolation), then *zoom*: shrink the bracket by cubic interpolation until the
    conditions hold. Returns ``(f_new, g_new, t, number of obj_func calls)``; ``obj_func(x,
    t, d)`` gives the loss and the flat gradient at ``x + t d``. Torch's ``_strong_wolfe``.
    """
    d_norm = np.abs(d).max()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = g_new.dot(d)

    # -- bracketing phase
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket_gtd: list[float] = []
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):  # too far
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:  # both conditions hold: done
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:  # going uphill again: a minimum lies between t_prev and t
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # still going down: extrapolate, 1.01 to 10 times as far
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        t_prev, t = (
            t,
            cubic_interpolate(
                t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step)
            ),
        )
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:  # out of evaluations
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    # -- zoom phase: shrink the bracket until a point satisfies both conditions
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:  # too small to matter
            break
        t = cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        # Keep away from the ends: a t within 10% of one is moved to that 10% mark if the
        # last guess was also near an end (or t fell outside the bracket).
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False

        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # not low enough: t replaces the high end
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                # the old low end becomes the high end
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            # t becomes the low end
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new, gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


def _array(t: Any) -> Any:
    """The array of a state tensor (None stays None)."""
    return t._data if isinstance(t, Tensor) else t
