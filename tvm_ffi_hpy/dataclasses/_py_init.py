"""How a py_class object is built: the order of ``__init__``'s parameters,
its signature, ``__ffi_init__`` (binds the arguments and fills the fields),
the generated ``__init__`` around it, and init_property fields."""
import inspect
from typing import Any, Callable, Optional, Sequence

from ..missing import MISSING
from ._common import _Cls, _new_py_class_object
from ._field import Field, full_converter


def init_order(fields: Sequence[Field]) -> "tuple[list[Field], list[Field]]":
    """(positional, keyword-only) parameters of ``__init__``: in each group the
    required fields come first, then the defaulted ones, each in declaration
    order (a required field may follow a defaulted one in the class body)."""
    def required_first(group: "list[Field]") -> "list[Field]":
        return ([f for f in group if not f._has_default()]
                + [f for f in group if f._has_default()])
    init = [f for f in fields if f.init]
    return (required_first([f for f in init if not f.kw_only]),
            required_first([f for f in init if f.kw_only]))


def init_signature(positional: Sequence[Field], kw_only: Sequence[Field]) -> inspect.Signature:
    """``(self, a, b=<MISSING>, *, c, d=<MISSING>)``: a defaulted parameter
    shows MISSING, which ``__init__`` takes as "use the field's default"."""
    names = {str(f.name) for f in list(positional) + list(kw_only)}
    receiver = "self"
    while receiver in names:  # a field may be named "self"
        receiver = "_" + receiver
    params = [inspect.Parameter(receiver, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for kind, group in ((inspect.Parameter.POSITIONAL_OR_KEYWORD, positional),
                        (inspect.Parameter.KEYWORD_ONLY, kw_only)):
        for f in group:
            default = MISSING if f._has_default() else inspect.Parameter.empty
            params.append(inspect.Parameter(str(f.name), kind, default=default,
                                            annotation=inspect.Parameter.empty))
    return inspect.Signature(params)


def _bind(where: str, fields: Sequence[Field], positional: Sequence[Field],
          args: Sequence[Any], kwargs: "dict[str, Any]") -> "list[Any]":
    """One value per field (MISSING where the call gave none)."""
    if len(args) > len(positional):
        raise TypeError("%s takes at most %d positional argument(s), but %d were given"
                        % (where, len(positional), len(args)))
    given = {}
    for f, value in zip(positional, args):
        given[f.name] = value
    if kwargs:
        init_names = {f.name for f in fields if f.init}
        for name, value in kwargs.items():
            if name in given:
                raise TypeError("%s got multiple values for argument %r" % (where, name))
            if name not in init_names:
                raise TypeError("%s got an unexpected keyword argument %r" % (where, name))
            given[name] = value
    values = []
    for f in fields:
        value = given.get(f.name, MISSING)
        what = "field"
        if value is MISSING:
            if f.default_factory is not MISSING:
                value = f.default_factory()
            elif f.default is not MISSING:
                value = f.default
            elif f.init:
                raise TypeError("%s missing required %sargument: %r"
                                % (where, "keyword-only " if f.kw_only else "", f.name))
            else:  # not converted: what the field holds before anything is written
                values.append(zero_value(f.type if f.type is not None
                                         else getattr(f._ty_schema, "origin", None)))
                continue
            what = "default for field"
        conv = full_converter(f)
        values.append(value if conv is None else _convert(conv, value, where, what, f.name))
    return values


def _convert(conv: Callable[[Any], Any], value: Any, where: str, what: str,
             name: Optional[str]) -> Any:
    """conv(value); a value that does not convert to the field's schema
    raises TypeError naming the field: ``where field 'b':`` then the reason,
    indented."""
    try:
        return conv(value)
    except Exception as err:
        from ..type_converter import ConversionError  # here: an import costs microseconds
        if not isinstance(err, ConversionError):
            raise
        reason = "\n".join("  " + line for line in str(err).split("\n"))
        raise TypeError("%s %s %r:\n%s" % (where, what, name, reason)) from None


_ZEROS = {int: 0, float: 0.0, bool: False, "int": 0, "float": 0.0, "bool": False}


def zero_value(annotation: Any) -> Any:
    """What a field without a default holds before anything is written to it:
    0, 0.0 or False for an int, float or bool annotation, else None."""
    try:
        return _ZEROS.get(annotation)
    except TypeError:  # an unhashable annotation
        return None


def default_values(cls: _Cls) -> "list[Any]":
    return [f._default_value() if f._has_default() else zero_value(
        f.type if f.type is not None else getattr(f._ty_schema, "origin", None))
            for f in cls.__tvm_ffi_dataclass_fields__]


def compute_init_properties(obj: Any) -> None:
    """Store the value of each init_property field of the object's class
    (ancestors' first)."""
    for func, accessor in type(obj).__tvm_ffi_init_properties__:
        accessor(obj, func(obj))


def make_ffi_init(cls: _Cls, fields: Sequence[Field], accessors: Sequence[Any],
                  positional: Sequence[Field], kw_only: Sequence[Field]) -> Callable[..., None]:
    """``__ffi_init__(self, *args, **kwargs)``: the fields of `cls` from the
    arguments (its ``__init__`` signature).  On an object not built yet it
    builds it; on one built already (a body ``__init__`` calls it, or a
    subclass's) it writes the fields."""
    where = "%s.__ffi_init__()" % cls.__tvm_ffi_type_key__
    type_index = cls.__tvm_ffi_type_index__
    # The common call gives every field positionally, in declaration order:
    # then the values are the arguments (converted), no binding needed.
    count = len(fields)
    in_order = len(positional) == count and all(p is f for p, f in zip(positional, fields))

    def __ffi_init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
        if in_order and not kwargs and len(args) == count:
            values = list(args)
            for i, f in enumerate(fields):
                conv = full_converter(f)
                if conv is not None:
                    values[i] = _convert(conv, values[i], where, "field", f.name)
        else:
            values = _bind(where, fields, positional, args, kwargs)
        if not self.__chandle__():
            sub = type(self)
            if sub.__tvm_ffi_type_index__ == type_index:
                if count == 1:  # spelled out: see _make_c_init (_methods.py)
                    self.__init_handle_by_constructor__(_new_py_class_object, type_index,
                                                        values[0])
                else:
                    self.__init_handle_by_constructor__(_new_py_class_object, type_index,
                                                        *values)
                if sub.__tvm_ffi_init_properties__:
                    compute_init_properties(self)
                return
            self.__init_handle_by_constructor__(_new_py_class_object,
                                                sub.__tvm_ffi_type_index__,
                                                *default_values(sub))
        for accessor, value in zip(accessors, values):
            accessor(self, value)
        if type(self).__tvm_ffi_type_index__ == type_index:
            compute_init_properties(self)

    __ffi_init__.__qualname__ = cls.__qualname__ + ".__ffi_init__"
    __ffi_init__.__signature__ = init_signature(positional, kw_only)  # type: ignore[attr-defined]
    return __ffi_init__


def make_init(cls: _Cls, ffi_init: Callable[..., None], signature: inspect.Signature,
              fields: Sequence[Field], positional: Sequence[Field]) -> Callable[..., None]:
    """The generated ``__init__``: ``__ffi_init__``, then ``__post_init__``.

    The common call (an object of `cls` itself, not built yet, every field
    given positionally in declaration order) is done here, in one frame:
    forwarding ``*args, **kwargs`` to ``__ffi_init__`` and asking
    `full_converter` per field cost about 40% of the construction.  The
    converters are taken from the fields at the first construction (a Field
    is not changed once its class exists)."""
    count = len(fields)
    in_order = len(positional) == count and all(p is f for p, f in zip(positional, fields))
    type_index = cls.__tvm_ffi_type_index__
    where = "%s.__ffi_init__()" % cls.__tvm_ffi_type_key__
    converting: "Optional[tuple[tuple[int, Callable[[Any], Any], str], ...]]" = None

    def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
        nonlocal converting
        if in_order and not kwargs and len(args) == count and type(self) is cls \
                and not self.__tvm_ffi_address__:
            if converting is None:  # (index, converter, name) of the fields that convert
                converting = tuple((i, conv, str(f.name)) for i, f in enumerate(fields)
                                   for conv in (full_converter(f),) if conv is not None)
            values: Sequence[Any] = args
            if converting:
                values = list(args)
                for i, conv, name in converting:
                    values[i] = _convert(conv, values[i], where, "field", name)
            if count == 1:  # spelled out: see _make_c_init (_methods.py)
                self.__init_handle_by_constructor__(_new_py_class_object, type_index, values[0])
            else:
                self.__init_handle_by_constructor__(_new_py_class_object, type_index, *values)
            if cls.__tvm_ffi_init_properties__:
                compute_init_properties(self)
        else:
            if not args and not kwargs and self.__chandle__() and type(self) is not cls:
                return  # super().__init__() from a subclass's body __init__
            ffi_init(self, *args, **kwargs)
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    __init__.__qualname__ = cls.__qualname__ + ".__init__"
    __init__.__signature__ = signature  # type: ignore[attr-defined]
    return __init__


def wrap_user_init(cls: _Cls, user_init: Callable[..., Any]) -> Callable[..., None]:
    """A body ``__init__`` runs on an object already built with the fields'
    defaults: it may set fields or call ``self.__ffi_init__(...)``."""
    def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
        if not self.__chandle__():
            sub = type(self)
            self.__init_handle_by_constructor__(_new_py_class_object,
                                                sub.__tvm_ffi_type_index__, *default_values(sub))
        user_init(self, *args, **kwargs)

    for attr in ("__name__", "__qualname__", "__doc__", "__module__"):
        setattr(__init__, attr, getattr(user_init, attr, None))
    setattr(__init__, "__wrapped__", user_init)
    return __init__


def make_no_init(cls: _Cls) -> Callable[..., None]:
    """``init=False`` and no body ``__init__``: not constructible directly."""
    name = cls.__name__

    def __init__(self: Any, /, *args: Any, **kwargs: Any) -> None:
        raise TypeError("`%s` cannot be constructed directly. Define a custom __init__ or "
                        "use a factory method." % name)

    __init__.__qualname__ = cls.__qualname__ + ".__init__"
    return __init__


def field_property(name: str, read: Callable[[Any], Any], store: Callable[[Any, Any], None],
                   frozen: bool, doc: Optional[str],
                   converter: Optional[Callable[[Any], Any]] = None) -> Any:
    """The class attribute of a py_class or c_class field (core.FFIProperty)
    over `read` and `store` (the accessor's bound read and write, or the
    plain-value paths of _plain_fields.py); a field with a converter writes
    through it."""
    from ..field_property import FFIProperty
    write = store
    if converter is not None:
        def write(obj: Any, value: Any) -> None:
            store(obj, converter(value))
    return FFIProperty(read, None if frozen else write, None, doc or None, write=write)
