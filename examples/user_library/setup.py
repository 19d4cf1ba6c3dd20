"""Build hook of the example's wheel (metadata: pyproject.toml).

libuser_library.so is a plain C++ shared library, loaded with
``tvm_ffi_hpy.load_module``; it has no Python ABI in it. So:
  * CMake builds it (CMakeLists.txt), against the tvm_ffi_hpy of the build
    environment, found with ``python -m tvm_ffi_hpy.config --cmakedir``;
  * it goes into the package directory as ``user_library/libuser_library.so``
    (not under an extension-module name such as ``*.cpython-311-*.so``);
  * the wheel is tagged ``py3-none-<platform>``: like tvm_ffi_hpy's own
    wheel, one file serves CPython and PyPy.
"""
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

try:
    from setuptools.command.bdist_wheel import bdist_wheel  # setuptools >= 70.1
except ImportError:
    from wheel.bdist_wheel import bdist_wheel

HERE = os.path.dirname(os.path.abspath(__file__))
LIBRARY = "libuser_library.so"


class BuildWithCMake(build_ext):
    def get_ext_filename(self, fullname):
        return os.path.join(*fullname.split(".")) + ".so"

    def build_extension(self, ext):
        cmake_dir = subprocess.check_output(
            [sys.executable, "-m", "tvm_ffi_hpy.config", "--cmakedir"],
            universal_newlines=True).strip()
        build_dir = os.path.abspath(self.build_temp)
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        subprocess.check_call(["cmake", "-S", HERE, "-B", build_dir, *generator,
                               "-DCMAKE_BUILD_TYPE=Release",
                               "-Dtvm_ffi_hpy_DIR=" + cmake_dir,
                               # no rpath into the build environment, which pip deletes:
                               # the core is found by soname (docs/user_library.md)
                               "-DCMAKE_SKIP_BUILD_RPATH=ON"])
        subprocess.check_call(["cmake", "--build", build_dir])
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(build_dir, LIBRARY), target)


class AnyInterpreterWheel(bdist_wheel):
    def get_tag(self):
        return ("py3", "none") + tuple(super().get_tag()[2:])


setup(ext_modules=[Extension("user_library." + LIBRARY[:-len(".so")], sources=[])],
      cmdclass={"build_ext": BuildWithCMake, "bdist_wheel": AnyInterpreterWheel})
