"""Objects, functions, classes and errors: the Python side of the extension.

The compiled module ``_ffi`` provides the wrapper types ``Object`` and
``Function`` and the low-level calls; this module gives them their Python
behaviour (repr, moving, registration of classes) and hands the extension the
Python-level hooks it calls back (class factory, callback trampoline).

Classes.  Every class whose instances wrap core objects is created by
``_ffi.make_type`` (a real HPy type per class; plain Python subclasses of HPy
types are unsafe, see docs/design.md).  ``@register_object(type_key)`` takes a
class statement, builds that real class with the statement's body copied onto
it, and returns it in place of the class statement's own class.  A class
statement deriving from Object that is never registered cannot be instantiated.
Types the core returns without a registered class get one built on demand from
the core's reflection data: fields become properties, methods become methods,
and ``__ffi_init__`` becomes ``__init__``.
"""
import atexit
import copy
import functools
import operator
import sys
import threading
import warnings
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional, TypeVar, Union, cast, overload

from . import _loader, _plain_fields
from .errors import (_CallbackError, _callback_trampoline, _callback_trampoline_0,
                     _callback_trampoline_1, _callback_trampoline_2, _callback_trampoline_3,
                     _error_classes, register_error)
from .field_property import FFIProperty
from .missing import MISSING
from .type_info import TypeField, TypeInfo, TypeMethod
from .conversion_protocols import (_OPAQUE_PTR_HANDLERS,  # noqa: F401 (apache tvm-ffi: core._OPAQUE_PTR_HANDLERS)
                                   opaque_ptr_to_py as _opaque_ptr_to_py,
                                   dtype_from_fields as _dtype_from_fields,
                                   device_from_fields as _device_from_fields,
                                   int_to_words as _int_to_words,
                                   int_from_words as _int_from_words,
                                   protocol_value as _protocol_value,
                                   use_type_cache as _use_type_cache,
                                   PLAIN_TYPES as _PLAIN_TYPES,
                                   PROTOCOL_TYPES as _PROTOCOL_TYPES)

if TYPE_CHECKING:
    from . import _ffi as _ffi  # the stub _ffi.pyi; at run time the module comes from _loader
else:
    _ffi = _loader.load()

_T = TypeVar("_T")
_O = TypeVar("_O", bound="type[Object]")
_F = TypeVar("_F", bound=Callable[..., Any])

Object = _ffi.Object
Function = _ffi.Function

# The C ABI's numbers come from c_api.h through the extension.
TYPE_INDEX_OBJECT: int = _ffi.kTVMFFIObject
TYPE_INDEX_FUNCTION: int = _ffi.kTVMFFIFunction

__all__ = [
    "Object", "Function", "ObjectRValueRef", "register_object", "register_error",
    "get_global_func", "register_global_func", "list_global_func_names",
    "remove_global_func", "convert", "Shape", "Error", "ErrorObject",
    "MISSING", "FFIProperty",
]


# ---------------------------------------------------------------------------
# Object
# ---------------------------------------------------------------------------
class ObjectRValueRef:
    """What ``x._move()`` returns: passing it hands ``x``'s reference to the callee."""

    __slots__ = ("obj",)

    def __init__(self, obj: "Object") -> None:
        self.obj = obj


def _type_key(cls: type) -> str:
    key: str = getattr(cls, "__tvm_ffi_type_key__", "ffi.Object")
    return key


_printing = threading.local()  # .handles: the objects being printed on this thread


def cycle_safe_repr(func: _F) -> _F:
    """Decorate a ``__repr__`` of an object class: an object met again while
    it is being printed (a cycle: object -> Array -> object) prints as
    ``...``.  Keyed on the core object, like `reprlib.recursive_repr` on
    Python objects."""
    @functools.wraps(func)
    def __repr__(self: Object) -> str:
        handle = self.__chandle__()
        active: "Optional[set[int]]" = getattr(_printing, "handles", None)
        if active is None:
            active = _printing.handles = set()
        if handle in active:
            return "..."
        if handle:
            active.add(handle)
        try:
            text: str = func(self)
        finally:
            active.discard(handle)
        return text
    return cast(_F, __repr__)


_repr_print: Optional["Function"] = None  # ffi.ReprPrint, looked up on first use
_deep_copy: Optional["Function"] = None  # ffi.DeepCopy, looked up on first use


def _object_repr(self: Object) -> str:
    """The core's printing (ffi.ReprPrint, core/src/repr.cc): fields of
    reflected objects, ``...`` for an object met again inside itself."""
    global _repr_print
    if not self.__chandle__():
        return "<%s (moved out)>" % type(self).__qualname__
    if _repr_print is None:
        _repr_print = get_global_func("ffi.ReprPrint")
    text: str = _repr_print(self)
    return text


def _object_move(self: Object) -> ObjectRValueRef:
    """Hand this object's reference to the callee: ``f(x._move())`` leaves ``x`` empty."""
    return ObjectRValueRef(self)


