"""Plotting helpers: what is drawn matches the data, labels, bad input."""

import matplotlib

matplotlib.use("Agg")

import subprocess  # noqa: E402
import sys  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from sklearn.metrics import confusion_matrix as sk_confusion_matrix  # noqa: E402

from reservoirspike import EventStream, connect_inputs, random_reservoir, simulate  # noqa: E402
from reservoirspike import plotting  # noqa: E402


@pytest.fixture(scope="module")
def net():
    network = random_reservoir(60, bias=(5.0, 9.0), random_state=0)
    return connect_inputs(network, 2, weight=10.0, sign="mixed", random_state=0)


@pytest.fixture(scope="module")
def result(net):
    rng = np.random.default_rng(0)
    return simulate(net, rng.normal(size=(2, 20, 2)), steps_per_frame=10, record=("spikes", "counts"))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _scatter_points(ax):
    return [c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)]


def _legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_importing_the_package_does_not_import_matplotlib():
    code = "import sys, reservoirspike; assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_raster_draws_every_spike_and_colours_by_population(result, net):
    assert result.total_spikes[0] > 0
    times, ids = result.spikes(0)
    ax = plotting.raster(result, 0)
    points = np.concatenate(_scatter_points(ax))
    assert len(points) == len(times)
    assert sorted(map(tuple, points)) == sorted(zip(times, ids))
    assert ax.get_xlabel() == "time (ms)" and ax.get_ylabel() == "neuron id" and ax.get_title()

    fig, ax2 = plt.subplots()
    out = plotting.raster(result, 1, network=net, ax=ax2)
    assert out is ax2
    assert _legend_texts(ax2) == ["E", "I"]
    by_pop = _scatter_points(ax2)
    n_e = net.population_slices()["E"].stop
    t1, i1 = result.spikes(1)
    assert [len(p) for p in by_pop] == [int((i1 < n_e).sum()), int((i1 >= n_e).sum())]
    assert np.all(by_pop[0][:, 1] < n_e) and np.all(by_pop[1][:, 1] >= n_e)


def test_raster_input_events_band(result):
    times = np.array([3.0, 50.0, 120.5, 180.0])
    channels = np.array([0, 1, 1, 0])
    ax = plotting.raster(result, 0, input_events=(times, channels))
    points = np.concatenate(_scatter_points(ax))
    assert len(points) == len(result.spikes(0)[0]) + len(times)
    inputs = points[points[:, 1] < 0]
    assert sorted(map(tuple, inputs)) == sorted(zip(times, -1.0 - channels))
    assert ax.get_ylim()[0] < -2 and ax.get_ylim()[1] == pytest.approx(result.n_neurons - 0.5)
    assert "input channels" in [t.get_text() for t in ax.texts]
    assert "input channels" in _legend_texts(ax)
    ax2 = plotting.raster(result, 0, input_events=EventStream(times, channels))
    assert len(np.concatenate(_scatter_points(ax2))) == len(points)


