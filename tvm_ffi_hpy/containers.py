"""Array, List, Map, Dict, Shape, String and Bytes: apache tvm-ffi's
container names.

Array, List, Map and Dict wrap core objects (they keep their identity across
the FFI).  Array and Map are immutable; List and Dict are their mutable twins,
shared by reference: a mutation through any holder (Python or C++) is seen by
every holder.  Shape, String and Bytes are values: a core Shape comes back as
a `Shape` (a tuple of ints), core strings and bytes as plain `str` and `bytes`.
"""
import collections.abc
import copy
import itertools
import operator
import types
from typing import Any, Iterable, Iterator, Mapping, Optional, Union

from .core import Object, Shape, register_object, get_global_func, _ffi
from .core import _attach_type_info, _object_deepcopy, _object_repr
from .core import ErrorObject  # noqa: F401  (defined in core.py now; kept importable here)

__all__ = ["Array", "List", "Map", "Dict", "Shape", "String", "Bytes"]

_array_ctor = get_global_func("ffi.Array")
_map_ctor = get_global_func("ffi.Map")
_map_size = get_global_func("ffi.MapSize")
_map_getitem = get_global_func("ffi.MapGetItem")
_map_count = get_global_func("ffi.MapCount")
_map_items = get_global_func("ffi.MapItems")
_list_ctor = get_global_func("ffi.List")
_list_setitem = get_global_func("ffi.ListSetItem")
_list_append = get_global_func("ffi.ListAppend")
_list_insert = get_global_func("ffi.ListInsert")
_list_pop = get_global_func("ffi.ListPop")
_list_erase = get_global_func("ffi.ListErase")
_list_erase_range = get_global_func("ffi.ListEraseRange")
_list_replace_slice = get_global_func("ffi.ListReplaceSlice")
_list_reverse = get_global_func("ffi.ListReverse")
_list_clear = get_global_func("ffi.ListClear")
_dict_ctor = get_global_func("ffi.Dict")
_dict_size = get_global_func("ffi.DictSize")
_dict_getitem = get_global_func("ffi.DictGetItem")
_dict_setitem = get_global_func("ffi.DictSetItem")
_dict_count = get_global_func("ffi.DictCount")
_dict_erase = get_global_func("ffi.DictErase")
_dict_clear = get_global_func("ffi.DictClear")
_dict_items = get_global_func("ffi.DictItems")
_recursive_eq = get_global_func("ffi.RecursiveEq")
_recursive_hash = get_global_func("ffi.RecursiveHash")

_NOT_GIVEN: Any = object()


def _as_items(iterable: Iterable[Any]) -> Any:
    """A list or tuple of the items (itself when it is one).  The containers
    hand their items to the core as one list: a call with about 2**20
    positional arguments overflows the C stack in HPy's runtime on CPython."""
    if type(iterable) is list or type(iterable) is tuple:
        return iterable
    return list(iterable)


def _flatten_pairs(mapping: Any) -> "list[Any]":
    """[key, value, key, value, ...] of a Mapping or an iterable of pairs.
    AttributeError (no `items`) for anything else, as apache tvm-ffi's Map."""
    if hasattr(mapping, "items"):
        items: Iterable[Any] = mapping.items()
    elif isinstance(mapping, collections.abc.Iterable):
        items = mapping
    else:
        raise AttributeError("'%s' object has no attribute 'items'" % type(mapping).__name__)
    flat: "list[Any]" = []
    for key, value in items:
        flat.append(key)
        flat.append(value)
    return flat


# Equality of containers is structural (ffi.RecursiveEq: same items, in order
# for sequences; numbers compare by type and value, so Array([1]) != (1.0,)),
# and hash is ffi.RecursiveHash, consistent with it, as apache tvm-ffi's.
# Identity is unaffected: `is` still tells two containers apart, and one core
# object still has one wrapper.  A List or Dict hashes by its current content:
# mutating one that is a set member or a dict key loses it, as for any value
# whose hash follows its content.
def _seq_eq(self: Any, other: object) -> Any:
    """Array/List == a container of its kind, or any other sequence (a list, a
    tuple, a List for an Array, ...: converted to this kind first);
    NotImplemented for str, bytes, mappings and non-sequences."""
    if not (isinstance(other, type(self)) or isinstance(self, type(other))):
        if isinstance(other, (str, bytes, bytearray, collections.abc.Mapping, Map, Dict)) \
                or not isinstance(other, (collections.abc.Sequence, Array, List)):
            return NotImplemented
        try:
            other = type(self)(other)
        except (TypeError, ValueError):
            return NotImplemented
    return bool(_recursive_eq(self, other))