def _make_object(type_key: str, fields: "dict[str, Any]") -> Any:
    """Rebuild a reflected object from its fields (the pickle reconstructor)."""
    args: "list[Any]" = [type_key]
    for name, value in fields.items():
        args.append(name)
        args.append(value)
    return get_global_func("ffi.MakeObjectFromPackedArgs")(*args)


def _object_reduce(self: Object) -> "tuple[Any, ...]":
    """Pickle support: py_class objects and reflected C++ objects by their fields."""
    cls = type(self)
    if not self.__chandle__():
        raise TypeError("cannot pickle a moved-out object")
    py_fields: "Optional[tuple[tuple[str, Any], ...]]" = getattr(cls, "__tvm_ffi_py_fields__",
                                                                   None)
    if py_fields is not None:
        return (cls, tuple(getattr(self, name) for name, _ in py_fields))
    info: TypeInfo = cls.__tvm_ffi_type_info__  # the class's own, made when it was built
    names = cls.__tvm_ffi_fields__
    if info.has_creator:  # rebuild it field by field
        return (_make_object, (info.type_key, {name: getattr(self, name) for name in names}))
    if info.constructor is not None and names:
        # The constructor is assumed to take the fields in order.
        return (cls, tuple(getattr(self, name) for name in names))
    raise TypeError("cannot pickle %s: it has neither a reflection creator nor a constructor "
                    "taking its fields" % info.type_key)


def _writable_fields(info: TypeInfo) -> "set[str]":
    """The names of the reflected fields of the type (ancestors' included)
    that can be set after construction."""
    return {field.name for field in info.all_fields() if not field.frozen}


def _object_deepcopy(self: Object, memo: "dict[int, Any]") -> Any:
    """copy.deepcopy of a core object: ffi.DeepCopy (core/src/deep_copy.cc),
    which keeps sharing and cycles inside the object; the memo keeps them
    across the objects of one copy.deepcopy call."""
    global _deep_copy
    done = memo.get(id(self))
    if done is not None:
        return done
    if _deep_copy is None:
        _deep_copy = get_global_func("ffi.DeepCopy")
    new = memo[id(self)] = _deep_copy(self)
    return new


def _object_replace(self: Object, **changes: Any) -> Any:
    """A shallow copy with some fields changed (ffi.ReplaceFields: the type's
    __ffi_shallow_copy__, then the fields' setters, read-only ones too)."""
    flat: "list[Any]" = []
    for name, value in changes.items():
        flat.append(name)
        flat.append(value)
    return get_global_func("ffi.ReplaceFields")(self, *flat)


def _object_ctypes_handle(self: Object) -> Any:
    """The address of the core object as a ``ctypes.c_void_p``."""
    import ctypes
    return ctypes.c_void_p(self.__chandle__())


def _refuse_new(cls: type, *args: Any, **kwargs: Any) -> Any:
    raise TypeError(
        "%s derives from tvm_ffi_hpy.Object but was not registered: decorate it with "
        "@tvm_ffi_hpy.register_object(type_key)" % cls.__qualname__)


_REFUSE_NEW = staticmethod(_refuse_new)


def _object_init_subclass(cls: type, **kwargs: Any) -> None:
    # Only class statements get here (the factory does not call it): keep the
    # unregistered class from making instances with a payload it does not have.
    if "__tvm_ffi_type_index__" not in cls.__dict__:
        setattr(cls, "__new__", _REFUSE_NEW)


def _no_constructor(self: Object, *args: Any, **kwargs: Any) -> None:
    raise TypeError("%s has no constructor registered (__ffi_init__); objects of this type "
                    "come from the core" % _type_key(type(self)))


def _object_is(self: Object, other: object) -> bool:
    """Whether `other` is an object wrapping the same core object (apache
    tvm-ffi's ``is_``; here also ``self is other``: one wrapper per object)."""
    return isinstance(other, Object) and self.same_as(other)


# The HPy types are completed here (setattr: the stub declares the results).
# id_ (the core handle, as __chandle__) and is_ are apache tvm-ffi's aliases.
setattr(Object, "id_", property(lambda self: self.__chandle__(), doc="The core handle (int)."))
setattr(Object, "is_", _object_is)
setattr(Object, "__repr__", _object_repr)
setattr(Object, "_move", _object_move)
setattr(Object, "__ctypes_handle__", _object_ctypes_handle)
setattr(Object, "__reduce__", _object_reduce)
setattr(Object, "__replace__", _object_replace)
setattr(Object, "__init_subclass__", classmethod(cast(Any, _object_init_subclass)))
if sys.implementation.name == "pypy":
    # PyPy gives instances of HPy types an attribute dictionary, which CPython
    # does not (fields live in the core object; the classes say __slots__ = ()).
    # Only what the class defines as a data descriptor (a field, a property)
    # can be set or deleted, as on CPython.
    def _object_setattr(self: Object, name: str, value: Any) -> None:
        if not hasattr(type(getattr(type(self), name, None)), "__set__"):
            raise AttributeError("'%s' object has no attribute '%s'"
                                 % (type(self).__qualname__, name))
        object.__setattr__(self, name, value)

    def _object_delattr(self: Object, name: str) -> None:
        if not hasattr(type(getattr(type(self), name, None)), "__delete__"):
            raise AttributeError("'%s' object has no attribute '%s'"
                                 % (type(self).__qualname__, name))
        object.__delattr__(self, name)

    setattr(Object, "__setattr__", _object_setattr)
    setattr(Object, "__delattr__", _object_delattr)
