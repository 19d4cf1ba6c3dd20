"""The current stream of a device, per thread (apache tvm-ffi's
``use_raw_stream`` / ``get_raw_stream``).

The table lives in the core (``TVMFFIEnvSetStream`` / ``TVMFFIEnvGetStream``,
c_api.h): C++ code reads it with ``TVMFFIEnvGetStream(device_type,
device_id)``.  A stream is an opaque handle (a ``cudaStream_t`` address, an
int); 0 means none.  Each thread has its own table::

    with tvm_ffi_hpy.use_raw_stream(tvm_ffi_hpy.device("cuda:0"), handle):
        mod.launch(x)          # the library reads `handle`
"""
import importlib
from typing import Any, Union

from .core import get_global_func
from .tensor import Device, device

__all__ = ["StreamContext", "use_raw_stream", "get_raw_stream", "use_torch_stream"]


def _handle(stream: Any) -> int:
    if stream is None:
        return 0
    if type(stream).__name__ == "c_void_p" and hasattr(stream, "value"):
        return int(stream.value or 0)
    if not isinstance(stream, int):
        raise TypeError("a stream is an int handle or a ctypes.c_void_p, got %s"
                        % type(stream).__name__)
    return int(stream)


class StreamContext:
    """``with``: `stream` is the current stream of `device` inside, the
    previous one is back after (also on an exception)."""

    def __init__(self, device: Device, stream: "Union[int, Any]") -> None:
        self.device_type = device.dlpack_device_type()
        self.device_id = device.index
        self.stream = _handle(stream)
        self.prev_stream = 0

    def __enter__(self) -> "StreamContext":
        self.prev_stream = get_global_func("ffi.EnvSetStream")(
            self.device_type, self.device_id, self.stream)
        return self

    def __exit__(self, *args: Any) -> None:
        get_global_func("ffi.EnvSetStream")(self.device_type, self.device_id, self.prev_stream)


def use_raw_stream(device: Device, stream: "Union[int, Any]") -> StreamContext:
    """A context in which `stream` (an int handle or ``ctypes.c_void_p``) is
    the current stream of `device` on this thread."""
    return StreamContext(device, stream)


def get_raw_stream(device: Device) -> int:
    """The current stream of `device` on this thread (0 when none was set)."""
    return int(get_global_func("ffi.EnvGetStream")(device.dlpack_device_type(), device.index))


class _TorchStreamContext:
    def __init__(self, context: Any) -> None:
        self.torch_context = context
        self.ffi_context: Any = None

    def __enter__(self) -> "_TorchStreamContext":
        torch = importlib.import_module("torch")
        if self.torch_context is not None:
            self.torch_context.__enter__()
        current = torch.cuda.current_stream()
        self.ffi_context = StreamContext(device(str(current.device)), current.cuda_stream)
        self.ffi_context.__enter__()
        return self

    def __exit__(self, *args: Any) -> None:
        if self.torch_context is not None:
            self.torch_context.__exit__(*args)
        self.ffi_context.__exit__(*args)


def use_torch_stream(context: Any = None) -> _TorchStreamContext:
    """A context that enters torch's stream (or CUDA graph) context `context`
    and makes torch's current CUDA stream the current stream here too.
    ImportError without torch."""
    importlib.import_module("torch")  # ImportError when missing
    return _TorchStreamContext(context)
