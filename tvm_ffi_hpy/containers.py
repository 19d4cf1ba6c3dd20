"""Array, Map, Shape, String and Bytes: apache tvm-ffi's container names.

Array and Map wrap core objects (they keep their identity across the FFI);
Shape, String and Bytes are values: a core Shape comes back as a `Shape`
(a tuple of ints), core strings and bytes as plain `str` and `bytes`.
"""
import operator
import types
from typing import Any, Iterable, Iterator, Mapping, Optional, Union, overload

from .core import Object, Shape, register_object, get_global_func, _ffi
from .core import _object_deepcopy, _object_repr
from .core import ErrorObject  # noqa: F401  (defined in core.py now; kept importable here)

__all__ = ["Array", "Map", "Shape", "String", "Bytes"]

_array_ctor = get_global_func("ffi.Array")
_map_ctor = get_global_func("ffi.Map")
_map_size = get_global_func("ffi.MapSize")
_map_getitem = get_global_func("ffi.MapGetItem")
_map_count = get_global_func("ffi.MapCount")
_map_items = get_global_func("ffi.MapItems")


@register_object("ffi.Array")
class Array(Object):
    """An immutable sequence held by the core: ``Array([1, "a", obj])``."""

    __class_getitem__: Any = classmethod(types.GenericAlias)  # Array[int] in annotations

    def __init__(self, input_list: Iterable[Any] = ()) -> None:
        self.__init_handle_by_constructor__(_array_ctor, *input_list)

    def __len__(self) -> int:
        return _ffi.array_size(self)

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> "list[Any]": ...

    def __getitem__(self, index: Union[int, slice]) -> Any:
        if isinstance(index, slice):
            return [_ffi.array_getitem(self, i) for i in range(*index.indices(len(self)))]
        return _ffi.array_getitem(self, operator.index(index))

    def __iter__(self) -> Iterator[Any]:
        for i in range(_ffi.array_size(self)):
            yield _ffi.array_getitem(self, i)

    def __contains__(self, value: object) -> bool:
        return any(item is value or item == value for item in self)

    def __reduce__(self) -> "tuple[Any, ...]":
        return (Array, (list(self),))

    __deepcopy__ = _object_deepcopy  # ffi.DeepCopy
    __repr__ = _object_repr  # ffi.ReprPrint: (1, 2)


@register_object("ffi.Map")
class Map(Object):
    """An immutable mapping held by the core: ``Map({"a": 1})``."""

    __class_getitem__: Any = classmethod(types.GenericAlias)  # Map[str, int] in annotations

    def __init__(self, input_dict: Union[Mapping[Any, Any], Iterable[Any]] = ()) -> None:
        items: Iterable[Any] = (input_dict.items() if hasattr(input_dict, "items")
                                else input_dict)
        flat: "list[Any]" = []
        for key, value in items:
            flat.append(key)
            flat.append(value)
        self.__init_handle_by_constructor__(_map_ctor, *flat)

    def __len__(self) -> int:
        size: int = _map_size(self)
        return size

    def __getitem__(self, key: Any) -> Any:
        return _map_getitem(self, key)

    def __contains__(self, key: object) -> bool:
        return bool(_map_count(self, key) != 0)

    def _flat_items(self) -> Any:
        return _map_items(self)

    def items(self) -> "list[tuple[Any, Any]]":
        flat = self._flat_items()
        return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]

    def keys(self) -> "list[Any]":
        flat = self._flat_items()
        return [flat[i] for i in range(0, len(flat), 2)]

    def values(self) -> "list[Any]":
        flat = self._flat_items()
        return [flat[i] for i in range(1, len(flat), 2)]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.keys())

    def get(self, key: Any, default: Optional[Any] = None) -> Any:
        return _map_getitem(self, key) if key in self else default

    def __reduce__(self) -> "tuple[Any, ...]":
        return (Map, (self.items(),))

    __deepcopy__ = _object_deepcopy  # ffi.DeepCopy
    __repr__ = _object_repr  # ffi.ReprPrint: {"a": 1}


class String(str):
    """A str; core strings come back as plain str."""

    __slots__ = ()


class Bytes(bytes):
    """A bytes; core bytes come back as plain bytes."""

    __slots__ = ()
