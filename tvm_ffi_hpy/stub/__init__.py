"""tvm_ffi_hpy.stub: writes type stubs for functions and object types the core
registered, into marked blocks of Python files (``tvm-ffi-stubgen`` markers).

Entry point: ``python -m tvm_ffi_hpy.stub.cli`` (docs/stubgen.md).  The layout
of the package follows apache tvm-ffi's ``tvm_ffi.stub`` module names, so code
and tests written for it import the same names:

- ``consts``: the marker syntax and the constant tables;
- ``file_utils``: reading files into blocks and writing them back;
- ``utils``: the language-neutral model (``FuncInfo``, ``ObjectInfo``, ...);
- ``lib_state``: what the registry holds, as that model;
- ``layout``: whether an object's native layout is explained by its fields;
- ``generator``: the registry of target generators (``python``, ``rust``);
- ``python_generator``: the Python target;
- ``cli``: the command line.
"""
