"""Datasets for sequence tasks: generators, bundled loaders and the Free Spoken Digit Dataset.

Downloaded data live under a data home: the ``data_home`` argument, else the
``RESERVOIRSPIKE_DATA`` environment variable, else ``~/reservoirspike_data``
(see :func:`get_data_home`).
"""

import hashlib
import os
import re
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch


def load_sequential_digits(*, test_size=0.25, random_state=0):
    """scikit-learn's 8x8 digits read row by row: 8 steps of 8 pixels.

    Parameters
    ----------
    test_size : float, default=0.25
        Fraction of the images in the test split (stratified by class).
    random_state : int, default=0
        Seed of the split; the default gives the split the demo reports.

    Returns
    -------
    Bunch
        ``data`` (1797, 8, 8) float64 in [0, 1] (sequence, step = image row,
        channel = column), ``target`` (1797,), and ``train`` / ``test`` index
        arrays.
    """
    digits = load_digits()
    data = digits.images.astype(np.float64) / 16.0
    idx = np.arange(len(data))
    train, test = train_test_split(idx, test_size=test_size, stratify=digits.target, random_state=random_state)
    return Bunch(data=data, target=digits.target, train=np.sort(train), test=np.sort(test),
                 DESCR="scikit-learn digits as 8-step sequences of image rows")


def _rng(random_state):
    from .topology import as_generator

    return as_generator(random_state)


def memory_capacity_task(n_steps=2000, max_delay=40, *, random_state=None):
    """Input and targets of the linear memory-capacity task (Jaeger 2002).

    Returns
    -------
    u : ndarray (n_steps, 1)
        i.i.d. uniform input in [-1, 1].
    Y : ndarray (n_steps, max_delay)
        ``Y[t, k-1] = u[t-k]`` for delays k = 1..max_delay (zero before the
        series starts: leave at least ``max_delay`` steps of washout).
    """
    u = _rng(random_state).uniform(-1.0, 1.0, size=n_steps)
    Y = np.zeros((n_steps, max_delay))
    for k in range(1, max_delay + 1):
        Y[k:, k - 1] = u[:-k]
    return u[:, None], Y


def narma(n_steps=2000, order=10, *, random_state=None):
    """NARMA time series of the given order (Atiya & Parlos 2000).

    ``y[t+1] = 0.3 y[t] + 0.05 y[t] sum_{i<order} y[t-i] + 1.5 u[t-order+1] u[t] + 0.1``
    with ``u ~ U[0, 0.5]``; ``y`` starts at zero and the recursion runs from
    ``t = order`` (so ``y[t] = 0`` for ``t <= order``).

    Returns
    -------
    u : ndarray (n_steps, 1)
    y : ndarray (n_steps,)
    """
    u = _rng(random_state).uniform(0.0, 0.5, size=n_steps)
    y = np.zeros(n_steps)
    for t in range(order, n_steps - 1):
        y[t + 1] = (0.3 * y[t] + 0.05 * y[t] * y[t - order + 1:t + 1].sum()
                    + 1.5 * u[t - order + 1] * u[t] + 0.1)
    return u[:, None], y


def mackey_glass(n_steps=2000, *, tau=17.0, beta=0.2, gamma=0.1, n=10, sample_every=1.0, h=0.1, x0=1.2,
                 discard=1000, random_state=None):
    """Mackey–Glass series ``dx/dt = beta x(t-tau) / (1 + x(t-tau)**n) - gamma x``.

    Integrated with 4th-order Runge–Kutta (step ``h``; the delayed term
    interpolated linearly), sampled every ``sample_every`` time units after
    ``discard`` transient samples; the initial history is ``x0`` plus a small
    perturbation from ``random_state``.

    Returns
    -------
    ndarray (n_steps,)
    """
    rng = _rng(random_state)
    lag = int(round(tau / h))
    every = int(round(sample_every / h))
    total = (n_steps + discard) * every + lag + 1
    x = np.empty(total)
    x[:lag + 1] = x0 + 0.01 * rng.standard_normal()

    def f(xt, xd):
        return beta * xd / (1.0 + xd**n) - gamma * xt

    for i in range(lag, total - 1):
        d0, d1 = x[i - lag], x[i - lag + 1]
        dm = 0.5 * (d0 + d1)
        k1 = f(x[i], d0)
        k2 = f(x[i] + 0.5 * h * k1, dm)
        k3 = f(x[i] + 0.5 * h * k2, dm)
        k4 = f(x[i] + h * k3, d1)
        x[i + 1] = x[i] + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return x[lag + 1::every][discard:discard + n_steps]


# ---- Free Spoken Digit Dataset ------------------------------------------------------------------------

#: Environment variable naming the data home.
DATA_ENV = "RESERVOIRSPIKE_DATA"

