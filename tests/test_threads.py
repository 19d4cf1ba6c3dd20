"""Threads: Python callbacks called from C++ threads, identity under threads."""
import threading

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import _loader, testing

call_from_threads = tvm_ffi_hpy.get_global_func("testing.call_from_threads")

pytestmark = pytest.mark.skipif(
    _loader.debug_mode(),
    reason="interpreter difference: HPy debug mode cannot share its context between threads "
           "that leave and re-enter Python, so the callback service is off in debug mode")


@pytest.fixture
def releasing():
    call_from_threads.release_gil = True
    yield call_from_threads
    call_from_threads.release_gil = False


def test_callbacks_from_cpp_threads(releasing):
    names = set()

    def cb(t, i):
        names.add(threading.current_thread().name)
        return t + i

    total = releasing(cb, 4, 100)
    assert total == sum(t + i for t in range(4) for i in range(100))
    assert names == {"tvm_ffi_hpy-callbacks"}


def test_callback_from_cpp_thread_sees_tied_objects(releasing):
    holder = testing.TestHolder(testing.TestIntPair(2, 3))
    expected = holder.value
    seen = []

    def cb(t, i):
        seen.append(holder.value is expected)
        return holder.value.sum()

    assert releasing(cb, 3, 20) == 3 * 20 * 5
    assert all(seen) and len(seen) == 60


def test_exception_from_cpp_thread_is_the_same_object(releasing):
    raised = []

    def cb(t, i):
        err = LookupError("from thread %d" % t)
        raised.append(err)
        raise err

    with pytest.raises(LookupError) as info:
        releasing(cb, 1, 1)
    assert info.value is raised[0]


def test_callback_from_cpp_thread_while_gil_held_fails_cleanly():
    call_from_threads.release_gil = False
    with pytest.raises(RuntimeError, match="release_gil"):
        call_from_threads(lambda t, i: 1, 1, 1)
    assert call_from_threads(lambda t, i: 1, 0, 0) == 0  # still usable


def test_release_gil_lets_other_python_threads_run(releasing):
    progress = []
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            progress.append(1)

    worker = threading.Thread(target=spin)
    worker.start()
    try:
        def cb(t, i):
            return 1
        assert releasing(cb, 2, 200) == 400
    finally:
        stop.set()
        worker.join()
    assert progress
