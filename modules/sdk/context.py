"""What a running module may use from its surroundings: logger, progress, seed, CPU budget, device,
cancellation. The run engine, the scoring endpoint and tests each supply one."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import CancelledError


@dataclass
class RunContext:
    seed: int = 0
    cpu_budget: int = 1
    device: str = "cpu"  # "cpu" or "cuda"
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("modules.run"))
    on_progress: Callable[[float, str], None] | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event)
    # Free-form values the engine sets for a module (e.g. the dataset store for Import Data).
    services: dict[str, object] = field(default_factory=dict)

    def progress(self, fraction: float, message: str = "") -> None:
        self.check_cancelled()
        if self.on_progress is not None:
            self.on_progress(max(0.0, min(1.0, fraction)), message)

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def check_cancelled(self) -> None:
        if self.cancel_event.is_set():
            raise CancelledError("the run was cancelled")