Object.__tvm_ffi_type_key__ = "ffi.Object"
Object.__tvm_ffi_type_index__ = TYPE_INDEX_OBJECT
Object.__tvm_ffi_fields__ = ()


def _function_repr(self: Function) -> str:
    handle = self.__chandle__()
    return "<tvm_ffi_hpy.Function at %#x>" % handle if handle else "<tvm_ffi_hpy.Function (moved out)>"


def _set_release_gil(self: Function, value: object) -> None:
    self._set_release_gil(bool(value))


def _function_reduce(self: Function) -> Any:
    raise TypeError("tvm_ffi_hpy.Function objects cannot be pickled")


def _c_address(symbol: Any) -> int:
    value = getattr(symbol, "value", symbol)  # ctypes.c_void_p or an int
    if not isinstance(value, int):
        raise TypeError("expected a C function address (int or ctypes.c_void_p), got %s"
                        % type(symbol).__name__)
    return value


def _function_from_extern_c(c_symbol: Any, *, keep_alive_object: Any = None) -> Function:
    """The Function over a C safe-call function at address `c_symbol`
    (``int(void* self, const TVMFFIAny* args, int32_t n, TVMFFIAny* rv)``,
    which must ignore `self`).  `keep_alive_object` (e.g. the JIT engine that
    made the code) lives as long as the Function."""
    return _ffi.function_from_c_entry(_c_address(c_symbol), False, keep_alive_object)


def _function_from_mlir_packed(mlir_packed_symbol: Any, *,
                               keep_alive_object: Any = None) -> Function:
    """The Function over MLIR's packed form of a safe-call function
    (``void(void** a)``, a = {&self, &args, &num_args, &rv, &ret_code})."""
    return _ffi.function_from_c_entry(_c_address(mlir_packed_symbol), True, keep_alive_object)


setattr(Function, "__from_extern_c__", staticmethod(_function_from_extern_c))
setattr(Function, "__from_mlir_packed_safe_call__", staticmethod(_function_from_mlir_packed))
setattr(Function, "__repr__", _function_repr)
setattr(Function, "__reduce__", _function_reduce)
setattr(Function, "release_gil", property(
    Function._get_release_gil, _set_release_gil, None,
    "Release the GIL while the core runs this function (callbacks from the same "
    "thread re-enter Python; see docs/design.md)."))
Function.__tvm_ffi_type_key__ = "ffi.Function"
Function.__tvm_ffi_type_index__ = TYPE_INDEX_FUNCTION
Function.__tvm_ffi_fields__ = ()


# ---------------------------------------------------------------------------
# Classes
# ---------------------------------------------------------------------------
_NOT_COPIED = frozenset(("__dict__", "__weakref__", "__module__", "__qualname__"))
_WRAPPER_DESCRIPTOR = type(object.__dict__["__str__"])


def _make_method(func: Function, name: str, doc: str = "") -> Callable[..., Any]:
    def method(self: Object, *args: Any) -> Any:
        return func(self, *args)
    method.__name__ = name
    method.__doc__ = doc or None
    return method


def _make_init(ctor: Function) -> Callable[..., None]:
    def __init__(self: Object, *args: Any) -> None:
        self.__init_handle_by_constructor__(ctor, *args)
    return __init__


def _pack_kwargs(args: "tuple[Any, ...]", kwargs: "dict[str, Any]") -> "list[Any]":
    """The arguments of a call to a generated ``__ffi_init__``: positional
    ones, then KWARGS and the name/value pairs (a value of MISSING is left
    out: the field's default applies)."""
    packed = list(args)
    if kwargs:
        packed.append(KWARGS)
        for key, value in kwargs.items():
            if value is not MISSING:
                packed.append(key)
                packed.append(value)
    return packed


