"""Fixtures for the Python module's tests (run by ctest as the test `python`, see
python/CMakeLists.txt, which sets PYTHONPATH, EVSPIKE_BIN and EVSPIKE_DATA)."""

import os
import pathlib
import subprocess

import h5py
import numpy as np
import pytest

HERE = pathlib.Path(__file__).parent


def pytest_collection_finish(session):
    # A test file that collects nothing (renamed tests, an import-time skip) must not pass silently.
    files = {pathlib.Path(str(item.fspath)).name for item in session.items}
    missing = sorted(p.name for p in HERE.glob("test_*.py") if p.name not in files)
    whole_folder = [pathlib.Path(a).resolve() for a in session.config.args] == [HERE.resolve()]
    if missing and whole_folder and not session.config.option.keyword:
        raise pytest.UsageError(f"no tests collected from {', '.join(missing)}")


@pytest.fixture(scope="session")
def evspike_bin():
    path = os.environ.get("EVSPIKE_BIN")
    if not path:
        pytest.fail("EVSPIKE_BIN is not set (run through ctest, or set it to build/evspike)")
    return path


@pytest.fixture(scope="session")
def data_dir():
    return pathlib.Path(os.environ.get("EVSPIKE_DATA", HERE.parents[1] / "data"))


def run_cli(evspike_bin, *args, cwd=None):
    r = subprocess.run([evspike_bin, *map(str, args), "--quiet"], capture_output=True, text=True, cwd=cwd)
    assert r.returncode == 0, r.stderr
    return r


def h5_contents(path, skip_attributes=("evspike_command",)):
    """Every dataset (dtype, shape, raw bytes, chunking, filters) and attribute of a file."""
    out = {}
    with h5py.File(path, "r") as f:
        def attrs(name, obj):
            for k, v in obj.attrs.items():
                if k not in skip_attributes:
                    out[f"{name}@{k}"] = np.asarray(v).tobytes() if not isinstance(v, (str, bytes)) else v
        attrs("/", f)

        def visit(name, obj):
            attrs(name, obj)
            if isinstance(obj, h5py.Dataset):
                out[name] = (obj.dtype.str, obj.shape, obj[()].tobytes(), obj.chunks, obj.compression, obj.shuffle)
        f.visititems(visit)
    return out


def temporaries(folder):
    """Files an interrupted writer could have left: anything with '.tmp' in its name."""
    return [p.name for p in pathlib.Path(folder).iterdir() if ".tmp" in p.name]
