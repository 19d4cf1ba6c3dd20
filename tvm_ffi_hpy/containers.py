"""Array, Map, Shape, String and Bytes: apache tvm-ffi's container names.

Array and Map wrap core objects (they keep their identity across the FFI);
Shape, String and Bytes are values: a core Shape comes back as a `Shape`
(a tuple of ints), core strings and bytes as plain `str` and `bytes`.
"""
import operator

from .core import Object, Shape, register_object, get_global_func, _ffi

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

    def __init__(self, input_list=()):
        self.__init_handle_by_constructor__(_array_ctor, *input_list)

    def __len__(self):
        return _ffi.array_size(self)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [_ffi.array_getitem(self, i) for i in range(*index.indices(len(self)))]
        return _ffi.array_getitem(self, operator.index(index))

    def __iter__(self):
        for i in range(_ffi.array_size(self)):
            yield _ffi.array_getitem(self, i)

    def __contains__(self, value):
        return any(item is value or item == value for item in self)

    def __reduce__(self):
        return (Array, (list(self),))

    def __repr__(self):
        if not self.__chandle__():
            return "<Array (moved out)>"
        return "[" + ", ".join(repr(item) for item in self) + "]"


@register_object("ffi.Map")
class Map(Object):
    """An immutable mapping held by the core: ``Map({"a": 1})``."""

    def __init__(self, input_dict=()):
        items = input_dict.items() if hasattr(input_dict, "items") else input_dict
        flat = []
        for key, value in items:
            flat.append(key)
            flat.append(value)
        self.__init_handle_by_constructor__(_map_ctor, *flat)

    def __len__(self):
        return _map_size(self)

    def __getitem__(self, key):
        return _map_getitem(self, key)

    def __contains__(self, key):
        return _map_count(self, key) != 0

    def _flat_items(self):
        return _map_items(self)

    def items(self):
        flat = self._flat_items()
        return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]

    def keys(self):
        flat = self._flat_items()
        return [flat[i] for i in range(0, len(flat), 2)]

    def values(self):
        flat = self._flat_items()
        return [flat[i] for i in range(1, len(flat), 2)]

    def __iter__(self):
        return iter(self.keys())

    def get(self, key, default=None):
        return _map_getitem(self, key) if key in self else default

    def __reduce__(self):
        return (Map, (self.items(),))

    def __repr__(self):
        if not self.__chandle__():
            return "<Map (moved out)>"
        return "{" + ", ".join("%r: %r" % kv for kv in self.items()) + "}"


class String(str):
    """A str; core strings come back as plain str."""

    __slots__ = ()


class Bytes(bytes):
    """A bytes; core bytes come back as plain bytes."""

    __slots__ = ()


@register_object("ffi.Error")
class ErrorObject(Object):
    """A core Error held as a value (not raised)."""

    @property
    def kind(self):
        return _ffi.error_info(self)[0]

    @property
    def message(self):
        return _ffi.error_info(self)[1]

    @property
    def backtrace(self):
        return _ffi.error_info(self)[2]

    def __repr__(self):
        return "ErrorObject(kind=%r, message=%r)" % (self.kind, self.message)
