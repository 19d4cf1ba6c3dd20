"""Plain fields (kTVMFFIFieldFlagBitMaskPlainValue, c_api.h) read and written
as memory through cffi (tvm_ffi_hpy/_plain_fields.py), against the accessor
they fall back on; the wrapper's address member; ints made by the extension.

The memory paths are the class attributes where fields are properties
(PyPy); on CPython (getset descriptors) the same paths are built here from
the class's TypeFields, so both interpreters run every comparison."""
import math

import cffi  # noqa: F401  (ci/install.sh provides it; PyPy ships it)
import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import _plain_fields, core, testing
from tvm_ffi_hpy.core import _ffi
from conftest import IS_PYPY, field_descriptor

echo = tvm_ffi_hpy.get_global_func("testing.echo")


@tvm_ffi_hpy.register_object("testing.TestPlainFields")
class PlainFields(tvm_ffi_hpy.Object):
    pass


PLAIN = ["i8", "flag", "i16", "i32", "i64", "f32", "f64", "ro_i64"]
NOT_PLAIN = ["u32", "maybe"]
LIMITS = {"i8": (-2**7, 2**7 - 1), "i16": (-2**15, 2**15 - 1), "i32": (-2**31, 2**31 - 1),
          "i64": (-2**63, 2**63 - 1)}


NOISE = {"i8": -3, "flag": True, "i16": -300, "i32": -70000, "i64": -2**40 - 5, "f32": -1.25,
         "f64": -2.5, "u32": 2**32 - 2, "maybe": -9}


def noisy():
    """An object whose every field is set, and none to 0: a read or write of
    the wrong width or offset shows in the field or in its neighbours."""
    return PlainFields(**NOISE)


def neighbours_intact(obj, name):
    for other, value in NOISE.items():
        if other != name:
            assert type_field(PlainFields, other).accessor.read(obj) == value, (name, other)
    return True


def type_field(cls, name):
    return next(f for f in cls.__tvm_ffi_type_info__.fields if f.name == name)


def paths(cls, name):
    """((memory read, memory write), (accessor read, accessor write)) of a field."""
    tf = type_field(cls, name)
    acc = (tf.accessor.read, tf.accessor.write)
    return (_plain_fields.plain_field_access(_ffi, cls.__tvm_ffi_type_index__, tf, *acc,
                                             memory=True), acc)


def outcome(fn, *args):
    """What a call gives: ("ok", value) or (exception type, message)."""
    try:
        return ("ok", fn(*args))
    except Exception as e:  # noqa: BLE001 - compared, not swallowed
        return (type(e), str(e))


def test_plain_flag_marks_exactly_the_plain_c_types():
    flag = _ffi.kTVMFFIFieldFlagBitMaskPlainValue
    for name in PLAIN:
        assert type_field(PlainFields, name).flags & flag, name
    for name in NOT_PLAIN:  # uint32_t, std::optional<int64_t>
        assert not type_field(PlainFields, name).flags & flag, name
    assert not type_field(testing.TestObjectBase, "v_str").flags & flag


def test_memory_paths_are_made_for_plain_fields_only():
    assert _plain_fields.available()
    for name in PLAIN:
        (read, write), (acc_read, acc_write) = paths(PlainFields, name)
        assert read is not acc_read, name
        # A read-only field keeps the accessor's write (the core's refusal).
        assert (write is acc_write) == (name == "ro_i64"), name
    for name in NOT_PLAIN:
        fast, acc = paths(PlainFields, name)
        assert fast == acc, name
    tf = type_field(PlainFields, "i64")
    assert _plain_fields.plain_field_access(_ffi, None, tf, len, setattr,
                                            memory=True) == (len, setattr)
    # By default only where fields are properties (PyPy): on CPython a cffi
    # cast is an interpreted call, slower than the getset's C call.
    by_default = _plain_fields.plain_field_access(_ffi, PlainFields.__tvm_ffi_type_index__,
                                                  tf, len, setattr)
    assert (by_default == (len, setattr)) == core.GETSET_FIELDS


