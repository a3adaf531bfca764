"""Datasets for sequence tasks (generators and loaders that need no download)."""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch


def load_sequential_digits(*, test_size=0.25, random_state=0):
    """scikit-learn's 8x8 digits read row by row: 8 steps of 8 pixels.

    Parameters
    ----------
    test_size : float, default=0.25
        Fraction of the images in the test split (stratified by class).
    random_state : int, default=0
        Seed of the split; the default gives the split the demo reports.

    Returns
    -------
    Bunch
        ``data`` (1797, 8, 8) float64 in [0, 1] (sequence, step = image row,
        channel = column), ``target`` (1797,), and ``train`` / ``test`` index
        arrays.
    """
    digits = load_digits()
    data = digits.images.astype(np.float64) / 16.0
    idx = np.arange(len(data))
    train, test = train_test_split(idx, test_size=test_size, stratify=digits.target, random_state=random_state)
    return Bunch(data=data, target=digits.target, train=np.sort(train), test=np.sort(test),
                 DESCR="scikit-learn digits as 8-step sequences of image rows")


def _rng(random_state):
    from .topology import as_generator

    return as_generator(random_state)


def memory_capacity_task(n_steps=2000, max_delay=40, *, random_state=None):
    """Input and targets of the linear memory-capacity task (Jaeger 2002).

    Returns
    -------
    u : ndarray (n_steps, 1)
        i.i.d. uniform input in [-1, 1].
    Y : ndarray (n_steps, max_delay)
        ``Y[t, k-1] = u[t-k]`` for delays k = 1..max_delay (zero before the
        series starts: leave at least ``max_delay`` steps of washout).
    """
    u = _rng(random_state).uniform(-1.0, 1.0, size=n_steps)
    Y = np.zeros((n_steps, max_delay))
    for k in range(1, max_delay + 1):
        Y[k:, k - 1] = u[:-k]
    return u[:, None], Y


def narma(n_steps=2000, order=10, *, random_state=None):
    """NARMA time series of the given order (Atiya & Parlos 2000).

    ``y[t+1] = 0.3 y[t] + 0.05 y[t] sum_{i<order} y[t-i] + 1.5 u[t-order+1] u[t] + 0.1``
    with ``u ~ U[0, 0.5]``.

    Returns
    -------
    u : ndarray (n_steps, 1)
    y : ndarray (n_steps,)
    """
    u = _rng(random_state).uniform(0.0, 0.5, size=n_steps)
    y = np.zeros(n_steps)
    for t in range(order, n_steps - 1):
        y[t + 1] = (0.3 * y[t] + 0.05 * y[t] * y[t - order + 1:t + 1].sum()
                    + 1.5 * u[t - order + 1] * u[t] + 0.1)
    return u[:, None], y


def mackey_glass(n_steps=2000, *, tau=17.0, beta=0.2, gamma=0.1, n=10, sample_every=1.0, h=0.1, x0=1.2,
                 discard=1000, random_state=None):
    """Mackey–Glass series ``dx/dt = beta x(t-tau) / (1 + x(t-tau)**n) - gamma x``.

    Integrated with 4th-order Runge–Kutta (step ``h``; the delayed term
    interpolated linearly), sampled every ``sample_every`` time units after
    ``discard`` transient samples; the initial history is ``x0`` plus a small
    perturbation from ``random_state``.

    Returns
    -------
    ndarray (n_steps,)
    """
    rng = _rng(random_state)
    lag = int(round(tau / h))
    every = int(round(sample_every / h))
    total = (n_steps + discard) * every + lag + 1
    x = np.empty(total)
    x[:lag + 1] = x0 + 0.01 * rng.standard_normal()

    def f(xt, xd):
        return beta * xd / (1.0 + xd**n) - gamma * xt

    for i in range(lag, total - 1):
        d0, d1 = x[i - lag], x[i - lag + 1]
        dm = 0.5 * (d0 + d1)
        k1 = f(x[i], d0)
        k2 = f(x[i] + 0.5 * h * k1, dm)
        k3 = f(x[i] + 0.5 * h * k2, dm)
        k4 = f(x[i] + h * k3, d1)
        x[i + 1] = x[i] + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return x[lag + 1::every][discard:discard + n_steps]
