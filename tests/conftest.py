"""Shared fixtures: which binary ran, handle leaks in HPy debug mode, core leaks."""
import gc
import hashlib
import os
import platform
import sys

import pytest

import tvm_ffi_hpy
import tvm_ffi_hpy.testing  # noqa: F401  (the "testing.*" functions and types, for every test)
from tvm_ffi_hpy import _loader

IS_PYPY = platform.python_implementation() == "PyPy"
# TVM_FFI_HPY_LONG=1 (ci/harden.sh): the long sizes everywhere.
LONG = os.environ.get("TVM_FFI_HPY_LONG") == "1"
# PyPy 7.3.19's HPy debug mode makes every HPy call cost more the more handles
# are open (a 10,000-deep dict converts in 40 s there, 0.03 s without debug
# mode: quadratic), and a plain HPy call costs ~600 us.  There the longest
# tests run at a tenth of their size in ci/test.sh: debug mode looks for
# handle leaks, which one cycle shows.  The full sizes run there in
# ci/harden.sh, and everywhere else in ci/test.sh.
SHORT_RUN = IS_PYPY and _loader.debug_mode() and not LONG
# The few tests that need hundreds of thousands of handles at once do not run
# there at all, not even in ci/harden.sh: 20 minutes to hours each.
PYPY_DEBUG = IS_PYPY and _loader.debug_mode()
# PyPy 7.3.19 in HPy debug mode aborts when Python code that the extension
# runs calls the extension again (REENTRY_REASON below).
REENTRY_ABORTS = IS_PYPY and _loader.debug_mode()


# Global functions that tests calling every global function with arbitrary
# arguments leave out, and why (test_properties.py, test_bad_input.py): they
# change the process for good when they succeed, block, or run work bounded
# only by an argument; each has a bounded test of its own.
GLOBAL_FUNCS_NOT_SWEPT = {
    "testing.call_n": "runs f n times: n = 2**63-1 would not end (test_properties.py)",
    "testing.call_from_threads": "starts n threads (test_properties.py)",
    "testing.make_array_of": "allocates n items (test_properties.py)",
    "ffi.DefinePyClass": "registers types for the life of the process (test_properties.py)",
    "ffi.TypeRegisterAttr": "sets hooks of types for the life of the process "
                            "(tests/test_structural.py: bad input)",
    "ffi.DefinePyClassType": "registers types for the life of the process "
                             "(test_properties.py)",
    "ffi.DefinePyClassFields": "registers fields for the life of the process "
                               "(test_properties.py)",
    "testing.sleep_ms": "sleeps and writes to a file descriptor (tests/test_interrupt.py)",
}


def scaled(n):
    """n, or a tenth of it where SHORT_RUN says the run is short."""
    return n // 10 if SHORT_RUN else n


def _binary():
    path = sys.modules["tvm_ffi_hpy._ffi"].__file__
    with open(path, "rb") as f:
        return path, hashlib.sha256(f.read()).hexdigest()


def pytest_sessionstart(session):
    """Record which binary this interpreter loaded (ci/test.sh compares them)."""
    path, sha = _binary()
    out = os.environ.get("TVM_FFI_HPY_SHA_FILE")
    if out:
        with open(out, "w") as f:
            f.write("%s %s\n" % (path, sha))
    print("\ntvm_ffi_hpy: %s %s loaded %s sha256=%s%s" % (
        platform.python_implementation(), platform.python_version(), path, sha,
        " (HPy debug mode)" if _loader.debug_mode() else ""))


def pytest_report_header(config):
    path, sha = _binary()
    return ["tvm_ffi_hpy: %s %s, HPy %s%s" % (
                platform.python_implementation(), platform.python_version(),
                _loader.hpy_version(), ", debug mode" if _loader.debug_mode() else ""),
            "binary: %s sha256=%s" % (path, sha)]


def collect():
    """Run the collector until finalizers settle, then release what the core dropped."""
    for _ in range(3):
        gc.collect()
    tvm_ffi_hpy.core._ffi.drain()


def released(ref):
    """True once the object behind the weak reference `ref` is gone.  A Python
    object the core held is dropped from the extension's table by drain(), and
    PyPy frees it only at the collection after that: collect more than once."""
    for _ in range(3):
        collect()
        if ref() is None:
            return True
    return False


def field_accessor(cls, name):
    """The FieldAccessor of a reflected field of `cls`'s core type (from the
    core's type info), whichever front end the class itself uses."""
    for field in tvm_ffi_hpy.core._ffi.type_info(cls.__tvm_ffi_type_index__).fields:
        if field.name == name:
            return field.accessor
    raise LookupError("%s has no field %r" % (cls.__name__, name))


