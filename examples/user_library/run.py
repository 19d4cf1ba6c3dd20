"""Run the demo (python -m user_library) on a library built with CMake.

    python run.py [path/to/libuser_library.so]     (default: build/libuser_library.so here)

Build the library first (see CMakeLists.txt or docs/user_library.md); an
installed wheel of this example needs no script: ``python -m user_library``.
"""
import os
import runpy
import sys

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "build", "libuser_library.so")
    os.environ["USER_LIBRARY_PATH"] = os.path.abspath(path)
    sys.path.insert(0, here)  # the package user_library/ next to this script
    runpy.run_module("user_library", run_name="__main__", alter_sys=True)
