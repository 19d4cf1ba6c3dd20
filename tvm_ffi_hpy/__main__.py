"""`python -m tvm_ffi_hpy`: a short demo of what runs where."""
import hashlib
import platform
import sys

import tvm_ffi_hpy
from tvm_ffi_hpy import _loader, testing


def main() -> None:
    path = _loader.extension_path()
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    print("interpreter : %s %s" % (platform.python_implementation(), sys.version.split()[0]))
    print("HPy ABI     : %s (universal)" % _loader.hpy_version())
    print("extension   : %s" % path)
    print("sha256      : %s" % digest)
    echo = tvm_ffi_hpy.get_global_func("testing.echo")
    add_one = tvm_ffi_hpy.get_global_func("testing.add_one")
    apply = tvm_ffi_hpy.get_global_func("testing.apply")
    print("add_one(41) -> %r" % add_one(41))
    print("echo('hello') -> %r" % echo("hello"))
    print("apply(lambda x: x * 2, 21) -> %r" % apply(lambda x: x * 2, 21))
    pair = testing.TestIntPair(3, 4)
    print("TestIntPair(3, 4) -> %r, sum() = %d" % (pair, pair.sum()))
    arr = tvm_ffi_hpy.convert([1, "two", 3.0])
    print("convert([1, 'two', 3.0]) -> %s %r" % (type(arr).__name__, arr))
    try:
        tvm_ffi_hpy.get_global_func("testing.test_raise_error")("ValueError", "from C++")
    except ValueError as err:
        print("C++ error -> ValueError(%r)" % str(err))


if __name__ == "__main__":
    main()
