"""The example notebooks run top to bottom at small sizes (their code cells, in order, in one namespace)."""

import json
import pathlib

import matplotlib
import pytest

matplotlib.use("Agg")

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parent.parent / "examples" / "notebooks").glob("*.ipynb"))


def run_notebook(path):
    """Execute every code cell of a notebook in order; returns the namespace."""
    cells = json.loads(path.read_text())["cells"]
    namespace = {"__name__": "__main__"}
    for k, cell in enumerate(c for c in cells if c["cell_type"] == "code"):
        source = "".join(cell["source"])
        exec(compile(source, f"{path.name}[code cell {k}]", "exec"), namespace)
    return namespace


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("RESERVOIRSPIKE_NOTEBOOK_QUICK", "1")
    monkeypatch.chdir(tmp_path)
    namespace = run_notebook(path)
    assert namespace["QUICK"] is True
    figures = list(tmp_path.glob("*.png"))
    assert figures and all(f.stat().st_size > 5_000 for f in figures)
