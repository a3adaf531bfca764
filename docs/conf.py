"""Sphinx configuration of the reservoirspike documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
"""

import os
import sys

# document the checkout this file belongs to (an installed copy would do as well)
sys.path.insert(0, os.path.abspath(".."))

import reservoirspike  # noqa: E402

project = "reservoirspike"
author = "the reservoirspike developers"
copyright = "the reservoirspike developers"
version = release = reservoirspike.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    # sphinx.ext.intersphinx is left out on purpose: it needs the network at build time
]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()

templates_path = ["_templates"]  # autosummary/class.rst: the class and its own members
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
html_static_path = ["_static"]
html_theme = "alabaster"
html_theme_options = {"description": "Batched spiking reservoirs on Numba, with scikit-learn estimators"}
default_role = "py:obj"
nitpicky = False


def _skip_metadata_request_methods(app, what, name, obj, skip, options):
    """Leave out scikit-learn's generated ``set_*_request`` methods (metadata routing plumbing)."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_request_methods)
