"""A Python signature (names, defaults, keyword-only parameters) in front of
a callable that takes its arguments by position only, such as an
ffi.Function: ``make_kwargs_wrapper(f, ["a", "b"], arg_defaults=(1,))``
returns ``wrapper(a, b=1)`` that calls ``f(a, b)``.

The wrapper is real Python code generated once (``exec``), so binding the
arguments costs what a call of a plain Python function costs. Its defaults
are the very objects given (kept in ``__defaults__`` / ``__kwdefaults__``,
never copied or rendered as source).
"""
import functools
import inspect
import keyword
from typing import Any, Callable, Iterable, Optional

from .unpack_dataclass import unpack_dataclass_to_tuple

__all__ = ["make_kwargs_wrapper", "make_kwargs_wrapper_from_signature"]

# Names the generated code uses itself; parameters may not take them.
_TARGET = "__i_target_func"
_UNPACK = "__i_unpack"
_INTERNAL_NAMES = frozenset([_TARGET, _UNPACK])


def _check_names(names: "list[str]", what: str) -> None:
    for name in names:
        if not isinstance(name, str):
            raise TypeError("Argument name must be a string, got %r" % (name,))
        if not name.isidentifier():
            raise ValueError("%s name %r is not a valid Python identifier" % (what, name))
        if keyword.iskeyword(name):
            raise ValueError("%s name %r is a Python keyword and cannot be used as a "
                             "parameter name" % (what, name))
    if len(set(names)) != len(names):
        dups = sorted({n for n in names if names.count(n) > 1})
        label = "argument" if what == "Argument" else "keyword-only argument"
        raise ValueError("Duplicate %s names found: %s" % (label, dups))


def make_kwargs_wrapper(target_func: Callable[..., Any], arg_names: "list[str]",
                        arg_defaults: "tuple[Any, ...]" = (),
                        kwonly_names: "Optional[list[str]]" = None,
                        kwonly_defaults: "Optional[dict[str, Any]]" = None,
                        prototype: "Optional[Callable[..., Any]]" = None,
                        map_dataclass_to_tuple: "Optional[list[str]]" = None
                        ) -> Callable[..., Any]:
    """A function ``wrapper(<arg_names>, *, <kwonly_names>)`` that calls
    ``target_func`` with every argument by position, in that order.

    `arg_defaults` are the defaults of the last positional parameters (as in
    ``def``); `kwonly_defaults` maps keyword-only names to theirs (the others
    are required). Arguments named in `map_dataclass_to_tuple` go through
    ``unpack_dataclass_to_tuple`` first. With a `prototype`, the wrapper takes
    its name, qualified name, module, doc and annotations.
    """
    arg_names = list(arg_names)
    kwonly = list(kwonly_names or [])
    kw_defaults = dict(kwonly_defaults or {})
    _check_names(arg_names, "Argument")
    _check_names(kwonly, "Keyword-only argument")
    if not isinstance(arg_defaults, tuple):
        raise TypeError("arg_defaults must be a tuple, got %s" % type(arg_defaults).__name__)
    if len(arg_defaults) > len(arg_names):
        raise ValueError("arg_defaults has %d values but only %d positional arguments"
                         % (len(arg_defaults), len(arg_names)))
    both = [n for n in kwonly if n in arg_names]
    if both:
        raise ValueError("Argument(s) %s cannot be both positional and keyword-only" % both)
    unknown = [n for n in kw_defaults if n not in kwonly]
    if unknown:
        raise ValueError("kwonly_defaults keys %s are not in kwonly_names" % unknown)
    clash = [n for n in arg_names + kwonly if n in _INTERNAL_NAMES]
    if clash:
        raise ValueError("Argument names %s conflict with internal names" % clash)
    unpacked = set(map_dataclass_to_tuple or [])

    params = ", ".join(arg_names + (["*"] + kwonly if kwonly else []))
    lines = ["def wrapper(%s):" % params]
    for name in arg_names + kwonly:
        if name in unpacked:
            lines.append("    %s = %s(%s)" % (name, _UNPACK, name))
    lines.append("    return %s(%s)" % (_TARGET, ", ".join(arg_names + kwonly)))
    scope: "dict[str, Any]" = {_TARGET: target_func, _UNPACK: unpack_dataclass_to_tuple}
    exec(compile("\n".join(lines) + "\n", "<kwargs wrapper>", "exec"), scope)
    wrapper: Any = scope["wrapper"]
    wrapper.__defaults__ = arg_defaults or None
    wrapper.__kwdefaults__ = kw_defaults or None
    if prototype is not None:
        functools.update_wrapper(wrapper, prototype, updated=())
        del wrapper.__wrapped__  # the signature is the wrapper's own
    result: Callable[..., Any] = wrapper
    return result


def make_kwargs_wrapper_from_signature(target_func: Callable[..., Any],
                                       signature: inspect.Signature,
                                       prototype: "Optional[Callable[..., Any]]" = None,
                                       exclude_arg_names: "Optional[Iterable[str]]" = None,
                                       map_dataclass_to_tuple: "Optional[list[str]]" = None
                                       ) -> Callable[..., Any]:
    """``make_kwargs_wrapper`` with the parameters of `signature` (minus those
    in `exclude_arg_names`; names absent from it are ignored). ``*args`` and
    ``**kwargs`` parameters are refused."""
    excluded = set(exclude_arg_names or ())
    arg_names: "list[str]" = []
    arg_defaults: "list[Any]" = []
    kwonly: "list[str]" = []
    kw_defaults: "dict[str, Any]" = {}
    for p in signature.parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            raise ValueError("*args not supported (parameter %r)" % p.name)
        if p.kind is p.VAR_KEYWORD:
            raise ValueError("**kwargs not supported (parameter %r)" % p.name)
        if p.name in excluded:
            continue
        if p.kind is p.KEYWORD_ONLY:
            kwonly.append(p.name)
            if p.default is not p.empty:
                kw_defaults[p.name] = p.default
            continue
        if p.default is not p.empty:
            arg_defaults.append(p.default)
        elif arg_defaults:
            raise ValueError("Parameter %r without a default follows one with a default"
                             % p.name)
        arg_names.append(p.name)
    return make_kwargs_wrapper(target_func, arg_names, tuple(arg_defaults), kwonly,
                               kw_defaults, prototype, map_dataclass_to_tuple)