def test_the_class_uses_them_where_fields_are_properties():
    for name in PLAIN:
        desc = field_descriptor(PlainFields, name)
        if core.GETSET_FIELDS:
            assert not isinstance(desc, property), name  # the getset: one C call
        else:
            assert desc.fget.__name__ == "read_plain", name
    obj = PlainFields(i64=-5, f64=2.5, flag=True)
    assert (obj.i64, obj.f64, obj.flag, obj.ro_i64) == (-5, 2.5, True, 7)
    obj.i32 = 123
    obj.f32 = 0.5
    assert (obj.i32, obj.f32) == (123, 0.5)


def test_memory_paths_leave_the_accessor_alone_for_their_own_objects():
    calls = []

    def fallback_read(obj):
        calls.append("read")

    def fallback_write(obj, value):
        calls.append("write")

    for name in PLAIN:
        tf = type_field(PlainFields, name)
        read, write = _plain_fields.plain_field_access(_ffi, PlainFields.__tvm_ffi_type_index__,
                                                       tf, fallback_read, fallback_write,
                                                       memory=True)
        obj = noisy()
        assert read(obj) == (7 if name == "ro_i64" else NOISE[name]), name
        if name != "ro_i64":
            write(obj, NOISE[name])
        assert calls == [], name
        write(obj, "not a plain value")  # the accessor's
        read(testing.TestIntPair(1, 2))  # another type: the accessor's
        assert calls == ["write", "read"], name
        del calls[:]


@pytest.mark.parametrize("name", ["i8", "i16", "i32", "i64"])
def test_int_reads_and_writes_agree_with_the_accessor(name):
    (read, write), (acc_read, acc_write) = paths(PlainFields, name)
    lo, hi = LIMITS[name]
    for value in (0, 1, -1, lo, hi, lo + 1, hi - 1):
        obj = noisy()
        acc_write(obj, value)
        got = read(obj)
        assert got == value and type(got) is int, (name, value)
        obj2 = noisy()
        write(obj2, value)
        assert acc_read(obj2) == value, (name, value)
        assert neighbours_intact(obj2, name)


@pytest.mark.parametrize("name", ["i8", "i16", "i32", "i64"])
def test_ints_out_of_range_go_to_the_core(name):
    # The core converts as C++ does (static_cast truncates narrow ints; an
    # int beyond int64 fails in the conversion): the memory write gives the
    # same result, value or error, as the accessor's.
    (read, write), (acc_read, acc_write) = paths(PlainFields, name)
    lo, hi = LIMITS[name]
    for value in (hi + 1, lo - 1, 2**40 + 3, -2**40 - 3, 2**63, -2**63 - 1, 2**100):
        a, b = noisy(), noisy()
        want = outcome(acc_write, a, value)
        assert outcome(write, b, value) == want, (name, value)
        assert read(b) == acc_read(a), (name, value)
        assert neighbours_intact(b, name)


@pytest.mark.parametrize("name", ["f32", "f64"])
def test_float_reads_and_writes_agree_with_the_accessor(name):
    (read, write), (acc_read, acc_write) = paths(PlainFields, name)
    for value in (0.0, -0.0, 0.1, 1.5, -2.75, 1e-3, 3.4e38, 1e300, math.inf, -math.inf):
        a, b = noisy(), noisy()
        assert outcome(acc_write, a, value) == outcome(write, b, value), (name, value)
        assert neighbours_intact(b, name)
        want, got = acc_read(a), read(b)
        assert type(got) is float and (got == want or (got != got and want != want))
        assert math.copysign(1, got) == math.copysign(1, want), (name, value)
        assert read(a) == want or math.isnan(want)
    a = PlainFields()
    write(a, math.nan)
    assert math.isnan(read(a)) and math.isnan(acc_read(a))


def test_bool_reads_and_writes_agree_with_the_accessor():
    (read, write), (acc_read, acc_write) = paths(PlainFields, "flag")
    obj = noisy()
    for value in (True, False, True):
        write(obj, value)
        assert read(obj) is value and acc_read(obj) is value
        assert neighbours_intact(obj, "flag")
        acc_write(obj, not value)
        assert read(obj) is (not value)


