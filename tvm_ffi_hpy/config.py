"""Print the paths and flags for building a C++ library against the core.

    python -m tvm_ffi_hpy.config --cmakedir     # for -Dtvm_ffi_hpy_DIR=...
    python -m tvm_ffi_hpy.config --includedir
    python -m tvm_ffi_hpy.config --libdir
    python -m tvm_ffi_hpy.config --libfiles
    python -m tvm_ffi_hpy.config --cxxflags    # -std=c++17 -I...
    python -m tvm_ffi_hpy.config --ldflags     # -L... -Wl,-rpath,...
    python -m tvm_ffi_hpy.config --libs        # -ltvm_ffi_hpy_core
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
    parser.add_argument("--cxxflags", action="store_true", help="compiler flags")
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
    if args.cxxflags:
        out.append("-std=c++17 -I%s" % libinfo.find_include_path())
    if args.ldflags:
        libdir = os.path.dirname(libinfo.find_core_lib())
        out.append("-L%s -Wl,-rpath,%s" % (libdir, libdir))
    if args.libs:
        out.append("-ltvm_ffi_hpy_core")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
