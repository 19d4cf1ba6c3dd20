"""Build: the C++ core (CMake) and the HPy universal extension, into the package.

`pip install .` (or `python setup.py build_ext --inplace` for a source tree)
produces, inside the `tvm_ffi_hpy` package:

  libtvm_ffi_hpy_core.so   the C++ core: objects, functions, registries
  _ffi.hpy0.so             the HPy universal-ABI extension, linked to the core
                           with rpath $ORIGIN; one file for CPython and PyPy
  include/tvm_ffi_hpy/*.h  the core's headers, for user C++ libraries
  cmake/tvm_ffi_hpy-config.cmake
                           find_package(tvm_ffi_hpy CONFIG) for user libraries
                           (docs/user_library.md)

The extension is compiled by hand rather than through hpy.devel's setuptools
plugin: that plugin writes a stub loader importing pkg_resources (gone from
current setuptools), and we load the module ourselves (tvm_ffi_hpy/_loader.py).
Set TVM_FFI_HPY_SANITIZE=1 to build both with ASan and UBSan.
"""
import concurrent.futures
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))
HPY_RUNTIME_SOURCES = ["argparse.c", "buildvalue.c", "helpers.c", "format.c", "structseq.c"]
CORE_LIB = "libtvm_ffi_hpy_core.so"
EXTENSION_FILE = "_ffi.hpy0.so"
HEADER_DIR = os.path.join("core", "include", "tvm_ffi_hpy")  # -> <package>/include/tvm_ffi_hpy
CMAKE_CONFIG = os.path.join("core", "cmake", "tvm_ffi_hpy-config.cmake")  # -> <package>/cmake

# Thread-local state is read on every call.  With the default dialect each
# read from this dlopen()ed library calls __tls_get_addr; with TLS descriptors
# (x86-64's "gnu2"; the default on aarch64) glibc places the block in the
# static TLS surplus when there is room and each read is then a load, and
# falls back to a dynamic lookup when there is not (never a load failure).
import platform  # noqa: E402
_TLS_DIALECT = ["-mtls-dialect=gnu2"] if platform.machine() in ("x86_64", "AMD64") else []


def _sanitize():
    return os.environ.get("TVM_FFI_HPY_SANITIZE", "") not in ("", "0")


def _run(cmd, **kwargs):
    print(" ".join(cmd), flush=True)
    subprocess.check_call(cmd, **kwargs)


def _copy_build_support(package_dir):
    """Headers and the CMake package config, for building user libraries."""
    include_dir = os.path.join(package_dir, "include", "tvm_ffi_hpy")
    if os.path.isdir(include_dir):
        shutil.rmtree(include_dir)  # no stale headers
    os.makedirs(include_dir)
    for name in sorted(os.listdir(os.path.join(ROOT, HEADER_DIR))):
        if name.endswith(".h"):
            shutil.copy2(os.path.join(ROOT, HEADER_DIR, name), include_dir)
    cmake_dir = os.path.join(package_dir, "cmake")
    os.makedirs(cmake_dir, exist_ok=True)
    shutil.copy2(os.path.join(ROOT, CMAKE_CONFIG), cmake_dir)


def _tool(name):
    """cmake/ninja from the Python environment when installed there, else PATH."""
    try:
        module = __import__(name)
        path = os.path.join(getattr(module, name.upper() + "_BIN_DIR", ""), name)
        if os.path.exists(path):
            return path
    except ImportError:
        pass
    found = shutil.which(name)
    if not found:
        raise RuntimeError("building tvm_ffi_hpy needs %s (pip install %s)" % (name, name))
    return found


