"""SequenceScaler: statistics pooled over the frames of the training sequences, in every input layout."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from reservoirspike import SequenceScaler, SpikingReservoirClassifier


def ragged(seed=0, n=5, d=3):
    rng = np.random.default_rng(seed)
    return [rng.normal(loc=[1.0, -2.0, 5.0][:d], scale=[0.5, 3.0, 10.0][:d], size=(rng.integers(2, 9), d))
            for _ in range(n)]


def test_equals_a_standard_scaler_on_the_pooled_frames():
    X = ragged()
    scaler = SequenceScaler().fit(X)
    reference = StandardScaler().fit(np.vstack(X))
    np.testing.assert_allclose(scaler.mean_, reference.mean_)
    np.testing.assert_allclose(scaler.scale_, reference.scale_)
    assert scaler.n_frames_seen_ == sum(len(x) for x in X) and scaler.n_features_in_ == 3
    out = scaler.transform(X)
    assert isinstance(out, list) and [o.shape for o in out] == [x.shape for x in X]
    np.testing.assert_allclose(np.vstack(out), reference.transform(np.vstack(X)))
    # per-utterance normalisation would give every sequence mean 0; pooled statistics keep their offsets
    assert np.ptp([o[:, 0].mean() for o in out]) > 0.1


def test_layouts_round_trip_and_options():
    X3 = np.random.default_rng(1).normal(2.0, 4.0, size=(4, 6, 2))
    scaler = SequenceScaler().fit(X3)
    out = scaler.transform(X3)
    assert out.shape == X3.shape
    np.testing.assert_allclose(scaler.inverse_transform(out), X3)
    X2 = X3[:, :, 0]  # (n, T): univariate sequences
    out2 = SequenceScaler().fit(X2).transform(X2)
    assert out2.shape == X2.shape
    np.testing.assert_allclose(out2.mean(), 0.0, atol=1e-12)
    np.testing.assert_allclose(out2.std(), 1.0)
    only_std = SequenceScaler(with_mean=False).fit(X3)
    np.testing.assert_array_equal(only_std.mean_, 0.0)
    np.testing.assert_allclose(only_std.transform(X3), X3 / X3.reshape(-1, 2).std(0))
    np.testing.assert_array_equal(SequenceScaler(with_std=False).fit(X3).scale_, 1.0)


def test_constant_channel_is_centred_but_not_divided():
    X = [np.column_stack([np.full(4, 3.0), np.arange(4.0)])]
    scaler = SequenceScaler().fit(X)
    assert scaler.scale_[0] == 1.0
    out = scaler.transform(X)[0]
    np.testing.assert_array_equal(out[:, 0], 0.0)
    assert np.all(np.isfinite(out))


def test_bad_input_names_the_problem():
    scaler = SequenceScaler()
    with pytest.raises(ValueError, match="empty list"):
        scaler.fit([])
    with pytest.raises(ValueError, match="NaN"):
        scaler.fit([np.array([[0.0], [np.nan]])])
    with pytest.raises(ValueError, match="empty sequence"):
        scaler.fit([np.zeros((0, 2))])
    with pytest.raises(ValueError, match="same number of channels"):
        scaler.fit([np.zeros((3, 2)), np.zeros((3, 1))])
    scaler.fit(ragged())
    with pytest.raises(ValueError, match="fitted on 3"):
        scaler.transform([np.zeros((4, 2))])
    with pytest.raises(Exception, match="not fitted"):
        SequenceScaler().transform(ragged())


def test_in_a_pipeline_before_a_reservoir_clones_and_pickles():
    rng = np.random.default_rng(0)
    # two classes that differ by the level of channel 0: per-sequence normalisation would erase it
    X = [rng.normal(size=(20, 2)) * 0.1 + [30.0 + 10.0 * (i % 2), -50.0] for i in range(24)]
    y = np.arange(24) % 2
    pipe = make_pipeline(SequenceScaler(), SpikingReservoirClassifier(n_neurons=40, random_state=0))
    pipe.fit(X, y)
    assert pipe.score(X, y) == 1.0
    again = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(again.predict(X), pipe.predict(X))
    assert clone(pipe).get_params()["sequencescaler__with_mean"] is True
