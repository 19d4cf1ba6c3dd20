"""Tensor: DLPack tensors held by the core, exchanged without copying.

A `Tensor` is a core object (type key ``ffi.Tensor``) describing memory that
it shares with whoever produced it: `from_dlpack(x)` takes any object that
implements the DLPack protocol (``__dlpack__`` / ``__dlpack_device__``: NumPy,
PyTorch, JAX, CuPy, ...) and wraps the same memory; `numpy.from_dlpack(t)`
goes the other way.  Nothing is copied either way; the producer's memory
stays alive as long as any tensor or array made from it.

Tensors tie like every other object: ``f(t) is t`` for a function returning
its argument, and a tensor stored in a C++ object comes back as the same
wrapper.  The metadata (shape, strides, dtype, device) is immutable.
"""
import enum
import numbers
from typing import Any, Optional, Tuple, Union

from .core import Object, Shape, get_global_func, register_object, _ffi, _attach_type_info

__all__ = ["Tensor", "Device", "DLDeviceType", "dtype", "device", "empty", "from_dlpack"]

# The newest DLPack version this package reads and writes.
DLPACK_VERSION = (1, 1)


class DLDeviceType(enum.IntEnum):
    """DLPack device types (``DLDeviceType`` in dlpack.h)."""
    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLOpenCL = 4
    kDLVulkan = 7
    kDLMetal = 8
    kDLVPI = 9
    kDLROCM = 10
    kDLROCMHost = 11
    kDLExtDev = 12
    kDLCUDAManaged = 13
    kDLOneAPI = 14
    kDLWebGPU = 15
    kDLHexagon = 16
    kDLMAIA = 17
    kDLTrn = 18


_DEVICE_NAMES = {
    1: "cpu", 2: "cuda", 3: "cuda_host", 4: "opencl", 7: "vulkan", 8: "metal", 9: "vpi",
    10: "rocm", 11: "rocm_host", 12: "ext_dev", 13: "cuda_managed", 14: "oneapi",
    15: "webgpu", 16: "hexagon", 17: "maia", 18: "trn",
}
_DEVICE_TYPES = {name: code for code, name in _DEVICE_NAMES.items()}


class Device:
    """A device: ``Device("cpu")``, ``Device("cuda", 1)``, ``Device("cuda:1")``,
    ``Device(2, 0)``.  Compares and hashes by (type, index)."""

    __slots__ = ("_type", "_index")
    _type: int
    _index: int

    def __init__(self, device_type: Union[str, int], index: Optional[int] = None) -> None:
        if isinstance(device_type, str):
            name, sep, rest = device_type.partition(":")
            if sep:
                if index is not None:
                    raise ValueError("device %r already names an index" % device_type)
                if not rest.isdigit():
                    raise ValueError("bad device index in %r" % device_type)
                index = int(rest)
            if name not in _DEVICE_TYPES:  # apache tvm-ffi's message (known: _DEVICE_TYPES)
                raise ValueError("Unknown device: %s" % name)
            code = _DEVICE_TYPES[name]
        elif isinstance(device_type, int) and not isinstance(device_type, bool):
            if device_type not in _DEVICE_NAMES:
                raise ValueError("unknown DLPack device type %d" % device_type)
            code = int(device_type)
        else:
            raise TypeError("device type must be a str or an int, not %s"
                            % type(device_type).__name__)
        if index is None:
            index = 0
        if not isinstance(index, numbers.Integral) or isinstance(index, bool):
            raise TypeError("device index must be an int, not %s" % type(index).__name__)
        index = int(index)  # NumPy integers too
        if index < 0:
            raise ValueError("device index must be >= 0, got %d" % index)
        self._type = code
        self._index = index

    @classmethod
    def _from_fields(cls, code: int, index: int) -> "Device":
        """The device the core gave, unchecked (a type code this table does
        not name keeps its number)."""
        self = object.__new__(cls)
        self._type = code
        self._index = index
        return self

    @property
    def type(self) -> str:
        """The device type's name: "cpu", "cuda", ..."""
        return _DEVICE_NAMES.get(self._type, "device%d" % self._type)

    @property
    def index(self) -> int:
        return self._index

    def dlpack_device_type(self) -> int:
        return self._type

    def __dlpack_device__(self) -> Tuple[int, int]:
        return (self._type, self._index)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Device):
            return NotImplemented
        return (self._type, self._index) == (other._type, other._index)

    def __hash__(self) -> int:
        return hash((Device, self._type, self._index))

    # Ordered by (type, index), as the core orders kTVMFFIDevice values
    # (ffi.RecursiveLt, core/src/structural.cc).
    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Device):
            return NotImplemented
        return (self._type, self._index) < (other._type, other._index)

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Device):
            return NotImplemented
        return (self._type, self._index) <= (other._type, other._index)

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Device):
            return NotImplemented
        return (self._type, self._index) > (other._type, other._index)

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Device):
            return NotImplemented
        return (self._type, self._index) >= (other._type, other._index)

    def __str__(self) -> str:
        return "%s:%d" % (self.type, self._index)

    def __repr__(self) -> str:
        return "device(type=%r, index=%d)" % (self.type, self._index)

    def __reduce__(self) -> Any:
        return (Device, (self._type, self._index))


