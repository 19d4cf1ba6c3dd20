"""Build: the C++ core (CMake) and the HPy universal extension, into the package.

`pip install .` / `pip wheel .` (or `python setup.py build_ext --inplace` for a
source tree) produce, inside the `tvm_ffi_hpy` package:

  libtvm_ffi_hpy_core.so   the C++ core: objects, functions, registries
  libtvm_ffi_hpy_testing.so  the `testing` set over the core (tvm_ffi_hpy.testing
                           loads it like a user library)
  _ffi.hpy0.so             the HPy universal-ABI extension, linked to the core
                           with rpath $ORIGIN; one file for CPython and PyPy
  include/tvm_ffi_hpy/*.h  the core's headers, for user C++ libraries
  include/tvm/ffi/**.h     apache tvm-ffi's header names over them (docs/cpp-compat.md)
  cmake/tvm_ffi_hpy-config.cmake, cmake/tvm_ffi_hpy-config-version.cmake
                           find_package(tvm_ffi_hpy 0.1 CONFIG) for user
                           libraries (docs/user_library.md)
  cmake/tvm_ffi-config.cmake  find_package(tvm_ffi CONFIG): apache tvm-ffi's
                           names (tvm_ffi::shared, tvm_ffi::header) over ours

One binary for every interpreter:
  - The wheel is tagged py3-none-<platform>: nothing in it depends on the
    interpreter that built it.
  - The extension is compiled against HPy 0.9.0's headers and nothing else of
    HPy (no runtime sources).  CPython gets them from the `hpy==0.9.0` build
    requirement; PyPy, which brings its own HPy (a later 0.9 with other
    headers), gets them from an hpy 0.9.0 wheel, fetched with pip, checked
    against its sha256, and only unpacked.  TVM_FFI_HPY_HPY_INCLUDE=DIR points at them offline.
  - Builds are reproducible: no debug information, source paths mapped to
    fixed names, a fixed order of objects.  Two builds of one commit, in other
    directories or on other interpreters, give byte-identical files
    (ci/test.sh checks it).

One CMake build (core/CMakeLists.txt, which adds hpy_ext/CMakeLists.txt) makes
all three binaries, with the compiler flags set there only; hpy.devel's
setuptools plugin is not used: it writes a stub loader importing pkg_resources
(gone from current setuptools), and we load the module ourselves
(tvm_ffi_hpy/_loader.py).

Environment: CXX chooses the compiler (default g++);
TVM_FFI_HPY_SANITIZE=1 builds everything with ASan and UBSan (and debug
information); TVM_FFI_HPY_CHECKS=1 compiles the extension's internal checks
in (hpy_ext/ext.h, EXT_CHECK; sanitizer builds have them too);
TVM_FFI_HPY_VERBOSE=1 prints every command; TVM_FFI_HPY_HPY313_WHEEL=PATH
bundles the patched HPy runtime for CPython 3.13 from that wheel (below).
"""
import hashlib
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

try:  # setuptools >= 70.1 carries bdist_wheel; older ones take it from `wheel`
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # pragma: no cover
    from wheel.bdist_wheel import bdist_wheel

ROOT = os.path.dirname(os.path.abspath(__file__))
CORE_LIB = "libtvm_ffi_hpy_core.so"
TESTING_LIB = "libtvm_ffi_hpy_testing.so"
EXTENSION_FILE = "_ffi.hpy0.so"
HEADER_ROOT = os.path.join("core", "include")  # each of HEADER_TREES -> <package>/include/<tree>
# tvm_ffi_hpy/: our C++ API; tvm/ffi/: apache tvm-ffi's header names over it
# (docs/cpp-compat.md).
HEADER_TREES = ("tvm_ffi_hpy", "tvm")
# -> <package>/cmake: ours, and apache tvm-ffi's package name over it
CMAKE_CONFIGS = tuple(os.path.join("core", "cmake", name)
                      for name in ("tvm_ffi_hpy-config.cmake", "tvm_ffi-config.cmake"))

