"""The type attributes a py_class registers for its core type (once, when
the class is made, with the parent's copied by name) and its field markers
(``__ffi_field_markers__``): tvm_ffi_hpy/dataclasses/_decorators.py."""
import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import core, dataclasses
from tvm_ffi_hpy.type_converter import _lookup_type_attr


def _attr(cls, name):
    return _lookup_type_attr(cls.__tvm_ffi_type_index__, name)


class Mark:
    """A marker annotation type."""


class OtherMark:
    """Another one."""


def test_listed_attrs_inherit_only_when_selected():
    @dataclasses.py_class("test_py_class_type_attrs.Root")
    class Root(dataclasses.Object):
        __ffi_type_attr_names__ = ("__my_tag__", "__my_meta__")
        __ffi_inherit_type_attrs__ = ("__my_tag__",)
        __my_meta__ = "meta"
        x: int

        @staticmethod
        def __my_tag__(obj):
            return obj.x * 10

    @dataclasses.py_class("test_py_class_type_attrs.Leaf")
    class Leaf(Root):
        y: int = 0

    assert _attr(Root, "__my_meta__") == "meta"
    assert _attr(Leaf, "__my_meta__") is None  # listed, but not selected for inheritance
    assert _attr(Leaf, "__my_tag__")(Leaf(4)) == 40  # the staticmethod's function, copied

    @dataclasses.py_class("test_py_class_type_attrs.Blocked")
    class Blocked(Root):
        __my_tag__ = None

    @dataclasses.py_class("test_py_class_type_attrs.BelowBlocked")
    class BelowBlocked(Blocked):
        pass

    assert _attr(Blocked, "__my_tag__") is None
    assert _attr(BelowBlocked, "__my_tag__") is None  # the None stops it for descendants

    @dataclasses.py_class("test_py_class_type_attrs.Mine")
    class Mine(Leaf):
        @staticmethod
        def __my_tag__(obj):
            return -obj.x

    assert _attr(Mine, "__my_tag__")(Mine(3)) == -3


@pytest.mark.allow_core_growth  # the core keeps the hooks registered for the new types
@pytest.mark.reenters_extension  # the core's structural walk calls __s_equal__, which reads v
def test_default_list_copies_structural_and_serialization_hooks():
    @dataclasses.py_class("test_py_class_type_attrs.Parity")
    class Parity(dataclasses.Object):
        v: int

        def __s_equal__(self, other, compare):
            return self.v % 2 == other.v % 2

        def __s_hash__(self, seed, hash_value):
            return self.v % 2

        def __data_to_json__(self):
            return str(self.v)

    @dataclasses.py_class("test_py_class_type_attrs.ParityChild")
    class ParityChild(Parity):
        pass

    @dataclasses.py_class("test_py_class_type_attrs.OptedOut")
    class OptedOut(Parity):
        __ffi_inherit_type_attrs__ = ()

    for name in ("__s_equal__", "__s_hash__", "__data_to_json__"):
        assert _attr(ParityChild, name) is not None, name
        assert core._core_type_attr(OptedOut.__tvm_ffi_type_index__, name) is None, name
        assert _attr(OptedOut, name) is None, name
    assert tvm_ffi_hpy.structural_equal(ParityChild(1), ParityChild(7))
    assert not tvm_ffi_hpy.structural_equal(ParityChild(1), ParityChild(2))


def test_bad_lists_are_refused():
    with pytest.raises(TypeError, match="__ffi_inherit_type_attrs__"):
        @dataclasses.py_class("test_py_class_type_attrs.BadInherit")
        class BadInherit(dataclasses.Object):
            __ffi_inherit_type_attrs__ = "__s_equal__"

    with pytest.raises(TypeError, match="__ffi_field_markers__"):
        @dataclasses.py_class("test_py_class_type_attrs.BadMarkers")
        class BadMarkers(dataclasses.Object):
            __ffi_field_markers__ = ("Mark",)


def test_field_markers_positions_across_mixins_and_subclasses():
    seen = {}

    class Mixin:
        m0: Mark
        from_mixin: int

    @dataclasses.py_class("test_py_class_type_attrs.Marked")
    class Marked(Mixin, dataclasses.Object):
        __ffi_field_markers__ = (Mark, OtherMark)
        a: int
        m1: OtherMark = "kept"
        b: int = 2

        def __record__(info, own):
            seen[info.type_key] = (info._decorator_args["field_markers"],
                                   [f.name for f in own])

        __record__.__ffi_on_fields_resolved__ = True

    @dataclasses.py_class("test_py_class_type_attrs.MarkedChild")
    class MarkedChild(Marked):
        c: int = 3
        m2: Mark

    assert [f.name for f in dataclasses.fields(MarkedChild)] == ["from_mixin", "a", "b", "c"]
    assert Marked.m1 == "kept"  # a marker's class attribute stays
    base = ((Mark, Mixin, "m0", 0), (OtherMark, Marked, "m1", 2))
    assert seen["test_py_class_type_attrs.Marked"] == (base, ["from_mixin", "a", "b"])
    assert seen["test_py_class_type_attrs.MarkedChild"] == (
        base + ((Mark, MarkedChild, "m2", 4),), ["c"])
    obj = MarkedChild(1, 2, 3)
    assert (obj.from_mixin, obj.a, obj.b, obj.c) == (1, 2, 3, 3)


def test_no_markers_recorded_without_the_list():
    @dataclasses.py_class("test_py_class_type_attrs.Unmarked")
    class Unmarked(dataclasses.Object):
        a: Mark = None

    assert [f.name for f in dataclasses.fields(Unmarked)] == ["a"]
    assert Unmarked.__tvm_ffi_type_info__._decorator_args["field_markers"] == ()
