"""Progress reporting for long runs: a tqdm bar when tqdm is installed, plain lines otherwise."""

import sys
import time


class _PlainProgress:
    def __init__(self, total, desc):
        self.total, self.desc, self.n, self.start = total, desc, 0, time.perf_counter()

    def update(self, n=1):
        self.n += n
        print(f"[{self.desc}] {self.n}/{self.total} ({time.perf_counter() - self.start:.1f} s)",
              file=sys.stderr, flush=True)

    def close(self):
        pass


class _NoProgress:
    def update(self, n=1):
        pass

    def close(self):
        pass


def progress(total, desc, verbose):
    """A progress reporter with ``update(n)`` and ``close()``; silent unless ``verbose``."""
    if not verbose:
        return _NoProgress()
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _PlainProgress(total, desc)
    return tqdm(total=total, desc=desc, unit="seq", leave=False)