# The HPy ABI the binary is built for, and the wheel its headers come from
# where the interpreter brings another HPy (PyPy).
HPY_VERSION = "0.9.0"
HPY_HEADER_WHEEL = "hpy-0.9.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
HPY_HEADER_WHEEL_SHA256 = "48b42aff81a6797ad01d314940d8aadddedeb987c42f00453079553c15fbf70a"
# CPython 3.13 runs the binary with hpy 0.9.0 carrying this project's patch of
# HPy's CPython runtime, a wheel of hpy with this local version label, built by
# ci/hpy313.sh (docs/packaging.md, "CPython 3.13").  The same string is
# PATCHED_HPY_313 in tvm_ffi_hpy/_loader.py (tests/test_cpython313.py).
HPY_313_VERSION = "0.9.0+tvmffihpy.1"
# The wheel carries that runtime, so that plain `pip install` works on 3.13:
# given the patched hpy's wheel (TVM_FFI_HPY_HPY313_WHEEL=PATH; ci/test.sh
# passes the one ci/install.sh built), the build copies its CPython runtime
# (hpy/universal.cpython-313-*.so) and HPy's license files into
# <package>/_hpy313/, which the loader uses on CPython 3.13 only, under a
# private module name (no `hpy` package is needed there).  Without it the
# wheel requires hpy==HPY_313_VERSION on 3.13 instead.
HPY_313_RUNTIME_DIR = "_hpy313"
HPY_313_WHEEL_ENV = "TVM_FFI_HPY_HPY313_WHEEL"

# Thread-local state is read on every call.  With the default dialect each
# read from this dlopen()ed library calls __tls_get_addr; with TLS descriptors
# (x86-64's "gnu2"; the default on aarch64) glibc places the block in the
# static TLS surplus when there is room and each read is then a load, and
# falls back to a dynamic lookup when there is not (never a load failure).


def _version():
    """The one version number: tvm_ffi_hpy.__version__."""
    with open(os.path.join(ROOT, "tvm_ffi_hpy", "__init__.py")) as f:
        return re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)


VERSION = _version()


def _flag(name):
    return os.environ.get(name, "") not in ("", "0")


def _say(message):
    print("[tvm_ffi_hpy] " + message, flush=True)


def _run(cmd, **kwargs):
    if _flag("TVM_FFI_HPY_VERBOSE"):
        print(" ".join(cmd), flush=True)
    subprocess.check_call(cmd, **kwargs)


def _compiler(variable, default, language):
    """The compiler command from $CXX / $CC (may carry flags), checked to exist."""
    command = shlex.split(os.environ.get(variable, "")) or [default]
    if shutil.which(command[0]) is None:
        raise RuntimeError(
            "building tvm_ffi_hpy needs a %s compiler: %r was not found (install g++ / "
            "build-essential, or set %s to a compiler command)" % (language, command[0], variable))
    return command


def _tool(name, minimum):
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
        raise RuntimeError("building tvm_ffi_hpy needs %s >= %s: `pip install %s`, or install "
                           "it with the system's package manager" % (name, minimum, name))
    return found


def _reproducible_flags():
    """Source paths recorded in the objects (__FILE__) are mapped to fixed names."""
    return ["-ffile-prefix-map=%s=tvm_ffi_hpy-%s" % (ROOT, VERSION)]


def _hpy_headers(build_temp):
    """The include directory of HPy 0.9.0's headers (see the top of this file)."""
    override = os.environ.get("TVM_FFI_HPY_HPY_INCLUDE")
    if override:
        if not os.path.exists(os.path.join(override, "hpy.h")):
            raise RuntimeError("TVM_FFI_HPY_HPY_INCLUDE=%s has no hpy.h" % override)
        return override
    spec = importlib.util.find_spec("hpy.devel") if importlib.util.find_spec("hpy") else None
    if spec is not None and spec.submodule_search_locations:
        devel = list(spec.submodule_search_locations)[0]
        try:
            with open(os.path.join(devel, "version.py")) as f:
                installed = re.search(r"__version__ = ['\"]([^'\"]+)", f.read()).group(1)
        except (OSError, AttributeError):
            installed = "unknown"
        if installed == HPY_VERSION:
            return os.path.join(devel, "include")
        _say("this interpreter brings HPy %s; the binary is built against HPy %s's headers"
             % (installed, HPY_VERSION))
    return _fetch_hpy_headers(build_temp)