class BuildCoreAndExtension(build_ext):
    """Builds the core with CMake, then compiles and links the HPy extension."""

    def get_ext_filename(self, fullname):
        return os.path.join(*fullname.split(".")[:-1], EXTENSION_FILE)

    def build_extension(self, ext):
        out_dir = os.path.dirname(os.path.abspath(self.get_ext_fullpath(ext.name)))
        os.makedirs(out_dir, exist_ok=True)
        core_lib = self._build_core()
        shutil.copy2(core_lib, os.path.join(out_dir, CORE_LIB))
        self._build_hpy_extension(os.path.join(out_dir, EXTENSION_FILE), os.path.dirname(core_lib))
        _copy_build_support(out_dir)

    def copy_extensions_to_source(self):
        # --inplace: the extension and the core library go next to the sources.
        # Copy then rename, so that a process that has the old files mapped
        # keeps them (overwriting a loaded .so in place crashes it).
        for name in (EXTENSION_FILE, CORE_LIB):
            src = os.path.join(self.build_lib, "tvm_ffi_hpy", name)
            dst = os.path.join(ROOT, "tvm_ffi_hpy", name)
            shutil.copy2(src, dst + ".tmp")
            os.replace(dst + ".tmp", dst)
        _copy_build_support(os.path.join(ROOT, "tvm_ffi_hpy"))

    def _build_core(self):
        build_dir = os.path.join(os.path.abspath(self.build_temp), "core")
        configure = [_tool("cmake"), "-S", os.path.join(ROOT, "core"), "-B", build_dir,
                     "-G", "Ninja", "-DCMAKE_MAKE_PROGRAM=" + _tool("ninja"),
                     "-DCMAKE_BUILD_TYPE=Release", "-DTVM_FFI_HPY_BUILD_TESTS=OFF"]
        if _sanitize():
            configure.append("-DTVM_FFI_HPY_SANITIZE=ON")
        _run(configure)
        _run([_tool("cmake"), "--build", build_dir, "--target", "tvm_ffi_hpy_core", "-j2"])
        return os.path.join(build_dir, CORE_LIB)

    def _build_hpy_extension(self, target, core_dir):
        import hpy.devel
        hpy_dir = os.path.dirname(hpy.devel.__file__)
        obj_dir = os.path.join(os.path.abspath(self.build_temp), "hpy_ext")
        os.makedirs(obj_dir, exist_ok=True)
        opt = ["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined"] \
            if _sanitize() else ["-O2", "-g"]
        common = ["-fPIC", "-fvisibility=hidden", "-DHPY_ABI_UNIVERSAL"] + _TLS_DIALECT + [
                  "-I", os.path.join(hpy_dir, "include"), "-I", os.path.join(ROOT, "core", "include")]
        jobs = []
        for name in sorted(os.listdir(os.path.join(ROOT, "hpy_ext"))):
            if name.endswith(".cc"):
                jobs.append(["g++", "-std=c++20", "-Wall", "-Wno-missing-field-initializers",
                             "-Wno-cast-function-type"] + opt + common +
                            ["-c", os.path.join(ROOT, "hpy_ext", name),
                             "-o", os.path.join(obj_dir, name + ".o")])
        for name in HPY_RUNTIME_SOURCES:
            jobs.append(["gcc", "-std=gnu11"] + opt + common +
                        ["-c", os.path.join(hpy_dir, "src", "runtime", name),
                         "-o", os.path.join(obj_dir, "hpy_" + name + ".o")])
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for future in [pool.submit(_run, job) for job in jobs]:
                future.result()
        objects = [job[job.index("-o") + 1] for job in jobs]
        _run(["g++", "-shared"] + opt + ["-o", target] + objects +
             ["-L", core_dir, "-ltvm_ffi_hpy_core", "-Wl,-rpath,$ORIGIN", "-Wl,--no-undefined"])


setup(
    name="tvm_ffi_hpy",
    version="0.1.0",
    description="An FFI object system in the spirit of apache tvm-ffi, "
                "as one HPy universal binary for CPython and PyPy",
    packages=["tvm_ffi_hpy"],
    package_data={"tvm_ffi_hpy": ["py.typed", "_ffi.pyi"]},  # type information (PEP 561)
    ext_modules=[Extension("tvm_ffi_hpy._ffi", sources=[])],
    cmdclass={"build_ext": BuildCoreAndExtension},
    install_requires=["hpy==0.9.0; platform_python_implementation == 'CPython'"],
    python_requires=">=3.9",
    zip_safe=False,
)
