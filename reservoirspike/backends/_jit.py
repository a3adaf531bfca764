"""The decorator of the functions that the CPU kernels call at every step or spike."""

from numba import njit


def step_jit(**options):
    """``njit(cache=True, **options)`` compiled without Numba's reference counting, callable from compiled code only.

    Numba counts references to the arrays a compiled function receives or
    slices: a call that passes k arrays runs about 2k calls to
    ``NRT_incref`` / ``NRT_decref``, each an atomic update.  The functions
    that the kernels call once per step, spike or arrival allocate nothing
    and keep no array beyond the call, so the counting buys nothing there;
    without it the static reservoir-shaped run takes 8 % less time and the
    plastic one 6 % less (results bitwise unchanged).  Numba refuses to
    compile such a function if it ever allocates an array.

    Nor does Numba build the wrappers that would let Python (or C) call such
    a function: they unbox or box every argument, and the kernels never use
    them.  Compiling them took about 0.85 s of a program's first run (CUBA
    4k: 8.45 -> 7.60 s).  Tests call these functions through a small
    ``njit`` function of their own.
    """
    return njit(cache=True, _nrt=False, no_cpython_wrapper=True, no_cfunc_wrapper=True, **options)
