"""The example C++ library (../user_library.cc) as a Python package.

Importing it loads ``libuser_library.so`` -- the copy that the wheel put next
to this file, or the one named by the environment variable
``USER_LIBRARY_PATH`` (run.py sets it to a CMake build) -- and gives its type
a Python class.  ``python -m user_library`` runs the demo.
"""
import os
from typing import TYPE_CHECKING

import tvm_ffi_hpy as ffi

__all__ = ["library", "Point", "add_one", "greet", "echo", "make_point", "safe_sqrt",
           "apply_twice", "scale", "sum_x", "version"]

_PATH = os.environ.get("USER_LIBRARY_PATH") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "libuser_library.so")
if not os.path.exists(_PATH):
    raise ImportError("user_library: %s does not exist; install the wheel (pip wheel "
                      "examples/user_library) or build with CMake and set USER_LIBRARY_PATH "
                      "(see docs/user_library.md)" % _PATH)

#: The loaded library; loading ran its static-init blocks (user_lib.Point exists now).
library = ffi.load_module(_PATH)


@ffi.register_object("user_lib.Point")
class Point(ffi.Object):
    """user_lib.Point(x, y, label): fields x, y (read-write), label (read-only);
    methods norm() and translate(dx, dy) -- all from the C++ reflection."""

    if TYPE_CHECKING:  # reflected from C++ when the class is built
        x: float
        y: float
        @property
        def label(self) -> str: ...
        def norm(self) -> float: ...
        def translate(self, dx: float, dy: float) -> "Point": ...

    def __repr__(self) -> str:
        return "Point(%g, %g, %r)" % (self.x, self.y, self.label)


# The exported C symbols (__tvm_ffi_<name>) ...
add_one = library.add_one
greet = library.greet
echo = library.echo
make_point = library.make_point
safe_sqrt = library.safe_sqrt
apply_twice = library.apply_twice
scale = library.scale
# ... and the global functions the library registered.
sum_x = ffi.get_global_func("user_lib.sum_x")
version = ffi.get_global_func("user_lib.version")
