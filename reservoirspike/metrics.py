"""Reservoir metrics: regression error and memory capacity."""

import numpy as np


def nrmse(y_true, y_pred, *, normalization="std"):
    """Root mean squared error normalised by the target's standard deviation (or range).

    Parameters
    ----------
    y_true, y_pred : array-like of the same shape
    normalization : {"std", "range"}

    Returns
    -------
    float (averaged over columns for 2-D targets)
    """
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {y_true.shape} and {y_pred.shape}")
    rmse = np.sqrt(np.mean((y_true - y_pred) ** 2, axis=0))
    if normalization == "std":
        scale = y_true.std(axis=0)
    elif normalization == "range":
        scale = y_true.max(axis=0) - y_true.min(axis=0)
    else:
        raise ValueError(f"normalization must be 'std' or 'range', got {normalization!r}")
    return float(np.mean(rmse / scale))


def memory_capacity(y_true, y_pred):
    """Linear memory capacity: the sum over delays of squared correlations.

    Parameters
    ----------
    y_true : array (n_steps, n_delays)
        Delayed copies of the input (see ``datasets.memory_capacity_task``).
    y_pred : array (n_steps, n_delays)
        The readout's reconstructions.

    Returns
    -------
    total : float
    per_delay : ndarray (n_delays,)
    """
    y_true, y_pred = np.atleast_2d(np.asarray(y_true, float)), np.atleast_2d(np.asarray(y_pred, float))
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {y_true.shape} and {y_pred.shape}")
    yt = y_true - y_true.mean(0)
    yp = y_pred - y_pred.mean(0)
    denom = np.sqrt((yt**2).sum(0) * (yp**2).sum(0))
    r = np.divide((yt * yp).sum(0), denom, out=np.zeros(yt.shape[1]), where=denom > 0)
    per = r**2
    return float(per.sum()), per
