"""apache tvm-ffi's low-level py_class API (core._register_py_class,
TypeInfo._register_fields, registry._add_class_attrs,
_dunder._install_dataclass_dunders) and the c_class module's helpers."""
import copy
import itertools
import pickle
import warnings

import pytest

from tvm_ffi_hpy import core, registry, testing
from tvm_ffi_hpy._dunder import _install_dataclass_dunders
from tvm_ffi_hpy.core import MISSING, TypeSchema
from tvm_ffi_hpy.dataclasses import Field, field, py_class
from tvm_ffi_hpy.dataclasses.c_class import _attach_field_objects, c_class

_keys = itertools.count()

# A registered type is permanent, and so is its __ffi_init__ (a core Function
# over a Python callback, which re-enters the extension to build the object).
lowlevel = pytest.mark.allow_core_growth
reenters = pytest.mark.reenters_extension


def _key(name):
    return "tests.lowlevel.%s_%d" % (name, next(_keys))


def _make(name, fields, parent=core.Object, **options):
    parent_info = core._type_cls_to_type_info(parent)
    cls = type(name, (parent,), {"__slots__": ()})
    info = core._register_py_class(parent_info, _key(name), cls)
    assert info.fields is None and info.parent_type_info is parent_info
    info._register_fields(fields)
    registry._add_class_attrs(cls, info)
    _install_dataclass_dunders(cls, init=True, repr=True, eq=options.get("eq", False),
                               order=False, unsafe_hash=options.get("unsafe_hash", False))
    return cls


PickleVal = _make("PickleVal", [Field("v", TypeSchema("int"))])


@lowlevel
@reenters
def test_register_then_fields_then_construct():
    Point = _make("Point", [Field("x", TypeSchema("int")),
                            Field("y", TypeSchema("float"), default=1.5)])
    p = Point(3)
    assert isinstance(p, Point) and isinstance(p, core.Object)
    assert (p.x, p.y) == (3, 1.5)
    assert Point(y=2.0, x=4).y == 2.0
    p.x = 7
    assert p.x == 7 and p.x is p.x
    info = Point.__tvm_ffi_type_info__
    assert [f.name for f in info.fields] == ["x", "y"]
    assert info.fields[0].offset < info.fields[1].offset
    assert core._lookup_type_attr(info.type_index, "__ffi_init__") is not None
    assert repr(p).endswith("(x=7, y=1.5)")


@lowlevel
@reenters
def test_typed_fields_convert_and_refuse():
    Box = _make("Box", [Field("n", TypeSchema("int")),
                        Field("items", TypeSchema("Array", (TypeSchema("int"),)), default=None)])
    b = Box(True, [1, 2])        # bool -> int, list -> Array
    assert b.n == 1 and type(b.n) is int and list(b.items) == [1, 2]
    with pytest.raises(TypeError):
        Box("no")
    with pytest.raises(TypeError):
        b.n = "no"
    assert b.n == 1              # a refused value leaves the field as it was


@lowlevel
@reenters
def test_binding_errors_are_type_errors():
    Pair = _make("Pair", [Field("a", TypeSchema("int")),
                          Field("b", TypeSchema("int"), kw_only=True)])
    assert Pair(1, b=2).b == 2
    for args, kwargs in (((), {"b": 1}), ((1, 2), {}), ((1,), {"b": 2, "c": 3})):
        with pytest.raises(TypeError):
            Pair(*args, **kwargs)


@lowlevel
@reenters
def test_duplicate_key_keeps_the_original():
    parent_info = core._type_cls_to_type_info(core.Object)
    key = _key("Dup")
    first = type("First", (core.Object,), {"__slots__": ()})
    info = core._register_py_class(parent_info, key, first)
    info._register_fields([Field("x", TypeSchema("int"))])
    with pytest.raises(ValueError, match="already registered"):
        core._register_py_class(parent_info, key, type("Second", (core.Object,), {}))
    again = core._lookup_or_register_type_info_from_type_key(key)
    assert again.type_cls is first and [f.name for f in again.fields] == ["x"]
    with pytest.raises(ValueError, match="registered already"):
        info._register_fields([Field("y", TypeSchema("int"))])


@lowlevel
@reenters
def test_children_inherit_fields_and_parents_must_be_complete():
    Base = _make("Base", [Field("a", TypeSchema("int"))])
    Child = _make("Child", [Field("b", TypeSchema("str"), default="z")], parent=Base)
    c = Child(1)
    assert isinstance(c, Base) and (c.a, c.b) == (1, "z")
    pending = type("Pending", (core.Object,), {"__slots__": ()})
    pinfo = core._register_py_class(core._type_cls_to_type_info(core.Object), _key("P"), pending)
    with pytest.raises(TypeError, match="not registered yet"):
        core._register_py_class(pinfo, _key("Q"), type("Q", (pending,), {}))


@lowlevel
@reenters
def test_eq_hash_copy_and_identity():
    Val = _make("Val", [Field("v", TypeSchema("int"), compare=True)], eq=True, unsafe_hash=True)
    a, b = Val(1), Val(1)
    assert a == b and hash(a) == hash(b) and a != Val(2)
    c = copy.copy(a)
    assert c is not a and c == a and isinstance(c, Val)
    echo = core.get_global_func("testing.echo")
    assert echo(a) is a


@lowlevel
@reenters
def test_low_level_objects_pickle_as_their_class():
    p = PickleVal(3)
    back = pickle.loads(pickle.dumps(p))
    assert isinstance(back, PickleVal) and back.v == 3 and back is not p