def field_descriptor(cls, name):
    """The descriptor behind `cls.name`: a getset descriptor of the class
    where the interpreter reports their errors, else a property."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    raise LookupError(name)


def live_objects():
    """Live core objects once nothing more can be released.

    On PyPy a chain of objects (a wrapper keeping an Array keeping an object
    with its own wrapper...) is released one link per collection, so collect
    until the count stays the same three times in a row."""
    count, stable = None, 0
    for _ in range(400):
        gc.collect()
        now = tvm_ffi_hpy.testing.live_object_count()  # applies what the core dropped
        stable = stable + 1 if now == count else 0
        count = now
        if stable == 3:
            break
    return count


@pytest.fixture(autouse=True)
def no_core_leak(request):
    """Every test leaves the number of live core objects where it found it."""
    if request.node.get_closest_marker("allow_core_growth"):
        yield
        return
    # CPython frees by reference count: what a test dropped is gone after one
    # collection (cycles).  PyPy frees at collections, and finalizers may
    # release chains over several: the count after a test is taken settled,
    # and one collection before a test catches a late release of the last.
    before = _count_expecting(_settled_count[0], collections=1 if IS_PYPY else 0)
    yield
    after = live_objects() if IS_PYPY else _count_expecting(before, collections=1)
    for _ in range(5):  # PyPy runs finalizers when it gets to them
        if after == before:
            break
        after = live_objects()
    _settled_count[0] = after
    assert after == before, "the test leaked %d core objects" % (after - before)


# The count the last test left, once settled.  Settling takes four or more
# full collections: done twice per test, it was most of the suite's time.
_settled_count = [None]


def _count_expecting(expected, collections):
    """Live core objects: `expected` (a count known to be settled: collections
    cannot bring back what earlier ones released) when that is what the count
    shows after `collections` full collections, else the count once settled
    (live_objects)."""
    for _ in range(collections):
        gc.collect()
    now = tvm_ffi_hpy.testing.live_object_count()
    return now if now == expected else live_objects()


@pytest.fixture
def restore_error_classes():
    """register_error calls made by the test are undone after it."""
    saved = dict(tvm_ffi_hpy.core._error_classes)
    yield
    tvm_ffi_hpy.core._error_classes.clear()
    tvm_ffi_hpy.core._error_classes.update(saved)


@pytest.fixture(autouse=True)
def no_handle_leak():
    """In HPy debug mode, a test must not leak HPy handles."""
    if not _loader.debug_mode():
        yield
        return
    # HPy's debug module of the runtime that loaded the extension (on CPython
    # 3.13 the package's own, which no `hpy.debug` import would reach): the
    # handles opened since a generation began and still open are leaks.
    debug = _loader.hpy_runtime()._debug
    generation = debug.new_generation()
    yield
    leaks = debug.get_open_handles(generation)
    if leaks:
        pytest.fail("%d HPy handle(s) leaked by this test:\n%s"
                    % (len(leaks), "\n".join("    %r" % handle for handle in leaks)),
                    pytrace=False)


REENTRY_REASON = (
    "PyPy 7.3.19's HPy debug mode passes every call the same debug context and marks it invalid "
    "while the extension runs Python code, so Python code that calls back into the extension "
    "from there aborts the process ('Wrong HPy Context!'; docs/design.md, 'HPy debug mode')")


SHARED_DEBUG_CONTEXTS_REASON = (
    "HPy 0.9's debug mode hands every thread its debug contexts from one ring of 16 and marks "
    "them valid or invalid as calls enter and leave; with the GIL released in several threads "
    "at once, another thread's calls invalidate a context a callback still re-enters with, "
    "and HPy aborts the process ('Wrong HPy Context!' in debug_ctx_ReenterPythonExecution; "
    "seen about once in 40 runs on CPython 3.13, with 68875bc too: docs/semantics.md)")


def pytest_configure(config):
    config.addinivalue_line("markers", "allow_core_growth: the test may keep core objects alive "
                            "(module-level registrations)")
    config.addinivalue_line("markers", "gil_released_in_several_threads: several Python threads "
                            "call functions that release the GIL and call back into Python at "
                            "once; skipped in HPy debug mode (SHARED_DEBUG_CONTEXTS_REASON)")
    config.addinivalue_line("markers", "reenters_extension: Python code that the extension runs "
                            "(a callback called by C++, the class factory) calls back into the "
                            "extension; skipped in HPy debug mode on PyPy only")


def pytest_collection_modifyitems(config, items):
    shared = pytest.mark.skip(reason=SHARED_DEBUG_CONTEXTS_REASON)
    reentry = pytest.mark.skip(reason=REENTRY_REASON)
    for item in items:
        if _loader.debug_mode() and "gil_released_in_several_threads" in item.keywords:
            item.add_marker(shared)
        elif REENTRY_ABORTS and "reenters_extension" in item.keywords:
            item.add_marker(reentry)
