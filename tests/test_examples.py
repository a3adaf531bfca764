"""The examples run end to end at small sizes and produce what they promise."""

import importlib.util
import pathlib

import matplotlib

matplotlib.use("Agg")

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synfire_packets_example(tmp_path, capsys):
    out = tmp_path / "portrait.png"
    rows = _load("synfire_packets").main(["--quick", "--trials", "2", "--out", str(out)])
    assert out.stat().st_size > 10_000
    reach = {(a, s): frac for a, s, frac, *_ in rows}
    assert reach[(100, 0.0)] == 1.0 and reach[(30, 2.0)] == 0.0
    assert "reach g10" in capsys.readouterr().out


def test_chain_vs_reservoir_example(capsys):
    rows = _load("chain_vs_reservoir").main(["--quick", "--seeds", "1"])
    for mc, acc in rows.values():
        assert mc[0] > 0 and acc[0] > 0.8
    assert "memory capacity" in capsys.readouterr().out


def test_time_series_example(tmp_path, capsys):
    (mg_base, mg_res), (na_base, na_res) = _load("time_series").main(
        ["--steps", "1200", "--n-neurons", "100", "--esn-units", "50", "--out", str(tmp_path / "ts.png")])
    assert 0 < mg_base < 2 and 0 < mg_res < 2 and 0 < na_base < 2 and 0 < na_res < 2
    assert (tmp_path / "ts.png").stat().st_size > 5_000
    assert "NARMA10" in capsys.readouterr().out


def test_spoken_digits_example_on_a_tiny_synthetic_fsdd(tmp_path, capsys):
    from test_datasets import _write_recordings

    _write_recordings(tmp_path / "fsdd" / "recordings")
    fig = tmp_path / "digits.png"
    base, accs = _load("spoken_digits").main(["--data-home", str(tmp_path), "--n-neurons", "60", "--seeds", "1",
                                              "--out", str(fig)])
    assert 0 <= base <= 1 and 0 <= accs[0] <= 1
    assert "official split" in capsys.readouterr().out
    assert fig.stat().st_size > 5_000


def test_memory_capacity_example_delays_add_memory(tmp_path, capsys):
    out = tmp_path / "mc.png"
    rows, default = _load("memory_capacity").main(
        ["--n-neurons", "80", "--seeds", "0", "--delays", "3,500", "--steps", "600", "--out", str(out)])
    (short, mc_short, _), (long, mc_long, _) = rows
    assert mc_long > mc_short + 2.0, "conduction delays spanning the horizon should add memory"
    assert 0 <= default[0] < mc_long
    assert out.stat().st_size > 10_000
    assert "MC =" in capsys.readouterr().out


def test_stdp_pattern_input_hides_the_pattern_in_rate_but_repeats_it():
    import numpy as np

    module = _load("stdp_pattern")
    source = module.PatternInput(400, 2, seed=3)
    chunks = [source.chunk(c) for c in range(2)]
    times = np.concatenate([t + c * module.CHUNK_MS for c, (t, _, _) in enumerate(chunks)])
    afferents = np.concatenate([a for _, a, _ in chunks])
    assert 55 < len(times) / 400 / 10.0 < 70  # about 64 Hz per afferent
    assert 0.2 < len(source.onsets) * module.PATTERN_MS / 10_000.0 < 0.3 and np.diff(source.onsets).min() >= 100
    slot = (times // module.PATTERN_MS).astype(int)
    windows = (source.onsets // module.PATTERN_MS).astype(int)
    own = np.isin(afferents, source.pattern_afferents)
    per_window = np.bincount(slot[own], minlength=200)
    assert abs(per_window[windows].mean() / np.delete(per_window, windows).mean() - 1) < 0.05  # same rate

    def first_spike(onset):
        """Each afferent's first spike in the window from ``onset`` (ms after it; NaN if none)."""
        first = np.full(400, np.nan)
        inside = (times >= onset) & (times < onset + module.PATTERN_MS)
        order = np.argsort(-times[inside])
        first[afferents[inside][order]] = times[inside][order] - onset  # the earliest is written last
        return first

    shift = np.abs(first_spike(source.onsets[0]) - first_spike(source.onsets[1]))
    pattern = np.isin(np.arange(400), source.pattern_afferents)
    # the pattern afferents fire at the same times (within the jitter) in every presentation, the others do not
    assert np.nanmedian(shift[pattern]) < 2.5 < 4.0 < np.nanmedian(shift[~pattern])


def test_stdp_pattern_example_runs_and_reports(tmp_path, capsys):
    module = _load("stdp_pattern")
    out = tmp_path / "stdp.png"
    result = module.main(["--quick", "--duration", "10", "--pairing", "nearest", "--out", str(out)])
    assert out.stat().st_size > 10_000
    assert result["false_alarm_first"] > 5.0  # before learning the neuron fires everywhere
    # with symmetric nearest-neighbour pairing depression wins: silent, the pattern not found
    assert result["selective_from"] is None and result["hit_rate_last"] < 0.5
    assert "false alarms Hz" in capsys.readouterr().out


def test_stdp_pattern_example_finds_the_start_of_the_pattern(tmp_path):
    """The paper's result with its restricted pairing (1000 afferents, 80 s, dt = 0.1 ms)."""
    module = _load("stdp_pattern")
    out = tmp_path / "stdp.png"
    result = module.main(["--quick", "--out", str(out)])
    assert result["false_alarm_first"] > 20.0 and result["false_alarm_last"] < 1.0
    assert result["selective_from"] is not None and result["hit_rate_last"] >= 0.8
    assert result["latency_last"] < 10.0 and result["latency_last"] <= result["latency_onset"]
    assert result["high_pattern"] > 0.1 > result["high_other"]
    assert out.stat().st_size > 10_000


def test_plasticity_vs_random_example_matches_the_rates(capsys):
    (run,) = _load("plasticity_vs_random").main(["--quick", "--seeds", "1", "--tasks", "digits"])["digits"]
    random_acc, random_rate, random_mc, _ = run["random"]
    matched_acc, matched_rate, matched_mc, _ = run["... rate-matched"]
    assert abs(matched_rate / random_rate - 1) <= 0.02  # the comparison is at a matched mean rate
    assert random_acc > 0.7 and matched_acc > 0.7 and random_mc > 0 and matched_mc > 0
    assert "threshold shift mV" in capsys.readouterr().out
