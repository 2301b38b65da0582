"""Learning-rate schedulers: rewrite each ``optimizer.param_groups[i]["lr"]`` between epochs.

A scheduler owns no parameters and no update rule: it only sets the ``lr`` entry of the
optimizer's groups, which the next ``optimizer.step()`` reads. The pattern is torch's::

    scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(100):
        train(...)               # optimizer.step() inside, with the current lr
        scheduler.step()         # then move to the next epoch's lr

* `StepLR`: multiply by ``gamma`` every ``step_size`` epochs;
* `ExponentialLR`: multiply by ``gamma`` every epoch;
* `ReduceLROnPlateau`: multiply by ``factor`` when a metric you pass to ``step(metric)`` has
  stopped improving for ``patience`` epochs.

`LRScheduler` is the shared base: ``last_epoch``, ``base_lrs``, ``get_last_lr()`` and a
``state_dict()`` holding every attribute except the optimizer, as in torch.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Optional, SupportsFloat, Union

from .optimizer import Optimizer

__all__ = ["ExponentialLR", "LRScheduler", "ReduceLROnPlateau", "StepLR"]

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being "
    "deprecated where possible. Please use `scheduler.step()` to step the "
    "scheduler. During the deprecation, if epoch is different from None, the "
    "closed form is used instead of the new chainable form, where available. "
    "Please open an issue if you are unable to replicate your use case: "
    "https://github.com/pytorch/pytorch/issues/new/choose."
)


class LRScheduler:
    """Base class: subclasses say in `get_lr` what the next epoch's learning rates are.

    The constructor records each group's starting lr as ``group["initial_lr"]`` (and in
    ``base_lrs``) and takes the first step, to epoch 0 (``last_epoch`` counts from -1).

    Args:
        optimizer: the optimizer whose learning rates this scheduler sets
        last_epoch: the index of the last epoch; -1 starts afresh (default: -1)
    """

    _get_lr_called_within_step: bool = False  # get_lr() from outside step() warns
    _is_initial: bool = False  # True during the constructor's first step

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                        "scheduler with last_epoch >= 0.\nThis typically happens when:\n1. You're "
                        "trying to resume training from a checkpoint but haven't properly loaded "
                        "the optimizer state\n2. You're using last_epoch >= 0 for a fresh "
                        "training run (not recommended)"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        self.step()  # to epoch last_epoch + 1 (0 for a fresh start)
        self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates for epoch ``last_epoch`` (``step()`` calls this)."""
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rates the last ``step()`` set, one per param group."""
        return self._last_lr

    def step(self, epoch: Optional[int] = None) -> None:
        """Move to the next epoch and write its learning rates into the optimizer's groups.

        Call it after ``optimizer.step()``. ``epoch`` is deprecated (as in torch): it jumps to
        that epoch, using the closed form ``_get_closed_form_lr`` where the class has one.
        """
        self._step_count += 1
        self._get_lr_called_within_step = True
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer (save the optimizer's own state_dict too)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict` returned."""
        self.__dict__.update(state_dict)

    def _warn_if_called_outside_step(self) -> None:
        if not self._get_lr_called_within_step:
            warnings.warn(
                "To get the last learning rate computed by the scheduler, please use "
                "`get_last_lr()`.",
                UserWarning,
                stacklevel=3,
            )


