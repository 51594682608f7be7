"""generate_motifs, the motif ground truth and detect_score from Python, against the commands."""

import json

import h5py
import numpy as np
import pytest

import evspike
from conftest import h5_contents, run_cli

HDSNN = {"model": "hdsnn", "population": "raster", "seed": 2, "template_seed": 5, "neurons": 32, "motifs": 4,
         "delays": 11, "bins": 200, "bin": 1.0, "p_background": 0.005, "p_motif": 0.01, "trials": 6}


def test_generate_motifs_from_a_dict_equals_the_command_line(tmp_path, evspike_bin):
    config_file = tmp_path / "m.toml"
    config_file.write_text(evspike.to_toml(HDSNN))
    run_cli(evspike_bin, "generate", "motifs", config_file, "-o", tmp_path / "cli.h5", "--seed", 3)
    r = evspike.generate_motifs(HDSNN, seed=3, output=tmp_path / "py.h5")
    assert h5_contents(tmp_path / "cli.h5") == h5_contents(tmp_path / "py.h5")  # raster and /motifs
    t, ids = evspike.read_spikes(tmp_path / "cli.h5", "raster")
    assert r.population == "raster" and t.tobytes() == r.times.tobytes() and ids.tobytes() == r.node_ids.tobytes()
    truth = evspike.read_motif_truth(tmp_path / "cli.h5")
    for part in ("templates", "occurrences"):
        for k, v in truth[part].items():
            assert v.tobytes() == r.truth[part][k].tobytes(), (part, k)
    assert r.truth["attributes"]["seed"] == 3 and r.truth["attributes"]["template_seed"] == 5
    assert r.truth["occurrences"]["timestamps"].size > 0
    with h5py.File(tmp_path / "cli.h5", "r") as f:
        assert np.array_equal(f["motifs/templates/delays"][()], truth["templates"]["delays"])


def test_generate_motifs_refuses_an_unknown_key_naming_it():
    with pytest.raises(evspike.ConfigError, match="colour") as e:
        evspike.generate_motifs(dict(HDSNN, colour=1))
    assert str(e.value).startswith("<dict>")


def test_detect_score_equals_the_command_lines_json(tmp_path, evspike_bin, data_dir):
    run_cli(evspike_bin, "generate", "motifs", data_dir / "motifs_jittered.toml", "-o", tmp_path / "test.h5")
    truth = evspike.read_motif_truth(tmp_path / "test.h5")
    # Detections: the true occurrences, every other one dropped and one shifted by 0.5 ms.
    t = truth["occurrences"]["timestamps"][::2].copy()
    m = truth["occurrences"]["motif_ids"][::2]
    t[0] += 0.5
    with h5py.File(tmp_path / "det.h5", "w") as f:
        g = f.create_group("detections")
        g.create_dataset("timestamps", data=t)
        g.create_dataset("motif_ids", data=m.astype(np.uint64))
        g.create_dataset("scores", data=np.ones(t.size, dtype=np.float32))
        g.attrs["bin"] = 1.0
    cli = json.loads(run_cli(evspike_bin, "detect", "score", tmp_path / "det.h5", tmp_path / "test.h5", "--json").stdout)
    py = evspike.detect_score(tmp_path / "det.h5", tmp_path / "test.h5")
    assert py == cli
    assert py["precision"] == 1.0 and py["exact_matched"] == t.size - 1
    assert py["matched"] == t.size and py["recall"] == t.size / truth["occurrences"]["timestamps"].size
    assert evspike.detect_score(tmp_path / "det.h5", tmp_path / "test.h5", tolerance=0.1)["matched"] == t.size - 1
    times, motifs, scores = evspike.read_detections(tmp_path / "det.h5")
    assert times.tobytes() == t.tobytes() and scores.dtype == np.float32
    with pytest.raises(evspike.ConfigError, match="tolerance: must be >= 0"):
        evspike.detect_score(tmp_path / "det.h5", tmp_path / "test.h5", tolerance=-1)