def _install_ffi_init_attr(cls: "type[Any]", type_info: TypeInfo, ffi_init: Function) -> None:
    """``cls.__ffi_init__(self, *args, **kwargs)`` (apache tvm-ffi's): builds
    the object of `self` with `ffi_init` (keyword arguments with the KWARGS
    protocol); on an instance of a subclass it raises TypeError."""
    type_name = cls.__name__

    def __ffi_init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
        if type(self).__tvm_ffi_type_info__ is not type_info:
            raise TypeError("Calling `%s.__ffi_init__()` on a `%s` instance is not supported. "
                            "Define `%s` with init=True."
                            % (type_name, type(self).__name__, type(self).__name__))
        self.__init_handle_by_constructor__(ffi_init, *_pack_kwargs(args, kwargs))

    __ffi_init__.__qualname__ = "%s.__ffi_init__" % cls.__qualname__
    __ffi_init__.__module__ = cls.__module__
    setattr(cls, "__ffi_init__", __ffi_init__)


def _make_generated_init(ctor: Function) -> Callable[..., None]:
    """__init__ over the constructor generated from reflection: keyword
    arguments follow the KWARGS marker as name/value pairs."""
    def __init__(self: Object, *args: Any, **kwargs: Any) -> None:
        if kwargs:
            args += (KWARGS,) + tuple(x for kv in kwargs.items() for x in kv)
        self.__init_handle_by_constructor__(ctor, *args)
    return __init__


# Reflected fields are getset descriptors of their class (one C call per read
# or write) where the errors that getset descriptors raise reach Python code,
# and properties over a FieldAccessor elsewhere (PyPy 7.3.19 loses them).  The
# extension's shim decides (hpy_ext/shim.h, "Getset errors"); the same binary
# serves both front ends.
GETSET_FIELDS: bool = _ffi.GETSET_FIELDS


def _reflected_fields(info: TypeInfo, base: "type[Any]", namespace: "dict[str, Any]"
                      ) -> "tuple[list[TypeField], list[str]]":
    """The fields of the type and of its ancestors that the class must get
    (the class body does not define them and its base does not reach them);
    and the names of all its fields."""
    install: "dict[str, TypeField]" = {}
    names: "list[str]" = []
    for level in info.lineage():
        for field in level.fields:
            names.append(field.name)
            if field.name in namespace:
                continue
            if level is not info and hasattr(base, field.name):
                continue
            install[field.name] = field  # a deeper level's field wins
    return list(install.values()), names


def _install_reflection(cls: "type[Any]", info: TypeInfo, namespace: "dict[str, Any]",
                        properties: "list[TypeField]", field_names: "list[str]") -> None:
    """Fields that are not getset descriptors of the class (`properties`)
    become properties; methods, __init__, __tvm_ffi_fields__."""
    for field in properties:
        # Plain values as memory through cffi (_plain_fields.py), else the
        # accessor's bound read/write: a cheaper call than the accessor
        # itself.  Writes to read-only fields fail in the core, with its message.
        acc = field.accessor
        read, write = _plain_fields.plain_field_access(_ffi, info.type_index, field, acc.read,
                                                       acc.write)
        prop = property(read, write, None, field.doc or None)
        prop.__doc__ = field.doc or None  # no doc: None, not fget's (PyPy copies it)
        setattr(cls, field.name, prop)
    for method in info.methods:
        if method.name == "__ffi_init__":
            if "__init__" not in namespace:
                cls.__init__ = _make_init(method.func)
            if "__ffi_init__" not in namespace:
                _install_ffi_init_attr(cls, info, method.func)
            continue
        if method.name in namespace:
            continue
        if method.is_static:
            setattr(cls, method.name, staticmethod(method.func))
        else:
            setattr(cls, method.name, _make_method(method.func, method.name, method.doc))
    if "__init__" not in namespace and "__init__" not in cls.__dict__ and info.constructor is None:
        # The constructor generated from reflection needs a creator (type_attr.cc).
        generated = _core_type_attr(info.type_index, "__ffi_init__") if info.has_creator else None
        cls.__init__ = _make_generated_init(generated) if generated else _no_constructor
        if generated and "__ffi_init__" not in namespace:
            _install_ffi_init_attr(cls, info, generated)
    cls.__tvm_ffi_fields__ = tuple(dict.fromkeys(field_names))


def _rebind_class_cell(value: Any, old: type, new: type) -> None:
    """Point the `__class__` cell of a function (zero-argument super()) to `new`."""
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        for f in (value.fget, value.fset, value.fdel):
            _rebind_class_cell(f, old, new)
        return
    closure = getattr(value, "__closure__", None)
    if not closure or "__class__" not in getattr(value.__code__, "co_freevars", ()):
        return
    cell = closure[value.__code__.co_freevars.index("__class__")]
    if cell.cell_contents is old:
        cell.cell_contents = new


