"""tvm_ffi_hpy.method: methods of a py_class registered with its core type
(TypeInfo.methods), by typed_method.register_marked_methods."""
import itertools

import pytest

import tvm_ffi_hpy as ffi
from tvm_ffi_hpy import Object, method
from tvm_ffi_hpy.dataclasses import py_class
from tvm_ffi_hpy.typed_method import register_marked_methods

_keys = itertools.count()


def key(base):
    return "test_method_registration.%s_%d" % (base, next(_keys))


def find(cls, name):
    return next((m for m in cls.__tvm_ffi_type_info__.methods if m.name == name), None)


@pytest.mark.reenters_extension  # Python run by the extension calls it again
@pytest.mark.allow_core_growth  # the core's type registry keeps the methods
def test_marked_methods_become_core_methods():
    @py_class(key("Node"))
    class Node(Object):
        x: int

        @method
        def label(self, prefix: str) -> str:
            """The label."""
            return "%s%d" % (prefix, self.x)

        @method
        @staticmethod
        def constant() -> int:
            return 42

        @method
        def __len__(self) -> int:
            return self.x

        @method
        def __ffi_repr__(self, fn_repr):  # a type attribute in apache tvm-ffi: not a method
            return "r"

        def helper(self) -> int:  # not marked
            return 0

    assert register_marked_methods(Node) == 0  # py_class registered them already
    node = Node(x=7)
    label = find(Node, "label")
    assert label is not None and label.is_static is False and label.doc == "The label."
    assert isinstance(label.func, ffi.Function)
    assert label.func(node, "N") == "N7"
    constant = find(Node, "constant")
    assert constant.is_static is True and constant.func() == 42
    assert find(Node, "__len__").func(node) == 7
    assert find(Node, "__ffi_repr__") is None and find(Node, "helper") is None
    assert node.label("x") == "x7" and len(node) == 7  # the Python methods still work
    assert Node.__tvm_ffi_type_info__.type_cls is Node


def test_method_refuses_bad_input():
    with pytest.raises(TypeError, match="@classmethod is not supported"):
        method(classmethod(lambda cls: 0))
    with pytest.raises(TypeError, match="expected a callable"):
        method(42)

    def maker(cls):
        return 0

    maker.__ffi_method__ = True

    with pytest.raises(TypeError, match="wrapped by @classmethod"):
        @py_class(key("Bad"))
        class Bad(Object):
            x: int
            make = classmethod(maker)


def test_nothing_marked():
    @py_class(key("Plain"))
    class Plain(Object):
        x: int

        def f(self):
            return 1

    before = Plain.__tvm_ffi_type_info__
    assert register_marked_methods(Plain) == 0
    assert Plain.__tvm_ffi_type_info__ is before
