"""``MISSING``: the one "no value given" sentinel of the package.

It marks a field without a default (``Field.default``), and it is the default
shown in generated ``__init__`` signatures, where passing it means "use the
field's default".  ``tvm_ffi_hpy.core.MISSING`` and
``tvm_ffi_hpy.dataclasses.MISSING`` are this same object.
"""


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<MISSING>"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "MISSING"  # pickled by name: unpickling gives this same object

    def __copy__(self) -> "_Missing":
        return self

    def __deepcopy__(self, memo: object) -> "_Missing":
        return self


MISSING = _Missing()
