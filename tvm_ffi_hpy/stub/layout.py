"""Does an object type's native layout follow from its reflected fields?

A target that holds objects by value (a struct in another language) must
reproduce each type's bytes.  The registry can say, per type, its own
``sizeof`` (``ObjectInfo.total_size``) and each reflected field's offset, size
and alignment.  The rule applied here, per type, parents first:

    the type's own fields, in ascending offset, must cover the bytes
    ``[parent total_size, total_size)``, where the only gaps allowed are the
    ones alignment makes: before a field, up to the field's alignment; at the
    end, up to the object's alignment (the largest along the chain, at least
    the header's 8).

A type is ``complete`` when the rule holds, else ``opaque`` with a reason:

- ``layout-unknown``: no own size, or a field without byte facts;
- ``parent-opaque``: its parent is opaque, so its own bytes have no known start;
- ``field-overlap``: a field starts inside bytes already covered, or the fields
  run past the type's size;
- ``uncovered-bytes``: a gap that alignment does not explain;
- ``unrenderable-field``: the caller's predicate refused a field;
- ``by-directive``: the caller vetoed a type whose layout is complete;
- ``no-mirror``: the caller's target never mirrors this type's bytes.

``coverage_report`` turns the verdicts into the JSON of ``--coverage-out``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import (AbstractSet, Any, Callable, Dict, List, Mapping, Optional, Tuple,
                    Union)

#: The alignment of the object header (it starts with a 64-bit count).
OBJECT_HEADER_ALIGNMENT = 8

OpaqueReason = str  # one of the reasons listed in the module docstring


def align_up(value: int, alignment: int) -> int:
    """The smallest multiple of `alignment` not below `value`."""
    return -(-value // alignment) * alignment


@dataclasses.dataclass(frozen=True)
class ByteRange:
    """Bytes ``[start, end)`` of an object."""

    start: int
    end: int

    def __str__(self) -> str:
        return "[%d, %d)" % (self.start, self.end)

    def to_json_obj(self) -> List[int]:
        return [self.start, self.end]


@dataclasses.dataclass(frozen=True)
class FieldBytes:
    """Where a reflected field lives."""

    name: str
    offset: int
    size: int
    alignment: int

    @property
    def end(self) -> int:
        return self.offset + self.size

    def to_json_obj(self) -> Dict[str, Any]:
        return {"name": self.name, "offset": self.offset, "size": self.size,
                "alignment": self.alignment}


@dataclasses.dataclass
class Verdict:
    """The verdict on one type, and the byte facts behind it."""

    type_key: str
    verdict: str  # "complete" or "opaque"
    reason: Optional[OpaqueReason]
    detail: str
    parent_type_key: Optional[str]
    ancestors: List[str]
    total_size: Optional[int]
    is_final: Optional[bool]
    alignment: Optional[int] = None
    own_bytes: Optional[ByteRange] = None
    fields: List[FieldBytes] = dataclasses.field(default_factory=list)
    uncovered: List[ByteRange] = dataclasses.field(default_factory=list)
    padding: List[ByteRange] = dataclasses.field(default_factory=list)

    @property
    def is_complete(self) -> bool:
        return self.verdict == "complete"

    def to_json_obj(self) -> Dict[str, Any]:
        """The entry of this type in the coverage report."""
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "detail": self.detail,
            "parent": self.parent_type_key,
            "ancestors": list(self.ancestors),
            "total_size": self.total_size,
            "is_final": self.is_final,
            "own_bytes": self.own_bytes.to_json_obj() if self.own_bytes else None,
            "fields": [f.to_json_obj() for f in self.fields],
            "uncovered": [r.to_json_obj() for r in self.uncovered],
            "padding": [r.to_json_obj() for r in self.padding],
        }


Outcome = Optional[Tuple[OpaqueReason, str]]


def classify(infos: Mapping[str, Any], *, forced_opaque: AbstractSet[str] = frozenset(),
             unmirrored: AbstractSet[str] = frozenset(),
             field_renderable: Optional[Callable[[Any], bool]] = None) -> Dict[str, Verdict]:
    """A verdict for every `ObjectInfo` of `infos` (keyed by type key, any
    order; every ancestor must be there too: KeyError otherwise)."""
    done: Dict[str, Verdict] = {}

    def judge(key: str) -> Verdict:
        if key in done:
            return done[key]
        if key not in infos:
            raise KeyError("the ancestor %r is not among the types classified" % key)
        info = infos[key]
        parent = judge(info.parent_type_key) if info.parent_type_key is not None else None
        done[key] = _judge_one(info, parent, forced_opaque, unmirrored, field_renderable)
        return done[key]

    for key in infos:
        judge(key)
    return done


def _judge_one(info: Any, parent: Optional[Verdict], forced_opaque: AbstractSet[str],
               unmirrored: AbstractSet[str],
               field_renderable: Optional[Callable[[Any], bool]]) -> Verdict:
    v = Verdict(type_key=info.type_key, verdict="opaque", reason=None, detail="",
                parent_type_key=info.parent_type_key, ancestors=list(info.ancestors),
                total_size=info.total_size, is_final=info.is_final)
    if info.type_key in unmirrored:
        v.reason = "no-mirror"
        v.detail = "the target's runtime owns this type's bytes; they are never mirrored"
        return v
    outcome = _measure(info, parent, v)
    if outcome is None and field_renderable is not None:
        refused = next((f for f in info.fields if not field_renderable(f)), None)
        if refused is not None:
            outcome = ("unrenderable-field",
                       "field %r (%s) has no native counterpart in the target"
                       % (refused.name, refused.repr()))
    if outcome is None and info.type_key in forced_opaque:
        outcome = ("by-directive", "opaque by directive (its layout alone would be complete)")
    if outcome is not None:
        v.reason, v.detail = outcome
        return v
    v.verdict = "complete"
    if parent is None:
        v.detail = "the object header [0, %d) of the C ABI" % info.total_size
    else:
        v.detail = "the reflected fields cover %s" % v.own_bytes
        if v.padding:
            v.detail += ", with alignment padding %s" % ", ".join(map(str, v.padding))
    return v


def _measure(info: Any, parent: Optional[Verdict], v: Verdict) -> Outcome:
    """Record the byte facts on `v`; the reason the layout is not complete,
    or None."""
    if info.total_size is None:
        return ("layout-unknown", "the type publishes no size of its own (total_size unknown)")
    facts: List[FieldBytes] = []
    for f in info.fields:
        if f.offset is None or f.size is None or f.alignment is None:
            return ("layout-unknown", "field %r has no offset, size or alignment" % f.name)
        facts.append(FieldBytes(f.name, f.offset, f.size, f.alignment))
    v.fields = sorted(facts, key=lambda f: f.offset)
    if parent is None:  # the root: the header, nothing of its own to cover
        v.alignment = OBJECT_HEADER_ALIGNMENT
        v.own_bytes = ByteRange(info.total_size, info.total_size)
        return None
    if not parent.is_complete:
        return ("parent-opaque", "the parent %r is opaque (%s)"
                % (parent.type_key, parent.reason))
    v.own_bytes = ByteRange(parent.total_size, info.total_size)  # type: ignore[arg-type]
    v.alignment = max([parent.alignment or OBJECT_HEADER_ALIGNMENT]
                      + [f.alignment for f in v.fields])
    return _cover(v)


def _gap(v: Verdict, start: int, aligned: int, stop: int) -> None:
    """Bytes [start, stop) between two covered places: padding when alignment
    puts the next place exactly at `stop`, uncovered otherwise."""
    if aligned == stop:
        if stop != start:
            v.padding.append(ByteRange(start, stop))
    else:
        v.uncovered.append(ByteRange(start, stop))


def _cover(v: Verdict) -> Outcome:
    assert v.own_bytes is not None and v.alignment is not None
    first_overlap: Optional[str] = None
    pos = v.own_bytes.start
    for f in v.fields:
        if f.offset < pos:
            if first_overlap is None:
                first_overlap = "field %r at [%d, %d) starts before byte %d" % (
                    f.name, f.offset, f.end, pos)
            pos = max(pos, f.end)
            continue
        _gap(v, pos, align_up(pos, f.alignment), f.offset)
        pos = f.end
    stop = v.own_bytes.end
    if pos > stop:
        if first_overlap is None:
            first_overlap = "the fields reach byte %d, past total_size %d" % (pos, stop)
    else:
        _gap(v, pos, align_up(pos, v.alignment), stop)
    if first_overlap is not None:
        return ("field-overlap", first_overlap)
    if v.uncovered:
        return ("uncovered-bytes", "no reflected field covers %s of %s"
                % (", ".join(map(str, v.uncovered)), v.own_bytes))
    return None


def coverage_report(verdicts: Mapping[str, Verdict]) -> Dict[str, Any]:
    """The report: each type's entry (`Verdict.to_json_obj`), by sorted key."""
    return {key: verdicts[key].to_json_obj() for key in sorted(verdicts)}


def write_coverage_report(path: Union[str, Path], verdicts: Mapping[str, Verdict]) -> None:
    """Write `coverage_report` as indented JSON."""
    text = json.dumps(coverage_report(verdicts), indent=2) + "\n"
    Path(path).write_text(text, encoding="utf-8")