@pytest.mark.parametrize("name,value", [
    ("i64", True), ("i64", 1.5), ("i64", "3"), ("i64", None), ("i32", False),
    ("f64", 3), ("f64", True), ("f64", "x"), ("f32", 2**70), ("flag", 1), ("flag", 0),
    ("flag", 2.0), ("flag", None), ("i8", object()),
])
def test_other_values_take_the_accessor_with_its_result(name, value):
    (read, write), (acc_read, acc_write) = paths(PlainFields, name)
    a, b = noisy(), noisy()
    want = outcome(acc_write, a, value)
    assert outcome(write, b, value) == want
    assert read(b) == acc_read(a)
    assert neighbours_intact(b, name)
    assert type(read(b)) is type(acc_read(a))


def test_read_only_plain_field_refuses_writes_with_the_core_message():
    (read, write), (acc_read, acc_write) = paths(PlainFields, "ro_i64")
    obj = PlainFields()
    assert read(obj) == 7
    want = outcome(acc_write, obj, 1)
    assert want[0] is AttributeError and "read-only" in want[1]
    assert outcome(write, obj, 1) == want
    with pytest.raises(AttributeError):
        obj.ro_i64 = 1
    assert obj.ro_i64 == 7


def test_wrong_objects_get_the_accessor_errors():
    (read, write), (acc_read, acc_write) = paths(PlainFields, "i64")
    for bad in (testing.TestIntPair(1, 2), 5, None, "text", object()):
        want = outcome(acc_read, bad)
        assert want[0] is TypeError, bad
        assert outcome(read, bad) == want
        assert outcome(write, bad, 1) == outcome(acc_write, bad, 1)
    moved = PlainFields(i64=4)
    kept = echo(moved._move())
    assert moved.__tvm_ffi_address__ == 0
    want = outcome(acc_read, moved)
    assert want[0] is ValueError and "moved" in want[1]
    assert outcome(read, moved) == want
    assert outcome(write, moved, 1) == outcome(acc_write, moved, 1)
    assert read(kept) == 4


def test_objects_of_a_core_subtype_read_through_the_accessor():
    # testing.TestCxxClassBase's fields installed on its class, read on an
    # object of a core subtype (another type index): same values.
    (read, write), (acc_read, _) = paths(testing._TestCxxClassBase, "v_i64")
    assert read is not acc_read
    derived = testing._TestCxxClassDerivedDerived(v_i64=11, v_i32=3, v_f64=1.5, v_bool=True)
    assert read(derived) == acc_read(derived) == 11
    write(derived, 12)
    assert acc_read(derived) == 12 and derived.v_i64 == 12
    base = testing._TestCxxClassBase(v_i64=5, v_i32=1)  # its __init__ adds 1
    assert read(base) == acc_read(base) == 6


def test_c_class_fields_take_the_memory_paths_too():
    cls = testing._TestCxxClassDerivedDerived
    obj = cls(v_i64=1, v_i32=2, v_f64=0.25, v_f32=0.5, v_bool=False)
    for name in ("v_bool", "v_str"):
        desc = field_descriptor(cls, name)
        if not core.GETSET_FIELDS:
            is_plain = getattr(desc.fget, "__name__", None) == "read_plain"
            assert is_plain == (name == "v_bool"), name
    obj.v_bool = True
    assert obj.v_bool is True and type_field(cls, "v_bool").accessor.read(obj) is True
    assert (obj.v_i64, obj.v_i32, obj.v_f64, obj.v_f32) == (1, 2, 0.25, 0.5)
    (read, write), (acc_read, _) = paths(cls, "v_bool")
    write(obj, False)
    assert acc_read(obj) is False and read(obj) is False


ANY_PLAIN = [0, 5, -1, 2**63 - 1, -2**63, 2.5, -0.0, math.inf, True, False, None]


def any_values():
    """Values of every kind an Any field can hold: the plain ones read from
    memory, the others (strings, containers, objects) through the getter."""
    return ANY_PLAIN + ["text", "a longer text than eight bytes", b"raw",
                        testing.TestIntPair(1, 2), [1, 2], {"k": 1}, 2**70,
                        tvm_ffi_hpy.dtype("float32")]


