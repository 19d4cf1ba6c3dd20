"""`tvm_ffi` as another name for `tvm_ffi_hpy` (ci/upstream.sh only).

apache tvm-ffi's own test suite imports `tvm_ffi`, `tvm_ffi.testing`,
`tvm_ffi.dataclasses`, ...  Putting this directory on PYTHONPATH makes every
such import return the SAME module object as the matching `tvm_ffi_hpy`
import: a meta-path finder maps `tvm_ffi.X.Y` to `tvm_ffi_hpy.X.Y`, so no
module is ever loaded twice under two names (two copies of a module would mean
two copies of every class).  A name that tvm_ffi_hpy lacks fails with the
usual ModuleNotFoundError, naming the tvm_ffi_hpy module that was looked for.
Subprocesses that the tests start inherit PYTHONPATH and so the alias.
"""

import importlib
import importlib.abc
import importlib.util
import sys

_ALIAS = "tvm_ffi"
_TARGET = "tvm_ffi_hpy"


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self._target = target

    def create_module(self, spec):
        return importlib.import_module(self._target)

    def exec_module(self, module):
        pass  # already executed under its real name

    def get_code(self, fullname):
        # `python -m tvm_ffi.config` (runpy) runs the real module's code as
        # __main__; its relative imports then resolve through this alias.
        return importlib.util.find_spec(self._target).loader.get_code(self._target)


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname != _ALIAS and not fullname.startswith(_ALIAS + "."):
            return None
        real = _TARGET + fullname[len(_ALIAS):]
        if importlib.util.find_spec(real) is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(real))


if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
    sys.meta_path.insert(0, _AliasFinder())

# This very module is being imported as `tvm_ffi`: hand back the real package.
sys.modules[__name__] = importlib.import_module(_TARGET)