def _build_class(type_index: int, base: "type[Object]", name: str, module: str, qualname: str,
                 namespace: "dict[str, Any]", source: Optional[type] = None,
                 metaclass: Optional[type] = None) -> "type[Any]":
    info = _ffi.type_info(type_index)
    parent = base.__dict__.get("__tvm_ffi_type_info__")
    if parent is not None and info.parent_type_info is not None \
            and parent.type_index == info.parent_type_info.type_index:
        info.parent_type_info = parent  # the parent class's own (one TypeInfo per class)
    fields, field_names = _reflected_fields(info, base, namespace)
    as_getsets = GETSET_FIELDS and bool(fields)  # else properties (_install_reflection)
    getsets = tuple(f.accessor for f in fields) if as_getsets else None
    cls = (_ffi.make_type("%s.%s" % (module, name), base, getsets) if metaclass is None else
           _ffi.make_type("%s.%s" % (module, name), base, getsets, metaclass))
    if metaclass is not None:
        # HPy on CPython gives a class made with a metaclass a slot wrapper for
        # every inherited slot (__eq__, __str__, ...), which hides the base's
        # Python-level ones: remove them, inheritance then applies as usual.
        for key in [k for k, v in cls.__dict__.items()
                    if type(v) is _WRAPPER_DESCRIPTOR and k not in ("__del__", "__new__")]:
            delattr(cls, key)
    cls.__module__ = module
    cls.__qualname__ = qualname
    info.type_cls = cls
    cls.__tvm_ffi_type_info__ = info
    cls.__tvm_ffi_type_key__ = info.type_key
    cls.__tvm_ffi_type_index__ = type_index
    for key, value in namespace.items():
        if key in _NOT_COPIED or (key == "__new__" and value is _REFUSE_NEW):
            continue
        if key == "__slots__":
            if value == ():
                continue  # what every such class has (set below)
            raise TypeError("classes of core objects cannot declare __slots__")
        if key == "__del__":
            # PyPy warns that __del__ added to an existing type is not called;
            # HPy types get it called all the same (tests/test_tying.py).
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                setattr(cls, key, value)
        else:
            setattr(cls, key, value)
        if source is not None:
            _rebind_class_cell(value, source, cls)
    # Instances have no __dict__ (nor __weakref__): fields live in the core
    # object.  An empty __slots__ says so, as for apache tvm-ffi's classes.
    cls.__slots__ = ()
    _install_reflection(cls, info, namespace, [] if as_getsets else fields, field_names)
    if "__deepcopy__" not in namespace:
        # The core's deep copy; classes with their own __reduce__ (and no
        # __deepcopy__) keep copy's default.
        own_reduce = getattr(cls, "__reduce__") is _object_reduce
        cls.__deepcopy__ = _object_deepcopy if own_reduce else None
    for key, value in namespace.items():
        if hasattr(value, "__set_name__") and key not in _NOT_COPIED:
            value.__set_name__(cls, key)
    _ffi.register_class(type_index, cls)  # the one class registry (hpy_ext/module.cc)
    return cls


def _type_index_to_type_info(type_index: int) -> Optional[TypeInfo]:
    """The TypeInfo of a core type: its registered class's (the same object
    every time), else a new one from the core; None for an index the core
    does not know."""
    cls = _ffi.registered_class(type_index)
    info: Optional[TypeInfo] = getattr(cls, "__tvm_ffi_type_info__", None) \
        if cls is not None else None
    if info is None or info.type_index != type_index:
        try:
            info = _ffi.type_info(type_index)
        except Exception:
            return None
    return info


def _type_cls_to_type_info(type_cls: type) -> Optional[TypeInfo]:
    """The TypeInfo of a registered class (None for any other class)."""
    info: Optional[TypeInfo] = getattr(type_cls, "__dict__", {}).get("__tvm_ffi_type_info__")
    return info


def _lookup_or_register_type_info_from_type_key(type_key: str) -> TypeInfo:
    """The TypeInfo of the core type `type_key` (ValueError when unknown)."""
    try:
        index = _ffi.type_key_to_index(type_key)
    except Exception as err:
        raise ValueError("the core has no type %r" % type_key) from err
    info = _type_index_to_type_info(index)
    assert info is not None
    return info


def _register_py_class(parent_info: TypeInfo, type_key: str, type_cls: type) -> TypeInfo:
    """apache tvm-ffi's low-level py_class registration: a new core type for
    the class `type_cls`, fields to follow (``info._register_fields``); see
    tvm_ffi_hpy/dataclasses/_py_class_type.py."""
    from .dataclasses._py_class_type import register_py_class
    return register_py_class(parent_info, type_key, type_cls)


def object_repr(obj: Object) -> str:
    """repr of an object as its class prints it (apache tvm-ffi's
    ``core.object_repr``)."""
    return repr(obj)


def _class_for_index(type_index: int) -> "type[Object]":
    """Called by the extension for a type met without a registered class."""
    cls: "Optional[type[Object]]" = _ffi.registered_class(type_index)
    if cls is not None:
        return cls
    info = _ffi.type_info(type_index)
    base = _class_for_index(info.type_ancestors[-1]) if info.type_ancestors else Object
    # Named as apache tvm-ffi names such a class: module = the type key's
    # prefix, qualname = the whole type key.
    module, _, name = info.type_key.rpartition(".")
    doc = ("Auto-generated fallback class for %s.\n"
           "It was built from the core's reflection because no Python class is registered\n"
           "for this type; register one with the `register_object` decorator."
           % info.type_key)
    return _build_class(type_index, base, name, module or "core", info.type_key,
                        {"__doc__": doc})


