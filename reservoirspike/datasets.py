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
