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
        ["--steps", "1200", "--n-neurons", "100", "--out", str(tmp_path / "ts.png")])
    assert 0 < mg_base < 2 and 0 < mg_res < 2 and 0 < na_base < 2 and 0 < na_res < 2
    assert (tmp_path / "ts.png").stat().st_size > 5_000
    assert "NARMA10" in capsys.readouterr().out


def test_spoken_digits_example_on_a_tiny_synthetic_fsdd(tmp_path, capsys):
    from test_datasets import _write_recordings

    _write_recordings(tmp_path / "fsdd" / "recordings")
    base, accs = _load("spoken_digits").main(["--data-home", str(tmp_path), "--n-neurons", "60", "--seeds", "1"])
    assert 0 <= base <= 1 and 0 <= accs[0] <= 1
    assert "official split" in capsys.readouterr().out


def test_memory_capacity_example_delays_add_memory(tmp_path, capsys):
    out = tmp_path / "mc.png"
    rows, default = _load("memory_capacity").main(
        ["--n-neurons", "80", "--seeds", "0", "--delays", "3,500", "--steps", "600", "--out", str(out)])
    (short, mc_short, _), (long, mc_long, _) = rows
    assert mc_long > mc_short + 2.0, "conduction delays spanning the horizon should add memory"
    assert 0 <= default[0] < mc_long
    assert out.stat().st_size > 10_000
    assert "MC =" in capsys.readouterr().out
