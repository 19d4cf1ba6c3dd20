"""A plain field read against a __slots__ read, in a loop the JIT cannot
hoist the read out of (it reads from 64 objects in turn and sums the values).

    $PYPY bench/plain_fields.py      # or any interpreter with the package importable

Prints ns per iteration (minimum of 7 runs of 2,000,000 iterations): the empty
loop, a __slots__ attribute, `pair.a` (a TestIntPair field: on PyPy a memory
read through cffi, tvm_ffi_hpy/_plain_fields.py), and the wrapper's address
member alone (`__tvm_ffi_address__`, the part of `pair.a` that is an HPy
member read).  Results: docs/benchmarks.md, "Plain fields as memory on PyPy".
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tvm_ffi_hpy import testing  # noqa: E402

N = 2_000_000


class Slots:
    __slots__ = ("a",)

    def __init__(self, a: int) -> None:
        self.a = a


PAIRS = [testing.TestIntPair(i, i) for i in range(64)]
SLOTS = [Slots(i) for i in range(64)]


# One function per loop, on purpose: PyPy's JIT traces a loop per code
# object, and a loop shared by the rows would mix their types in one trace.
def empty_loop(n: int) -> float:
    t = time.perf_counter()
    s = 0
    for i in range(n):
        s += i & 63
    return time.perf_counter() - t


def slots_read(n: int) -> float:
    objs = SLOTS
    t = time.perf_counter()
    s = 0
    for i in range(n):
        s += objs[i & 63].a
    return time.perf_counter() - t


def field_read(n: int) -> float:
    objs = PAIRS
    t = time.perf_counter()
    s = 0
    for i in range(n):
        s += objs[i & 63].a
    return time.perf_counter() - t


def address_read(n: int) -> float:
    objs = PAIRS
    t = time.perf_counter()
    s = 0
    for i in range(n):
        s += objs[i & 63].__tvm_ffi_address__ & 1
    return time.perf_counter() - t


def main() -> None:
    assert sum(p.a for p in PAIRS) == sum(s.a for s in SLOTS) == sum(range(64))
    print("%s %s" % (sys.implementation.name, sys.version.split()[0]))
    rows = [("empty loop", empty_loop), ("__slots__ read", slots_read), ("pair.a", field_read)]
    if hasattr(PAIRS[0], "__tvm_ffi_address__"):  # builds before 2026-12-04 lack it
        rows.append(("address member", address_read))
    for name, fn in rows:
        best = min(fn(N) for _ in range(7)) / N * 1e9
        print("%-16s %6.2f ns per iteration" % (name, best))


if __name__ == "__main__":
    main()
