"""The constructor generated from reflection ("__ffi_init__" type attribute,
core/src/type_attr.cc) and the field flags it honours (c_api.h
kTVMFFIFieldFlagBitMask*, TypeField.c_*)."""
import pytest

from tvm_ffi_hpy import core, testing
from tvm_ffi_hpy.core import KWARGS, _lookup_type_attr


def _ctor(cls):
    return _lookup_type_attr(cls.__tvm_ffi_type_info__.type_index, "__ffi_init__")


def _fields(cls):
    return {f.name: f for f in cls.__tvm_ffi_type_info__.fields}


def test_flags_have_apache_tvm_ffi_bit_values():
    ffi = core._ffi
    assert ffi.kTVMFFIFieldFlagBitMaskDefaultFromFactory == 1 << 5
    assert ffi.kTVMFFIFieldFlagBitMaskReprOff == 1 << 6
    assert ffi.kTVMFFIFieldFlagBitMaskCompareOff == 1 << 7
    assert ffi.kTVMFFIFieldFlagBitMaskHashOff == 1 << 8
    assert ffi.kTVMFFIFieldFlagBitMaskInitOff == 1 << 9
    assert ffi.kTVMFFIFieldFlagBitMaskKwOnly == 1 << 10
    assert ffi.kTVMFFIFieldFlagBitMaskSEqHashDefSimple == 1 << 12


def test_type_field_reads_the_flags():
    f = _fields(testing._TestCxxAutoInit)
    assert (f["a"].c_init, f["a"].c_kw_only, f["a"].c_has_default) == (True, False, False)
    assert (f["b"].c_init, f["b"].c_has_default, f["b"].c_default) == (False, True, 42)
    assert (f["c"].c_init, f["c"].c_kw_only) == (True, True)
    assert f["d"].c_default == 99
    from tvm_ffi_hpy.dataclasses import MISSING
    assert f["a"].c_default is MISSING and f["a"].c_default_factory is MISSING
    assert _fields(testing._TestCxxClassBase)["v_i64"].c_repr is False
    assert _fields(testing.TestCompare)["ignored_field"].c_compare is False
    assert _fields(testing.TestCompare)["key"].c_compare is True
    assert _fields(testing.TestHash)["hash_ignored"].c_hash is False
    assert _fields(testing.TestHash)["key"].c_structural_eq is None


def test_positional_and_keywords():
    ctor = _ctor(testing._TestCxxAutoInit)
    obj = ctor(1, KWARGS, "c", 3)
    assert (obj.a, obj.b, obj.c, obj.d) == (1, 42, 3, 99)
    obj = ctor(1, 2, KWARGS, "c", 3)
    assert (obj.a, obj.d, obj.c) == (1, 2, 3)
    obj = ctor(KWARGS, "d", 8, "c", 7, "a", 9)
    assert (obj.a, obj.b, obj.c, obj.d) == (9, 42, 7, 8)
    assert isinstance(obj, testing._TestCxxAutoInit)


def test_required_positional_come_before_defaulted_ones():
    ctor = _ctor(testing._TestCxxAutoInitChild)
    obj = ctor(1, 2, KWARGS, "child_kw_only", 3)
    assert (obj.parent_required, obj.child_required, obj.parent_default,
            obj.child_kw_only) == (1, 2, 5, 3)
    obj = ctor(1, 2, 3, KWARGS, "child_kw_only", 4)
    assert obj.parent_default == 3
    with pytest.raises(TypeError, match="takes at most 3 positional"):
        ctor(1, 2, 3, 4, KWARGS, "child_kw_only", 5)


@pytest.mark.parametrize("args, message", [
    ((), "missing required argument: 'a'"),
    ((1,), "missing required keyword-only argument: 'c'"),
    ((1, 2, 3), "takes at most 2 positional argument"),
    (("KW", "a", 1, "b", 2, "c", 3), "unexpected keyword argument 'b'"),
    (("KW", "a", 1, "c"), "even number of key-value"),
    (("KW", "", 1, "a", 2, "c", 3), "unexpected keyword argument ''"),
    ((1, "KW", "a", 2, "c", 3), "multiple values for argument 'a'"),
    (("KW", 1, 2, "a", 3, "c", 4), "keywords must be strings"),
    (("x", "KW", "c", 2), "field 'a'"),
])
def test_errors_are_type_errors_with_upstream_messages(args, message):
    args = tuple(KWARGS if a == "KW" else a for a in args)
    with pytest.raises(TypeError, match=message) as info:
        _ctor(testing._TestCxxAutoInit)(*args)
    assert "testing.TestCxxAutoInit.__ffi_init__()" in str(info.value)


