"""Stress: many threads at once, and many processes started and ended.

- 16 Python threads for TVM_FFI_HPY_STRESS_SECONDS (default 10) mixing calls,
  field reads and writes on shared objects, Python callbacks called from C++
  threads, calls with the GIL released, and drops; every thread checks what
  it reads (a shared field only ever holds one of the wrappers written to
  it: tying holds under threads), and the live core objects end where they
  started (conftest).
- Processes started and ended while objects are bound (pinned wrappers,
  callables and Python objects held by C++, a thread inside C++): exit
  status 0 each.  40 in the normal suite; 1,000 with TVM_FFI_HPY_LONG=1
  (ci/harden.sh), in parallel batches of 2.
"""
import gc
import os
import random
import subprocess
import sys
import threading
import time

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import Array, Map, _loader, testing

LONG = os.environ.get("TVM_FFI_HPY_LONG") == "1"
SECONDS = float(os.environ.get("TVM_FFI_HPY_STRESS_SECONDS", "10"))
PROCESSES = 1000 if LONG else 40
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.skipif(
    _loader.debug_mode(),
    reason="interpreter difference: HPy debug mode cannot share its context between threads "
           "that leave and re-enter Python, so the callback service is off in debug mode")

echo = tvm_ffi_hpy.get_global_func("testing.echo")
add_one = tvm_ffi_hpy.get_global_func("testing.add_one")
apply = tvm_ffi_hpy.get_global_func("testing.apply")


def _releasing(name):
    f = tvm_ffi_hpy.get_global_func(name)  # a wrapper of our own: release_gil is per wrapper
    f.release_gil = True
    return f


def test_sixteen_threads_mixing_everything():
    call_from_threads = _releasing("testing.call_from_threads")
    apply_released = _releasing("testing.apply")
    holders = [testing.TestHolder(None) for _ in range(4)]
    pool = [testing.TestIntPair(k, k + 1) for k in range(8)] + [Array([1, 2]), Map({"k": 1})]
    errors = []
    counts = [0] * 16
    deadline = time.monotonic() + SECONDS

    def worker(index):
        rng = random.Random(index)
        try:
            while time.monotonic() < deadline:
                op = rng.randrange(9)
                if op == 0:  # calls with values of every kind
                    assert add_one(index) == index + 1
                    assert echo("thread %d" % index) == "thread %d" % index
                    assert list(echo([index, "x"])) == [index, "x"]
                elif op == 1:  # field write: one of the pool's wrappers, or None
                    rng.choice(holders).value = rng.choice(pool + [None])
                elif op == 2:  # field read: tying holds whatever the other threads do
                    value = rng.choice(holders).value
                    assert value is None or any(value is p for p in pool), value
                elif op == 3:  # Python callbacks called from C++ threads
                    total = call_from_threads(lambda t, i: t + i + index, 2, 3)
                    assert total == sum(t + i + index for t in range(2) for i in range(3))
                elif op == 4:  # a callback on this thread with the GIL released
                    p = rng.choice(pool)
                    assert apply_released(lambda x: x, p) is p
                elif op == 5:  # create and drop, through C++ and back
                    fresh = testing.TestIntPair(index, 1)
                    holder = testing.TestHolder(fresh)
                    assert holder.value is fresh
                    del holder, fresh
                elif op == 6:  # Python objects held by C++, then dropped
                    token = object()
                    assert echo([token])[0] is token
                    assert apply(lambda: token) is token
                elif op == 7:  # errors crossing with other threads around
                    exc = KeyError(index)
                    try:
                        apply(lambda: (_ for _ in ()).throw(exc))
                    except KeyError as err:
                        assert err is exc
                    else:
                        raise AssertionError("no error")
                else:
                    if rng.random() < 0.05:
                        gc.collect()
                    time.sleep(0)
                counts[index] += 1
        except BaseException as err:  # noqa: B902 - reported by the main thread
            errors.append((index, err))

    threads = [threading.Thread(target=worker, args=(i,), name="stress-%d" % i)
               for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(SECONDS + 300)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert all(c > 0 for c in counts), counts
    for h in holders:  # the pool's wrappers are still the ones in the holders
        assert h.value is None or any(h.value is p for p in pool)
    print("stress: %d operations in %.0f s on 16 threads" % (sum(counts), SECONDS))


CHILD = r"""
import os, sys, threading
import tvm_ffi_hpy
from tvm_ffi_hpy import testing
mode = int(sys.argv[1])
holders = [testing.TestHolder(testing.TestIntPair(i, i)) for i in range(50)]
pinned = [h.value for h in holders]                  # pinned wrappers
kept = tvm_ffi_hpy.convert([object(), lambda: 1])    # Python objects held by C++
tvm_ffi_hpy.register_global_func("child.f", lambda x: x, override=True)
apply = tvm_ffi_hpy.get_global_func("testing.apply")
if mode == 1:    # end the process from inside a callback
    apply(lambda: sys.exit(0))
elif mode == 2:  # another thread is inside C++ (GIL released) when the process ends
    sleep_ms = tvm_ffi_hpy.get_global_func("testing.sleep_ms")
    sleep_ms.release_gil = True
    threading.Thread(target=sleep_ms, args=(200, -1), daemon=True).start()
elif mode == 3:  # callbacks from C++ threads just before the end
    f = tvm_ffi_hpy.get_global_func("testing.call_from_threads")
    f.release_gil = True
    assert f(lambda t, i: 1, 2, 2) == 4
assert all(h.value is p for h, p in zip(holders, pinned))
"""


def test_processes_start_and_end_with_objects_bound():
    env = dict(os.environ)
    # The package from this tree; nothing else from this process's sys.path
    # (other tests put stand-in modules there).
    env["PYTHONPATH"] = os.pathsep.join([REPO_ROOT] + [p for p in [env.get("PYTHONPATH")] if p])
    failures = []
    running = []

    def reap(proc, mode):
        out, err = proc.communicate(timeout=300)
        if proc.returncode != 0:
            failures.append((mode, proc.returncode, err[-2000:]))

    for i in range(PROCESSES):
        mode = i % 4
        running.append((subprocess.Popen([sys.executable, "-c", CHILD, str(mode)], cwd=REPO_ROOT,
                                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         universal_newlines=True), mode))
        if len(running) == 2:  # two cores: batches of two
            for proc, m in running:
                reap(proc, m)
            running = []
    for proc, m in running:
        reap(proc, m)
    assert failures == [], failures[:3]
    print("processes: %d started and ended, exit status 0 each" % PROCESSES)
