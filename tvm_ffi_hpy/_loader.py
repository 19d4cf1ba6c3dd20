"""Load the HPy universal extension ``_ffi.hpy0.so`` that sits next to this file.

HPy's generated stub loader imports ``pkg_resources``, which current setuptools
no longer ships, so the package loads its extension itself through HPy's
runtime module (``universal.load``).  The same file serves every interpreter
with the HPy 0.9 universal ABI, each with its own runtime:

- CPython 3.10 to 3.12: ``hpy.universal`` of ``hpy==0.9.0`` (a requirement of
  the wheel);
- CPython 3.13: HPy 0.9.0's runtime with this project's 3.13 patch
  (ci/hpy-patches/), which the wheel carries in ``_hpy313/`` and which is
  loaded from there under the private name ``tvm_ffi_hpy._hpy313.universal``
  (no ``hpy`` package needed).  A build without it (setup.py,
  TVM_FFI_HPY_HPY313_WHEEL) takes an installed ``hpy==0.9.0+tvmffihpy.1``
  instead (ci/hpy313.sh builds that; docs/packaging.md);
- PyPy >= 7.3.14: its own ``hpy.universal``.

An interpreter with an older HPy ABI, or none, gets an ImportError saying what
is needed; loading the binary there would crash the process.

Set ``TVM_FFI_HPY_DEBUG=1`` to load the extension in HPy's debug mode (handle
leak and use-after-close checks), or ``TVM_FFI_HPY_TRACE=1`` to load it in HPy's
trace mode, where ``hpy_runtime()._trace.get_call_counts()`` counts the HPy
calls it makes (PyPy 7.3.19 counts only those of module functions, not of code
entered through a type's slots).  The two exclude each other.
"""
import importlib.machinery
import importlib.util
import os
import platform
import sys
import types

EXTENSION_NAME = "_ffi"
EXTENSION_FILE = EXTENSION_NAME + ".hpy0.so"
REQUIRED_HPY = (0, 9)

# The HPy runtime that CPython 3.13 needs: hpy 0.9.0 with this project's patch
# of its CPython runtime (ci/hpy-patches/), built by ci/hpy313.sh.  The local
# version label is compiled into the runtime (get_version()), so the loader
# can tell it from a plain hpy 0.9.0, which crashes there at the first object
# it makes (HPy's type mark is bit 2 of tp_flags, CPython 3.13's
# Py_TPFLAGS_INLINE_VALUES).  CPython 3.14 and later are not supported yet.
PATCHED_HPY_LABEL = "tvmffihpy"
PATCHED_HPY_313 = "0.9.0+%s.1" % PATCHED_HPY_LABEL
# Where the wheel carries that runtime (setup.py), and the module name it gets.
BUNDLED_RUNTIME_DIR = "_hpy313"
BUNDLED_RUNTIME_NAME = __package__ + "." + BUNDLED_RUNTIME_DIR + ".universal"

# What runs this binary.
SUPPORTED = ("CPython 3.10, 3.11 or 3.12 with `pip install hpy==0.9.0`, CPython 3.13 with "
             "the HPy runtime that tvm_ffi_hpy's wheel carries (or hpy==%s, hpy 0.9.0 patched "
             "for 3.13 by tvm_ffi_hpy), or PyPy 7.3.14 or newer (Python 3.10 or 3.11) built "
             "with its HPy module (7.3.14 to 7.3.23 are)" % PATCHED_HPY_313)
_NEEDS = "tvm_ffi_hpy needs the HPy 0.9 universal ABI: " + SUPPORTED


def _pypy_version() -> "tuple[int, ...]":
    return tuple(getattr(sys, "pypy_version_info", (0, 0, 0))[:3])


def _interpreter() -> str:
    if platform.python_implementation() == "PyPy":
        return "PyPy %s (Python %s)" % (".".join(map(str, _pypy_version())),
                                        platform.python_version())
    return "%s %s" % (platform.python_implementation(), platform.python_version())


def _is_cpython313() -> bool:
    return platform.python_implementation() == "CPython" and sys.version_info[:2] == (3, 13)


def bundled_runtime_path() -> str:
    """The patched HPy runtime for CPython 3.13 that the package carries, when
    this is CPython 3.13 and the package has it ('' otherwise)."""
    if not _is_cpython313():
        return ""
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), BUNDLED_RUNTIME_DIR)
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = os.path.join(folder, "universal" + suffix)
        if os.path.isfile(path):
            return path
    return ""


