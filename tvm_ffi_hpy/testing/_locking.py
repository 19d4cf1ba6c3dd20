"""run_with_gpu_lock: apache tvm-ffi serializes GPU tests across worker
processes with a file lock; this package runs on CPUs only, so a lock within
the process is enough."""
import threading
from typing import Any, Callable, TypeVar

_R = TypeVar("_R")
_gpu_lock = threading.RLock()


def run_with_gpu_lock(func: Callable[..., _R], /, *args: Any, **kwargs: Any) -> _R:
    """func(*args, **kwargs) while holding the (process-wide) GPU lock."""
    with _gpu_lock:
        return func(*args, **kwargs)
