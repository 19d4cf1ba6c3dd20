"""Where the files for building C++ libraries against the core are.

``pip install .`` (and ``setup.py build_ext --inplace``) puts them in the
package directory::

    tvm_ffi_hpy/libtvm_ffi_hpy_core.so          the core library
    tvm_ffi_hpy/libtvm_ffi_hpy_testing.so       the testing set (tvm_ffi_hpy.testing loads it)
    tvm_ffi_hpy/include/tvm_ffi_hpy/*.h         its headers (c_api.h, ffi.h, ...)
    tvm_ffi_hpy/cmake/tvm_ffi_hpy-config.cmake  find_package(tvm_ffi_hpy CONFIG)

In a source tree that was not built yet, the headers and the CMake config are
found in ``core/`` instead (the library is not: build the package first).
"""
import os
from typing import List

CORE_LIB = "libtvm_ffi_hpy_core.so"
TESTING_LIB = "libtvm_ffi_hpy_testing.so"
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_SOURCE_CORE = os.path.join(os.path.dirname(_PACKAGE_DIR), "core")

__all__ = ["find_include_path", "find_lib_path", "find_cmake_path", "find_core_lib",
           "find_testing_lib"]


def _first_existing(candidates: List[str], what: str) -> str:
    for path in candidates:
        if os.path.exists(path):
            return path
    raise RuntimeError("tvm_ffi_hpy: cannot find %s (looked in %s); build the package first "
                       "(`pip install .` or `python setup.py build_ext --inplace`)"
                       % (what, ", ".join(candidates)))


def find_include_path() -> str:
    """The directory to add to the include path: it holds ``tvm_ffi_hpy/ffi.h``."""
    candidates = [os.path.join(_PACKAGE_DIR, "include"), os.path.join(_SOURCE_CORE, "include")]
    for path in candidates:
        if os.path.exists(os.path.join(path, "tvm_ffi_hpy", "c_api.h")):
            return path
    return _first_existing([os.path.join(p, "tvm_ffi_hpy", "c_api.h") for p in candidates],
                           "the headers")


def find_core_lib() -> str:
    """The full path of ``libtvm_ffi_hpy_core.so``."""
    return _first_existing([os.path.join(_PACKAGE_DIR, CORE_LIB)], CORE_LIB)


def find_testing_lib() -> str:
    """The full path of ``libtvm_ffi_hpy_testing.so`` (the functions and types
    of ``tvm_ffi_hpy.testing``)."""
    return _first_existing([os.path.join(_PACKAGE_DIR, TESTING_LIB)], TESTING_LIB)


def find_lib_path() -> List[str]:
    """The core library as a list of paths (apache tvm-ffi's shape): ``[.../libtvm_ffi_hpy_core.so]``."""
    return [find_core_lib()]


def find_cmake_path() -> str:
    """The directory holding ``tvm_ffi_hpy-config.cmake``: pass it as ``-Dtvm_ffi_hpy_DIR=``."""
    candidates = [os.path.join(_PACKAGE_DIR, "cmake"), os.path.join(_SOURCE_CORE, "cmake")]
    for path in candidates:
        if os.path.exists(os.path.join(path, "tvm_ffi_hpy-config.cmake")):
            return path
    return _first_existing([os.path.join(p, "tvm_ffi_hpy-config.cmake") for p in candidates],
                           "the CMake package config")
