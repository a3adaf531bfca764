"""SequenceScaler and GaussianReceptiveFields: fitted on the pooled frames of the training sequences,
applied frame by frame in every input layout."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from reservoirspike import GaussianReceptiveFields, SequenceScaler, SpikingReservoirClassifier


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


def test_receptive_fields_equal_the_gaussian_tuning_curves():
    X = ragged(d=2)
    fields = GaussianReceptiveFields(n_fields=4, width=0.8).fit(X)
    frames = np.vstack(X)
    low, high = frames.min(0), frames.max(0)
    for c in range(2):
        np.testing.assert_allclose(fields.centers_[c], np.linspace(low[c], high[c], 4))
        np.testing.assert_allclose(fields.sigma_[c], 0.8 * (high[c] - low[c]) / 3)
    out = fields.transform(X)
    assert isinstance(out, list) and [o.shape for o in out] == [(len(x), 8) for x in X]
    x = X[2][1]
    for c in range(2):
        for k in range(4):
            mu, sigma = fields.centers_[c, k], fields.sigma_[c]
            assert out[2][1, 4 * c + k] == pytest.approx(np.exp(-0.5 * ((x[c] - mu) / sigma) ** 2))
    # the field nearest a value responds most; the extremes of the training range hit the end fields at 1
    assert np.argmax(out[2][1, :4]) == np.argmin(np.abs(fields.centers_[0] - x[0]))
    np.testing.assert_allclose(np.vstack(out).max(0)[[0, 3, 4, 7]], 1.0)
    assert list(fields.get_feature_names_out(["a", "b"])[[0, 3, 4]]) == ["a_rf0", "a_rf3", "b_rf0"]


def test_receptive_fields_layouts_range_and_constant_channels():
    X2 = np.random.default_rng(2).uniform(-1, 1, size=(3, 7))  # (n, T) univariate
    out = GaussianReceptiveFields(n_fields=5, value_range=(-2, 2)).fit(X2).transform(X2)
    assert out.shape == (3, 7, 5) and np.all((out > 0) & (out <= 1))
    fixed = GaussianReceptiveFields(n_fields=5, value_range=(-2, 2)).fit(X2)
    np.testing.assert_allclose(fixed.centers_[0], [-2, -1, 0, 1, 2])
    assert GaussianReceptiveFields(3).fit(X2[:, :, None]).transform(X2[:, :, None]).shape == (3, 7, 3)
    const = GaussianReceptiveFields(n_fields=3).fit([np.full((4, 1), 2.0)])
    np.testing.assert_allclose(const.centers_[0], [1.0, 2.0, 3.0])
    np.testing.assert_allclose(const.transform([np.full((1, 1), 2.0)])[0], [[np.exp(-0.5), 1.0, np.exp(-0.5)]])


def test_receptive_fields_bad_input_names_the_problem():
    X = ragged()
    with pytest.raises(ValueError, match="n_fields must be >= 2"):
        GaussianReceptiveFields(n_fields=1).fit(X)
    with pytest.raises(TypeError, match="n_fields must be an integer"):
        GaussianReceptiveFields(n_fields=2.5).fit(X)
    with pytest.raises(ValueError, match="width"):
        GaussianReceptiveFields(width=0.0).fit(X)
    with pytest.raises(ValueError, match="low < high"):
        GaussianReceptiveFields(value_range=(1.0, 1.0)).fit(X)
    with pytest.raises(ValueError, match="pair"):
        GaussianReceptiveFields(value_range=3.0).fit(X)
    with pytest.raises(ValueError, match="infinity"):
        GaussianReceptiveFields().fit([np.array([[0.0], [np.inf]])])
    with pytest.raises(ValueError, match="fitted on 3"):
        GaussianReceptiveFields().fit(X).transform([np.zeros((2, 1))])
    with pytest.raises(ValueError, match="expected 3"):
        GaussianReceptiveFields().fit(X).get_feature_names_out(["a"])


def test_receptive_fields_let_a_reservoir_tell_a_middle_level_from_the_extremes():
    # class 1 sits in the middle of channel 0's range, class 0 at either end: not linear in the level
    rng = np.random.default_rng(0)
    levels = [-1.0, 1.0, 0.0]
    X = [rng.normal(size=(20, 1)) * 0.05 + levels[i % 3] for i in range(36)]
    y = (np.arange(36) % 3 == 2).astype(int)
    pipe = make_pipeline(GaussianReceptiveFields(n_fields=5, width=0.5),
                         SpikingReservoirClassifier(n_neurons=40, input_weight=20.0, random_state=0))
    assert pipe.fit(X, y).score(X, y) == 1.0
    again = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(again.predict(X), pipe.predict(X))