@overload
def register_object(type_key: _O) -> _O: ...
@overload
def register_object(type_key: Optional[str] = None) -> Callable[[_O], _O]: ...


def register_object(type_key: "Union[str, type[Object], None]" = None
                    ) -> "Union[type[Object], Callable[[_O], _O]]":
    """Class decorator: wrap core objects of `type_key` in this class.

    The class body may define methods, properties and class attributes; the
    core type's reflected fields become properties and its ``__ffi_init__``
    becomes ``__init__`` unless the body defines them::

        @tvm_ffi_hpy.register_object("testing.TestIntPair")
        class TestIntPair(tvm_ffi_hpy.Object):
            def total(self):
                return self.a + self.b
    """
    def register(cls: _O) -> _O:
        key = type_key if type_key is not None else cls.__name__
        if not isinstance(key, str):
            raise TypeError("register_object takes the type key as a string")
        if not (isinstance(cls, type) and issubclass(cls, Object)):
            raise TypeError("register_object decorates subclasses of tvm_ffi_hpy.Object")
        try:
            type_index = _ffi.type_key_to_index(key)
        except Exception as err:
            raise ValueError("register_object: the core has no type %r" % key) from err
        base = cls.__bases__[0]
        if len(cls.__bases__) != 1 or "__tvm_ffi_type_index__" not in base.__dict__:
            raise TypeError("a class of core objects derives from exactly one registered class "
                            "(Object or a registered subclass)")
        return cast(_O, _build_class(type_index, base, cls.__name__, cls.__module__,
                                     cls.__qualname__, dict(cls.__dict__), source=cls))

    if isinstance(type_key, type):  # used as @register_object without a key
        cls, type_key = type_key, None
        return register(cls)
    return register


# ---------------------------------------------------------------------------
# Functions and values
# ---------------------------------------------------------------------------
_get_type_attr: Optional[Function] = None  # ffi.GetTypeAttr, looked up on first use


def _core_type_attr(type_index: int, name: str) -> Any:
    """The type attribute `name` registered with the core for the type
    (core/src/type_attr.cc), or None; "__ffi_init__" is the constructor
    generated from reflection.  `_lookup_type_attr` (type_converter.py) also
    sees the attributes attached from Python."""
    global _get_type_attr
    if _get_type_attr is None:  # looked up once: conversions ask for every object
        _get_type_attr = get_global_func("ffi.GetTypeAttr")
    return _get_type_attr(type_index, name)


_testing_loaded = False


def _load_testing_library() -> bool:
    """Import tvm_ffi_hpy.testing once (it loads the testing library); True
    when this call did, so that the caller looks its name up again."""
    global _testing_loaded
    if _testing_loaded:
        return False
    _testing_loaded = True
    import importlib
    importlib.import_module(__name__.rsplit(".", 1)[0] + ".testing")
    return True


@overload
def get_global_func(name: str) -> Function: ...
@overload
def get_global_func(name: str, allow_missing: bool) -> Optional[Function]: ...


def get_global_func(name: str, allow_missing: bool = False) -> Optional[Function]:
    """The global function `name`; None or ValueError when there is none.

    The "testing.*" functions live in the testing library (core/testing/):
    the first miss of such a name imports ``tvm_ffi_hpy.testing``, which loads
    it, and looks again.  Only the miss path pays for this.
    """
    func = _ffi.get_global_func(name)
    if func is None and name.startswith("testing.") and _load_testing_library():
        func = _ffi.get_global_func(name)
    if func is None and not allow_missing:
        raise ValueError("Cannot find global function %s" % name)
    return func


@overload
def register_global_func(func_name: Callable[..., Any], f: None = None,
                         override: bool = False) -> Function: ...
@overload
def register_global_func(func_name: str, f: Callable[..., Any],
                         override: bool = False) -> Function: ...
@overload
def register_global_func(func_name: str, f: None = None,
                         override: bool = False) -> Callable[[Callable[..., Any]], Function]: ...


def register_global_func(func_name: "Union[str, Callable[..., Any]]",
                         f: Optional[Callable[..., Any]] = None,
                         override: bool = False) -> Any:
    """Register a Python callable (or a Function) as a global function; returns
    the registered Function (as apache tvm-ffi does, also as a decorator).

    ``register_global_func("my.add", lambda a, b: a + b)``, or as a decorator:
    ``@register_global_func("my.add")`` / ``@register_global_func``.
    """
    if callable(func_name) and f is None:
        f, func_name = func_name, func_name.__name__
    if not isinstance(func_name, str):
        raise TypeError("register_global_func takes the function name as a string")
    name = func_name

    def register(func: Callable[..., Any]) -> Any:
        if not callable(func):
            raise TypeError("register_global_func needs a callable")
        _ffi.set_global_func(name, func, override)
        return get_global_func(name)

    return register(f) if f is not None else register


