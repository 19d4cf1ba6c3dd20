"""The Rust target of the stub generator: registered (``--target rust``) and
reads ``//`` markers, but generates nothing yet (docs/stubgen.md)."""
from .generator import RustGenerator

__all__ = ["RustGenerator"]
