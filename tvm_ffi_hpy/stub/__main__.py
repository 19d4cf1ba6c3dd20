"""``python -m tvm_ffi_hpy.stub``: the same as ``python -m tvm_ffi_hpy.stub.cli``."""
import sys

from .cli import __main__ as _main

sys.exit(_main())