#: The class devices are made of (Device, or a subclass set with
#: core._set_class_device): device() and devices coming back from the core.
_device_class: "type[Device]" = Device


def device(device_type: Union[str, int], index: Optional[int] = None) -> Device:
    """Same as ``Device(device_type, index)`` (apache tvm-ffi's spelling)."""
    return _device_class(device_type, index)


_dtype_fields = get_global_func("ffi.DataTypeFields")  # text -> (code, bits, lanes)
_dtype_name = get_global_func("ffi.DataTypeName")      # code, bits, lanes -> text
#: text -> (code, bits, lanes), for the names met so far (at most _FIELDS_LIMIT)
_FIELDS_OF_TEXT: "dict[str, Tuple[int, int, int]]" = {}
_FIELDS_LIMIT = 4096
_FLOAT_CODES = frozenset([2, 4] + list(range(7, 18)))  # float, bfloat, float8/6/4 kinds


class dtype(str):
    """A data type by name ("float32", "int8", "bool", "float32x4",
    "float8_e4m3fn", or short: "f32", "bf16", "fp8_e5m2"), with its DLPack
    fields `type_code`, `bits` and `lanes`.  The core parses the name
    (TVMFFIDataTypeFromString); the text stays as written.  It crosses into
    the core as a data type value (kTVMFFIDataType)."""

    type_code: int
    bits: int
    lanes: int

    def __new__(cls, text: str) -> "dtype":
        if isinstance(text, dtype):
            return text
        if not isinstance(text, str):
            raise TypeError("dtype() takes a str, not %s" % type(text).__name__)
        fields = _FIELDS_OF_TEXT.get(text)
        if fields is None:
            fields = tuple(_dtype_fields(text))
            if len(_FIELDS_OF_TEXT) >= _FIELDS_LIMIT:
                _FIELDS_OF_TEXT.clear()
            _FIELDS_OF_TEXT[text] = fields
        return cls._make(text, fields)

    @classmethod
    def _make(cls, text: str, fields: Tuple[int, int, int]) -> "dtype":
        self = str.__new__(cls, text)
        self.type_code, self.bits, self.lanes = fields
        return self

    @classmethod
    def from_dlpack_data_type(cls, fields: Tuple[int, int, int]) -> "dtype":
        """The dtype of DLPack's (code, bits, lanes)."""
        code, bits, lanes = (int(f) for f in fields)
        return cls._make(_dtype_name(code, bits, lanes), (code, bits, lanes))

    def with_lanes(self, lanes: int) -> "dtype":
        """The same element type with `lanes` lanes: float32 -> float32x4."""
        return dtype.from_dlpack_data_type((self.type_code, self.bits, lanes))

    @property
    def is_bool(self) -> bool:
        return self.type_code == 6

    @property
    def is_integer(self) -> bool:
        return self.type_code in (0, 1)

    @property
    def is_float(self) -> bool:
        return self.type_code in _FLOAT_CODES

    @property
    def is_handle(self) -> bool:
        return self.type_code == 3

    @property
    def itemsize(self) -> int:
        """Bytes per element, lanes included (sub-byte types round up)."""
        if self.lanes >= 32768:
            raise ValueError("dtype %r is a scalable vector: its size is known only at run time"
                             % str(self))
        return (self.bits * self.lanes + 7) // 8

    def __repr__(self) -> str:
        return "dtype(%s)" % str.__repr__(self)

    def __reduce__(self) -> Any:
        return (dtype, (str(self),))


#: apache tvm-ffi's module-level data types (tvm_ffi_hpy.int8, ...), set on the
#: package by __init__.py.
BUILTIN_DTYPES = {name: dtype(name) for name in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "bfloat16", "float8_e3m4", "float8_e4m3",
    "float8_e4m3b11fnuz", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz",
    "float8_e8m0fnu", "float6_e2m3fn", "float6_e3m2fn", "float4_e2m1fn", "float4_e2m1fnx2")}


