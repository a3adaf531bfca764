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