class StepLR(LRScheduler):
    """Multiply each group's lr by ``gamma`` every ``step_size`` epochs.

    With lr=0.05, step_size=30, gamma=0.1: 0.05 for epochs 0-29, 0.005 for 30-59, ...

    Args:
        optimizer: the optimizer whose learning rates this scheduler sets
        step_size: the period of the decay, in epochs
        gamma: the factor (default: 0.1)
        last_epoch: the index of the last epoch; -1 starts afresh (default: -1)
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current lr's, times ``gamma`` when ``last_epoch`` is a non-zero multiple of
        ``step_size``. (Chained: it scales whatever lr the groups have now.)"""
        self._warn_if_called_outside_step()
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [lr * self.gamma ** (self.last_epoch // self.step_size) for lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply each group's lr by ``gamma`` every epoch: ``lr_t = lr_0 * gamma**t``.

    Args:
        optimizer: the optimizer whose learning rates this scheduler sets
        gamma: the factor
        last_epoch: the index of the last epoch; -1 starts afresh (default: -1)
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current lr's times ``gamma`` (unchanged by the constructor's first step)."""
        self._warn_if_called_outside_step()
        if self._is_initial:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [lr * self.gamma**self.last_epoch for lr in self.base_lrs]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr's by ``factor`` when a metric has stopped improving.

    Each ``step(metric)`` compares the metric with the best one so far. A *better* value
    (in ``mode="min"``: lower than ``best * (1 - threshold)`` for ``threshold_mode="rel"``,
    or than ``best - threshold`` for ``"abs"``; reversed for ``"max"``) becomes the new best.
    After more than ``patience`` epochs in a row that are not better, every group's lr
    becomes ``max(lr * factor, min_lr)`` (a change smaller than ``eps`` is skipped), and the
    next ``cooldown`` epochs are not counted.

    Args:
        optimizer: the optimizer whose learning rates this scheduler sets
        mode: ``"min"`` (the metric should fall, e.g. a loss) or ``"max"`` (default: "min")
        factor: new_lr = lr * factor; must be < 1 (default: 0.1)
        patience: how many epochs without improvement to tolerate (default: 10)
        threshold: how much better counts as better (default: 1e-4)
        threshold_mode: ``"rel"`` or ``"abs"`` (default: "rel")
        cooldown: epochs to wait after a reduction before counting again (default: 0)
        min_lr: a lower bound on the lr, one for all groups or a list (default: 0)
        eps: the smallest change of lr worth making (default: 1e-8)

    Example::

        >>> scheduler = ReduceLROnPlateau(optimizer, "min", patience=2)
        >>> for epoch in range(10):
        ...     train(...)
        ...     scheduler.step(validation_loss)
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: Union[list[float], float] = 0,
        eps: float = 1e-8,
    ) -> None:
        # torch's order of checks and attributes (the attributes are the state_dict)
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        self.factor = factor
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        self.default_min_lr: Optional[float]
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(
                    f"expected {len(optimizer.param_groups)} min_lrs, got {len(min_lr)}"
                )
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self._init_is_better(mode=mode, threshold=threshold, threshold_mode=threshold_mode)
        self._reset()

    def _reset(self) -> None:
        """Forget the best value and the counters."""
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics: SupportsFloat, epoch: Optional[int] = None) -> None:  # type: ignore[override]
        """Count one epoch with this value of the metric; reduce the lr's if it is time."""
        current = float(metrics)  # a 0-d tensor works too
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = epoch

        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self) -> None:
        if len(self.optimizer.param_groups) != len(self.min_lrs):  # a group was added since
            if self.default_min_lr is None:
                raise RuntimeError(
                    "The number of param groups in the `optimizer` "
                    f"({len(self.optimizer.param_groups)}) differs from when "
                    f"`ReduceLROnPlateau` was initialized ({len(self.min_lrs)}), usually due "
                    "to a new param group being added to the optimizer. Please modify the "
                    "`min_lrs` field to match the length of the `optimizer` param groups."
                )
            self.min_lrs = [self.default_min_lr] * len(self.optimizer.param_groups)
        for i, group in enumerate(self.optimizer.param_groups):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, self.min_lrs[i])
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    @property
    def in_cooldown(self) -> bool:
        """Is it within ``cooldown`` epochs of the last reduction?"""
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        """Does the metric value ``a`` count as an improvement on ``best``?"""
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min" and self.threshold_mode == "abs":
            return a < best - self.threshold
        if self.mode == "max" and self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold  # max, abs

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in {"min", "max"}:
            raise ValueError("mode " + mode + " is unknown!")
        if threshold_mode not in {"rel", "abs"}:
            raise ValueError("threshold mode " + threshold_mode + " is unknown!")
        self.mode_worse = math.inf if mode == "min" else -math.inf  # any value beats it
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict` returned."""
        self.__dict__.update(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
