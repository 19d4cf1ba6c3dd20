"""What C++ drops is released when Python drops it, not at some later call.

A wrapper's finalizer releases its core object and, right there, what that
released in turn: Python objects the core held, wrappers that only C++ kept
pinned (docs/design.md, "Release").  Nothing here calls into the extension
between dropping the last reference and checking: only the collector runs.
"""
import gc
import weakref

from tvm_ffi_hpy import Array, Map, testing


class Payload:
    """A plain Python object: held by the core as an opaque object."""


def collect_only(rounds=8):
    # PyPy frees a chain (wrapper -> core object -> Python object) one link
    # per collection; no call into the extension in between.
    for _ in range(rounds):
        gc.collect()


def alive(refs):
    return sum(r() is not None for r in refs)


def test_payloads_in_a_dropped_array_are_released():
    payloads = [Payload() for _ in range(50)]
    refs = [weakref.ref(p) for p in payloads]
    arr = Array(payloads)
    del payloads
    assert alive(refs) == 50  # the core holds them
    del arr
    collect_only()
    assert alive(refs) == 0


def test_payloads_in_a_dropped_map_are_released():
    payloads = {str(i): Payload() for i in range(20)}
    refs = [weakref.ref(p) for p in payloads.values()]
    m = Map(payloads)
    del payloads
    del m
    collect_only()
    assert alive(refs) == 0


def test_objects_pinned_by_a_dropped_container_are_released():
    # Wrappers of the holders are pinned while the Array (C++) holds them;
    # dropping the Array must unpin them without waiting for another call.
    payloads = [Payload() for _ in range(200)]
    refs = [weakref.ref(p) for p in payloads]
    arr = Array([testing.TestHolder(p) for p in payloads])
    del payloads
    items = list(arr)
    assert all(type(h).__name__ == "TestHolder" for h in items)
    del arr
    del items
    collect_only()
    assert alive(refs) == 0


def test_a_dropped_callback_is_released():
    class Callback:
        def __call__(self):
            return 1

    cb = Callback()
    ref = weakref.ref(cb)
    holder = testing.TestHolder(cb)  # a Function calling cb back
    del cb
    assert holder.value() == 1
    del holder
    collect_only()
    assert ref() is None