def list_global_func_names() -> "list[str]":
    """The names of every global function, sorted."""
    return _ffi.list_global_func_names()


def init_ffi_api(namespace: str, target_module_name: Optional[str] = None) -> None:
    """Set the global functions named ``<namespace>.<name>`` (no further dot)
    as attributes ``<name>`` of the module `target_module_name` (default: the
    module named `namespace`), which must be imported already: the
    ``_FFI_INIT_FUNC(...)`` line of stubs written by tvm_ffi_hpy.stub.  A
    leading ``tvm.`` of `namespace` is dropped, as apache tvm-ffi does."""
    import sys
    if not isinstance(namespace, str):
        raise TypeError("init_ffi_api: namespace must be a str, got %s" % type(namespace).__name__)
    if target_module_name is not None and not isinstance(target_module_name, str):
        raise TypeError("init_ffi_api: target_module_name must be a str or None, got %s"
                        % type(target_module_name).__name__)
    module_name = target_module_name or namespace
    module = sys.modules.get(module_name)
    if module is None:
        raise ValueError("init_ffi_api: module %r is not imported" % module_name)
    prefix = namespace[len("tvm."):] if namespace.startswith("tvm.") else namespace
    for name in list_global_func_names():
        head, dot, short = name.rpartition(".")
        if dot and head == prefix:
            func = get_global_func(name)
            try:
                setattr(func, "__name__", short)
            except (AttributeError, TypeError):
                pass
            setattr(module, short, func)


def remove_global_func(name: str) -> bool:
    """Remove a global function; True when it existed."""
    return _ffi.remove_global_func(name)


def convert(value: Any) -> Any:
    """The value as the core holds it: lists and tuples become Array, dicts Map,
    callables Function; numbers, strings and bytes stay themselves."""
    return _ffi.convert(value)


class Shape(tuple[int, ...]):
    """A shape: a tuple of ints that crosses the FFI as a core Shape (a value)."""

    __slots__ = ()

    def __new__(cls, content: Iterable[Any] = ()) -> "Shape":
        return super().__new__(cls, (operator.index(x) for x in content))

    def __repr__(self) -> str:
        return "Shape(%s)" % (list(self),)


# Everything the extension calls back, by name (hpy_ext/module.cc, kHooks).
_ffi.set_hooks({
    "class_factory": _class_for_index,
    "trampoline": _callback_trampoline,
    "trampoline_0": _callback_trampoline_0,
    "trampoline_1": _callback_trampoline_1,
    "trampoline_2": _callback_trampoline_2,
    "trampoline_3": _callback_trampoline_3,
    "CallbackError": _CallbackError,
    "reraise": _CallbackError._reraise,
    "raise_with_backtrace": _CallbackError._raise_with_backtrace,
    "backtrace_of": _CallbackError._backtrace_of,
    "RValueRef": ObjectRValueRef,
    "Shape": Shape,
    "protocol_value": _protocol_value,
    "plain_types": _PLAIN_TYPES,
    "protocol_types": _PROTOCOL_TYPES,
    "opaque_ptr_to_py": _opaque_ptr_to_py,
    "dtype_from_fields": _dtype_from_fields,
    "device_from_fields": _device_from_fields,
    "int_to_words": _int_to_words,
    "int_from_words": _int_from_words,
    "error_classes": _error_classes,
    "TypeInfo": TypeInfo,
    "TypeField": TypeField,
    "TypeMethod": TypeMethod,
})
_use_type_cache(_ffi.forget_plain_type)  # the extension's plain-type cache


def _attach_type_info(cls: type, type_index: int) -> None:
    """Give a class the package defines for a core type (Object, Function;
    Shape, String, Bytes, dtype, Device, whose instances are plain values)
    its own TypeInfo, as apache tvm-ffi's classes have: ``type_cls`` is the
    class, and a parent ffi.Object is Object's own TypeInfo.  Only
    ``__tvm_ffi_type_info__`` is set: which classes wrap core objects is
    still the class registry's (hpy_ext/module.cc)."""
    info = _ffi.type_info(type_index)
    parent = info.parent_type_info
    if parent is not None and parent.type_index == TYPE_INDEX_OBJECT and cls is not Object:
        info.parent_type_info = Object.__tvm_ffi_type_info__
    info.type_cls = cls
    setattr(cls, "__tvm_ffi_type_info__", info)


for _base in (Object, Function):
    _attach_type_info(_base, _base.__tvm_ffi_type_index__)
_attach_type_info(Shape, _ffi.type_key_to_index("ffi.Shape"))


