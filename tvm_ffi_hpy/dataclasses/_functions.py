"""The module-level helpers of the standard library's dataclasses:
is_dataclass, fields, replace, asdict, astuple."""
import collections as _collections
import copy as _copy
from typing import Any, Callable

from ._common import _Cls
from ._field import Field, builtins_type
from ._methods import _dc_fields, _is_array, _is_map, _values


# ---------------------------------------------------------------------------
# Module-level helpers
# ---------------------------------------------------------------------------
def is_dataclass(obj: object) -> bool:
    """True for a py_class / c_class class or instance."""
    cls = obj if isinstance(obj, type) else type(obj)
    return getattr(cls, "__ffi_is_dataclass__", False) is True


def fields(obj_or_cls: Any) -> "tuple[Field, ...]":
    """The ``Field`` objects of a py_class / c_class (class or instance), parent first."""
    if not is_dataclass(obj_or_cls):
        raise TypeError("fields() argument must be a c_class or py_class type or instance, got %s"
                        % builtins_type(obj_or_cls).__name__)
    cls: _Cls = obj_or_cls if isinstance(obj_or_cls, type) else type(obj_or_cls)
    return tuple(cls.__tvm_ffi_dataclass_fields__)


def replace(obj: Any, /, **changes: Any) -> Any:
    """A copy of `obj` with the given fields changed (``obj.__replace__(**changes)``)."""
    if not is_dataclass(obj) or isinstance(obj, type):
        raise TypeError("replace() takes a py_class or c_class instance")
    return obj.__replace__(**changes)


_ATOMIC = (type(None), bool, int, float, complex, str, bytes)


def _convert_inner(value: Any, on_dataclass: Callable[[Any], Any]) -> Any:
    """Copy `value` recursively for asdict/astuple: dataclass instances go to
    `on_dataclass`, Array/list to list, Map/dict to dict, tuples stay tuples."""
    if isinstance(value, _ATOMIC):
        return value
    if is_dataclass(value) and not isinstance(value, type):
        return on_dataclass(value)
    if _is_array(value) or builtins_type(value) is list:
        return [_convert_inner(v, on_dataclass) for v in value]
    if _is_map(value) or builtins_type(value) is dict:
        return dict((_convert_inner(k, on_dataclass), _convert_inner(v, on_dataclass))
                    for k, v in value.items())
    if builtins_type(value) is tuple:
        return tuple(_convert_inner(v, on_dataclass) for v in value)
    if isinstance(value, tuple) and hasattr(builtins_type(value), "_fields"):  # named tuple
        return builtins_type(value)(*[_convert_inner(v, on_dataclass) for v in value])
    if isinstance(value, _collections.defaultdict):  # keeps its default_factory
        out: Any = _collections.defaultdict(value.default_factory)
        for k, v in value.items():
            out[_convert_inner(k, on_dataclass)] = _convert_inner(v, on_dataclass)
        return out
    return _copy.deepcopy(value)


def _asdict_inner(obj: Any, dict_factory: Callable[[Any], Any]) -> Any:
    """asdict's recursion over any value."""
    def as_dict(value: Any) -> Any:
        return dict_factory([(f.name, _convert_inner(v, as_dict))
                             for f, v in zip(_dc_fields(type(value)), _values(value))])

    return _convert_inner(obj, as_dict)


def _astuple_inner(obj: Any, tuple_factory: Callable[[Any], Any]) -> Any:
    """astuple's recursion over any value."""
    def as_tuple(value: Any) -> Any:
        return tuple_factory([_convert_inner(v, as_tuple) for v in _values(value)])

    return _convert_inner(obj, as_tuple)


def asdict(obj: Any, *, dict_factory: Callable[[Any], Any] = dict) -> Any:
    """The fields of a py_class / c_class instance as a dict, recursively
    (nested dataclass objects to dicts, Array to list, Map to dict)."""
    if not is_dataclass(obj) or isinstance(obj, type):
        raise TypeError("asdict() should be called on c_class / py_class instances")
    return _asdict_inner(obj, dict_factory)


def astuple(obj: Any, *, tuple_factory: Callable[[Any], Any] = tuple) -> Any:
    """The field values of a py_class / c_class instance as a tuple, recursively."""
    if not is_dataclass(obj) or isinstance(obj, type):
        raise TypeError("astuple() should be called on c_class / py_class instances")
    return _astuple_inner(obj, tuple_factory)