_FSDD_TAG = "v1.0.9"  # 5 speakers, 2,500 recordings; the release TensorFlow Datasets pins as "spoken_digit" 1.0.9
_FSDD_URL = f"https://github.com/Jakobovski/free-spoken-digit-dataset/archive/{_FSDD_TAG}.tar.gz"
_FSDD_ARCHIVE = f"free-spoken-digit-dataset-{_FSDD_TAG}.tar.gz"
# SHA-256 of the archive at _FSDD_URL (11,975,353 bytes), as recorded for this exact URL in TensorFlow
# Datasets' checksum file (tensorflow_datasets/datasets/spoken_digit/checksums.tsv).  GitHub generates tag
# archives on demand; should their bytes ever change, the download fails loudly rather than use unverified
# data.  Set to None to accept any archive: its digest is then computed, printed and recorded in
# <data home>/fsdd/<archive>.sha256 for later verification (the digest is recorded in any case).
_FSDD_SHA256 = "8bc44cde129d505cbbb6b365c09f80c663f2aa77578afc634e6141a2f87100c0"
_FSDD_NAME = re.compile(r"^(\d)_([A-Za-z0-9]+)_(\d+)\.wav$")
_FSDD_TEST_INDICES = 5  # the official split: recordings 0-4 of every digit and speaker are the test set

_FSDD_DESCR = f"""Free Spoken Digit Dataset (FSDD)
Recordings of the spoken digits 0-9 by English speakers, mono 16-bit PCM at 8 kHz, trimmed to near-minimal
silence; files {{digit}}_{{speaker}}_{{index}}.wav.  Official split: recordings 0-4 of every digit and
speaker form the test set, the others the training set.
Source: Zohar Jackson (Jakobovski) and contributors, https://github.com/Jakobovski/free-spoken-digit-dataset
(downloads use release {_FSDD_TAG}).  License: Creative Commons Attribution-ShareAlike 4.0 International
(CC BY-SA 4.0): attribute the source; share material derived from the recordings under the same licence.
"""


def get_data_home(data_home=None):
    """The folder that holds downloaded data sets.

    Parameters
    ----------
    data_home : str or path-like, optional
        Use this folder.  Default: the ``RESERVOIRSPIKE_DATA`` environment
        variable when set, else ``~/reservoirspike_data``.  ``~`` is expanded.

    Returns
    -------
    pathlib.Path
        The folder (not created).
    """
    if data_home is None:
        data_home = os.environ.get(DATA_ENV) or os.path.join("~", "reservoirspike_data")
    return Path(os.path.expanduser(os.fspath(data_home)))


def _fsdd_candidates(home):
    return [home / "fsdd" / "recordings", home / "recordings"]