def _load_bundled_runtime(path: str) -> types.ModuleType:
    loader = importlib.machinery.ExtensionFileLoader(BUNDLED_RUNTIME_NAME, path)
    spec = importlib.util.spec_from_file_location(BUNDLED_RUNTIME_NAME, path, loader=loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    sys.modules[BUNDLED_RUNTIME_NAME] = module
    return module


def hpy_runtime() -> "types.ModuleType | None":
    """HPy's runtime module that loads the extension here (None if there is none):
    on CPython 3.13 the one the package carries, where it does; else hpy.universal.
    It also holds HPy's debug and trace modules (``_debug``, ``_trace``)."""
    module = sys.modules.get(BUNDLED_RUNTIME_NAME)
    if module is not None:
        return module
    bundled = bundled_runtime_path()
    if bundled:
        return _load_bundled_runtime(bundled)
    try:
        import hpy.universal as installed  # type: ignore[import-untyped]  # hpy ships no types
    except ImportError:
        return None
    universal: types.ModuleType = installed
    return universal


def hpy_version() -> str:
    """The version of the HPy runtime that loads the extension here ('' if none)."""
    universal = hpy_runtime()
    if universal is None:
        return ""
    get_version = getattr(universal, "get_version", None)
    if get_version is None:
        return "0.0"
    version = get_version()
    return str(version[0]) if isinstance(version, tuple) else str(version)


def _parse(version: str) -> "tuple[int, ...]":
    parts: "list[int]" = []
    for piece in version.split(".")[:2]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def is_patched_hpy(version: str) -> bool:
    """True for an hpy 0.9.0 carrying this project's 3.13 patch ('0.9.0+tvmffihpy.N')."""
    public, _, local = version.partition("+")
    return public == "0.9.0" and local.split(".")[0] == PATCHED_HPY_LABEL


def interpreter_problem() -> str:
    """Why this interpreter cannot run the binary, before HPy is asked ('' if it may)."""
    implementation = platform.python_implementation()
    if implementation == "PyPy" and _pypy_version() < (7, 3, 14):
        version = hpy_version()
        return "it %s (HPy 0.9 came with PyPy 7.3.14)" % (
            "provides HPy %s, an older and incompatible ABI" % version if version
            else "has no `hpy.universal` module")
    if sys.version_info < (3, 10):
        return "Python %d.%d is older than 3.10" % sys.version_info[:2]
    if implementation == "CPython" and sys.version_info >= (3, 14):
        return ("CPython %d.%d is not supported yet: HPy 0.9's CPython runtime does not run "
                "there" % sys.version_info[:2])
    if _is_cpython313() and not bundled_runtime_path():
        version = hpy_version()
        if not is_patched_hpy(version):
            return ("CPython 3.13 needs HPy's runtime patched for 3.13, which this installation "
                    "of tvm_ffi_hpy does not carry (a wheel built without "
                    "TVM_FFI_HPY_HPY313_WHEEL), or hpy==%s, hpy 0.9.0 with tvm_ffi_hpy's patch "
                    "(a plain hpy 0.9.0 crashes there); %s (docs/packaging.md, 'CPython 3.13')"
                    % (PATCHED_HPY_313, "this one has hpy %s" % version if version
                       else "this one has no hpy"))
    return ""


def debug_mode() -> bool:
    return os.environ.get("TVM_FFI_HPY_DEBUG", "") not in ("", "0")


def trace_mode() -> bool:
    return os.environ.get("TVM_FFI_HPY_TRACE", "") not in ("", "0")


def extension_path() -> str:
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), EXTENSION_FILE)


def load() -> types.ModuleType:
    """Load and return the extension module (once per process)."""
    full_name = __package__ + "." + EXTENSION_NAME
    if full_name in sys.modules:
        return sys.modules[full_name]
    unsupported = interpreter_problem()
    if unsupported:
        raise ImportError("tvm_ffi_hpy does not run on %s: %s.  It runs on %s."
                          % (_interpreter(), unsupported, SUPPORTED))
    version = hpy_version()
    if not version:
        raise ImportError("%s; %s has no `hpy.universal` module%s." % (
            _NEEDS, _interpreter(),
            " (this PyPy was built without HPy)" if platform.python_implementation() == "PyPy"
            else ""))
    if _parse(version) < REQUIRED_HPY:
        raise ImportError("%s; %s provides HPy %s, whose ABI is older and incompatible."
                          % (_NEEDS, _interpreter(), version))
    path = extension_path()
    if not os.path.exists(path):
        raise ImportError("the compiled extension %s is missing: build the package first "
                          "(`pip install .`, or `python setup.py build_ext --inplace`)" % path)
    universal = hpy_runtime()
    assert universal is not None   # hpy_version() found it
    spec = importlib.machinery.ModuleSpec(full_name, None, origin=path)
    if trace_mode():
        if debug_mode():
            raise ImportError("TVM_FFI_HPY_DEBUG and TVM_FFI_HPY_TRACE exclude each other")
        module: types.ModuleType = universal.load(EXTENSION_NAME, path, spec,
                                                  mode=universal.MODE_TRACE)
    else:
        module = universal.load(EXTENSION_NAME, path, spec, debug=debug_mode())
    module.__file__ = path
    sys.modules[full_name] = module
    return module
