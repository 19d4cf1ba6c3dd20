"""The Python target of the stub generator."""
from .generator import PythonGenerator

__all__ = ["PythonGenerator"]
