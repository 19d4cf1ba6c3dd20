"""Values and object graphs as JSON graph text (apache tvm-ffi's format).

``to_json_graph_str(value)`` writes a value -- None, bool, int, float, str,
bytes, dtype, Device, Shape, Array, Map, or an object whose type can be made
by reflection -- as JSON; ``from_json_graph_str(text)`` makes it back.  An
object reached twice is written once and comes back as one object.  The
format is described in core/src/serialization.cc; the work is done there.
"""
from typing import Any, Dict, Optional

from .core import get_global_func

__all__ = ["to_json_graph_str", "from_json_graph_str"]

_to_json = get_global_func("ffi.ToJSONGraphString")
_from_json = get_global_func("ffi.FromJSONGraphString")


def to_json_graph_str(obj: Any, metadata: Optional[Dict[str, Any]] = None) -> str:
    """`obj` as JSON graph text; `metadata` (a dict of plain values) is
    stored next to the graph.  Raises TypeError for a value that cannot be
    made back (a Function, a Tensor, an object type without a reflection
    creator) and ValueError for a graph with a cycle."""
    result: str = _to_json(obj, metadata)
    return result


def from_json_graph_str(json_str: str) -> Any:
    """The value written by `to_json_graph_str`.  Raises ValueError for text
    that is not such a graph and TypeError for an unknown type key."""
    return _from_json(json_str)
