"""Where the files for building C++ libraries against the core are.

``pip install .`` (and ``setup.py build_ext --inplace``) puts them in the
package directory::

    tvm_ffi_hpy/libtvm_ffi_hpy_core.so          the core library
    tvm_ffi_hpy/libtvm_ffi_hpy_testing.so       the testing set (tvm_ffi_hpy.testing loads it)
    tvm_ffi_hpy/include/tvm_ffi_hpy/*.h         its headers (c_api.h, ffi.h, ...)
    tvm_ffi_hpy/cmake/tvm_ffi_hpy-config.cmake  find_package(tvm_ffi_hpy CONFIG)

In a source tree that was not built yet, the headers and the CMake config are
found in ``core/`` instead (the library is not: build the package first).

apache tvm-ffi's names are here too: ``find_libtvm_ffi`` (the core library),
``find_dlpack_include_path`` (our headers define DLPack's types themselves, so
it is the include directory), ``find_source_path``, ``find_cython_lib`` (the
compiled extension: here the HPy universal module ``_ffi.hpy0.so``),
``_find_library_by_basename`` and ``load_lib_module`` (a C++ library that a
distribution ships, loaded as a Module).  Not here: ``find_python_helper_include_path``
(apache tvm-ffi's CPython C-API helpers; this package has no CPython-only
code) and ``find_windows_implib`` (Linux only).
"""
import os
import pathlib
from typing import TYPE_CHECKING, List, Optional, Sequence

if TYPE_CHECKING:
    from .module import Module

CORE_LIB = "libtvm_ffi_hpy_core.so"
TESTING_LIB = "libtvm_ffi_hpy_testing.so"
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_SOURCE_CORE = os.path.join(os.path.dirname(_PACKAGE_DIR), "core")

__all__ = ["find_include_path", "find_lib_path", "find_cmake_path", "find_core_lib",
           "find_testing_lib", "find_libtvm_ffi", "find_dlpack_include_path", "find_source_path",
           "find_cython_lib", "load_lib_module"]


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


# ---------------------------------------------------------------------------
# apache tvm-ffi's names
# ---------------------------------------------------------------------------
def find_libtvm_ffi() -> str:
    """The core library (apache tvm-ffi's name for it): `find_core_lib`."""
    return find_core_lib()


def find_dlpack_include_path() -> str:
    """Where DLPack's types come from: our own headers define them (c_api.h),
    so this is `find_include_path`."""
    return find_include_path()


def find_source_path() -> str:
    """The source tree: the repository root when the package runs from one
    (it holds ``core/``), else the installed package's directory."""
    root = os.path.dirname(_PACKAGE_DIR)
    return root if os.path.isdir(_SOURCE_CORE) else _PACKAGE_DIR


def find_cython_lib() -> str:
    """The compiled Python extension (apache tvm-ffi's is a Cython module;
    ours is the HPy universal module ``_ffi.hpy0.so``)."""
    from ._loader import EXTENSION_FILE
    return _first_existing([os.path.join(_PACKAGE_DIR, EXTENSION_FILE)], EXTENSION_FILE)


def _find_library_by_basename(dist_name: str, target_name: str,
                              extra_lib_paths: Optional[Sequence[pathlib.Path]] = None
                              ) -> pathlib.Path:
    """The shared library ``lib<target_name>.so``: among the files of the
    installed distribution `dist_name` (its RECORD), then in this package's
    directory, then in each of `extra_lib_paths` (pathlib.Path objects)."""
    extra = list(extra_lib_paths or ())
    for i, path in enumerate(extra):
        if not isinstance(path, pathlib.Path):
            raise TypeError("extra_lib_paths[%d] must be a pathlib.Path, got %s"
                            % (i, type(path).__name__))
    name = "lib%s.so" % target_name
    shipped = _shipped_file(dist_name, name)
    if shipped is not None:
        return shipped
    for directory in [pathlib.Path(_PACKAGE_DIR)] + extra:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    raise RuntimeError("tvm_ffi_hpy: cannot find %s (%s) in %s"
                       % (name, dist_name, ", ".join(str(d) for d in
                                                     [_PACKAGE_DIR] + [str(p) for p in extra])))


def _shipped_file(dist_name: str, file_name: str) -> Optional[pathlib.Path]:
    """The file named `file_name` that distribution `dist_name` installed, if
    it is installed and lists one (None otherwise)."""
    import importlib.metadata
    try:
        files = importlib.metadata.distribution(dist_name).files or []
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return None
    for entry in files:
        if entry.name == file_name:
            path = pathlib.Path(str(entry.locate()))
            if path.is_file():
                return path
    return None


_KEPT_MODULES: "list[Module]" = []


def load_lib_module(package: str, target_name: str, keep_module_alive: bool = True,
                    extra_lib_paths: Optional[Sequence[pathlib.Path]] = None) -> "Module":
    """Load ``lib<target_name>.so``, a C++ library that distribution `package`
    ships (found as ``_find_library_by_basename`` finds it), as a Module: its
    global functions and types are registered.  `keep_module_alive` keeps the
    Module for the life of the process, so that the library stays loaded while
    objects it made may still be alive."""
    from .module import load_module
    module = load_module(str(_find_library_by_basename(package, target_name, extra_lib_paths)))
    if keep_module_alive:
        _KEPT_MODULES.append(module)
    return module
