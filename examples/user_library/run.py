"""Use the example user library from Python.

    python run.py [path/to/libuser_library.so]     (default: build/libuser_library.so here)

Build the library first (see CMakeLists.txt or docs/user_library.md).
"""
import os
import sys
from typing import TYPE_CHECKING

import tvm_ffi_hpy as ffi


def main(path: str) -> None:
    mod = ffi.load_module(path)  # runs the library's static init: user_lib.Point exists now

    # A class for the library's type can only be registered once it is loaded.
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

    print(mod)
    print("add_one(41) =", mod.add_one(41))
    print("greet('world') =", mod["greet"]("world"))
    p = Point(3.0, 4.0, "p")
    print(p, "norm =", p.norm())
    q = p.translate(1.0, 1.0)
    print("translated:", q)
    print("echo(p) is p:", mod.echo(p) is p)
    made = mod.make_point(1.5, 2.0)  # a C++-made object comes back as a Point
    print("made in C++:", made, type(made).__name__)
    print("apply_twice:", mod.apply_twice(lambda v: v * 10, 7))
    print("user_lib.sum_x:", ffi.get_global_func("user_lib.sum_x")([p, q, made]))
    try:
        mod.safe_sqrt(-1.0)
    except ValueError as err:
        print("ValueError from C++:", err)

    # Tensors share memory with C++: the library scales a NumPy array in place.
    import numpy as np
    values = np.array([1.0, 2.0, 3.0])
    mod.scale(ffi.from_dlpack(values), 10.0)
    print("scaled in C++:", values.tolist())


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "build", "libuser_library.so"))
