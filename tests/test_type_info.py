"""The typed contract between the extension and the package: TypeInfo
(tvm_ffi_hpy/type_info.py, made by hpy_ext/module.cc), the hooks installed by
name, and the C ABI's constants taken from c_api.h."""
import json

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import core, testing
from tvm_ffi_hpy.type_info import TypeField, TypeInfo, TypeMethod

_ffi = core._ffi


def test_every_class_carries_its_type_info():
    for cls in (tvm_ffi_hpy.Object, tvm_ffi_hpy.Function, testing.TestIntPair,
                testing.TestObjectBase, testing.TestObjectDerived):
        info = cls.__tvm_ffi_type_info__
        assert isinstance(info, TypeInfo)
        assert info.type_cls is cls
        assert info.type_key == cls.__tvm_ffi_type_key__
        assert info.type_index == cls.__tvm_ffi_type_index__
    assert tvm_ffi_hpy.Object.__tvm_ffi_type_info__.type_ancestors == []
    assert tvm_ffi_hpy.Object.__tvm_ffi_type_info__.parent_type_info is None


def test_ancestors_and_parent_chain():
    info = testing.TestObjectDerived.__tvm_ffi_type_info__
    base = testing.TestObjectBase.__tvm_ffi_type_index__
    assert info.type_ancestors == [_ffi.kTVMFFIObject, base]
    assert info.type_depth == 2
    assert info.parent_type_info.type_index == base
    assert info.parent_type_info.parent_type_info.type_key == "ffi.Object"
    assert [i.type_key for i in info.lineage()] == [
        "ffi.Object", "testing.TestObjectBase", "testing.TestObjectDerived"]
    own = [f.name for f in info.fields]
    inherited = [f.name for f in info.parent_type_info.fields]
    assert [f.name for f in info.all_fields()] == inherited + own
    assert list(testing.TestObjectDerived.__tvm_ffi_fields__) == inherited + own


def test_fields_say_what_the_core_says():
    fields = {f.name: f for f in testing.TestObjectBase.__tvm_ffi_type_info__.fields}
    v_i64, v_f64, v_str = fields["v_i64"], fields["v_f64"], fields["v_str"]
    assert all(isinstance(f, TypeField) for f in fields.values())
    assert not v_i64.frozen and v_f64.frozen  # v_f64 is read-only
    assert v_i64.flags & _ffi.kTVMFFIFieldFlagBitMaskWritable
    assert not v_f64.flags & _ffi.kTVMFFIFieldFlagBitMaskWritable
    assert (v_i64.has_default, v_i64.default) == (True, 10)
    assert (v_f64.has_default, v_f64.default) == (True, 10.0)
    assert (v_str.has_default, v_str.default) == (True, "hello")
    assert v_i64.size == 8 and v_f64.size == 8
    assert v_i64.offset >= 24 and v_i64.offset != v_f64.offset  # past the object header
    assert v_i64.static_type_index == _ffi.kTVMFFIInt
    assert v_i64.metadata == {"type_schema": '{"type":"int"}'}  # written by C++ registration
    assert v_i64.doc
    obj = core._make_object("testing.TestObjectBase", {})  # through the reflection creator
    assert v_i64.getter(obj) == 10
    v_i64.setter(obj, 5)
    assert obj.v_i64 == 5 and v_i64.accessor(obj) == 5


def test_methods_say_what_the_core_says():
    info = testing.TestIntPair.__tvm_ffi_type_info__
    methods = {m.name: m for m in info.methods}
    assert all(isinstance(m, TypeMethod) for m in methods.values())
    assert "__ffi_init__" in methods and info.constructor is methods["__ffi_init__"].func
    assert info.find_method("no such method") is None
    pair = info.constructor(2, 3)
    assert type(pair) is testing.TestIntPair and (pair.a, pair.b) == (2, 3)
    statics = {name for name, m in methods.items() if m.is_static}
    flagged = {name for name, m in methods.items()
               if m.flags & _ffi.kTVMFFIFieldFlagBitMaskIsStaticMethod}
    assert statics == flagged


def test_metadata_text_is_parsed():
    field = TypeField(name="x", doc="", size=8, offset=24, frozen=False,
                      metadata=json.dumps({"unit": "m"}), accessor=None, flags=1,
                      has_default=False, default=None, static_type_index=-1)
    assert field.metadata == {"unit": "m"}
    method = TypeMethod(name="f", doc="", func=None, metadata="{}", is_static=True, flags=4)
    assert method.metadata == {}


def test_type_info_of_an_unknown_index():
    with pytest.raises(ValueError, match="no core type has index 99999"):
        _ffi.type_info(99999)


