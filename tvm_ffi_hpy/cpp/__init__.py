"""Build C++ source into a library over the core and load it (apache
tvm-ffi's ``tvm_ffi.cpp``): ``load_inline(name, cpp_sources=..., functions=[...])``.
The details are in ``inline_build``."""
from .inline_build import build, build_inline, load, load_inline

__all__ = ["build", "build_inline", "load", "load_inline"]