def _map_eq(self: Any, other: object) -> Any:
    """Map == Map, Dict == Dict; NotImplemented for anything else (a plain
    dict, a Map against a Dict), as apache tvm-ffi's."""
    if not (isinstance(other, type(self)) or isinstance(self, type(other))):
        return NotImplemented
    return bool(_recursive_eq(self, other))


def _container_ne(self: Any, other: object) -> Any:
    result = self.__eq__(other)
    return result if result is NotImplemented else not result


def _container_hash(self: Any) -> int:
    value: int = _recursive_hash(self)
    return value


def _seq_len(self: Any) -> int:
    """len() of an Array or a List (the same cell: c_api.h)."""
    return _ffi.array_size(self)


def _seq_getitem(self: Any, index: Union[int, slice]) -> Any:
    """An item of an Array or a List; a list of them for a slice."""
    if isinstance(index, slice):
        return [_ffi.array_getitem(self, i) for i in range(*index.indices(len(self)))]
    return _ffi.array_getitem(self, operator.index(index))


@register_object("ffi.Array")
class Array(Object):
    """An immutable sequence held by the core: ``Array([1, "a", obj])``."""

    __class_getitem__: Any = classmethod(types.GenericAlias)  # Array[int] in annotations
    __eq__ = _seq_eq  # structural (ffi.RecursiveEq)
    __ne__ = _container_ne
    __hash__ = _container_hash  # ffi.RecursiveHash

    def __init__(self, input_list: Iterable[Any] = ()) -> None:
        self._init_handle_by_constructor_items(_array_ctor, _as_items(input_list))

    __len__ = _seq_len
    __getitem__ = _seq_getitem

    def __iter__(self) -> Iterator[Any]:
        for i in range(_ffi.array_size(self)):
            yield _ffi.array_getitem(self, i)

    def __contains__(self, value: object) -> bool:
        return any(item is value or item == value for item in self)

    def __add__(self, other: Iterable[Any]) -> "Array":
        return type(self)(itertools.chain(self, other))

    def __radd__(self, other: Iterable[Any]) -> "Array":
        return type(self)(itertools.chain(other, self))

    def __reduce__(self) -> "tuple[Any, ...]":
        return (Array, (list(self),))

    __deepcopy__ = _object_deepcopy  # ffi.DeepCopy
    __repr__ = _object_repr  # ffi.ReprPrint: (1, 2)


@register_object("ffi.Map")
class Map(Object):
    """An immutable mapping held by the core: ``Map({"a": 1})``."""

    __class_getitem__: Any = classmethod(types.GenericAlias)  # Map[str, int] in annotations
    __eq__ = _map_eq  # structural (ffi.RecursiveEq)
    __ne__ = _container_ne
    __hash__ = _container_hash  # ffi.RecursiveHash

    def __init__(self, input_dict: Union[Mapping[Any, Any], Iterable[Any]] = ()) -> None:
        self._init_handle_by_constructor_items(_map_ctor, _flatten_pairs(input_dict))

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


def _list_index(index: Any, size: int) -> int:
    """A position in [0, size) from a Python index (negative counts from the end)."""
    i = operator.index(index)
    if i < 0:
        i += size
    if not 0 <= i < size:
        raise IndexError("List index out of range")
    return i