def _fetch_hpy_headers(build_temp):
    """HPy 0.9.0's headers, from its wheel for CPython 3.11 on x86-64 (any of its
    wheels has the same headers; a wheel is only unpacked, while pip would run
    the sdist's setup.py, which refuses to run on PyPy)."""
    dest = os.path.join(build_temp, "hpy-%s-include" % HPY_VERSION)
    if os.path.exists(os.path.join(dest, "hpy.h")):
        return dest
    download = os.path.join(build_temp, "hpy-wheel")
    wheel = os.path.join(download, HPY_HEADER_WHEEL)
    if not os.path.exists(wheel):
        _say("fetching HPy %s's headers (the wheel %s) with pip" % (HPY_VERSION, HPY_HEADER_WHEEL))
        try:
            _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                  "--disable-pip-version-check", "--implementation", "cp", "--python-version",
                  "3.11", "--abi", "cp311", "--platform", "manylinux2014_x86_64",
                  "hpy==" + HPY_VERSION, "-d", download])
        except (OSError, subprocess.CalledProcessError) as exc:
            raise RuntimeError(
                "building tvm_ffi_hpy needs HPy %s's headers, and pip could not fetch them "
                "(%s).  Offline, set TVM_FFI_HPY_HPY_INCLUDE to the hpy/devel/include "
                "directory of an hpy %s installation" % (HPY_VERSION, exc, HPY_VERSION))
    with open(wheel, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != HPY_HEADER_WHEEL_SHA256:
        raise RuntimeError("%s has sha256 %s, not %s" % (wheel, digest, HPY_HEADER_WHEEL_SHA256))
    prefix = "hpy/devel/include/"
    tmp = dest + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.startswith(prefix) and not name.endswith("/") and ".." not in name:
                target = os.path.join(tmp, name[len(prefix):])
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with archive.open(name) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
    os.replace(tmp, dest)
    return dest


def _copy_build_support(package_dir):
    """Headers and the CMake package config, for building user libraries."""
    for top in HEADER_TREES:  # each tree whole (subfolders too), no stale headers
        include_dir = os.path.join(package_dir, "include", top)
        if os.path.isdir(include_dir):
            shutil.rmtree(include_dir)
        source = os.path.join(ROOT, HEADER_ROOT, top)
        for folder, dirs, files in os.walk(source):
            dirs.sort()
            target = os.path.join(include_dir, os.path.relpath(folder, source))
            os.makedirs(target, exist_ok=True)
            for name in sorted(files):
                if name.endswith(".h"):
                    shutil.copy2(os.path.join(folder, name), target)
    cmake_dir = os.path.join(package_dir, "cmake")
    os.makedirs(cmake_dir, exist_ok=True)
    for config in CMAKE_CONFIGS:
        shutil.copy2(os.path.join(ROOT, config), cmake_dir)
    with open(os.path.join(cmake_dir, "tvm_ffi_hpy-config-version.cmake"), "w") as f:
        f.write(CMAKE_VERSION_FILE % VERSION)


# find_package(tvm_ffi_hpy X.Y): compatible while the major version is the
# same and, before 1.0, the minor one too; never a newer version than this.
CMAKE_VERSION_FILE = """\
# Written by setup.py: the version of the tvm_ffi_hpy package.
set(PACKAGE_VERSION "%s")
string(REPLACE "." ";" _tvm_ffi_hpy_have "${PACKAGE_VERSION}")
string(REPLACE "." ";" _tvm_ffi_hpy_want "${PACKAGE_FIND_VERSION}.0.0")
list(GET _tvm_ffi_hpy_have 0 _have_major)
list(GET _tvm_ffi_hpy_have 1 _have_minor)
list(GET _tvm_ffi_hpy_want 0 _want_major)
list(GET _tvm_ffi_hpy_want 1 _want_minor)
set(PACKAGE_VERSION_COMPATIBLE FALSE)
if(NOT PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION AND _have_major EQUAL _want_major)
  if(NOT _have_major EQUAL 0 OR _have_minor EQUAL _want_minor)
    set(PACKAGE_VERSION_COMPATIBLE TRUE)
  endif()
endif()
if(PACKAGE_FIND_VERSION VERSION_EQUAL PACKAGE_VERSION)
  set(PACKAGE_VERSION_EXACT TRUE)
endif()
"""


def _hpy313_wheel():
    """The patched hpy's wheel named by TVM_FFI_HPY_HPY313_WHEEL, checked ('' if unset)."""
    path = os.environ.get(HPY_313_WHEEL_ENV, "")
    if not path:
        return ""
    want = "hpy-%s-cp313-cp313-" % HPY_313_VERSION
    if not os.path.basename(path).startswith(want) or not path.endswith(".whl"):
        raise RuntimeError("%s=%s: expected the wheel %s*.whl that ci/hpy313.sh builds"
                           % (HPY_313_WHEEL_ENV, path, want))
    if not os.path.isfile(path):
        raise RuntimeError("%s=%s: no such file" % (HPY_313_WHEEL_ENV, path))
    return os.path.abspath(path)


HPY_313_ABOUT = """\
HPy %s's CPython runtime (hpy.universal), built for CPython 3.13 with
tvm_ffi_hpy's patch (ci/hpy-patches/ in its source; docs/packaging.md,
"CPython 3.13").  tvm_ffi_hpy/_loader.py loads it on CPython 3.13 only, under
the private name tvm_ffi_hpy._hpy313.universal; other interpreters ignore it.
HPy's license: LICENSE and AUTHORS in this folder.
"""


def _copy_hpy313_runtime(package_dir):
    """<package>/_hpy313/: the patched runtime and HPy's license, or nothing."""
    target = os.path.join(package_dir, HPY_313_RUNTIME_DIR)
    shutil.rmtree(target, ignore_errors=True)  # never a stale runtime
    wheel = _hpy313_wheel()
    if not wheel:
        return
    kinds = {"runtime": r"hpy/universal\.cpython-313-[^/]+\.so",
             "LICENSE": r"hpy-[^/]+\.dist-info/licenses/LICENSE",
             "AUTHORS": r"hpy-[^/]+\.dist-info/licenses/AUTHORS"}
    with zipfile.ZipFile(wheel) as archive:
        wanted = {kind: [name for name in archive.namelist() if re.fullmatch(pattern, name)]
                  for kind, pattern in kinds.items()}
        if any(len(names) != 1 for names in wanted.values()):
            raise RuntimeError("%s: expected one of each of %s, found %s"
                               % (wheel, sorted(kinds), wanted))
        os.makedirs(target)
        for (name,) in wanted.values():
            base = name.rsplit("/", 1)[-1]
            with archive.open(name) as src, open(os.path.join(target, base), "wb") as out:
                shutil.copyfileobj(src, out)
    with open(os.path.join(target, "ABOUT"), "w") as f:
        f.write(HPY_313_ABOUT % HPY_313_VERSION)
    _say("bundled HPy's runtime for CPython 3.13 from " + os.path.basename(wheel))


class BuildCoreAndExtension(build_ext):
    """Builds the core with CMake, then compiles and links the HPy extension."""

    def get_ext_filename(self, fullname):
        return os.path.join(*fullname.split(".")[:-1], EXTENSION_FILE)

    def build_extension(self, ext):
        cxx = _compiler("CXX", "g++", "C++17")
        out_dir = os.path.dirname(os.path.abspath(self.get_ext_fullpath(ext.name)))
        os.makedirs(out_dir, exist_ok=True)
        hpy_include = _hpy_headers(os.path.abspath(self.build_temp))
        build_dir = self._build_with_cmake(cxx, hpy_include)
        for name in (CORE_LIB, TESTING_LIB, EXTENSION_FILE):
            shutil.copy2(os.path.join(build_dir, "hpy_ext" if name == EXTENSION_FILE else "", name),
                         os.path.join(out_dir, name))
        _copy_build_support(out_dir)
        _copy_hpy313_runtime(out_dir)

    def copy_extensions_to_source(self):
        # --inplace: the extension and the core library go next to the sources.
        # Copy then rename, so that a process that has the old files mapped
        # keeps them (overwriting a loaded .so in place crashes it).
        for name in (EXTENSION_FILE, CORE_LIB, TESTING_LIB):
            src = os.path.join(self.build_lib, "tvm_ffi_hpy", name)
            dst = os.path.join(ROOT, "tvm_ffi_hpy", name)
            shutil.copy2(src, dst + ".tmp")
            os.replace(dst + ".tmp", dst)
        _copy_build_support(os.path.join(ROOT, "tvm_ffi_hpy"))
        _copy_hpy313_runtime(os.path.join(ROOT, "tvm_ffi_hpy"))

    def _build_with_cmake(self, cxx, hpy_include):
        """One CMake build (core/CMakeLists.txt, which adds hpy_ext/): the core,
        the testing library and the HPy extension; the compiler flags are
        CMake's (tvm_ffi_hpy_build_flags).  Returns the build directory."""
        _say("building the core, the testing library and the HPy extension (CMake + Ninja)")
        build_dir = os.path.join(os.path.abspath(self.build_temp), "cmake")
        configure = [_tool("cmake", "3.18"), "-S", os.path.join(ROOT, "core"), "-B", build_dir,
                     "-G", "Ninja", "-DCMAKE_MAKE_PROGRAM=" + _tool("ninja", "1.10"),
                     "-DCMAKE_BUILD_TYPE=Release", "-DTVM_FFI_HPY_BUILD_TESTS=OFF",
                     "-DTVM_FFI_HPY_HPY_INCLUDE=" + hpy_include,
                     "-DCMAKE_CXX_COMPILER=" + shutil.which(cxx[0]),
                     "-DCMAKE_CXX_FLAGS=" + " ".join(cxx[1:] + _reproducible_flags())]
        for option in ("TVM_FFI_HPY_SANITIZE", "TVM_FFI_HPY_CHECKS"):
            configure.append("-D%s=%s" % (option, "ON" if _flag(option) else "OFF"))
        _run(configure, stdout=None if _flag("TVM_FFI_HPY_VERBOSE") else subprocess.DEVNULL)
        build = [_tool("cmake", "3.18"), "--build", build_dir, "--target", "tvm_ffi_hpy_core",
                 "tvm_ffi_hpy_testing", "tvm_ffi_hpy_ext", "-j2"]
        if _flag("TVM_FFI_HPY_VERBOSE"):
            build.append("--verbose")
        _run(build)
        return build_dir


class UniversalWheel(bdist_wheel):
    """py3-none-<platform>: the binaries serve every interpreter with HPy 0.9."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        return ("py3", "none") + tuple(super().get_tag()[2:])


def _long_description():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        return f.read()


setup(
    name="tvm_ffi_hpy",
    version=VERSION,
    description="An FFI object system in the spirit of apache tvm-ffi, with one Python "
                "wrapper per C++ object, as one HPy universal binary for CPython and PyPy",
    long_description=_long_description(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    license_files=["LICENSE"],
    project_urls={  # the project's own home is not public yet
        "apache tvm-ffi (the API followed)": "https://github.com/apache/tvm-ffi",
        "HPy": "https://hpyproject.org",
    },
    classifiers=[
        "Development Status :: 3 - Alpha",
        "Intended Audience :: Developers",
        "Operating System :: POSIX :: Linux",
        "Programming Language :: C++",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Programming Language :: Python :: Implementation :: CPython",
        "Programming Language :: Python :: Implementation :: PyPy",
        "Topic :: Software Development :: Libraries",
    ],
    packages=["tvm_ffi_hpy", "tvm_ffi_hpy.dataclasses", "tvm_ffi_hpy.testing", "tvm_ffi_hpy.utils",
              "tvm_ffi_hpy.cpp", "tvm_ffi_hpy.stub", "tvm_ffi_hpy.stub.python_generator",
              "tvm_ffi_hpy.stub.rust_generator"],
    # the stub generator (docs/stubgen.md); apache tvm-ffi names its command
    # tvm-ffi-stubgen, so ours has a name of its own
    entry_points={"console_scripts": ["tvm-ffi-hpy-stubgen = tvm_ffi_hpy.stub.cli:__main__"]},
    package_data={"tvm_ffi_hpy": ["py.typed", "_ffi.pyi"]},  # type information (PEP 561)
    ext_modules=[Extension("tvm_ffi_hpy._ffi", sources=[])],
    cmdclass={"build_ext": BuildCoreAndExtension, "bdist_wheel": UniversalWheel},
    # PyPy brings its own HPy; CPython up to 3.12 takes it from PyPI; CPython
    # 3.13 runs on the patched runtime that the wheel carries, or, in a build
    # without it, needs the patched hpy, which pip finds only where it is
    # offered (--find-links): without it pip stops at install time, naming
    # that version, instead of building a plain hpy that crashes.
    install_requires=[
        "hpy==%s; platform_python_implementation == 'CPython' and python_version < '3.13'"
        % HPY_VERSION,
    ] + ([] if _hpy313_wheel() else [
        "hpy==%s; platform_python_implementation == 'CPython' and python_version == '3.13'"
        % HPY_313_VERSION,
    ]),
    # CPython 3.14 and later: HPy 0.9's CPython runtime is not known to run there.
    python_requires=">=3.10,<3.14",
    zip_safe=False,
)
