"""Data sets: the FSDD loader (on WAV files made here, no network) and the sequence-task generators."""

import hashlib
import io
import os
import shutil
import tarfile

import numpy as np
import pytest
from scipy.io import wavfile

from reservoirspike import datasets
from reservoirspike.datasets import fetch_fsdd, get_data_home, mackey_glass, memory_capacity_task, narma

DIGITS, SPEAKERS, INDICES = (3, 7), ("alice", "bob"), range(6)


def _tone(digit, speaker, index):
    """A short int16 sine burst whose parameters encode the file it came from."""
    t = np.arange(400) / 8000.0
    f = 200.0 + 100.0 * digit + 10.0 * index + (5.0 if speaker == "bob" else 0.0)
    return np.round(12000 * np.sin(2 * np.pi * f * t) * np.hanning(len(t))).astype(np.int16)


def _write_recordings(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for d in DIGITS:
        for s in SPEAKERS:
            for i in INDICES:
                wavfile.write(folder / f"{d}_{s}_{i}.wav", 8000, _tone(d, s, i))
    (folder / "notes.txt").write_text("not a recording")
    return folder


def _check_bunch(b):
    n = len(DIGITS) * len(SPEAKERS) * len(INDICES)
    assert len(b.waveforms) == len(b.target) == len(b.speaker) == len(b.index) == len(b.filenames) == n
    assert b.sample_rate == 8000
    assert all(w.dtype == np.float32 and w.ndim == 1 for w in b.waveforms)
    assert max(np.abs(w).max() for w in b.waveforms) <= 1.0
    keys = list(zip(b.target.tolist(), b.speaker.tolist(), b.index.tolist()))
    assert keys == sorted(keys) and len(set(keys)) == n  # sorted by digit, speaker, index
    assert set(b.target.tolist()) == set(DIGITS) and set(b.speaker.tolist()) == set(SPEAKERS)
    for w, d, s, i, name in zip(b.waveforms, b.target, b.speaker, b.index, b.filenames):
        assert os.path.basename(name) == f"{d}_{s}_{i}.wav"
        np.testing.assert_array_equal(w, _tone(d, s, i) / np.float32(32768))
    # the official split: recordings 0-4 of every digit and speaker are the test set
    assert np.array_equal(np.sort(np.r_[b.train, b.test]), np.arange(n))
    assert np.all(b.index[b.test] < 5) and np.all(b.index[b.train] >= 5)
    assert len(b.test) == len(DIGITS) * len(SPEAKERS) * 5
    assert "CC BY-SA 4.0" in b.DESCR


def test_fetch_fsdd_reads_a_data_home(tmp_path):
    _write_recordings(tmp_path / "fsdd" / "recordings")
    _check_bunch(fetch_fsdd(tmp_path, download_if_missing=False))
    _check_bunch(fetch_fsdd(str(tmp_path), download_if_missing=False))


def test_fetch_fsdd_reads_the_fsdd_folder_itself(tmp_path):
    _write_recordings(tmp_path / "recordings")
    _check_bunch(fetch_fsdd(data_home=tmp_path, download_if_missing=False))


def test_fetch_fsdd_uses_the_environment_variable(tmp_path, monkeypatch):
    _write_recordings(tmp_path / "data" / "fsdd" / "recordings")
    monkeypatch.setenv("RESERVOIRSPIKE_DATA", str(tmp_path / "data"))
    assert get_data_home() == tmp_path / "data"
    _check_bunch(fetch_fsdd(download_if_missing=False))
    # an explicit data_home wins over the environment
    with pytest.raises(OSError, match="elsewhere"):
        fetch_fsdd(tmp_path / "elsewhere", download_if_missing=False)


def test_default_data_home_is_in_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("RESERVOIRSPIKE_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_data_home() == tmp_path / "reservoirspike_data"
    assert get_data_home("~/x") == tmp_path / "x"


def test_fetch_fsdd_missing_without_download_names_the_paths(tmp_path, monkeypatch):
    def no_network(url, dest):  # pragma: no cover - must not be called
        raise AssertionError("download attempted")

    monkeypatch.setattr(datasets, "_download", no_network)
    (tmp_path / "fsdd" / "recordings").mkdir(parents=True)  # an empty folder is not a data set
    with pytest.raises(OSError) as err:
        fetch_fsdd(tmp_path, download_if_missing=False)
    assert str(tmp_path / "fsdd" / "recordings") in str(err.value)
    assert str(tmp_path / "recordings") in str(err.value)


def _release_archive(path, top="free-spoken-digit-dataset-1.0.9"):
    """A .tar.gz laid out like the GitHub release archive, with members that must not be extracted."""
    src = _write_recordings(path.parent / "src")
    with tarfile.open(path, "w:gz") as tar:
        for f in sorted(src.glob("*.wav")):
            tar.add(f, arcname=f"{top}/recordings/{f.name}")
        for name, text in ((f"{top}/README.md", b"# FSDD\nLicense: CC BY-SA 4.0\n"),
                           (f"{top}/utils/spectogramer.py", b"print('code')\n"),
                           ("../escape/0_x_0.wav", b"evil"), (f"{top}/recordings/../../9_x_9.wav", b"evil")):
            info = tarfile.TarInfo(name)
            info.size = len(text)
            tar.addfile(info, io.BytesIO(text))
    shutil.rmtree(src)
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def fake_release(tmp_path, monkeypatch):
    """Patch the download to copy a local archive; returns (home, digest, list of requested URLs)."""
    archive = tmp_path / "release" / "archive.tar.gz"
    archive.parent.mkdir()
    digest = _release_archive(archive)
    calls = []

    def copy(url, dest):
        calls.append(url)
        shutil.copyfile(archive, dest)

    monkeypatch.setattr(datasets, "_download", copy)
    return tmp_path / "home", digest, calls


def test_fetch_fsdd_downloads_verifies_and_extracts(fake_release, monkeypatch):
    home, digest, calls = fake_release
    monkeypatch.setattr(datasets, "_FSDD_SHA256", digest)
    b = fetch_fsdd(home)
    assert calls == ["https://github.com/Jakobovski/free-spoken-digit-dataset/archive/v1.0.9.tar.gz"]
    _check_bunch(b)
    cache = home / "fsdd"
    assert sorted(p.name for p in cache.iterdir()) == [
        "README.md", "free-spoken-digit-dataset-v1.0.9.tar.gz.sha256", "recordings"]
    assert len(list((cache / "recordings").iterdir())) == 24  # only the recordings, nothing that escaped
    assert not (home / "escape").exists() and not (home / "9_x_9.wav").exists()
    assert (cache / "free-spoken-digit-dataset-v1.0.9.tar.gz.sha256").read_text().split()[0] == digest
    # the cache is used from now on
    _check_bunch(fetch_fsdd(home, download_if_missing=False))
    fetch_fsdd(home)
    assert len(calls) == 1


def test_fetch_fsdd_rejects_a_checksum_mismatch(fake_release):
    home, digest, calls = fake_release
    assert datasets._FSDD_SHA256 != digest  # the pinned digest of the real release
    with pytest.raises(OSError, match="SHA-256"):
        fetch_fsdd(home)
    assert calls and not (home / "fsdd" / "recordings").exists()
    assert [p.name for p in (home / "fsdd").iterdir()] == []  # the download was cleaned up
    with pytest.raises(OSError, match="not found"):
        fetch_fsdd(home, download_if_missing=False)


def test_fetch_fsdd_without_a_pinned_digest_records_it(fake_release, monkeypatch, capsys):
    home, digest, _ = fake_release
    monkeypatch.setattr(datasets, "_FSDD_SHA256", None)
    _check_bunch(fetch_fsdd(home))
    assert digest in capsys.readouterr().err
    assert digest in (home / "fsdd" / "free-spoken-digit-dataset-v1.0.9.tar.gz.sha256").read_text()


def test_pinned_release_and_digest():
    assert datasets._FSDD_URL.endswith("/archive/v1.0.9.tar.gz")
    assert len(datasets._FSDD_SHA256) == 64 and int(datasets._FSDD_SHA256, 16) >= 0


@pytest.mark.skipif(not os.environ.get("RESERVOIRSPIKE_DATA"), reason="RESERVOIRSPIKE_DATA is not set")
def test_fetch_fsdd_real_copy():
    try:
        b = fetch_fsdd(download_if_missing=False)
    except OSError:
        pytest.skip("no FSDD copy under RESERVOIRSPIKE_DATA")
    assert b.sample_rate == 8000 and len(b.waveforms) % 500 == 0
    assert len(b.test) * 10 == len(b.waveforms) and set(b.target.tolist()) == set(range(10))


# ---- sequence tasks --------------------------------------------------------------------------------------

def test_mackey_glass_is_bounded_quasi_periodic_and_reproducible():
    x = mackey_glass(1500, random_state=0)
    assert x.shape == (1500,) and np.all(np.isfinite(x))
    assert 0.2 < x.min() and x.max() < 1.5 and x.std() > 0.1
    z = x - x.mean()
    power = np.abs(np.fft.rfft(z)) ** 2
    period = len(z) / (1 + np.argmax(power[1:]))
    assert 40 < period < 60  # the tau = 17 attractor's dominant cycle of about 50 time units
    ac = np.array([z[:-k] @ z[k:] for k in range(1, 80)]) / (z @ z)
    assert ac[:35].min() < -0.5 and ac.max() < 0.99  # oscillates, but never repeats exactly
    np.testing.assert_array_equal(x, mackey_glass(1500, random_state=0))
    assert not np.allclose(x, mackey_glass(1500, random_state=1))


def test_narma_follows_its_recursion():
    u, y = narma(500, random_state=3)
    assert u.shape == (500, 1) and y.shape == (500,)
    assert 0.0 <= u.min() and u.max() <= 0.5
    u = u[:, 0]
    ref = np.zeros(500)
    for t in range(10, 499):  # y is zero up to t = order, as documented
        ref[t + 1] = (0.3 * ref[t] + 0.05 * ref[t] * sum(ref[t - i] for i in range(10))
                      + 1.5 * u[t - 9] * u[t] + 0.1)
    np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-15)
    assert np.all(np.isfinite(y)) and y.max() < 1.0
    np.testing.assert_array_equal(narma(500, random_state=3)[1], y)


def test_memory_capacity_task_targets_are_delayed_inputs():
    u, Y = memory_capacity_task(300, max_delay=12, random_state=0)
    assert u.shape == (300, 1) and Y.shape == (300, 12)
    assert -1.0 <= u.min() and u.max() <= 1.0
    for k in range(1, 13):
        np.testing.assert_array_equal(Y[k:, k - 1], u[:-k, 0])
        assert np.all(Y[:k, k - 1] == 0)
