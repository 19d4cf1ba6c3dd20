"""Plain fields read and written as memory, through cffi.

Where reflected fields are properties over the extension's accessor (PyPy,
whose getset descriptors lose errors: ``_ffi.GETSET_FIELDS`` is False), a
field read is a bound-method call into the extension: about 75 ns on PyPy
7.3.19, whose JIT cannot see through HPy calls (docs/benchmarks.md).

A field flagged ``kTVMFFIFieldFlagBitMaskPlainValue`` (core/include's c_api.h)
holds a C int, float or bool of ``size`` bytes at ``offset`` in its core
object (or a TVMFFIAny there, whose None, int, bool and float values are
read the same way; writes of such a field take the setter), and every wrapper shows its object's address as a read-only member,
``Object.__tvm_ffi_address__`` (hpy_ext/object_type.cc), which PyPy reads
without leaving the JIT.  So a read here is two memory loads that the JIT
compiles into the caller's loop: the object header's type index, checked
against the class the property is installed on, then the value.

Everything else goes to the accessor, whose errors are the field's errors:
an object of another type (a subclass of the class included: correct, only
slower), a wrapper whose object was moved out (address 0), anything that is
not a wrapper, and a written value the fast write does not take exactly (an
int for an int field, a float for a float field, a bool for a bool field;
an int the C type cannot hold goes to the core, which converts as C++
does).  A read-only field keeps the accessor's write, which refuses with the
core's message.

The memory is valid for the whole read or write: the wrapper holds a strong
reference to its object.  Moving the object out of the wrapper from another
thread while this thread reads a field of it is a data race, as it is for
C++ code.
"""
from typing import Any, Callable, Optional

try:  # PyPy ships cffi; on CPython it is optional (fields are getsets there)
    from cffi import FFI as _FFI  # type: ignore[import-untyped,import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - depends on the environment
    _FFI = None

_ffi_c: Any = _FFI() if _FFI is not None else None

# TVMFFIObject (c_api.h): combined_ref_count (uint64), then int32 type_index.
_TYPE_INDEX_OFFSET = 8


def _c_types(k_int: int, k_float: int, k_bool: int) -> "dict[tuple[int, int], str]":
    """(field_static_type_index, size) -> the C type PlainValue promises."""
    return {(k_int, 1): "int8_t", (k_int, 2): "int16_t", (k_int, 4): "int32_t",
            (k_int, 8): "int64_t", (k_float, 4): "float", (k_float, 8): "double",
            (k_bool, 1): "_Bool"}


def available() -> bool:
    """True when cffi can be imported (the fast paths can be made)."""
    return _ffi_c is not None


def plain_field_access(core: Any, owner_type_index: Optional[int], field: Any,
                       read: Callable[[Any], Any], write: Callable[[Any, Any], None],
                       memory: Optional[bool] = None, any_slots: bool = False
                       ) -> "tuple[Callable[[Any], Any], Callable[[Any, Any], None]]":
    """(read, write) for `field` (a TypeField) of a class whose objects have
    type `owner_type_index`: memory accesses that fall back on `read` and
    `write` (the accessor's), or `read` and `write` themselves when the field
    is not a plain value, the owner is unknown (None) or cffi is missing.
    `core` is the extension module (its kTVMFFI* constants).

    `memory` (default: where fields are not getsets, i.e. PyPy) says whether
    to use memory accesses at all: PyPy's JIT compiles them to a few loads,
    while on CPython each cffi cast is an interpreted call (a read costs
    about 800 ns there against 50 for the accessor's C call).  `any_slots`:
    also read a TVMFFIAny field's plain kinds from memory; only for fields
    declared int, float or bool (py_class), since a field holding an object
    would pay the check before the accessor (about 40 ns in a PyPy loop)."""
    if memory is None:
        memory = not core.GETSET_FIELDS
    if not memory or _ffi_c is None or owner_type_index is None or \
            not field.flags & core.kTVMFFIFieldFlagBitMaskPlainValue:
        return read, write
    if field.static_type_index == core.kTVMFFIAny and field.size == 16:
        return (_any_slot_read(core, owner_type_index, field, read) if any_slots else read), write
    c_type = _c_types(core.kTVMFFIInt, core.kTVMFFIFloat, core.kTVMFFIBool).get(
        (field.static_type_index, field.size))
    if c_type is None:  # the core refuses such a registration; stay correct anyway
        return read, write
    cast = _ffi_c.cast
    value_ptr = _ffi_c.typeof(c_type + " *")
    index_ptr = _ffi_c.typeof("int32_t *")
    offset = int(field.offset)
    owner = int(owner_type_index)
    exact = {"_Bool": bool, "float": float, "double": float}.get(c_type, int)

    def read_plain(obj: Any) -> Any:
        try:
            addr = obj.__tvm_ffi_address__
        except AttributeError:  # not a wrapper: the accessor's TypeError
            return read(obj)
        if addr and cast(index_ptr, addr + _TYPE_INDEX_OFFSET)[0] == owner:
            return cast(value_ptr, addr + offset)[0]
        return read(obj)

    def write_plain(obj: Any, value: Any) -> None:
        if type(value) is exact:
            try:
                addr = obj.__tvm_ffi_address__
            except AttributeError:
                addr = 0
            if addr and cast(index_ptr, addr + _TYPE_INDEX_OFFSET)[0] == owner:
                try:
                    cast(value_ptr, addr + offset)[0] = value
                    return
                except OverflowError:  # the core converts (and truncates) as C++ does
                    pass
        write(obj, value)

    writable = bool(field.flags & core.kTVMFFIFieldFlagBitMaskWritable)
    return read_plain, (write_plain if writable else write)


def _any_slot_read(core: Any, owner_type_index: int, field: Any,
                   read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The read of a field that is a TVMFFIAny in place (py_class slots, C++
    fields of type Any): None, int, bool and float straight from memory,
    every other kind (objects, strings, dtypes, ...) through `read`.  Writes
    always take the setter (it manages references)."""
    assert _ffi_c is not None
    cast = _ffi_c.cast
    index_ptr = _ffi_c.typeof("int32_t *")
    int_ptr = _ffi_c.typeof("int64_t *")
    float_ptr = _ffi_c.typeof("double *")
    offset = int(field.offset)
    owner = int(owner_type_index)
    k_none, k_int, k_bool, k_float = (core.kTVMFFINone, core.kTVMFFIInt, core.kTVMFFIBool,
                                      core.kTVMFFIFloat)

    def read_plain(obj: Any) -> Any:
        try:
            addr = obj.__tvm_ffi_address__
        except AttributeError:
            return read(obj)
        if addr and cast(index_ptr, addr + _TYPE_INDEX_OFFSET)[0] == owner:
            slot = addr + offset  # TVMFFIAny: int32 type_index, 4 bytes, then the value
            kind = cast(index_ptr, slot)[0]
            if kind == k_int:
                return cast(int_ptr, slot + 8)[0]
            if kind == k_float:
                return cast(float_ptr, slot + 8)[0]
            if kind == k_none:
                return None
            if kind == k_bool:
                return cast(int_ptr, slot + 8)[0] != 0
        return read(obj)

    return read_plain
