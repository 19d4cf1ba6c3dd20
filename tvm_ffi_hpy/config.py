"""Print the paths and flags for building a C++ library against the core.

    python -m tvm_ffi_hpy.config --cmakedir     # for -Dtvm_ffi_hpy_DIR=...
    python -m tvm_ffi_hpy.config --includedir
    python -m tvm_ffi_hpy.config --libdir
    python -m tvm_ffi_hpy.config --libfiles
    python -m tvm_ffi_hpy.config --cxxflags    # -I... -I... -std=c++17
    python -m tvm_ffi_hpy.config --cflags      # -I... -I...
    python -m tvm_ffi_hpy.config --ldflags     # -L... -Wl,-rpath,...
    python -m tvm_ffi_hpy.config --libs        # -ltvm_ffi_hpy_core

and apache tvm-ffi's other flags: --dlpack-includedir (our include directory:
the headers define DLPack's types), --sourcedir, --cython-lib-path (the HPy
extension module).  Where the output differs from apache tvm-ffi's: --libs
names our library, --ldflags adds an rpath, --cmakedir holds
tvm_ffi_hpy-config.cmake (docs/upstream-suite.md).
"""
import argparse
import os
import sys
from typing import List, Optional

from . import libinfo


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tvm_ffi_hpy.config",
                                     description="Paths and flags for building C++ libraries "
                                                 "against tvm_ffi_hpy's core.")
    parser.add_argument("--includedir", action="store_true", help="the include directory")
    parser.add_argument("--libdir", action="store_true", help="the directory of the core library")
    parser.add_argument("--libfiles", action="store_true", help="the core library's full path")
    parser.add_argument("--cmakedir", action="store_true",
                        help="the directory of tvm_ffi_hpy-config.cmake")
    parser.add_argument("--dlpack-includedir", action="store_true",
                        help="where DLPack's types are defined (the include directory)")
    parser.add_argument("--sourcedir", action="store_true", help="the source tree")
    parser.add_argument("--cython-lib-path", action="store_true",
                        help="the compiled extension module (_ffi.hpy0.so)")
    parser.add_argument("--cxxflags", action="store_true", help="C++ compiler flags")
    parser.add_argument("--cflags", action="store_true", help="C compiler flags")
    parser.add_argument("--ldflags", action="store_true", help="linker flags (-L, rpath)")
    parser.add_argument("--libs", action="store_true", help="libraries to link")
    args = parser.parse_args(argv)
    if not any(vars(args).values()):
        parser.print_help()
        return 0
    out = []
    if args.includedir:
        out.append(libinfo.find_include_path())
    if args.libdir:
        out.append(os.path.dirname(libinfo.find_core_lib()))
    if args.libfiles:
        out.append(libinfo.find_core_lib())
    if args.cmakedir:
        out.append(libinfo.find_cmake_path())
    if args.dlpack_includedir:
        out.append(libinfo.find_dlpack_include_path())
    if args.sourcedir:
        out.append(libinfo.find_source_path())
    if args.cython_lib_path:
        out.append(libinfo.find_cython_lib())
    includes = "-I%s -I%s" % (libinfo.find_include_path(), libinfo.find_dlpack_include_path())
    if args.cxxflags:
        out.append(includes + " -std=c++17")
    if args.cflags:
        out.append(includes)
    if args.ldflags:
        libdir = os.path.dirname(libinfo.find_core_lib())
        out.append("-L%s -Wl,-rpath,%s" % (libdir, libdir))
    if args.libs:
        out.append("-ltvm_ffi_hpy_core")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