def test_constants_come_from_c_api_h():
    # The numbers of c_api.h (fixed by the ABI, docs/tvm_ffi_c_abi.md).
    assert (_ffi.kTVMFFINone, _ffi.kTVMFFIInt, _ffi.kTVMFFIFloat) == (0, 1, 3)
    assert (_ffi.kTVMFFIObject, _ffi.kTVMFFIStr, _ffi.kTVMFFIFunction) == (64, 65, 68)
    assert (_ffi.kTVMFFIArray, _ffi.kTVMFFIMap, _ffi.kTVMFFIModule) == (71, 72, 73)
    assert _ffi.kTVMFFIDynObjectBegin == 128
    assert _ffi.kTVMFFIFieldFlagBitMaskIsStaticMethod == 1 << 2
    assert core.TYPE_INDEX_OBJECT == _ffi.kTVMFFIObject
    assert tvm_ffi_hpy.convert([1])._type_index() == _ffi.kTVMFFIArray


def test_hooks_are_installed_by_name_and_all_at_once():
    names = _ffi.hook_names()
    assert "class_factory" in names and "TypeInfo" in names and len(set(names)) == len(names)
    with pytest.raises(KeyError, match="hook 'class_factory' missing"):
        _ffi.set_hooks({})
    dict_hooks = {"error_classes", "plain_types", "protocol_types"}
    assert dict_hooks <= set(names)
    full = {n: ({} if n in dict_hooks else None) for n in names}
    with pytest.raises(KeyError, match="hooks given"):
        _ffi.set_hooks(dict(full, not_a_hook=None))
    with pytest.raises(TypeError, match="hook 'plain_types' must be a dict"):
        _ffi.set_hooks(dict(full, plain_types=None))
    with pytest.raises(TypeError, match="dict"):
        _ffi.set_hooks([])
    # A refused call changed nothing: the package's hooks still work.
    assert tvm_ffi_hpy.get_global_func("testing.echo")(testing.TestIntPair(1, 2)).a == 1
    with pytest.raises(ValueError, match="callback failed"):
        tvm_ffi_hpy.get_global_func("testing.apply")(_raise_value_error, 1)


def _raise_value_error(x):
    raise ValueError("callback failed")


@pytest.mark.reenters_extension  # the class factory runs Python code that calls the extension
def test_one_class_registry():
    index = testing.TestIntPair.__tvm_ffi_type_index__
    assert _ffi.registered_class(index) is testing.TestIntPair
    assert _ffi.registered_class(_ffi.kTVMFFIObject) is tvm_ffi_hpy.Object
    for bad in (int, 5, "testing.TestIntPair"):
        with pytest.raises(TypeError, match="subclass of tvm_ffi_hpy.Object"):
            _ffi.register_class(index, bad)
    with pytest.raises(ValueError, match="no core type has index"):
        _ffi.registered_class(-1)
    assert _ffi.registered_class(index) is testing.TestIntPair  # refused calls changed nothing
    try:
        _ffi.register_class(index, None)  # forgotten: the class factory builds a new class
        assert _ffi.registered_class(index) is None
        made_in_cpp = testing.TestIntPair.__tvm_ffi_type_info__.constructor(1, 2)
        rebuilt = type(made_in_cpp)
        assert rebuilt is not testing.TestIntPair
        assert rebuilt.__tvm_ffi_type_key__ == "testing.TestIntPair"
        assert _ffi.registered_class(index) is rebuilt
    finally:
        _ffi.register_class(index, testing.TestIntPair)
    assert type(testing.TestIntPair(1, 2)) is testing.TestIntPair


def test_value_classes_and_function_carry_their_core_type_info():
    # The package's classes for core types whose instances are plain values
    # (Shape, String, Bytes, dtype, Device) have a TypeInfo too, and a parent
    # ffi.Object is Object's own TypeInfo (its type_cls is Object).
    from tvm_ffi_hpy import Device, Function, Object, Shape, core
    from tvm_ffi_hpy.containers import Bytes, String
    from tvm_ffi_hpy.tensor import dtype
    for cls, key, parent in ((Shape, "ffi.Shape", Object), (String, "ffi.String", Object),
                             (Bytes, "ffi.Bytes", Object), (Function, "ffi.Function", Object),
                             (dtype, "DataType", None), (Device, "Device", None)):
        info = core._type_cls_to_type_info(cls)
        assert info is not None and info.type_cls is cls and info.type_key == key
        if parent is None:
            assert info.parent_type_info is None
        else:
            assert info.parent_type_info is Object.__tvm_ffi_type_info__