@register_object("ffi.Tensor")
class Tensor(Object):
    """An n-dimensional array shared with its producer (see the module doc).

    Made by `from_dlpack` or returned by C++ functions; exported with
    ``numpy.from_dlpack(t)`` (or any other DLPack consumer)."""

    @property
    def shape(self) -> Tuple[int, ...]:
        return _ffi.tensor_info(self)[1]

    @property
    def ndim(self) -> int:
        return len(_ffi.tensor_info(self)[1])

    @property
    def strides(self) -> Tuple[int, ...]:
        """Strides in elements (never None: computed for compact producers)."""
        return _ffi.tensor_info(self)[2]

    @property
    def dtype(self) -> dtype:
        return dtype.from_dlpack_data_type(_ffi.tensor_info(self)[3])

    @property
    def device(self) -> Device:
        return Device(*_ffi.tensor_info(self)[4])

    @property
    def byte_offset(self) -> int:
        return _ffi.tensor_info(self)[5]

    def data_ptr(self) -> int:
        """Address of the first element (data + byte_offset)."""
        info = _ffi.tensor_info(self)
        return info[0] + info[5]

    def numel(self) -> int:
        n = 1
        for extent in _ffi.tensor_info(self)[1]:
            n *= extent
        return n

    def size(self, idx: int) -> int:
        return _ffi.tensor_info(self)[1][idx]

    def is_contiguous(self) -> bool:
        """Compact row-major (extents of 1 may have any stride; an empty
        tensor is contiguous whatever its strides).  Same rule as the C++
        ``TensorObj::IsContiguous`` that ``require_contiguous`` uses."""
        _, shape, strides = _ffi.tensor_info(self)[:3]
        if 0 in shape:
            return True
        expected = 1
        for extent, stride in zip(reversed(shape), reversed(strides)):
            if extent != 1 and stride != expected:
                return False
            expected *= extent
        return True

    def __dlpack_device__(self) -> Tuple[int, int]:
        return _ffi.tensor_info(self)[4]

    def __dlpack__(self, *, stream: Any = None, max_version: Optional[Tuple[int, int]] = None,
                   dl_device: Optional[Tuple[int, int]] = None,
                   copy: Optional[bool] = None) -> Any:
        """A DLPack capsule sharing this tensor's memory (the Python array API
        protocol).  ``max_version >= (1, 0)`` gets a versioned capsule, anything
        else the legacy one.  Copies are never made: ``copy=True`` and a
        `dl_device` other than the tensor's raise BufferError."""
        device_pair = _ffi.tensor_info(self)[4]
        if copy:
            raise BufferError("Tensor.__dlpack__: copy=True is not supported "
                              "(tvm_ffi_hpy tensors only share memory)")
        if dl_device is not None and tuple(dl_device) != device_pair:
            raise BufferError("Tensor.__dlpack__: the tensor is on %s, not on %r"
                              % (Device(*device_pair), tuple(dl_device)))
        if stream is not None and device_pair[0] == DLDeviceType.kDLCPU:
            raise BufferError("Tensor.__dlpack__: stream must be None for a CPU tensor")
        versioned = max_version is not None and tuple(max_version) >= (1, 0)
        return _ffi.tensor_to_dlpack(self, versioned)

    def __reduce__(self) -> Any:
        raise TypeError("a Tensor shares memory and cannot be pickled; "
                        "pickle numpy.from_dlpack(t) instead")

    def __repr__(self) -> str:
        if not self.__chandle__():
            return "<Tensor (moved out)>"
        info = _ffi.tensor_info(self)
        return "<Tensor %s%s on %s>" % (dtype.from_dlpack_data_type(info[3]), list(info[1]),
                                        Device(*info[4]))


def dlpack_capsule(producer: Any) -> Any:
    """The DLPack capsule of `producer`'s ``__dlpack__()`` (DLPack 1.0's
    versioned one when the producer takes ``max_version``)."""
    try:
        return producer.__dlpack__(max_version=DLPACK_VERSION)
    except TypeError:  # producers older than DLPack 1.0 take no keyword arguments
        return producer.__dlpack__()


def from_dlpack(ext_tensor: Any, *, require_alignment: int = 0,
                require_contiguous: bool = False) -> Tensor:
    """A Tensor sharing the memory of `ext_tensor`: any object with
    ``__dlpack__`` (NumPy arrays, ...) or a DLPack capsule (consumed).

    `require_alignment` (bytes, a power of two) and `require_contiguous`
    raise ValueError when the memory does not satisfy them.  A Tensor with no
    requirement comes back as itself."""
    if isinstance(ext_tensor, Tensor) and not require_alignment and not require_contiguous:
        return ext_tensor
    capsule = dlpack_capsule(ext_tensor) if hasattr(ext_tensor, "__dlpack__") else ext_tensor
    tensor: Tensor = _ffi.tensor_from_dlpack(capsule, require_alignment, require_contiguous)
    return tensor


_tensor_empty = get_global_func("ffi.TensorEmpty")


def empty(shape: "Union[int, Tuple[int, ...], list[int]]", dtype: str = "float32") -> Tensor:
    """A new zero-filled CPU tensor allocated by the core (64-byte aligned)."""
    dims = (shape,) if isinstance(shape, int) else tuple(shape)
    tensor: Tensor = _tensor_empty(Shape(dims), str(dtype))
    return tensor


_attach_type_info(dtype, _ffi.type_key_to_index("DataType"))
_attach_type_info(Device, _ffi.type_key_to_index("Device"))
