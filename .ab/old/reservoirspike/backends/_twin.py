"""Scalar math written once and compiled for both targets.

A function decorated with :func:`kernel_math` is an ordinary inlined Numba
CPU function; :func:`device_twin` compiles the same Python source as a CUDA
device function, with every other ``kernel_math`` function it calls replaced
by that function's own device twin.  The GPU thus runs the very arithmetic the
CPU runs (same operations, same order), which is what makes their results
agree bit for bit.

Numba's on-disk cache keys a compiled function by its own source file only:
after editing one of these functions in a working tree, delete the
``*.nbi``/``*.nbc`` files under ``reservoirspike/backends/__pycache__`` (an
installed package is rewritten as a whole, so it is not affected).
"""

import types

from numba import njit

_SHARED = {}  # python function -> its CPU dispatcher
_TWINS = {}  # python function -> its CUDA device function


def kernel_math(func):
    """Compile ``func`` for the CPU (inlined) and register it for a CUDA twin."""
    dispatcher = njit(cache=True, inline="always")(func)
    _SHARED[func] = dispatcher
    return dispatcher


def device_twin(function):
    """The CUDA device-function twin of a :func:`kernel_math` function (built once)."""
    from numba import cuda

    py_func = getattr(function, "py_func", function)
    if py_func not in _SHARED:
        raise TypeError(f"{py_func.__name__} is not registered with kernel_math")
    if py_func not in _TWINS:
        env = dict(py_func.__globals__)
        for name in py_func.__code__.co_names:  # the globals this function's code refers to
            inner = getattr(py_func.__globals__.get(name), "py_func", None)
            if inner is not None and inner in _SHARED and inner is not py_func:
                env[name] = device_twin(inner)
        clone = types.FunctionType(py_func.__code__, env, py_func.__name__, py_func.__defaults__,
                                   py_func.__closure__)
        clone.__qualname__ = py_func.__qualname__
        _TWINS[py_func] = cuda.jit(device=True)(clone)
    return _TWINS[py_func]