def check_any_field(cls, name, make):
    calls = []
    tf = type_field(cls, name)
    assert tf.flags & _ffi.kTVMFFIFieldFlagBitMaskPlainValue
    assert (tf.static_type_index, tf.size) == (_ffi.kTVMFFIAny, 16)
    acc_read, acc_write = tf.accessor.read, tf.accessor.write

    def counting_read(obj):
        calls.append(1)
        return acc_read(obj)

    read, write = _plain_fields.plain_field_access(_ffi, cls.__tvm_ffi_type_index__, tf,
                                                   counting_read, acc_write, memory=True,
                                                   any_slots=True)
    # Without any_slots (the default: an Any field may hold objects, which
    # would pay the memory check first) the accessor itself.
    assert _plain_fields.plain_field_access(_ffi, cls.__tvm_ffi_type_index__, tf, counting_read,
                                            acc_write, memory=True) == (counting_read, acc_write)
    assert write is acc_write  # writes of an Any take the setter (references)
    for value in any_values():
        obj = make(value)
        del calls[:]
        got, want = read(obj), acc_read(obj)
        plain = any(value is v for v in ANY_PLAIN)
        assert calls == ([] if plain else [1]), value
        assert type(got) is type(want), value
        if isinstance(want, tvm_ffi_hpy.Object):
            assert got is want  # one wrapper per object: the getter's
        else:
            assert got == want or (got != got and want != want), value
        if isinstance(value, float):
            assert math.copysign(1, got) == math.copysign(1, value)


def test_any_fields_of_cpp_objects_read_plain_values_from_memory():
    check_any_field(testing.TestHolder, "value", testing.TestHolder)


def test_py_class_slots_read_plain_values_from_memory():
    from typing import Any

    from tvm_ffi_hpy.dataclasses import py_class

    @py_class("test_plain_fields.Slotted")
    class Slotted(tvm_ffi_hpy.Object):
        x: Any
        n: int = 0

    check_any_field(Slotted, "x", lambda v: Slotted(v))
    obj = Slotted(1, 2)
    assert (obj.x, obj.n) == (1, 2)
    obj.n = 40  # writes take the setter, through the field's converter
    assert obj.n == 40
    with pytest.raises(TypeError):
        obj.n = "not an int"
    # The class reads from memory the slots declared int/float/bool (where
    # fields are properties), not those declared Any.
    for name, plain in (("n", True), ("x", False)):
        desc = field_descriptor(Slotted, name)
        is_plain = getattr(desc.fget, "__name__", None) == "read_plain"
        assert is_plain == (plain and not core.GETSET_FIELDS), name


def test_address_member_is_the_chandle_and_read_only():
    obj = PlainFields()
    assert obj.__tvm_ffi_address__ == obj.__chandle__() != 0
    with pytest.raises((AttributeError, TypeError)):
        obj.__tvm_ffi_address__ = 1
    assert obj.__tvm_ffi_address__ == obj.__chandle__()


INT_EDGES = [0, 1, -1, 2**31 - 1, -2**31, 2**31, -2**31 - 1, 2**62, 2**63 - 1, -2**63]


def test_ints_from_the_extension_keep_their_values_at_every_width():
    for value in INT_EDGES:
        got = echo(value)
        assert got == value and type(got) is int
        assert got + 1 == value + 1 and hash(got) == hash(value)
    assert testing.TestIntPair(2**63 - 1, -2**63).a == 2**63 - 1
    if IS_PYPY:
        # PyPy 7.3.19's HPyLong_FromInt64_t makes a big int whatever the value
        # (hpy_ext/shim.h, "Integers"), one the JIT keeps slow: ints that fit
        # 32 bits come out as machine ints.
        import __pypy__
        for value in INT_EDGES[:5]:
            assert "W_IntObject" in __pypy__.internal_repr(echo(value)), value
        offset = type_field(PlainFields, "i64").offset
        assert "W_IntObject" in __pypy__.internal_repr(offset)