def test_population_rate_matches_spike_counts(result, net):
    ax = plotting.population_rate(result, 0, bin_ms=10.0, network=net)
    assert _legend_texts(ax) == ["E", "I"]
    assert ax.get_xlabel() == "time (ms)" and "Hz" in ax.get_ylabel() and ax.get_title()
    steps, ids = result.spike_steps(0)
    for line, sl in zip(ax.get_lines(), net.population_slices().values()):
        x, rate = line.get_xdata(), line.get_ydata()
        assert len(x) == result.lengths[0] * result.dt / 10.0 and x[0] == pytest.approx(5.0)
        in_pop = (ids >= sl.start) & (ids < sl.stop)
        # rate (Hz) * neurons * bin (s) = spikes, bin by bin
        expected = np.bincount((steps[in_pop] * result.dt // 10.0).astype(int), minlength=len(x))
        np.testing.assert_allclose(rate * (sl.stop - sl.start) * 0.010, expected)

    ax = plotting.population_rate(result, 1, bin_ms=30.0)  # 200 ms: six 30 ms bins and a 20 ms one
    (line,) = ax.get_lines()
    widths = np.array([30.0] * 6 + [20.0])
    assert np.sum(line.get_ydata() * widths / 1000.0) * result.n_neurons == pytest.approx(result.total_spikes[1])


def test_rate_histogram_counts_every_neuron(result):
    ax = plotting.rate_histogram(result, bins=12)
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == 12 and sum(heights) == result.n_neurons
    assert ax.get_xlabel() == "firing rate (Hz)" and ax.get_ylabel() == "neurons" and ax.get_title()
    rates = plotting._neuron_rates(result)
    assert rates.mean() == pytest.approx(result.mean_rate)


def test_isi_cv_matches_direct_computation(result):
    cv, n_isi = plotting._isi_cv(result)
    for neuron in range(result.n_neurons):
        isis = []
        for k in range(result.n_sequences):
            steps, ids = result.spike_steps(k)
            isis.extend(np.diff(np.sort(steps[ids == neuron])) * result.dt)
        assert n_isi[neuron] == len(isis)
        if len(isis) >= 2:
            assert cv[neuron] == pytest.approx(np.std(isis) / np.mean(isis))
        else:
            assert np.isnan(cv[neuron])
    ax = plotting.isi_cv_histogram(result, bins=10)
    assert sum(p.get_height() for p in ax.patches) == np.isfinite(cv).sum() > 0
    assert "CV" in ax.get_xlabel() and ax.get_ylabel() == "neurons" and ax.get_title()


def test_weight_matrix_image_is_the_dense_weights(net):
    ax = plotting.weight_matrix(net)
    (image,) = ax.get_images()
    W = net.weights.toarray()
    np.testing.assert_array_equal(image.get_array(), W)
    vmin, vmax = image.get_clim()
    assert vmin == -vmax == -np.abs(W).max()
    assert image.colorbar is not None
    assert ax.get_xlabel() == "postsynaptic neuron" and ax.get_ylabel() == "presynaptic neuron"

    ax = plotting.weight_matrix(net, max_neurons=20)
    (image,) = ax.get_images()
    keep = np.round(np.linspace(0, 59, 20)).astype(int)
    np.testing.assert_array_equal(image.get_array(), W[np.ix_(keep, keep)])
    assert "20 of 60" in ax.get_title()


def test_weight_histogram_counts_nonzero_weights(net):
    ax = plotting.weight_histogram(net, bins=25)
    assert sum(p.get_height() for p in ax.patches) == np.count_nonzero(net.data) == net.n_synapses
    assert len(ax.get_legend().get_texts()) == 1

    data = net.data.copy()
    data[:10] = 0.0  # pruned synapses do not count
    after = net.with_data(data * 1.5)
    ax = plotting.weight_histogram(net, after, bins=25)
    heights = np.array([p.get_height() for p in ax.patches])
    assert len(heights) == 50
    assert heights[:25].sum() == net.n_synapses and heights[25:].sum() == np.count_nonzero(data)
    assert [t.split()[0] for t in _legend_texts(ax)] == ["before", "after"]
    assert ax.get_xlabel() == "weight (mV)" and ax.get_ylabel() == "synapses" and ax.get_title()


def test_packet_portrait_draws_each_trajectory():
    a = np.array([[30.0, 50.0, 80.0, 95.0], [40.0, 20.0, 5.0, 0.0], [60.0, 70.0, 90.0, 99.0]])
    sigma = np.array([[3.0, 2.0, 1.2, 0.8], [1.0, 2.5, 4.0, np.nan], [0.5, 0.6, 0.7, 0.7]])
    ax = plotting.packet_portrait(a, sigma)
    lines = ax.get_lines()
    assert len(lines) == 3
    for k, line in enumerate(lines):
        np.testing.assert_array_equal(line.get_xdata(), sigma[k])
        np.testing.assert_array_equal(line.get_ydata(), a[k])
    (starts,) = _scatter_points(ax)
    np.testing.assert_array_equal(starts, np.column_stack([sigma[:, 0], a[:, 0]]))
    assert len(ax.texts) == 3 + 2 + 3  # one arrow per finite segment
    assert "ms" in ax.get_xlabel() and "a" in ax.get_ylabel() and ax.get_title()
    assert len(plotting.packet_portrait(a[0], sigma[0]).get_lines()) == 1


def test_confusion_matrix_image_and_annotations():
    y_true = np.array(["a", "b", "c", "a", "b", "c", "a", "a"])
    y_pred = np.array(["a", "b", "a", "a", "c", "c", "b", "a"])
    ax = plotting.confusion_matrix(y_true, y_pred)
    cm = sk_confusion_matrix(y_true, y_pred)
    (image,) = ax.get_images()
    np.testing.assert_array_equal(image.get_array(), cm)
    texts = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert texts == {(r, c): str(cm[r, c]) for r in range(3) for c in range(3)}
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert ax.get_xlabel() == "predicted label" and ax.get_ylabel() == "true label" and ax.get_title()

    ax = plotting.confusion_matrix(y_true, y_pred, labels=["c", "b", "a"], normalize=True)
    cm = sk_confusion_matrix(y_true, y_pred, labels=["c", "b", "a"], normalize="true")
    np.testing.assert_allclose(ax.get_images()[0].get_array(), cm)
    assert ax.texts[0].get_text() == f"{cm[0, 0]:.2f}"


def test_save_writes_png(tmp_path, result):
    ax = plotting.rate_histogram(result)
    path = plotting.save(ax, tmp_path / "sub" / "dir" / "rates")
    assert path == tmp_path / "sub" / "dir" / "rates.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plotting.save(ax.figure, str(tmp_path / "f.png")).exists()
    fig, axes = plt.subplots(1, 2)
    assert plotting.save(axes, tmp_path / "two.png").exists()
    with pytest.raises(ValueError, match=r"\.png"):
        plotting.save(ax, tmp_path / "rates.pdf")
    with pytest.raises(TypeError, match="fig_or_ax"):
        plotting.save("not a figure", tmp_path / "x.png")


def test_bad_input_raises_clear_errors(result, net):
    with pytest.raises(ValueError, match="a and sigma must have the same shape"):
        plotting.packet_portrait(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"sigma must have shape \(n_trajectories, n_groups\)"):
        plotting.packet_portrait(np.ones((2, 3)), np.ones((2, 3, 1)))
    with pytest.raises(ValueError, match="non-negative"):
        plotting.packet_portrait(-np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"i \(sequence index\) must be <= 1, got 2"):
        plotting.raster(result, 2)
    with pytest.raises(ValueError, match="i \\(sequence index\\) must be >= 0"):
        plotting.population_rate(result, -1)
    with pytest.raises(TypeError, match="must be an integer"):
        plotting.raster(result, 0.5)
    with pytest.raises(ValueError, match="bin_ms must be at least the time step"):
        plotting.population_rate(result, 0, bin_ms=0.5)
    with pytest.raises(ValueError, match="network has 30 neurons but the result has 60"):
        plotting.raster(result, 0, network=random_reservoir(30, random_state=0))
    with pytest.raises(ValueError, match="input_events"):
        plotting.raster(result, 0, input_events=([1.0, 2.0], [0]))
    with pytest.raises(ValueError, match="input_events channels must be non-negative integers"):
        plotting.raster(result, 0, input_events=([1.0], [-1]))
    with pytest.raises(TypeError, match="result must be a SimulationResult"):
        plotting.rate_histogram(np.zeros(3))
    with pytest.raises(TypeError, match="before must be a Network"):
        plotting.weight_histogram(net.data)
    with pytest.raises(ValueError, match="max_neurons must be >= 1"):
        plotting.weight_matrix(net, max_neurons=0)
    with pytest.raises(ValueError, match="normalize must be"):
        plotting.confusion_matrix([0, 1], [0, 1], normalize="rows")
    with pytest.raises(ValueError, match="y_true and y_pred must be 1-D of equal length"):
        plotting.confusion_matrix([0, 1, 1], [0, 1])
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plotting.rate_histogram(result, ax="left")
    counts_only = simulate(net, np.zeros((1, 5, 2)), record=("counts",))
    with pytest.raises(ValueError, match="record=\\('spikes'"):
        plotting.raster(counts_only, 0)
    assert sum(p.get_height() for p in plotting.rate_histogram(counts_only).patches) == 60


def test_weight_histogram_before_and_after_plasticity_from_an_estimator():
    from reservoirspike import SpikingReservoir
    from reservoirspike.plasticity import STDP

    X = np.random.default_rng(0).normal(size=(6, 20, 2))
    est = SpikingReservoir(n_neurons=80, plasticity=STDP(a_plus=0.05, a_minus=-0.05, w_max=2.0),
                           random_state=0).fit(X)
    ax = plotting.weight_histogram(est.weights_before_, est.weights_after_)
    before, after = ax.patches[: len(ax.patches) // 2], ax.patches[len(ax.patches) // 2:]
    assert sum(p.get_height() for p in before) == np.count_nonzero(est.weights_before_.data)
    assert sum(p.get_height() for p in after) == np.count_nonzero(est.weights_after_.data)
    assert [t.get_text().split(" ")[0] for t in ax.get_legend().get_texts()] == ["before", "after"]
    plt.close("all")
