"""Save and load networks as ``.npz`` files, without pickle.

A network file holds the arrays of a :class:`~reservoirspike.network.Network`
(``indptr``, ``indices``, ``data``, ``delays``, ``n_inputs``,
``input_indptr``, ``input_indices``, ``input_data``, ``bias``, ``dt``), its
populations as a JSON string (name, size, sign, neuron model class and
parameters), ``format_version`` and ``library = "reservoirspike"``.  Every
entry is a plain numeric or unicode array, so the file loads with
``np.load(path, allow_pickle=False)`` and can be read without this library.
"""

import dataclasses
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from .network import Network, Population
from .neurons import NEURON_MODELS

__all__ = ["FORMAT_VERSION", "load_network", "save_network"]

#: Version of the file layout written by :func:`save_network`.
FORMAT_VERSION = 1
LIBRARY = "reservoirspike"
ARRAY_KEYS = ("indptr", "indices", "data", "delays", "input_indptr", "input_indices", "input_data", "bias")
SCALAR_KEYS = ("n_inputs", "dt")
REQUIRED_KEYS = ARRAY_KEYS + SCALAR_KEYS + ("populations", "format_version", "library")


def _as_path(path):
    if isinstance(path, (str, os.PathLike)):
        return Path(path)
    raise TypeError(f"path must be a str or pathlib.Path, got {type(path).__name__}")


def _npz_path(path):
    """``path`` with ``.npz`` appended unless it already ends in it (as numpy does)."""
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def _json_default(value):
    if isinstance(value, np.generic):  # numpy scalars in model parameters
        return value.item()
    raise TypeError(f"cannot store {value!r} ({type(value).__name__}) in a network file")


def _model_record(pop):
    kind = type(pop.model).__name__
    if NEURON_MODELS.get(kind) is not type(pop.model):
        raise ValueError(
            f"cannot save population {pop.name!r}: its neuron model {kind} is not one that load_network "
            f"can rebuild (one of {sorted(NEURON_MODELS)})"
        )
    return {"type": kind, "parameters": dataclasses.asdict(pop.model)}


def _populations_json(network):
    records = [
        {"name": p.name, "size": int(p.size), "excitatory": bool(p.excitatory), "model": _model_record(p)}
        for p in network.populations
    ]
    return json.dumps(records, default=_json_default)


def save_network(path, network):
    """Write ``network`` to a compressed ``.npz`` file.

    Parameters
    ----------
    path : str or pathlib.Path
        Target file; ``.npz`` is appended when the name does not end in it
        (as :func:`numpy.savez_compressed` does).  Missing parent
        directories are created.
    network : Network
        The network to save; its neuron models must be ones listed in
        :data:`reservoirspike.neurons.NEURON_MODELS`.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    if not isinstance(network, Network):
        raise TypeError(f"network must be a Network, got {type(network).__name__}")
    path = _npz_path(_as_path(path))
    entries = {key: getattr(network, key) for key in ARRAY_KEYS}
    entries.update(
        n_inputs=np.array(network.n_inputs, dtype=np.int64),
        dt=np.array(network.dt, dtype=np.float64),
        populations=np.array(_populations_json(network)),
        format_version=np.array(FORMAT_VERSION, dtype=np.int64),
        library=np.array(LIBRARY),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **entries)
    return path


def _open(path):
    """The loaded NpzFile; a missing ``.npz`` suffix is tried as well."""
    if not path.exists() and path.suffix != ".npz" and _npz_path(path).exists():
        path = _npz_path(path)
    try:
        data = np.load(path, allow_pickle=False)
    except (ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(
            f"{str(path)!r} is not a reservoirspike network file (not a readable .npz archive)"
        ) from exc
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(
            f"{str(path)!r} is not a reservoirspike network file (a single .npy array, not an .npz archive)"
        )
    return path, data


def _entry(data, key, where):
    try:
        return data[key]
    except ValueError as exc:  # object arrays refuse to load without pickle
        raise ValueError(
            f"entry {key!r} of {where} cannot be read without pickle; the file is not a valid network file"
        ) from exc


def _check_header(data, where):
    library = _entry(data, "library", where) if "library" in data.files else None
    if library is None or library.shape != () or library.dtype.kind != "U" or str(library) != LIBRARY:
        raise ValueError(
            f"{where} is not a reservoirspike network file (it has no library='reservoirspike' entry); "
            "write network files with reservoirspike.io.save_network"
        )
    version = _entry(data, "format_version", where) if "format_version" in data.files else None
    if version is None or version.shape != () or version.dtype.kind not in "iu" or int(version) < 1:
        raise ValueError(f"{where} has no valid format_version (a positive integer); the file is damaged")
    version = int(version)
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{where} was written by a newer reservoirspike (format {version}); this version reads "
            f"format <= {FORMAT_VERSION}; upgrade reservoirspike"
        )
    missing = [key for key in REQUIRED_KEYS if key not in data.files]
    if missing:
        raise ValueError(
            f"{where} is missing the entries {missing} of a reservoirspike network file "
            f"(format {version}); the file is damaged or incomplete"
        )
    return version


def _population(record, where):
    try:
        model = record["model"]
        cls = NEURON_MODELS.get(model["type"])
        if cls is None:
            raise ValueError(
                f"unknown neuron model {model['type']!r} in {where}; this version knows {sorted(NEURON_MODELS)}"
            )
        return Population(record["name"], record["size"], record["excitatory"], cls(**model["parameters"]))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"malformed population record {record!r} in {where}: {exc}") from exc


def _populations(text, where):
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the populations entry of {where} is not valid JSON: {exc}") from exc
    if not isinstance(records, list) or not records:
        raise ValueError(f"the populations entry of {where} must be a non-empty JSON list")
    return tuple(_population(r, where) for r in records)


def load_network(path):
    """Read a network written by :func:`save_network`.

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.npz`` file (the suffix may be left out).

    Returns
    -------
    Network

    Raises
    ------
    ValueError
        When the file is not a reservoirspike network file, misses entries,
        or was written in a newer format than this version reads.
    """
    path, data = _open(_as_path(path))
    where = repr(str(path))
    with data:
        _check_header(data, where)
        arrays = {key: _entry(data, key, where) for key in ARRAY_KEYS}
        n_inputs, dt = _entry(data, "n_inputs", where), _entry(data, "dt", where)
        text = _entry(data, "populations", where)
    if text.shape != () or text.dtype.kind != "U":
        raise ValueError(f"entry 'populations' of {where} must be a 0-d unicode (JSON) array")
    populations = _populations(str(text), where)
    for name, value, kinds in (("n_inputs", n_inputs, "iu"), ("dt", dt, "iuf")):
        if value.shape != () or value.dtype.kind not in kinds:
            raise ValueError(
                f"entry {name!r} of {where} must be a 0-d {'integer' if kinds == 'iu' else 'number'} array, "
                f"got dtype {value.dtype} and shape {value.shape}"
            )
    return Network(populations=populations, dt=float(dt), n_inputs=int(n_inputs), **arrays)
