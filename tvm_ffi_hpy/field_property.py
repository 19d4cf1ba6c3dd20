"""``FFIProperty``: the class attribute behind each field of a ``py_class``.

A ``property`` whose getter and setter are the field's accessor (one C call
per read or write).  A frozen field has no setter (``fset is None``, so
``obj.x = v`` and ``del obj.x`` raise ``AttributeError``); ``set(obj, v)``
writes all the same, which is the one way to change a frozen field (for
``__post_init__`` or a custom ``__init__``)::

    type(obj).x.set(obj, 99)
"""
from typing import Any, Callable, Optional


class FFIProperty(property):
    """A field descriptor: ``property`` plus ``set(obj, value)``."""

    def __init__(self, fget: Optional[Callable[[Any], Any]] = None,
                 fset: Optional[Callable[[Any, Any], None]] = None,
                 fdel: Optional[Callable[[Any], None]] = None, doc: Optional[str] = None,
                 *, write: Optional[Callable[[Any, Any], None]] = None) -> None:
        super().__init__(fget, fset, fdel, doc)
        self._write = write if write is not None else fset

    def set(self, obj: Any, value: Any) -> None:
        """Write the field of `obj`, frozen or not."""
        if self._write is None:
            raise AttributeError("this field cannot be written")
        self._write(obj, value)
