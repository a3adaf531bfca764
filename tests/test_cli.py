"""The command line: info, demo, bench and their --help."""

import subprocess
import sys

import pytest

from reservoirspike.cli import main


@pytest.mark.parametrize("command", ["info", "demo", "bench"])
def test_help_of_every_command(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: reservoirspike {command}" in capsys.readouterr().out


def test_info_names_versions_threads_and_cuda(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "numba" in out and "threading layer" in out and "CUDA" in out


def test_bench_prints_events_and_sequences_per_second(capsys):
    assert main(["bench", "--sequences", "4", "--repeats", "1", "--cuba-n", "400", "--cuba-ms", "50"]) == 0
    out = capsys.readouterr().out
    assert "synaptic events/s" in out and "sequences/s" in out


def test_demo_runs_as_a_module_and_reports_both_models(tmp_path):
    out = subprocess.run([sys.executable, "-m", "reservoirspike", "demo", "--n-neurons", "100",
                          "--out", str(tmp_path / "demo.png")], capture_output=True, text=True, check=True).stdout
    assert "spiking reservoir (100 LIF)" in out and "logistic regression on raw pixels" in out
    assert "JIT compile" in out and (tmp_path / "demo.png").exists()
