"""Scaling of sequence input, fitted on the training sequences (a step before the reservoir in a Pipeline)."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, OneToOneFeatureMixin
from sklearn.utils.validation import check_is_fitted

from ._sequences import check_sequences


class SequenceScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Standardise every channel of sequences with statistics of all training frames.

    ``fit`` pools the frames (time steps) of every training sequence and
    learns each channel's mean and standard deviation; ``transform`` applies
    them to every frame.  Unlike per-utterance normalisation (e.g.
    ``MelFeatures(normalize="utterance")``) this keeps what differs between
    sequences -- loudness, a channel's overall level -- while putting all
    channels on the scale a reservoir's input weights expect.  On the spoken
    digits (``examples/spoken_digits.py``) that is the difference between
    0.97-0.98 and 0.996 test accuracy.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract each channel's mean.
    with_std : bool, default=True
        Divide each channel by its standard deviation (channels that are
        constant in training are left unscaled).

    Attributes
    ----------
    mean_ : ndarray of shape (n_channels,)
        Per-channel mean over all training frames (zeros without ``with_mean``).
    scale_ : ndarray of shape (n_channels,)
        Per-channel divisor (ones without ``with_std``).
    n_features_in_ : int
        Channels per time step.
    n_frames_seen_ : int
        Frames the statistics were computed from.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoirspike.preprocessing import SequenceScaler
    >>> X = [np.array([[1.0, 10.0], [3.0, 30.0]]), np.array([[2.0, 20.0]])]
    >>> scaled = SequenceScaler().fit_transform(X)
    >>> np.round(np.vstack(scaled)[:, 0], 3)
    array([-1.225,  1.225,  0.   ])
    """

    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X, y=None):
        """Learn per-channel mean and scale from the frames of all sequences in X.

        Parameters
        ----------
        X : 3-D array (n, T, d), list of (T_i, d) arrays, or 2-D array (n, T)
            Training sequences.
        y : ignored

        Returns
        -------
        self
        """
        seqs, _ = check_sequences(X)
        frames = np.concatenate(seqs, axis=0)
        d = frames.shape[1]
        mean = frames.mean(axis=0)
        self.mean_ = mean if self.with_mean else np.zeros(d)
        if self.with_std:
            std = frames.std(axis=0)
            # constant channels (std 0 up to rounding) are left unscaled, as in StandardScaler
            tiny = 10 * np.finfo(np.float64).eps * np.maximum(np.abs(mean), 1.0)
            self.scale_ = np.where(std > tiny, std, 1.0)
        else:
            self.scale_ = np.ones(d)
        self.n_features_in_ = d
        self.n_frames_seen_ = frames.shape[0]
        return self

    def transform(self, X):
        """Scale every frame of X.

        Parameters
        ----------
        X : 3-D array (n, T, d), list of (T_i, d) arrays, or 2-D array (n, T)

        Returns
        -------
        list of ndarray, or ndarray
            Scaled sequences, in the layout of X (a list for list input).
        """
        return self._apply(X, lambda s: (s - self.mean_) / self.scale_)

    def inverse_transform(self, X):
        """Undo :meth:`transform`.

        Parameters
        ----------
        X : 3-D array, list of (T_i, d) arrays, or 2-D array (n, T)

        Returns
        -------
        list of ndarray, or ndarray
            In the layout of X.
        """
        return self._apply(X, lambda s: s * self.scale_ + self.mean_)

    def _apply(self, X, per_sequence):
        """Validate X against the fit, map every sequence, and return the result in X's layout."""
        check_is_fitted(self, "scale_")
        seqs, form = check_sequences(X)
        if seqs[0].shape[1] != self.n_features_in_:
            raise ValueError(f"X has {seqs[0].shape[1]} channels per step, but SequenceScaler was fitted "
                             f"on {self.n_features_in_}")
        out = [per_sequence(s) for s in seqs]
        if form == "list":
            return out
        if form == "2d":
            return np.stack([s[:, 0] for s in out])
        return np.stack(out)