@register_object("ffi.List")
class List(Object):
    """A mutable sequence held by the core, shared by reference:
    ``List([1, "a", obj])``.  Every holder (Python or C++) sees a mutation."""

    __class_getitem__: Any = classmethod(types.GenericAlias)  # List[int] in annotations
    __eq__ = _seq_eq  # structural (ffi.RecursiveEq)
    __ne__ = _container_ne
    __hash__ = _container_hash  # ffi.RecursiveHash

    def __init__(self, input_list: Iterable[Any] = ()) -> None:
        self._init_handle_by_constructor_items(_list_ctor, _as_items(input_list))

    __len__ = _seq_len
    __getitem__ = _seq_getitem

    def __setitem__(self, index: Union[int, slice], value: Any) -> None:
        if not isinstance(index, slice):
            _list_setitem(self, _list_index(index, len(self)), value)
            return
        items = list(value)  # a snapshot: `value` may be this List
        start, stop, step = index.indices(len(self))
        if step == 1:
            _list_replace_slice(self, start, max(start, stop), List(items))
            return
        targets = range(start, stop, step)
        if len(items) != len(targets):
            raise ValueError("attempt to assign sequence of size %d to extended slice of size %d"
                             % (len(items), len(targets)))
        for i, item in zip(targets, items):
            _list_setitem(self, i, item)

    def __delitem__(self, index: Union[int, slice]) -> None:
        if not isinstance(index, slice):
            _list_erase(self, _list_index(index, len(self)))
            return
        start, stop, step = index.indices(len(self))
        if step == 1:
            _list_erase_range(self, start, max(start, stop))
            return
        targets = range(start, stop, step)
        for i in (reversed(targets) if step > 0 else targets):  # from the back
            _list_erase(self, i)

    def __iter__(self) -> Iterator[Any]:
        i = 0
        while i < _ffi.array_size(self):  # sees appends and removals made meanwhile
            yield _ffi.array_getitem(self, i)
            i += 1

    def __reversed__(self) -> Iterator[Any]:
        for i in reversed(range(len(self))):
            if i < len(self):
                yield _ffi.array_getitem(self, i)

    def __contains__(self, value: object) -> bool:
        return any(item is value or item == value for item in self)

    def append(self, value: Any) -> None:
        _list_append(self, value)

    def insert(self, index: int, value: Any) -> None:
        size = len(self)
        i = operator.index(index)
        i = max(0, i + size) if i < 0 else min(i, size)
        _list_insert(self, i, value)

    def extend(self, values: Iterable[Any]) -> None:
        items = List(list(values))  # a snapshot: `values` may be this List
        size = len(self)
        _list_replace_slice(self, size, size, items)

    def __iadd__(self, values: Iterable[Any]) -> "List":
        self.extend(values)
        return self

    def __add__(self, other: Iterable[Any]) -> "List":
        return type(self)(itertools.chain(self, other))

    def __radd__(self, other: Iterable[Any]) -> "List":
        return type(self)(itertools.chain(other, self))

    def pop(self, index: int = -1) -> Any:
        size = len(self)
        if size == 0:
            raise IndexError("pop from empty list")
        return _list_pop(self, _list_index(index, size))

    def remove(self, value: Any) -> None:
        del self[self.index(value)]

    def index(self, value: Any, start: int = 0, stop: Optional[int] = None) -> int:
        size = len(self)
        begin, end, _ = slice(start, stop).indices(size)
        for i in range(begin, end):
            if i >= len(self):
                break
            item = _ffi.array_getitem(self, i)
            if item is value or item == value:
                return i
        raise ValueError("%r is not in list" % (value,))

    def count(self, value: Any) -> int:
        return sum(1 for item in self if item is value or item == value)

    def clear(self) -> None:
        _list_clear(self)

    def reverse(self) -> None:
        _list_reverse(self)

    def __reduce__(self) -> "tuple[Any, ...]":
        # The items go by the append protocol, after the List is memoized:
        # a List that holds itself pickles.
        return (type(self), (), None, iter(list(self)))

    def __copy__(self) -> "List":
        return type(self)(self)

    __deepcopy__ = _object_deepcopy  # ffi.DeepCopy
    __repr__ = _object_repr  # ffi.ReprPrint: [1, 2] / {"a": 1}


collections.abc.MutableSequence.register(List)


def _view_flat(view: collections.abc.MappingView) -> Any:
    """The flat [key, value, ...] snapshot of the Dict behind a view."""
    return _dict_items(view._mapping)  # type: ignore[attr-defined]  # (typeshed omits it)


class _DictKeys(collections.abc.KeysView):  # type: ignore[type-arg]
    """Dict.keys(): a live view; iteration reads one snapshot of the entries."""

    def __iter__(self) -> Iterator[Any]:
        flat = _view_flat(self)
        return iter([flat[i] for i in range(0, len(flat), 2)])


