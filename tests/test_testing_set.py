"""The testing set (tvm_ffi_hpy.testing, core/testing/): apache tvm-ffi's
package layout, names, fields, defaults and flags."""
import threading

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import testing


def _info(cls):
    return cls.__tvm_ffi_type_info__


def test_package_layout():
    from tvm_ffi_hpy.testing import testing as sub
    from tvm_ffi_hpy.testing.testing import requires_py310
    assert sub.TestObjectBase is testing.TestObjectBase
    assert requires_py310.name == "skipif"
    assert testing.echo(5) == 5  # a "testing.*" global function, by attribute
    assert testing.add_one(41) == 42
    with pytest.raises(AttributeError):
        testing.no_such_function_here


def test_type_keys_and_parents():
    assert _info(testing._TestCxxClassDerivedDerived).type_key == "testing.TestCxxClassDerivedDerived"
    assert issubclass(testing._TestCxxClassDerivedDerived, testing._TestCxxClassDerived)
    assert issubclass(testing._TestCxxAutoInitChild, testing._TestCxxAutoInitParent)
    assert _info(testing._SchemaAllTypes).type_key == "testing.SchemaAllTypes"


def test_object_base_and_derived_from_python():
    base = testing.TestObjectBase()
    assert (base.v_i64, base.v_f64, base.v_str) == (10, 10.0, "hello")
    assert testing.TestObjectBase(1, 2.0, "x").v_str == "x"
    derived = testing.TestObjectDerived(v_map={"a": 1}, v_array=[1, 2])
    assert derived.v_map["a"] == 1 and list(derived.v_array) == [1, 2]
    assert derived.v_i64 == 10


def test_fields_defaults_and_writability():
    fields = {f.name: f for f in _info(testing._SchemaAllTypes).fields}
    assert fields["v_int"].c_default == 0 and fields["v_string"].c_default == "s"
    assert fields["v_bool"].doc == "bool field"
    holder = testing.TestObjectPtrHolder(testing.TestObjectBase())
    assert holder.optional_value is None
    assert holder.value.v_i64 == 10
    # Its fields are typed by the object class: schemas name it, other objects are refused.
    schemas = [f.metadata["type_schema"] for f in _info(testing.TestObjectPtrHolder).fields]
    assert all("testing.TestObjectBase" in s for s in schemas) and "Optional" in schemas[1]
    with pytest.raises(TypeError):
        testing.TestObjectPtrHolder(testing.TestIntPair(1, 2))
    holder.optional_value = testing.TestObjectDerived({}, [])
    assert isinstance(holder.optional_value, testing.TestObjectDerived)
    nc = testing.TestNonCopyable(42)
    assert nc.value == 42
    with pytest.raises(AttributeError):
        nc.value = 1
    base = testing._TestCxxClassBase(1, 2)
    assert (base.v_i64, base.v_i32) == (2, 4)  # its Python __init__ adds 1 and 2
    derived = testing._TestCxxClassDerivedDerived(1, 2, 3.0, True)
    assert (derived.v_i64, derived.v_i32) == (1, 2)  # a generated __init__
    assert derived.v_f32 == 8.0 and derived.v_str == "default" and derived.v_bool is True


def test_schema_all_types_methods():
    obj = testing._SchemaAllTypes.make_with(3, 1.5, "hi")
    assert (obj.v_int, obj.v_float, obj.v_string) == (3, 1.5, "hi")
    assert obj.add_int(4) == 7
    assert list(obj.append_int([1, 2], 3)) == [1, 2, 3]
    assert obj.maybe_concat("a", None) == "a" and obj.maybe_concat(None, None) is None
    merged = obj.merge_map({"a": [1]}, {"b": [2]})
    assert sorted(merged.keys()) == ["a", "b"]


@pytest.mark.reenters_extension  # the class factory runs Python code
def test_unregistered_object_gets_a_class_from_reflection():
    obj = testing.make_unregistered_object()
    assert _info(type(obj)).type_key == "testing.TestUnregisteredObject"
    assert (obj.v1, obj.v2) == (41, 42)
    # The class inherits the class built for the C++ base, methods included,
    # and is named after the type key.
    cls = type(obj)
    assert cls.__mro__[1].__tvm_ffi_type_info__.type_key == "testing.TestUnregisteredBaseObject"
    assert obj.get_v1_plus_one() == 42 and obj.get_v2_plus_two() == 44
    assert "get_v1_plus_one" not in cls.__dict__ and "get_v2_plus_two" in cls.__dict__
    assert (cls.__module__, cls.__name__, cls.__qualname__) == \
        ("testing", "TestUnregisteredObject", "testing.TestUnregisteredObject")
    assert "fallback class for testing.TestUnregisteredObject" in cls.__doc__
    assert "from TestUnregisteredObject" in cls.get_v2_plus_two.__doc__
    assert type(testing.make_unregistered_object()) is cls


def test_run_with_gpu_lock_runs_under_one_lock():
    inside = []

    def work(x, y=0):
        inside.append(threading.get_ident())
        return x + y

    assert testing.run_with_gpu_lock(work, 1, y=2) == 3
    assert inside == [threading.get_ident()]
    assert testing.run_with_gpu_lock(testing.run_with_gpu_lock, work, 2) == 2  # re-entrant


def test_testing_functions_found_after_import_of_the_package_only():
    assert tvm_ffi_hpy.get_global_func("testing.nop")() is None
    assert tvm_ffi_hpy.get_global_func("testing.no_such", allow_missing=True) is None
    with pytest.raises(ValueError, match="testing.no_such"):
        tvm_ffi_hpy.get_global_func("testing.no_such")