def _fsdd_files(folder):
    """FSDD recordings in ``folder``: list of (digit, speaker, index, path), or [] when none."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        m = _FSDD_NAME.match(path.name)
        if m and path.is_file():
            found.append((int(m.group(1)), m.group(2), int(m.group(3)), path))
    return sorted(found, key=lambda f: f[:3])


def _download(url, dest):
    """Fetch ``url`` into the file ``dest`` (streamed; raises ``OSError`` on network errors)."""
    request = urllib.request.Request(url, headers={"User-Agent": "reservoirspike"})
    with urllib.request.urlopen(request, timeout=60) as response, open(dest, "wb") as out:
        shutil.copyfileobj(response, out, length=1 << 20)


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download_fsdd(home):
    """Download the pinned FSDD release, verify it and extract its recordings to ``home/fsdd/recordings``."""
    target = home / "fsdd"
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=target) as tmp:
        archive = Path(tmp) / _FSDD_ARCHIVE
        print(f"Downloading the Free Spoken Digit Dataset {_FSDD_TAG} from {_FSDD_URL} to {target}",
              file=sys.stderr)
        _download(_FSDD_URL, archive)
        digest = _sha256(archive)
        if _FSDD_SHA256 is None:
            print(f"SHA-256 of {_FSDD_ARCHIVE}: {digest} (not verified; recorded in {target})", file=sys.stderr)
        elif digest != _FSDD_SHA256:
            raise OSError(
                f"the downloaded {_FSDD_ARCHIVE} has SHA-256 {digest}, expected {_FSDD_SHA256}; the file may "
                f"be corrupted or the release archive has changed; nothing was extracted to {target}"
            )
        staging = Path(tmp) / "recordings"
        staging.mkdir()
        n = 0
        # Only plain files named <top>/recordings/<digit>_<speaker>_<index>.wav are written, under names
        # checked here, so no member can land outside the cache; the README is kept for its licence text.
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                parts = member.name.split("/")
                if member.isfile() and len(parts) == 3 and parts[1] == "recordings" and _FSDD_NAME.match(parts[2]):
                    dest = staging / parts[2]
                    n += 1
                elif member.isfile() and len(parts) == 2 and parts[1] == "README.md":
                    dest = Path(tmp) / "README.md"
                else:
                    continue
                with tar.extractfile(member) as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out)
        if n == 0:
            raise OSError(f"{_FSDD_ARCHIVE} holds no recordings/<digit>_<speaker>_<index>.wav files")
        final = target / "recordings"
        final.mkdir(exist_ok=True)
        for path in staging.iterdir():
            os.replace(path, final / path.name)
        if (Path(tmp) / "README.md").is_file():
            os.replace(Path(tmp) / "README.md", target / "README.md")
    (target / (_FSDD_ARCHIVE + ".sha256")).write_text(f"{digest}  {_FSDD_ARCHIVE}\n")
    return final


def _read_wav(path):
    """A WAV file as (sample rate, 1-D float32 waveform in [-1, 1])."""
    from scipy.io import wavfile

    rate, data = wavfile.read(path)
    if data.ndim == 2:  # FSDD is mono; average the channels of any other file
        data = data.mean(axis=1) if data.dtype.kind == "f" else data.astype(np.float64).mean(axis=1)
    if data.dtype == np.uint8:
        x = (data.astype(np.float32) - 128.0) / 128.0
    elif data.dtype.kind == "i":
        x = data.astype(np.float32) / float(2 ** (8 * data.dtype.itemsize - 1))
    else:
        x = data.astype(np.float32)
    return int(rate), x


def fetch_fsdd(data_home=None, download_if_missing=True):
    """Load the Free Spoken Digit Dataset (FSDD), downloading it if needed.

    Spoken digits 0-9, 50 recordings per digit and speaker, mono, 8 kHz
    (release v1.0.9: 5 speakers, 2,500 recordings).  Data: Zohar Jackson
    and contributors, https://github.com/Jakobovski/free-spoken-digit-dataset,
    under CC BY-SA 4.0 (attribute the source; share derived material alike).

    Parameters
    ----------
    data_home : str or path-like, optional
        Data home; default the ``RESERVOIRSPIKE_DATA`` environment variable,
        else ``~/reservoirspike_data`` (see :func:`get_data_home`).  The
        recordings are read from ``<home>/fsdd/recordings/*.wav`` or, failing
        that, ``<home>/recordings/*.wav``: both a data home and the FSDD
        folder itself work.
    download_if_missing : bool, default=True
        When no recordings are found, download the GitHub archive of release
        v1.0.9, check its SHA-256 digest and extract the recordings to
        ``<home>/fsdd/recordings`` (about 12 MB).  When False, raise instead.

    Returns
    -------
    Bunch
        ``waveforms`` (list of 1-D float32 arrays in [-1, 1]), ``target``
        (int digit), ``speaker`` (str), ``index`` (int recording number),
        ``filenames`` (str paths), one entry per recording sorted by digit,
        speaker and index; ``sample_rate`` (int, 8000); ``train`` and
        ``test`` (index arrays of the official split: recordings 0-4 of every
        digit and speaker are the test set); ``DESCR``.

    Raises
    ------
    OSError
        When the recordings are missing and ``download_if_missing`` is False
        (the message names the folders tried), or the download fails or does
        not match the expected digest.
    ValueError
        When the recordings do not share one sample rate.

    Examples
    --------
    >>> from reservoirspike.datasets import fetch_fsdd
    >>> fsdd = fetch_fsdd()                                  # doctest: +SKIP
    >>> fsdd.waveforms[fsdd.train[0]].dtype, fsdd.sample_rate  # doctest: +SKIP
    (dtype('float32'), 8000)
    """
    home = get_data_home(data_home)
    tried = _fsdd_candidates(home)
    files = next((f for f in map(_fsdd_files, tried) if f), [])
    if not files:
        if not download_if_missing:
            raise OSError(
                "the Free Spoken Digit Dataset was not found: no <digit>_<speaker>_<index>.wav files in "
                + " or ".join(str(p) for p in tried)
                + f"; pass data_home=, set {DATA_ENV}, or use download_if_missing=True"
            )
        files = _fsdd_files(_download_fsdd(home))
    rates, waveforms = set(), []
    for *_, path in files:
        rate, x = _read_wav(path)
        rates.add(rate)
        waveforms.append(x)
    if len(rates) != 1:
        raise ValueError(f"the FSDD recordings do not share one sample rate: {sorted(rates)} Hz")
    target = np.array([f[0] for f in files], dtype=np.int64)
    speaker = np.array([f[1] for f in files], dtype=str)
    index = np.array([f[2] for f in files], dtype=np.int64)
    is_test = index < _FSDD_TEST_INDICES
    return Bunch(waveforms=waveforms, target=target, speaker=speaker, index=index, sample_rate=rates.pop(),
                 filenames=np.array([str(f[3]) for f in files], dtype=str),
                 train=np.flatnonzero(~is_test), test=np.flatnonzero(is_test), DESCR=_FSDD_DESCR)
