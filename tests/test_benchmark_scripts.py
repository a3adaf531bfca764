"""The benchmark scripts run and report the fields that BENCHMARKS.md and the issues quote (no timing asserted)."""

import importlib.util
import pathlib

import numpy as np
import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parents[1] / "benchmarks"


def _script(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_batch_reservoir_reports_each_row(capsys):
    rows = _script("batch_reservoir").main(["--sequences", "3", "--threads", "1,2", "--repeats", "1",
                                            "--duration", "0.05", "--systems", "reservoirspike", "--json"])
    assert [(r["sequences"], r["threads"]) for r in rows] == [(3, 1), (3, 2)]
    for r in rows:
        assert {"system", "n", "threads", "run_s", "compile_s", "spikes", "rate_hz", "events_per_s",
                "sequences_per_s"} <= set(r)
        assert r["sequences_per_s"] == pytest.approx(3 / r["run_s"]) and r["spikes"] > 0
    assert rows[0]["spikes"] == rows[1]["spikes"]  # threads do not change the spikes
    assert capsys.readouterr().out.count("\n") == 2  # one JSON object a line


@pytest.mark.parametrize("script, argv, message", [
    ("batch_reservoir", ["--systems", "reservoirspike,nest"], "--systems: unknown ['nest']"),
    ("batch_reservoir", ["--duration", "0"], "--duration must be at least one step"),
    ("batch_reservoir", ["--duration", "-1"], "--duration must be at least one step"),
    ("batch_reservoir", ["--brian-sequences", "0"], "--brian-sequences must be a positive number"),
    ("compile", ["--paths", "static,gpu"], "--paths: unknown ['gpu']"),
    ("compile", ["--rounds", "0"], "--rounds must be a positive number"),
    ("machine", ["--repeats", "0"], "--repeats must be a positive number"),
])
def test_scripts_refuse_bad_flags_naming_them(script, argv, message, capsys):
    with pytest.raises(SystemExit):
        _script(script).main(argv)
    assert message in capsys.readouterr().err


def test_compile_reports_a_fresh_and_a_cached_start(capsys):
    """Each kind of run compiles in a process of its own with an empty cache, then loads it in another."""
    rows = _script("compile").main(["--paths", "batch", "--rounds", "1", "--json"])
    assert [r["path"] for r in rows] == ["batch"]
    r = rows[0]
    assert {"system", "path", "rounds", "compile_s", "cached_s"} <= set(r)
    assert r["compile_s"] > 0 and r["cached_s"] > 0 and len(r["compile_all_s"]) == 1
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("{")


def test_machine_reports_bandwidth_and_arithmetic_on_one_and_two_threads(capsys):
    """The triad, the multiply-adds and the scatter-add, each on one thread and split over two (small sizes here)."""
    module = _script("machine")
    module.SIZES = (("triad, tiny", 24 * 4096),)
    module.CHAIN_STEPS = 10_000
    module.SCATTER_TARGETS, module.SCATTER_EVENTS = 2**17, 1000
    rows = module.main(["--repeats", "1", "--json"])
    assert [r["kind"] for r in rows] == ["triad, tiny", "vector multiply-add, L1", "multiply-add chain",
                                         "scatter-add, 1 MiB"]
    assert rows[0]["gb_per_s_1"] > 0 and rows[1]["gflop_per_s_1"] > 0 and rows[3]["gevents_per_s_1"] > 0
    assert all(r["speedup_2_threads"] > 0 or np.isnan(r["speedup_2_threads"]) for r in rows)
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("{")


@pytest.mark.parametrize("n_parts", [1, 2, 3])
def test_machine_scatter_gives_each_thread_the_events_of_its_own_range(n_parts):
    """Split over threads, the scatter-add does the same events, each thread's in its own range of the array."""
    module = _script("machine")
    targets, bounds = module.scatter_targets(1000, 5000, n_parts, seed=3)
    alone, _ = module.scatter_targets(1000, 5000, 1, seed=3)
    np.testing.assert_array_equal(np.sort(targets), np.sort(alone))
    assert bounds[0] == 0 and bounds[-1] == 5000 and len(bounds) == n_parts + 1
    for k in range(n_parts):
        part = targets[bounds[k]:bounds[k + 1]]
        assert np.all(part * n_parts // 1000 == k)
    ring = np.zeros(1000, np.int64)
    module._scatter(ring, targets, bounds)
    np.testing.assert_array_equal(ring, np.bincount(alone, minlength=1000))
