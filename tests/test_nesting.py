"""Cycles and deep nesting in conversions (issue 10): no crash, clean errors."""
import pytest

import tvm_ffi_hpy as ffi
from conftest import scaled


@pytest.mark.parametrize("make", [
    lambda: (lambda l: (l.append(l), l)[1])([]),
    lambda: (lambda d: (d.__setitem__("self", [1, d]), d)[1])({}),
    lambda: (lambda a: (a.append([[a]]), ([a],))[1])([]),
])
def test_a_container_that_contains_itself_raises_value_error(make):
    value = make()
    with pytest.raises(ValueError, match="contains itself"):
        ffi.convert(value)
    echo = ffi.get_global_func("testing.echo")
    with pytest.raises(ValueError, match="contains itself"):
        echo(value)


@pytest.mark.parametrize("make", [
    lambda: (lambda l: (l.append(l), l)[1])([[1]]),                # [[1], <self>]
    lambda: (lambda d: (d.__setitem__("z", d), d)[1])({"a": {"b": [2]}}),
    lambda: (lambda l: (l.append(({"k": l},)), l)[1])([[[0]], (1,)]),
])
def test_a_cycle_left_now_and_then_is_found(make):
    # The walk opens a container that is not on the cycle at every depth
    # first; the cycle must still be found (it used to grow without end).
    with pytest.raises(ValueError, match="contains itself"):
        ffi.convert(make())


def test_a_long_cycle_is_found():
    head = []
    cur = head
    for _ in range(300):
        nxt = []
        cur.append(nxt)
        cur = nxt
    cur.append(head)
    with pytest.raises(ValueError, match="through 300 other containers"):
        ffi.convert(head)


def test_deep_nesting_converts_and_is_freed():
    depth = scaled(20000)
    x = [1]
    for _ in range(depth):
        x = [x]
    a = ffi.convert(x)
    assert isinstance(a, ffi.Array) and len(a) == 1
    del a
    y = {"leaf": 2}
    for _ in range(depth):
        y = {"k": (y,)}
    m = ffi.convert(y)
    assert len(m) == 1
    del m
