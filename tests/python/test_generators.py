"""The generators from Python: the command line's trains, names, units and messages."""

import math

import numpy as np
import pytest

import evspike
from conftest import h5_contents, run_cli


def test_generate_poisson_equals_the_command_line(tmp_path, evspike_bin):
    run_cli(evspike_bin, "generate", "poisson", "-o", tmp_path / "cli.h5", "--neurons", 50, "--rate", 20,
            "--dead-time", 2, "--t-stop", 2000, "--seed", 7, "--population", "stim")
    t, ids = evspike.generate_poisson(neurons=50, rate=20.0, dead_time=2.0, t_stop=2000.0, seed=7,
                                      population="stim", output=tmp_path / "py.h5")
    assert h5_contents(tmp_path / "cli.h5") == h5_contents(tmp_path / "py.h5")
    ft, fids = evspike.read_spikes(tmp_path / "cli.h5")
    assert t.tobytes() == ft.tobytes() and ids.tobytes() == fids.tobytes()


def test_generate_poisson_has_the_requested_rate():
    t, ids = evspike.generate_poisson(100, 10_000.0, 20.0, seed=11)
    expected = 100 * 20.0 * 10.0  # neurons x Hz x s
    z = (t.size - expected) / math.sqrt(expected)
    assert abs(z) < 4, z
    assert np.all(np.diff(t) >= 0) and ids.max() == 99 and t.max() < 10_000.0


def test_generate_poisson_with_a_rate_file_equals_the_command_line(tmp_path, evspike_bin, data_dir):
    rate_file = data_dir / "rate_profile.csv"
    run_cli(evspike_bin, "generate", "poisson", "-o", tmp_path / "cli.h5", "--neurons", 20, "--t-stop", 1000,
            "--rate-file", rate_file)
    t, ids = evspike.generate_poisson(20, 1000.0, rate_file=rate_file, output=tmp_path / "py.h5")
    assert h5_contents(tmp_path / "cli.h5") == h5_contents(tmp_path / "py.h5")
    assert t.size > 0


def test_generate_poisson_refuses_bad_arguments_naming_them():
    with pytest.raises(evspike.ConfigError, match="neurons: must be at least 1"):
        evspike.generate_poisson(0, 100.0, 5.0)
    with pytest.raises(evspike.ConfigError, match="t_stop: must be a positive number of ms"):
        evspike.generate_poisson(1, float("nan"), 5.0)
    with pytest.raises(evspike.ConfigError, match="rate and rate_file exclude each other"):
        evspike.generate_poisson(1, 100.0, 5.0, rate_file="r.csv")
    with pytest.raises(evspike.ConfigError, match="rate/dead_time") as e:
        evspike.generate_poisson(1, 100.0, 600.0, dead_time=2.0)
    assert e.value.key == "rate/dead_time"


HAWKES = {"seed": 4, "t_stop": 5000.0, "population": "units", "baseline": [5.0, 2.0],
          "kernel": [{"source": 0, "target": 1, "norm": 0.5, "shape": "exponential", "tau": 10.0}]}


def test_generate_hawkes_from_a_dict_equals_the_command_line(tmp_path, evspike_bin):
    config_file = tmp_path / "h.toml"
    config_file.write_text(evspike.to_toml(HAWKES))
    run_cli(evspike_bin, "generate", "hawkes", config_file, "-o", tmp_path / "cli.h5", "--seed", 9)
    t, ids = evspike.generate_hawkes(HAWKES, seed=9, output=tmp_path / "py.h5")
    assert h5_contents(tmp_path / "cli.h5") == h5_contents(tmp_path / "py.h5")
    ft, fids = evspike.read_spikes(tmp_path / "cli.h5", "units")
    assert t.tobytes() == ft.tobytes() and ids.tobytes() == fids.tobytes()
    # Unit 1's rate is its baseline plus half of unit 0's: 2 + 0.5 x 5 = 4.5 Hz.
    n1 = np.count_nonzero(ids == 1)
    assert abs(n1 - 4.5 * 5.0) < 5 * math.sqrt(4.5 * 5.0 * 3)


def test_generate_hawkes_refuses_an_explosive_kernel_with_its_radius():
    bad = dict(HAWKES, kernel=[{"source": 0, "target": 0, "norm": 1.5, "shape": "exponential", "tau": 1.0}])
    with pytest.raises(evspike.ConfigError, match="spectral radius") as e:
        evspike.generate_hawkes(bad)
    assert "1.5" in str(e.value) and str(e.value).startswith("<dict>: ")
