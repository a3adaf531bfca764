"""Library-wide settings: the memory a single simulation request may allocate."""

import contextlib
import os
import re

_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def _parse_bytes(text):
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", str(text), re.IGNORECASE)
    if not m:
        raise ValueError(f"RESERVOIRSPIKE_MAX_MEMORY must be a size such as 8G or 500M, got {text!r}")
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def _default_limit():
    env = os.environ.get("RESERVOIRSPIKE_MAX_MEMORY")
    if env:
        return _parse_bytes(env)
    try:  # half of the physical memory
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2)
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


_CONFIG = {"max_memory": _default_limit()}


def get_config():
    """Current settings: ``{"max_memory": bytes}``."""
    return dict(_CONFIG)


def set_config(max_memory=None):
    """Change settings.

    Parameters
    ----------
    max_memory : int or str, optional
        Largest allocation one simulation request may make, in bytes or as a
        size string ("4G", "500M").  Larger requests are refused with a
        ``MemoryError`` before anything is allocated.  The default is half the
        physical memory, or ``RESERVOIRSPIKE_MAX_MEMORY`` from the environment.
    """
    if max_memory is not None:
        value = _parse_bytes(max_memory) if isinstance(max_memory, str) else int(max_memory)
        if value <= 0:
            raise ValueError(f"max_memory must be positive, got {max_memory!r}")
        _CONFIG["max_memory"] = value


@contextlib.contextmanager
def config_context(**settings):
    """Temporarily change settings (see :func:`set_config`)."""
    before = get_config()
    set_config(**settings)
    try:
        yield
    finally:
        _CONFIG.update(before)


def check_memory(parts):
    """Refuse a request whose estimated allocation exceeds the limit.

    ``parts`` maps a description to a byte count.
    """
    total = sum(parts.values())
    limit = _CONFIG["max_memory"]
    if total > limit:
        biggest = max(parts, key=parts.get)
        raise MemoryError(
            f"this simulation would allocate about {total / 2**30:.2f} GiB (largest part: {biggest}, "
            f"{parts[biggest] / 2**30:.2f} GiB), above the limit of {limit / 2**30:.2f} GiB; simulate fewer "
            "or shorter sequences per call, record less, or raise the limit with "
            "reservoirspike.set_config(max_memory=...) or RESERVOIRSPIKE_MAX_MEMORY"
        )
    return total
