"""Python callables as ffi Functions (apache tvm-ffi's ``convert_func``)."""
from typing import Any, Callable, Optional

from .core import Function, convert

__all__ = ["convert_func"]


def convert_func(pyfunc: Callable[..., Any], tensor_cls: Optional[type] = None) -> Function:
    """`pyfunc` as a Function that C++ can call; exceptions it raises reach
    the caller unchanged.

    `tensor_cls` asks apache tvm-ffi to hand tensor arguments to `pyfunc` as
    that class, through its ``__dlpack_c_exchange_api__``; this package has
    no such exchange, so a class without the attribute is refused with
    TypeError (as apache tvm-ffi does) and one with it with
    NotImplementedError.
    """
    if not callable(pyfunc):
        raise TypeError("convert_func takes a callable, got %s" % type(pyfunc).__name__)
    if tensor_cls is not None:
        if not hasattr(tensor_cls, "__dlpack_c_exchange_api__"):
            raise TypeError("tensor_cls %r has no __dlpack_c_exchange_api__ attribute"
                            % (tensor_cls,))
        raise NotImplementedError("tvm_ffi_hpy.convert_func: tensor_cls (DLPack C exchange "
                                  "API) is not supported")
    func: Function = convert(pyfunc)
    return func