class _DictValues(collections.abc.ValuesView):  # type: ignore[type-arg]
    def __iter__(self) -> Iterator[Any]:
        flat = _view_flat(self)
        return iter([flat[i] for i in range(1, len(flat), 2)])


class _DictItems(collections.abc.ItemsView):  # type: ignore[type-arg]
    def __iter__(self) -> Iterator["tuple[Any, Any]"]:
        flat = _view_flat(self)
        return iter([(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)])


@register_object("ffi.Dict")
class Dict(Object):
    """A mutable, insertion-ordered mapping held by the core, shared by
    reference: ``Dict({"a": 1})``.  Every holder (Python or C++) sees a
    mutation; keys follow Map's rules (numbers by value, strings by content,
    objects by identity)."""

    __class_getitem__: Any = classmethod(types.GenericAlias)  # Dict[str, int] in annotations
    __eq__ = _map_eq  # structural (ffi.RecursiveEq)
    __ne__ = _container_ne
    __hash__ = _container_hash  # ffi.RecursiveHash

    def __init__(self, input_dict: Union[Mapping[Any, Any], Iterable[Any], None] = None,
                 **kwargs: Any) -> None:
        flat = _flatten_pairs(input_dict) if input_dict is not None else []
        flat.extend(itertools.chain.from_iterable(kwargs.items()))
        self._init_handle_by_constructor_items(_dict_ctor, flat)

    def __len__(self) -> int:
        size: int = _dict_size(self)
        return size

    def __getitem__(self, key: Any) -> Any:
        return _dict_getitem(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        _dict_setitem(self, key, value)

    def __delitem__(self, key: Any) -> None:
        if _dict_count(self, key) == 0:
            raise KeyError(key)
        _dict_erase(self, key)

    def __contains__(self, key: object) -> bool:
        return bool(_dict_count(self, key) != 0)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.keys())

    def keys(self) -> "collections.abc.KeysView[Any]":
        return _DictKeys(self)

    def values(self) -> "collections.abc.ValuesView[Any]":
        return _DictValues(self)

    def items(self) -> "collections.abc.ItemsView[Any, Any]":
        return _DictItems(self)

    def get(self, key: Any, default: Optional[Any] = None) -> Any:
        return _dict_getitem(self, key) if _dict_count(self, key) else default

    def setdefault(self, key: Any, default: Optional[Any] = None) -> Any:
        if _dict_count(self, key):
            return _dict_getitem(self, key)
        _dict_setitem(self, key, default)
        return _dict_getitem(self, key)

    def pop(self, key: Any, default: Any = _NOT_GIVEN) -> Any:
        if not _dict_count(self, key):
            if default is _NOT_GIVEN:
                raise KeyError(key)
            return default
        value = _dict_getitem(self, key)
        _dict_erase(self, key)
        return value

    def popitem(self) -> "tuple[Any, Any]":
        """The last inserted (key, value), removed (LIFO, as dict)."""
        flat = _dict_items(self)
        if not len(flat):
            raise KeyError("popitem(): dictionary is empty")
        key, value = flat[len(flat) - 2], flat[len(flat) - 1]
        _dict_erase(self, key)
        return key, value

    def update(self, other: Union[Mapping[Any, Any], Iterable[Any]] = (), **kwargs: Any) -> None:
        flat = _flatten_pairs(other)
        flat.extend(itertools.chain.from_iterable(kwargs.items()))
        for i in range(0, len(flat), 2):
            _dict_setitem(self, flat[i], flat[i + 1])

    def clear(self) -> None:
        _dict_clear(self)

    def __reduce__(self) -> "tuple[Any, ...]":
        # The entries go by the setitem protocol, after the Dict is memoized.
        return (type(self), (), None, None, iter(list(self.items())))

    def __copy__(self) -> "Dict":
        return type(self)(self)

    __deepcopy__ = _object_deepcopy  # ffi.DeepCopy
    __repr__ = _object_repr  # ffi.ReprPrint: [1, 2] / {"a": 1}


collections.abc.MutableMapping.register(Dict)


class String(str):
    """A str; core strings come back as plain str."""

    __slots__ = ()


class Bytes(bytes):
    """A bytes; core bytes come back as plain bytes."""

    __slots__ = ()


_attach_type_info(String, _ffi.type_key_to_index("ffi.String"))
_attach_type_info(Bytes, _ffi.type_key_to_index("ffi.Bytes"))
