"""python -m user_library: the demo of the example library."""
import user_library as lib
from tvm_ffi_hpy import from_dlpack


def main() -> None:
    print(lib.library, "--", lib.version())
    print("add_one(41) =", lib.add_one(41))
    print("greet('world') =", lib.library["greet"]("world"))
    p = lib.Point(3.0, 4.0, "p")
    print(p, "norm =", p.norm())
    q = p.translate(1.0, 1.0)
    print("translated:", q)
    print("echo(p) is p:", lib.echo(p) is p)
    made = lib.make_point(1.5, 2.0)  # a C++-made object comes back as a Point
    print("made in C++:", made, type(made).__name__)
    print("apply_twice:", lib.apply_twice(lambda v: v * 10, 7))
    print("user_lib.sum_x:", lib.sum_x([p, q, made]))
    try:
        lib.safe_sqrt(-1.0)
    except ValueError as err:
        print("ValueError from C++:", err)

    # Tensors share memory with C++: the library scales a NumPy array in place.
    import numpy as np
    values = np.array([1.0, 2.0, 3.0])
    lib.scale(from_dlpack(values), 10.0)
    print("scaled in C++:", values.tolist())


if __name__ == "__main__":
    main()