def _tell_extension_about_recursion_limits() -> None:
    """Make sys.setrecursionlimit also tell the extension.  Before it works,
    the extension checks that the interpreter's stack has room; each thread
    caches the answer, which holds only as long as the limit does (shim.h,
    "Stack").  The wrapper calls the original, then drops those caches."""
    original = sys.setrecursionlimit
    if getattr(original, "_tvm_ffi_hpy_hook", False):
        return

    @functools.wraps(original)
    def setrecursionlimit(limit: int) -> None:
        original(limit)
        _ffi.stack_limit_changed()

    setrecursionlimit._tvm_ffi_hpy_hook = True  # type: ignore[attr-defined]
    sys.setrecursionlimit = setrecursionlimit


_tell_extension_about_recursion_limits()


@register_object("ffi.Error")
class ErrorObject(Object):
    """A core Error held as a value (apache tvm-ffi's ``tvm_ffi.core.Error``;
    `Error` is the same class).

    A Python exception that crosses as a value (``convert(exc)``, an argument,
    an item of a list or dict, a callback's return value) becomes one: `kind`
    is the exception's class name, `message` ``str(exc)``, `backtrace` the
    Python frames it was raised through, and `py_error()` gives back that
    very exception object, also after a trip through C++."""

    @property
    def kind(self) -> str:
        return _ffi.error_info(self)[0]

    @property
    def message(self) -> str:
        return _ffi.error_info(self)[1]

    @property
    def backtrace(self) -> str:
        return _ffi.error_info(self)[2]

    def py_error(self) -> BaseException:
        """The Python exception: the one this Error was made from, else a new
        exception of the class registered for `kind` (RuntimeError for an
        unknown kind) with `message`, the C++ backtrace in
        ``__ffi_backtrace__`` and the cause chain as ``__cause__``."""
        exc: BaseException = _ffi.error_py_error(self)
        return exc

    def __init__(self, kind: str, message: str, backtrace: str = "") -> None:
        """A new Error (not raised), as apache tvm-ffi's ``Error(kind, message, backtrace)``."""
        self.__init_handle_by_constructor__(get_global_func("ffi.ErrorCreate"), kind, message,
                                            backtrace)

    @property
    def extra_context(self) -> None:
        """apache tvm-ffi's native context of an error: none here."""
        return None

    def __reduce__(self) -> "tuple[Any, ...]":
        # By value (a new core Error on unpickling); an empty one stays empty.
        if not self.__chandle__():
            return (_new_empty_error, ())
        return (type(self), (self.kind, self.message, self.backtrace))

    def __repr__(self) -> str:  # no fields to recurse into
        if not self.__chandle__():
            return "<ErrorObject (moved out)>"
        return "ErrorObject(kind=%r, message=%r)" % (self.kind, self.message)


Error = ErrorObject


def _new_empty_error() -> ErrorObject:
    """An Error that holds no core object (the pickle of one)."""
    return ErrorObject.__new__(ErrorObject)


def _start_callback_service() -> Optional[threading.Thread]:
    """Python callbacks called from C++ threads run in this thread (HPy 0.9
    cannot attach a foreign thread to the interpreter).  Not in HPy debug
    mode: its context cannot be shared by threads that leave and re-enter
    Python execution."""
    if _loader.debug_mode():
        return None
    thread = threading.Thread(target=_ffi.serve_callbacks, name="tvm_ffi_hpy-callbacks",
                              daemon=True)
    thread.start()
    return thread


def _stop_callback_service() -> None:
    # At exit, before finalization: the service re-enters Python once to
    # return, so it must be done before the interpreter starts finalizing.
    if _callback_service is not None:
        _ffi.stop_serving()
        _callback_service.join(timeout=10)


_callback_service = _start_callback_service()
atexit.register(_stop_callback_service)
_ffi.register_class(TYPE_INDEX_OBJECT, Object)
_ffi.register_class(TYPE_INDEX_FUNCTION, Function)

#: The marker between positional and keyword arguments of a generated
#: ``__ffi_init__``: ``ctor(1, 2, KWARGS, "name", value, ...)``.
KWARGS: Any = get_global_func("ffi.GetKwargsObject")()

# Type schemas and the converter (type_schema.py, type_converter.py), under
# apache tvm-ffi's names in tvm_ffi.core.  Last: they import containers and tensor.
from .containers import String, Bytes  # noqa: E402
from .type_schema import TypeSchema  # noqa: E402
from .type_converter import (CAny, CObject, ObjectConvertible, DataType,  # noqa: E402
                             _to_py_class_value, _lookup_type_attr, _register_type_attr,
                             _object_type_key_to_index, _set_class_device, _set_class_dtype)
from .tensor import Device as _CLASS_DEVICE, dtype as _CLASS_DTYPE  # noqa: E402
__all__ += ["TypeSchema", "CAny", "CObject", "ObjectConvertible", "DataType", "String", "Bytes"]
