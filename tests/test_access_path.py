"""AccessStep and AccessPath (tvm_ffi_hpy.access_path)."""
import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy.access_path import AccessKind, AccessPath, AccessStep


def test_root_has_no_steps():
    root = AccessPath.root()
    assert root.depth == 0 and root.parent is None and root.step is None
    assert root.to_steps() == []
    assert root == AccessPath.root() and not (root != AccessPath.root())
    assert repr(root) == "<root>"


def test_each_kind_of_step():
    root = AccessPath.root()
    cases = [(root.attr("a"), AccessKind.ATTR, "a"),
             (root.array_item(2), AccessKind.ARRAY_ITEM, 2),
             (root.map_item("k"), AccessKind.MAP_ITEM, "k"),
             (root.attr_missing("b"), AccessKind.ATTR_MISSING, "b"),
             (root.array_item_missing(3), AccessKind.ARRAY_ITEM_MISSING, 3),
             (root.map_item_missing(5), AccessKind.MAP_ITEM_MISSING, 5)]
    for path, kind, key in cases:
        (step,) = path.to_steps()
        assert isinstance(step, AccessStep)
        assert step.kind == kind and step.key == key
        assert path.parent == root and path.depth == 1


def test_longer_paths_share_their_parent_and_compare_by_steps():
    base = AccessPath.root().attr("layer")
    path = base.array_item(2).map_item("w")
    assert path.parent.parent is base          # the same core node, one wrapper
    assert [s.key for s in path.to_steps()] == ["layer", 2, "w"]
    assert path == AccessPath.root().attr("layer").array_item(2).map_item("w")
    assert path != base.array_item(2).map_item("v")
    assert path != base.array_item(2)
    assert path != "not a path"
    assert repr(path) == "<root>.layer[2]['w']"
    assert repr(base.attr_missing("x")) == "<root>.layer.x(missing)"


def test_prefix():
    root = AccessPath.root()
    foo = root.attr("foo")
    assert root.is_prefix_of(root) and root.is_prefix_of(foo)
    assert foo.is_prefix_of(foo.array_item(1)) and foo.is_prefix_of(root.attr("foo"))
    assert not foo.is_prefix_of(root)
    assert not foo.is_prefix_of(root.attr("bar").array_item(1))
    # keys compare as Map keys: 1 and 1.0 alike, str by content
    assert root.array_item(1).is_prefix_of(root._extend(root.array_item(1).step))


def test_bad_input():
    with pytest.raises(ValueError, match="AccessPath.root"):
        AccessPath()
    with pytest.raises(TypeError):
        AccessPath.root().array_item("x")
    with pytest.raises(TypeError):
        AccessPath.root().is_prefix_of(tvm_ffi_hpy.Array())
