"""What the registry holds, in the model of `utils`: global functions by
prefix, object type keys by prefix, object infos in inheritance order."""

from __future__ import annotations

import functools
import heapq
from typing import Dict, List

from ..core import TypeSchema, _lookup_or_register_type_info_from_type_key
from ..registry import get_global_func, get_global_func_metadata, list_global_func_names
from . import consts as C
from .utils import FuncInfo, NamedTypeSchema, ObjectInfo


@functools.lru_cache(maxsize=None)
def object_info_from_type_key(type_key: str) -> ObjectInfo:
    """The `ObjectInfo` of a registered type key."""
    info = _lookup_or_register_type_info_from_type_key(str(type_key))
    if info.type_key != type_key:
        raise KeyError("type key %r resolves to %r" % (type_key, info.type_key))
    return ObjectInfo.from_type_info(info)


def _split_prefix(name: str) -> "tuple[str, str] | None":
    prefix, dot, last = name.rpartition(".")
    return (prefix, last) if dot and prefix else None


@functools.lru_cache(maxsize=None)
def _func_info_from_global_name(name: str) -> FuncInfo:
    raw = get_global_func_metadata(name)["type_schema"]
    schema = TypeSchema.from_json_obj(raw) if isinstance(raw, dict) else TypeSchema.from_json_str(raw)
    return FuncInfo(NamedTypeSchema(name, schema), is_member=False)


def collect_global_funcs() -> Dict[str, List[FuncInfo]]:
    """Every registered global function with a type schema, by prefix (the
    name up to its last dot), each list sorted by name."""
    found: Dict[str, List[FuncInfo]] = {}
    for name in list_global_func_names():
        split = _split_prefix(name)
        if split is None:
            print("%s[Skipped] no prefix in the global function name %r%s"
                  % (C.TERM_YELLOW, name, C.TERM_RESET))
            continue
        try:
            func = _func_info_from_global_name(name)
        except Exception:  # noqa: BLE001 - no metadata or no schema
            print("%s[Skipped] no type schema for the global function %r%s"
                  % (C.TERM_YELLOW, name, C.TERM_RESET))
            continue
        found.setdefault(split[0], []).append(func)
    for funcs in found.values():
        funcs.sort(key=lambda f: f.schema.name)
    return found


def collect_type_keys() -> Dict[str, List[str]]:
    """Every registered object type key, by prefix, each list sorted."""
    found: Dict[str, List[str]] = {}
    for key in get_global_func("ffi.GetRegisteredTypeKeys")():
        split = _split_prefix(str(key))
        if split is not None:
            found.setdefault(split[0], []).append(str(key))
    return {prefix: sorted(keys) for prefix, keys in found.items()}


def toposort_objects(type_keys: List[str]) -> List[ObjectInfo]:
    """The infos of `type_keys` (duplicates dropped), each parent before its
    children; among the types ready at a time, the smallest key first."""
    infos = {key: object_info_from_type_key(key) for key in dict.fromkeys(type_keys)}
    waiting: Dict[str, int] = {key: 0 for key in infos}
    children: Dict[str, List[str]] = {key: [] for key in infos}
    for key, info in infos.items():
        if info.parent_type_key in infos:
            children[info.parent_type_key].append(key)
            waiting[key] += 1
    ready = [key for key, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    order: List[str] = []
    while ready:
        key = heapq.heappop(ready)
        order.append(key)
        for child in children[key]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, child)
    return [infos[key] for key in order]
