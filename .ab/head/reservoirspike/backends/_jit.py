"""The decorator of the functions that the CPU kernels call at every step or spike."""

from numba import njit


def step_jit(**options):
    """``njit(cache=True, **options)`` compiled without Numba's reference counting.

    Numba counts references to the arrays a compiled function receives or
    slices: a call that passes k arrays runs about 2k calls to
    ``NRT_incref`` / ``NRT_decref``, each an atomic update.  The functions
    that the kernels call once per step, spike or arrival allocate nothing
    and keep no array beyond the call, so the counting buys nothing there;
    without it the static reservoir-shaped run takes 8 % less time and the
    plastic one 6 % less (results bitwise unchanged).  Numba refuses to
    compile such a function if it ever allocates an array.
    """
    return njit(cache=True, _nrt=False, **options)