def test_init_off_fields_take_their_default_or_the_creators_value():
    obj = _ctor(testing._TestCxxAutoInitAllInitOff)()
    assert (obj.x, obj.y, obj.z) == (7, 9, 1234)
    with pytest.raises(TypeError, match="takes at most 0 positional"):
        _ctor(testing._TestCxxAutoInitAllInitOff)(1)
    sub = _ctor(testing._TestCxxInitSubset)(5)
    assert (sub.required_field, sub.optional_field, sub.note) == (5, -1, "default")


def test_keyword_only_fields():
    ctor = _ctor(testing._TestCxxKwOnly)
    obj = ctor(KWARGS, "x", 1, "y", 2, "z", 3)
    assert (obj.x, obj.y, obj.z, obj.w) == (1, 2, 3, 100)
    with pytest.raises(TypeError, match="takes at most 0 positional"):
        ctor(1, 2, 3)


def test_types_with_explicit_or_no_generated_constructor():
    assert _ctor(testing._TestCxxNoAutoInit) is None
    pair = _ctor(testing.TestIntPair)(1, 2)  # refl::init<...>: also the type attribute
    assert isinstance(pair, testing.TestIntPair) and pair.sum() == 3
    with pytest.raises(TypeError):
        _ctor(testing.TestIntPair)(1, KWARGS, "b", 2)


def test_shallow_copy_and_new_type_attributes():
    index = testing._TestCxxAutoInit.__tvm_ffi_type_info__.type_index
    obj = _ctor(testing._TestCxxAutoInit)(1, KWARGS, "c", 3)
    copy = _lookup_type_attr(index, "__ffi_shallow_copy__")(obj)
    assert copy is not obj and (copy.a, copy.b, copy.c, copy.d) == (1, 42, 3, 99)
    fresh = _lookup_type_attr(index, "__ffi_new__")()
    assert isinstance(fresh, testing._TestCxxAutoInit)
    nc_index = testing.TestNonCopyable.__tvm_ffi_type_info__.type_index
    assert _lookup_type_attr(nc_index, "__ffi_shallow_copy__") is None  # no copy constructor


@pytest.mark.reenters_extension  # the class factory runs Python code
def test_class_built_from_reflection_uses_the_generated_constructor():
    cls = type(testing.make_unregistered_object())
    obj = cls(v2=2, v1=1)
    assert (obj.v1, obj.v2) == (1, 2)
    assert cls(5, v2=6).v2 == 6
    with pytest.raises(TypeError, match="missing required argument: 'v2'"):
        cls(5)
    with pytest.raises(TypeError, match="unexpected keyword argument 'v3'"):
        cls(v3=1)
    assert _lookup_type_attr(testing._TestCxxAutoInit.__tvm_ffi_type_info__.type_index,
                             "no_such_attr") is None


def test_type_attr_hooks_registered_by_the_testing_types():
    index = testing.TestCustomCompare.__tvm_ffi_type_info__.type_index
    for name in ("__ffi_hash__", "__ffi_eq__", "__ffi_compare__"):
        assert _lookup_type_attr(index, name) is not None
    index = testing.TestEqWithoutHash.__tvm_ffi_type_info__.type_index
    assert _lookup_type_attr(index, "__ffi_eq__") is not None
    assert _lookup_type_attr(index, "__ffi_hash__") is None
    a, b = testing.TestCustomCompare(1, "x"), testing.TestCustomCompare(1, "y")
    eq = _lookup_type_attr(testing.TestCustomCompare.__tvm_ffi_type_info__.type_index,
                           "__ffi_eq__")
    assert eq(a, b, lambda x, y: x == y) is True
    assert eq(a, testing.TestCustomCompare(2, "x"), lambda x, y: x == y) is False


def test_kwargs_sentinel_is_one_object():
    assert core.get_global_func("ffi.GetKwargsObject")() is KWARGS
