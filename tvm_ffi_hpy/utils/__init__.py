"""Helpers that sit on top of the package (apache tvm-ffi's ``tvm_ffi.utils``)."""