@lowlevel
@reenters
def test_py_class_subclass_of_low_level_class():
    Base = _make("LBase", [Field("a", TypeSchema("int"))])

    @py_class(_key("Sub"))
    class Sub(Base):
        b: int = 5

    s = Sub(2)
    assert (s.a, s.b) == (2, 5) and isinstance(s, Base)


def test_field_signature_and_options():
    f = Field("x", TypeSchema("int"))
    assert (f.compare, f.hash, f.kw_only, f.name, f._ty_schema) == \
        (False, True, False, "x", TypeSchema("int"))
    assert field().compare is True and field().converter is Field().converter
    assert field(custom=1).extra_kwargs == {"custom": 1}
    with pytest.raises(ValueError, match="structural_eq"):
        Field(structural_eq="bogus")
    with pytest.raises(TypeError, match="unrecognized field options: typo"):
        @py_class(_key("Bad"))
        class Bad(core.Object):
            value: int = field(typo=True)
    assert py_class.__dataclass_transform__["kwargs"]["converter"] is field().converter
    assert c_class.__dataclass_transform__["kwargs"]["converter"] is field().converter


def test_registered_classes_have_ffi_init_method():
    pair = testing.TestIntPair.__new__(testing.TestIntPair)
    pair.__ffi_init__(1, 2)
    assert (pair.a, pair.b) == (1, 2)
    child = testing._TestCxxClassDerivedDerived.__new__(testing._TestCxxClassDerivedDerived)
    with pytest.raises(TypeError, match="not supported"):
        testing._TestCxxClassDerived.__ffi_init__(child, 1, 2, 3.0, 4.0)


def test_c_class_init_goes_through_generated_ffi_init():
    obj = testing._TestCxxAutoInitKwOnlyDefaults(p_required=1, k_required=2)
    assert obj.p_required == 1 and obj.k_required == 2
    with pytest.raises(TypeError, match="keyword-only"):
        testing._TestCxxAutoInitKwOnlyDefaults(p_required=1)


def test_attach_field_objects_and_missing_annotation_warning():
    info = testing._TestCxxClassBase.__tvm_ffi_type_info__
    bare = type("Bare", (), {})
    _attach_field_objects(bare, info)
    assert all(tf.dataclass_field.name == tf.name and tf.dataclass_field.type is None
               for tf in info.fields)
    _attach_field_objects(testing._TestCxxClassBase, info)  # back to the annotated types
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        registry._warn_missing_field_annotations(bare, info, stacklevel=1)
    assert len(caught) == 1 and "does not annotate" in str(caught[0].message)
    assert all(tf.dataclass_field.type is not None for tf in info.fields)
    assert MISSING is core.MISSING


@lowlevel
@pytest.mark.reenters_extension  # the class factory (run by the extension) calls it again
def test_two_step_definition_refuses_bad_calls():
    define_type = core.get_global_func("ffi.DefinePyClassType")
    define_fields = core.get_global_func("ffi.DefinePyClassFields")
    index = define_type(_key("Raw"), core.Object.__tvm_ffi_type_index__)
    with pytest.raises(ValueError, match="one flag word"):
        define_fields(index, ["a", "b"], [1], ["", ""])
    with pytest.raises(TypeError, match="ints"):
        define_fields(index, ["a"], ["x"], [""])
    with pytest.raises(TypeError, match="whose fields are registered"):
        define_type(_key("RawChild"), index)     # the parent's fields are pending
    define_fields(index, ["a"], [1], [""])
    with pytest.raises(ValueError, match="pending"):
        define_fields(index, ["b"], [1], [""])   # once per type
    with pytest.raises(ValueError, match="pending"):
        define_fields(core.Object.__tvm_ffi_type_index__, [], [], [])
    new = core.get_global_func("ffi.NewPyClassObject")
    assert core._ffi.type_info(index).fields[0].accessor(new(index, 5)) == 5


@lowlevel  # the type attribute made on first lookup is kept for good
@reenters
def test_py_class_ffi_init_type_attribute_and_collected_hooks():
    from tvm_ffi_hpy.dataclasses.py_class import _collect_py_methods

    @py_class(_key("Hooked"))
    class Hooked(core.Object):
        a: int
        b: int = 2

        def __ffi_repr__(self, fn_repr):
            return "hooked"

        def plain(self):
            return 0

    ctor = core._lookup_type_attr(Hooked.__tvm_ffi_type_index__, "__ffi_init__")
    assert ctor is core._lookup_type_attr(Hooked.__tvm_ffi_type_index__, "__ffi_init__")
    obj = core.Object.__new__(Hooked)
    obj.__init_handle_by_constructor__(ctor, 4, core.KWARGS, "b", 5)
    assert (obj.a, obj.b) == (4, 5) and type(obj) is Hooked
    assert [name for name, _, _ in _collect_py_methods(Hooked)] == ["__ffi_repr__"]


def test_one_type_info_per_class_and_stable_schemas():
    derived = testing._TestCxxClassDerived.__tvm_ffi_type_info__
    assert derived.parent_type_info is testing._TestCxxClassBase.__tvm_ffi_type_info__
    tf = derived.fields[0]
    assert tf.ty is tf.ty and tf.dataclass_field._ty_schema is tf.ty
    assert core._type_index_to_type_info(derived.type_index) is derived
    assert core._type_cls_to_type_info(int) is None
