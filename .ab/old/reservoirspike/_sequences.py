"""Turning user input into a list of (T_i, d) float64 sequences, with clear errors."""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array


def _check_one(x, name):
    return check_array(x, dtype=np.float64, ensure_2d=True, ensure_min_samples=1,
                       ensure_min_features=1, input_name=name)


def check_sequences(X, *, single_series=False, name="X"):
    """Validate sequence input.

    Parameters
    ----------
    X : array-like
        A 3-D array (n, T, d); a list of (T_i, d) or (T_i,) NumPy arrays; or a
        2-D array (n, T) of univariate sequences.  Nested Python lists of
        numbers are read as an array.  With ``single_series=True`` a
        2-D array is one (T, d) series instead.
    single_series : bool
        How to read a 2-D array.
    name : str
        Name used in error messages.

    Returns
    -------
    seqs : list of ndarray
        Float64 C-contiguous (T_i, d) arrays, all with the same d.
    form : {"3d", "2d", "list", "single"}
        The form of the input, to shape outputs alike.
    """
    if sp.issparse(X):
        raise TypeError(f"{name} is a sparse matrix; sequences must be dense arrays (use X.toarray())")
    if isinstance(X, (list, tuple)):
        if len(X) == 0:
            raise ValueError(f"{name} is an empty list; expected at least one sequence")
        if not all(isinstance(x, np.ndarray) for x in X):  # nested lists of numbers: an array
            try:
                arr = np.asarray(X)
            except ValueError:
                arr = None  # ragged
            if arr is not None and arr.dtype != object:
                return check_sequences(arr, single_series=single_series, name=name)
        seqs = []
        for i, x in enumerate(X):
            x = np.asarray(x) if not sp.issparse(x) else x
            if sp.issparse(x):
                raise TypeError(f"{name}[{i}] is a sparse matrix; sequences must be dense arrays")
            if x.ndim == 1:
                x = x.reshape(-1, 1)
            if x.ndim != 2:
                raise ValueError(f"{name}[{i}] must be a (T, d) or (T,) array, got shape {x.shape}")
            if x.shape[0] == 0:
                raise ValueError(f"{name}[{i}] is an empty sequence (0 steps); every sequence needs >= 1 step")
            seqs.append(np.ascontiguousarray(_check_one(x, f"{name}[{i}]")))
        dims = {s.shape[1] for s in seqs}
        if len(dims) > 1:
            raise ValueError(f"every sequence in {name} must have the same number of channels, got {sorted(dims)}")
        return seqs, "list"
    if not hasattr(X, "ndim"):
        X = np.asarray(X)
        if X.dtype == object:
            raise ValueError(f"{name} must be an array of numbers or a list of (T, d) arrays")
    if X.ndim == 3:
        if X.shape[0] == 0:
            raise ValueError(f"{name} holds no sequence (shape {X.shape}); expected at least one")
        if X.shape[1] == 0:
            raise ValueError(f"{name} holds empty sequences (shape {X.shape}); every sequence needs >= 1 step")
        flat = check_array(np.asarray(X).reshape(X.shape[0] * X.shape[1], -1), dtype=np.float64,
                           ensure_min_features=1, input_name=name)
        flat = flat.reshape(X.shape)
        return [np.ascontiguousarray(s) for s in flat], "3d"
    if X.ndim == 2 or (X.ndim != 1 and X.ndim != 3):
        X = check_array(X, dtype=np.float64, ensure_min_samples=1, ensure_min_features=1, input_name=name)
        if single_series:
            return [np.ascontiguousarray(X)], "single"
        return [np.ascontiguousarray(row.reshape(-1, 1)) for row in X], "2d"
    raise ValueError(
        f"{name} must be a 3-D array (n_sequences, n_steps, n_channels), a 2-D array "
        f"{'(n_steps, n_channels)' if single_series else '(n_sequences, n_steps)'} or a list of "
        f"(n_steps, n_channels) arrays; got an array of shape {np.shape(X)}. "
        "Reshape your data either using array.reshape(-1, 1) if your data has a single feature "
        "or array.reshape(1, -1) if it contains a single sample."
    )


def ragged(seqs):
    """Concatenate sequences: (stacked rows, offsets of length n + 1)."""
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    offsets = np.zeros(len(seqs) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return np.concatenate(seqs, axis=0) if seqs else np.zeros((0, 0)), offsets
