"""Small parameter checks shared by the parameter records and builders.

Every error names the parameter and the form that was expected.
"""

import numbers

import numpy as np


def check_real(name, value, *, low=None, high=None, low_open=False, high_open=False):
    """Return ``value`` as float after checking it is a finite real in range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        rel = ">" if low_open else ">="
        raise ValueError(f"{name} must be {rel} {low}, got {value!r}")
    if high is not None and (value > high or (high_open and value == high)):
        rel = "<" if high_open else "<="
        raise ValueError(f"{name} must be {rel} {high}, got {value!r}")
    return value


def check_positive(name, value):
    """A finite real > 0 (time constants, durations, time steps)."""
    return check_real(name, value, low=0.0, low_open=True)


def check_probability(name, value):
    """A real in [0, 1]."""
    return check_real(name, value, low=0.0, high=1.0)


def check_int(name, value, *, low=None, high=None):
    """Return ``value`` as int after checking it is an integer in range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def check_choice(name, value, choices):
    """A string from ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value
