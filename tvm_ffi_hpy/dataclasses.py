"""Object types defined in Python whose fields live in core objects.

    from tvm_ffi_hpy import dataclasses

    @dataclasses.py_class("my.Point")
    class Point(dataclasses.Object):
        x: int
        y: int = 0

    p = Point(1, y=2)        # a core object: p.x, p.y are read from C++ memory

Fields are the class's annotations (a subclass's come after its parent's),
stored as values of any type in the core object, allocated through the same
allocator as every object, so instances tie like any other. ``frozen=True``
makes the fields read-only after ``__init__``. The class body may define
methods and properties like any class.
"""
from .core import Object, _build_class, get_global_func

__all__ = ["Object", "py_class", "MISSING"]

_define_py_class = get_global_func("ffi.DefinePyClass")
_new_py_class_object = get_global_func("ffi.NewPyClassObject")


class _Missing:
    def __repr__(self):
        return "MISSING"


MISSING = _Missing()


def _own_fields(cls):
    """(name, default) of the fields the class statement declares, in order."""
    annotations = cls.__dict__.get("__annotations__", {})
    return [(name, cls.__dict__.get(name, MISSING)) for name in annotations
            if not name.startswith("__")]


def _check_order(qualname, fields):
    seen_default = None
    for name, default in fields:
        if default is MISSING and seen_default is not None:
            raise TypeError("%s: field %r without a default follows field %r with one"
                            % (qualname, name, seen_default))
        if default is not MISSING:
            seen_default = name


def _make_init(qualname, type_index, fields):
    names = [name for name, _ in fields]

    def __init__(self, *args, **kwargs):
        if len(args) > len(fields):
            raise TypeError("%s() takes %d positional arguments but %d were given"
                            % (qualname, len(fields), len(args)))
        values = list(args)
        for name, default in fields[len(args):]:
            if name in kwargs:
                values.append(kwargs.pop(name))
            elif default is not MISSING:
                values.append(default)
            else:
                raise TypeError("%s() missing required argument %r" % (qualname, name))
        if kwargs:
            name = next(iter(kwargs))
            if name in names:
                raise TypeError("%s() got multiple values for argument %r" % (qualname, name))
            raise TypeError("%s() got an unexpected keyword argument %r" % (qualname, name))
        self.__init_handle_by_constructor__(_new_py_class_object, type_index, *values)

    __init__.__qualname__ = qualname + ".__init__"
    return __init__


def py_class(type_key=None, *, frozen=False):
    """Class decorator: a Python-defined core object type (see the module doc)."""
    def decorate(cls):
        if not (isinstance(cls, type) and issubclass(cls, Object)):
            raise TypeError("py_class decorates subclasses of tvm_ffi_hpy.dataclasses.Object")
        if len(cls.__bases__) != 1:
            raise TypeError("a py_class derives from exactly one class")
        base = cls.__bases__[0]
        if base is not Object and "__tvm_ffi_py_fields__" not in base.__dict__:
            raise TypeError("the base of a py_class must be Object or another py_class")
        key = type_key if type_key is not None else "%s.%s" % (cls.__module__, cls.__qualname__)
        own = _own_fields(cls)
        fields = list(getattr(base, "__tvm_ffi_py_fields__", ())) + own
        _check_order(cls.__qualname__, fields)
        type_index = _define_py_class(key, base.__tvm_ffi_type_index__,
                                      [name for name, _ in own], bool(frozen))
        namespace = {k: v for k, v in cls.__dict__.items() if k not in dict(own)}
        new = _build_class(type_index, base, cls.__name__, cls.__module__, cls.__qualname__,
                           namespace, source=cls)
        new.__tvm_ffi_py_fields__ = tuple(fields)
        new.__tvm_ffi_frozen__ = bool(frozen)
        if "__init__" not in namespace:
            new.__init__ = _make_init(cls.__qualname__, type_index, fields)
        return new

    if isinstance(type_key, type):  # @py_class without arguments
        cls, type_key = type_key, None
        return decorate(cls)
    return decorate
