"""The global function registry."""
import weakref

import pytest

import tvm_ffi_hpy
from conftest import collect, released

apply = tvm_ffi_hpy.get_global_func("testing.apply")


@pytest.fixture
def names():
    """Names the test registers; removed afterwards whatever happened."""
    used = []
    yield used
    for name in used:
        tvm_ffi_hpy.remove_global_func(name)


# Registered once for the module: the registry keeps it for the process.
@tvm_ffi_hpy.register_global_func("test_registry.module_level")
def _module_level(x):
    return x * 100


@pytest.mark.allow_core_growth
def test_module_level_registration():
    assert tvm_ffi_hpy.get_global_func("test_registry.module_level")(2) == 200
    assert "test_registry.module_level" in tvm_ffi_hpy.list_global_func_names()


def test_register_and_call(names):
    names.append("test_registry.add")
    tvm_ffi_hpy.register_global_func("test_registry.add", lambda a, b: a + b)
    f = tvm_ffi_hpy.get_global_func("test_registry.add")
    assert isinstance(f, tvm_ffi_hpy.Function)
    assert f(2, 3) == 5
    assert f("a", "b") == "ab"


def test_register_returns_the_registered_function(names):
    names.append("test_registry.ret")

    def fn():
        return 1
    registered = tvm_ffi_hpy.register_global_func("test_registry.ret", fn)
    assert isinstance(registered, tvm_ffi_hpy.Function)  # as apache tvm-ffi
    assert registered.same_as(tvm_ffi_hpy.get_global_func("test_registry.ret"))
    assert registered() == 1


def test_register_as_decorator_with_name(names):
    names.append("test_registry.decorated")

    @tvm_ffi_hpy.register_global_func("test_registry.decorated")
    def decorated(x):
        return -x
    assert isinstance(decorated, tvm_ffi_hpy.Function)  # the registered Function
    assert decorated(3) == -3
    assert tvm_ffi_hpy.get_global_func("test_registry.decorated")(3) == -3


def test_register_as_bare_decorator_uses_name(names):
    names.append("test_registry_bare_function")

    @tvm_ffi_hpy.register_global_func
    def test_registry_bare_function():
        return "bare"
    assert tvm_ffi_hpy.get_global_func("test_registry_bare_function")() == "bare"


def test_register_existing_name_without_override_fails(names):
    names.append("test_registry.dup")
    tvm_ffi_hpy.register_global_func("test_registry.dup", lambda: "first")
    with pytest.raises(Exception):
        tvm_ffi_hpy.register_global_func("test_registry.dup", lambda: "second")
    assert tvm_ffi_hpy.get_global_func("test_registry.dup")() == "first"


def test_register_core_name_without_override_fails():
    with pytest.raises(Exception):
        tvm_ffi_hpy.register_global_func("testing.add_one", lambda x: x)
    assert tvm_ffi_hpy.get_global_func("testing.add_one")(1) == 2


def test_register_with_override_replaces(names):
    names.append("test_registry.over")
    tvm_ffi_hpy.register_global_func("test_registry.over", lambda: "first")
    tvm_ffi_hpy.register_global_func("test_registry.over", lambda: "second", override=True)
    assert tvm_ffi_hpy.get_global_func("test_registry.over")() == "second"


def test_register_core_function_under_new_name(names):
    names.append("test_registry.alias")
    add_one = tvm_ffi_hpy.get_global_func("testing.add_one")
    tvm_ffi_hpy.register_global_func("test_registry.alias", add_one)
    alias = tvm_ffi_hpy.get_global_func("test_registry.alias")
    assert alias.same_as(add_one)
    assert alias(1) == 2


def test_remove_global_func():
    tvm_ffi_hpy.register_global_func("test_registry.removed", lambda: 0)
    assert tvm_ffi_hpy.remove_global_func("test_registry.removed") is True
    assert tvm_ffi_hpy.get_global_func("test_registry.removed", allow_missing=True) is None
    assert tvm_ffi_hpy.remove_global_func("test_registry.removed") is False


def test_remove_missing_returns_false():
    assert tvm_ffi_hpy.remove_global_func("test_registry.never_registered") is False


def test_list_global_func_names_sorted_strings():
    names = tvm_ffi_hpy.list_global_func_names()
    assert isinstance(names, list)
    assert all(type(n) is str for n in names)
    assert names == sorted(names)
    for expected in ("testing.echo", "testing.add_one", "testing.apply", "testing.nop",
                     "testing.test_raise_error", "testing.object_use_count"):
        assert expected in names


def test_list_reflects_registration_and_removal():
    name = "test_registry.listed"
    assert name not in tvm_ffi_hpy.list_global_func_names()
    tvm_ffi_hpy.register_global_func(name, lambda: 0)
    try:
        assert name in tvm_ffi_hpy.list_global_func_names()
    finally:
        tvm_ffi_hpy.remove_global_func(name)
    assert name not in tvm_ffi_hpy.list_global_func_names()


def test_registered_function_called_from_core(names):
    names.append("test_registry.mul")
    tvm_ffi_hpy.register_global_func("test_registry.mul", lambda a, b: a * b)
    assert apply(tvm_ffi_hpy.get_global_func("test_registry.mul"), 6, 7) == 42


def test_registry_keeps_callable_alive_until_removed():
    class Callable:
        def __call__(self, x):
            return x + 0.5
    target = Callable()
    ref = weakref.ref(target)
    tvm_ffi_hpy.register_global_func("test_registry.alive", target)
    del target
    collect()
    assert ref() is not None
    assert tvm_ffi_hpy.get_global_func("test_registry.alive")(1) == 1.5
    assert tvm_ffi_hpy.remove_global_func("test_registry.alive")
    assert released(ref)


@pytest.mark.parametrize("name", ["with space", "unicode.\u00e9t\u00e9", "a" * 300],
                         ids=["space", "unicode", "long"])
def test_unusual_names(name, names):
    names.append(name)
    tvm_ffi_hpy.register_global_func(name, lambda: "ok")
    assert tvm_ffi_hpy.get_global_func(name)() == "ok"
    assert name in tvm_ffi_hpy.list_global_func_names()


def test_register_non_callable_rejected():
    with pytest.raises(TypeError):
        tvm_ffi_hpy.register_global_func("test_registry.not_callable", 42)
    assert tvm_ffi_hpy.get_global_func("test_registry.not_callable", allow_missing=True) is None


def test_register_non_str_name_rejected():
    with pytest.raises(TypeError):
        tvm_ffi_hpy.register_global_func(123, lambda: 0)
