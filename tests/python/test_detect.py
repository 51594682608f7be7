"""detect_train, detect_run, discover and fit_hawkes from Python, against the commands: the same
files (provenance aside), the same numbers, the same messages."""

import gc
import os
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import evspike
from conftest import h5_contents, run_cli, temporaries

HDSNN = {"model": "hdsnn", "population": "raster", "seed": 2, "template_seed": 5, "neurons": 24, "motifs": 3,
         "delays": 7, "bins": 150, "bin": 1.0, "p_background": 0.01, "p_motif": 0.02, "trials": 10}
HAWKES = {"seed": 4, "t_stop": 20000.0, "population": "units", "baseline": [20.0, 10.0],
          "kernel": [{"source": 0, "target": 1, "norm": 0.3, "shape": "exponential", "tau": 5.0}]}


@pytest.fixture()
def motifs_file(tmp_path):
    path = tmp_path / "d.h5"
    evspike.generate_motifs(HDSNN, output=path)
    return path


def without_model(contents):
    """A file's contents but the attribute naming the model file (detections name theirs)."""
    return {k: v for k, v in contents.items() if not k.endswith("@model")}


def cli_error(evspike_bin, *args):
    """The message of a failing command: its `error: ...` line, and its exit code."""
    r = subprocess.run([evspike_bin, *map(str, args), "--quiet"], capture_output=True, text=True)
    line = r.stderr.splitlines()[0]
    assert line.startswith("error: "), r.stderr
    return line[len("error: "):], r.returncode


def test_detect_train_and_run_equal_the_command_line(tmp_path, evspike_bin, motifs_file):
    out = run_cli(evspike_bin, "detect", "train", motifs_file, "-o", tmp_path / "cli_model.h5", "--epochs", 2).stdout
    r = evspike.detect_train(motifs_file, output=tmp_path / "py_model.h5", epochs=2)
    assert h5_contents(tmp_path / "cli_model.h5") == h5_contents(tmp_path / "py_model.h5")
    assert r["output"] == str(tmp_path / "py_model.h5")
    assert (r["motifs"], r["neurons"], r["delays"], r["bin"]) == (3, 24, 7, 1.0)
    assert f"threshold {r['threshold']:.6g} calibrated on the held-out part at tolerance 1 ms" in out
    held = r["held_out"]
    assert (f"held-out (last 20 %, from {r['holdout_from']:g} ms): precision {held['precision']:.4f}, recall "
            f"{held['recall']:.4f}, F1 {held['f1']:.4f} ({held['detections']} detections, {held['occurrences']} "
            "occurrences)") in out
    assert f"train: precision {r['train']['precision']:.4f}" in out and r["train"]["occurrences"] > 0

    out = run_cli(evspike_bin, "detect", "run", tmp_path / "cli_model.h5", motifs_file, "-o", tmp_path / "cli.h5").stdout
    d = evspike.detect_run(tmp_path / "cli_model.h5", motifs_file, tmp_path / "py.h5")
    assert h5_contents(tmp_path / "cli.h5") == h5_contents(tmp_path / "py.h5")
    t, m, s = evspike.read_detections(tmp_path / "cli.h5")
    assert d["timestamps"].tobytes() == t.tobytes() and d["motif_ids"].tobytes() == m.tobytes()
    assert d["scores"].tobytes() == s.tobytes() and d["detections"] == t.size > 0
    assert f"{d['detections']} detections, threshold {d['threshold']:.6g}, {d['kept_weights']} weights kept; " \
           f"{d['spikes']} input spikes" in out
    assert d["warnings"] == [] and d["population"] == "raster" and d["rule"] == "first-crossing"
    # No output: the same detections, in memory only.
    mem = evspike.detect_run(tmp_path / "cli_model.h5", motifs_file)
    assert mem["output"] is None and mem["timestamps"].tobytes() == t.tobytes()
    assert evspike.detect_score(tmp_path / "py.h5", motifs_file)["detections"] == t.size


def test_templates_and_expected_count_equal_the_command_line(tmp_path, evspike_bin, motifs_file):
    run_cli(evspike_bin, "detect", "train", "--templates", motifs_file, "-o", tmp_path / "cli_model.h5")
    r = evspike.detect_train(templates=motifs_file, output=tmp_path / "py_model.h5")
    assert h5_contents(tmp_path / "cli_model.h5") == h5_contents(tmp_path / "py_model.h5")
    assert r["calibrated_on"] == "whole raster (templates: nothing learned)"
    run_cli(evspike_bin, "detect", "run", tmp_path / "cli_model.h5", motifs_file, "-o", tmp_path / "cli.h5",
            "--expected-count", 50, "--prune", 0.1, "--rule", "peak")
    d = evspike.detect_run(tmp_path / "py_model.h5", motifs_file, tmp_path / "py.h5", expected_count=50, prune=0.1,
                           rule="peak")
    # Equal but for the attribute naming the model file (cli_model.h5, py_model.h5).
    assert without_model(h5_contents(tmp_path / "cli.h5")) == without_model(h5_contents(tmp_path / "py.h5"))
    assert d["refractory"] == 1 and d["rule"] == "peak" and abs(d["detections"] - 50) <= 5


def test_detect_run_warns_as_the_command_does(tmp_path, evspike_bin, motifs_file):
    run_cli(evspike_bin, "detect", "train", "--templates", motifs_file, "-o", tmp_path / "model.h5")
    cli = subprocess.run([evspike_bin, "detect", "run", tmp_path / "model.h5", motifs_file, "-o", tmp_path / "c.h5",
                          "--threshold", "100", "-q"], capture_output=True, text=True)
    assert cli.returncode == 0
    with pytest.warns(RuntimeWarning) as caught:
        d = evspike.detect_run(tmp_path / "model.h5", motifs_file, threshold=100.0)
    assert d["detections"] == 0 and len(d["warnings"]) == 1
    assert cli.stderr == f"warning: {d['warnings'][0]}\n"
    assert str(caught[0].message) == d["warnings"][0] and "0 detections" in d["warnings"][0]


def test_discover_equals_the_command_line(tmp_path, evspike_bin, motifs_file):
    out = run_cli(evspike_bin, "detect", "discover", motifs_file, "-o", tmp_path / "cli.h5", "--motifs", 3,
                  "--duration", 8, "--occurrences", tmp_path / "cli_occ.h5", "--seed", 3).stdout
    r = evspike.discover(motifs_file, tmp_path / "py.h5", motifs=3, duration=8.0, occurrences=tmp_path / "py_occ.h5",
                         seed=3)
    assert h5_contents(tmp_path / "cli.h5") == h5_contents(tmp_path / "py.h5")
    assert without_model(h5_contents(tmp_path / "cli_occ.h5")) == without_model(h5_contents(tmp_path / "py_occ.h5"))
    t, m, s = evspike.read_detections(tmp_path / "cli_occ.h5")
    assert r["timestamps"].tobytes() == t.tobytes() and r["motif_ids"].tobytes() == m.tobytes()
    assert r["scores"].tobytes() == s.tobytes() and int(r["counts"].sum()) == t.size
    assert (f"{r['motifs']} motifs x {r['neurons']} neurons x {r['delays']} delays of 1 ms, {t.size} occurrences ("
            + " ".join(map(str, r["counts"])) + f" per motif), {r['iterations']} iterations") in out
    # The model it wrote runs unchanged.
    assert evspike.detect_run(tmp_path / "py.h5", motifs_file)["kept_weights"] > 0


def test_fit_hawkes_equals_the_command_line_and_generate_hawkes_takes_its_config(tmp_path, evspike_bin):
    evspike.generate_hawkes(HAWKES, output=tmp_path / "h.h5")
    for kernel, extra in (("exp", []), ("truncated_exp", ["--support", "30"])):
        cli = subprocess.run([evspike_bin, "fit", "hawkes", tmp_path / "h.h5", "-o", tmp_path / "cli.toml", "--kernel",
                              kernel, *extra, "-q"], capture_output=True, text=True)
        assert cli.returncode == 0, cli.stderr
        r = evspike.fit_hawkes(tmp_path / "h.h5", tmp_path / "py.toml", kernel=kernel,
                               support=30.0 if extra else None)
        body = lambda text: [l for l in text.splitlines() if not l.startswith("# Fitted by:")]  # noqa: E731,E741
        assert body((tmp_path / "cli.toml").read_text()) == body(r["config"])
        assert (tmp_path / "py.toml").read_text() == r["config"]
        assert cli.stderr == (f"fit hawkes: {r['units']} units, {r['events']} events, log-likelihood "
                              f"{r['log_likelihood']:.3f}, spectral radius {r['spectral_radius']:.4f} -> "
                              f"{tmp_path / 'cli.toml'}\n")
    assert r["units"] == 2 and r["norms"].shape == (2, 2) and r["baseline"].shape == (2,)
    assert 0.15 < r["norms"][1, 0] < 0.45 and r["norms"][0, 1] < 0.1  # the one true edge, 0 -> 1 (norm 0.3)
    t, ids = evspike.generate_hawkes(r["config"], seed=9)  # the config text as it is
    assert t.size > 0 and set(np.unique(ids)) == {0, 1}
    assert evspike.fit_hawkes(tmp_path / "h.h5", kernel="exp")["output"] is None


def test_errors_raise_the_commands_messages(tmp_path, evspike_bin, motifs_file):
    model = tmp_path / "model.h5"
    evspike.detect_train(templates=motifs_file, output=model)
    cases = [
        (lambda: evspike.detect_train(motifs_file, output=tmp_path / "x.h5", holdout=1.0),
         ["detect", "train", motifs_file, "-o", tmp_path / "x.h5", "--holdout", 1], "holdout"),
        (lambda: evspike.detect_train(motifs_file, output=tmp_path / "x.h5", init="random"),
         ["detect", "train", motifs_file, "-o", tmp_path / "x.h5", "--init", "random"], "init"),
        (lambda: evspike.detect_run(model, motifs_file, tmp_path / "x.h5", rule="last"),
         ["detect", "run", model, motifs_file, "-o", tmp_path / "x.h5", "--rule", "last"], "rule"),
        (lambda: evspike.detect_run(model, motifs_file, tmp_path / "x.h5", expected_count=5, threshold=1.0),
         ["detect", "run", model, motifs_file, "-o", tmp_path / "x.h5", "--expected-count", 5, "--threshold", 1],
         "expected_count"),
        (lambda: evspike.discover(motifs_file, tmp_path / "x.h5", motifs=2, duration=1.0),
         ["detect", "discover", motifs_file, "-o", tmp_path / "x.h5", "--motifs", 2, "--duration", 1], "duration"),
        (lambda: evspike.fit_hawkes(motifs_file, tmp_path / "x.toml", kernel="gamma"),
         ["fit", "hawkes", motifs_file, "-o", tmp_path / "x.toml", "--kernel", "gamma"], "kernel"),
        (lambda: evspike.fit_hawkes(motifs_file, tmp_path / "x.toml", kernel="raised_cosine"),
         ["fit", "hawkes", motifs_file, "-o", tmp_path / "x.toml", "--kernel", "raised_cosine"], "support"),
        (lambda: evspike.detect_run(model, motifs_file, motifs_file),
         ["detect", "run", model, motifs_file, "-o", motifs_file], "output"),
        (lambda: evspike.discover(motifs_file, tmp_path / "x.h5", occurrences=motifs_file, motifs=2, duration=5.0),
         ["detect", "discover", motifs_file, "-o", tmp_path / "x.h5", "--occurrences", motifs_file, "--motifs", 2,
          "--duration", 5], "output"),
    ]
    before = motifs_file.read_bytes()
    for call, args, key in cases:
        message, code = cli_error(evspike_bin, *args)
        assert code == 2, message
        with pytest.raises(evspike.ConfigError) as e:
            call()
        assert str(e.value) == message and e.value.key == key
    # Checked arguments a command line could not even express get the command's wording.
    with pytest.raises(evspike.ConfigError, match=re.escape("--epochs: must be a whole number >= 1, got '0'")):
        evspike.detect_train(motifs_file, output=tmp_path / "x.h5", epochs=0)
    with pytest.raises(evspike.ConfigError, match=re.escape("--prune: must be a finite number in (0, 1], got '1.5'")):
        evspike.detect_run(model, motifs_file, prune=1.5)
    # Runtime errors: IOError naming the file, as the command's.
    message, code = cli_error(evspike_bin, "detect", "run", tmp_path / "none.h5", motifs_file, "-o", tmp_path / "x.h5")
    with pytest.raises(evspike.IOError) as e:
        evspike.detect_run(tmp_path / "none.h5", motifs_file)
    assert code == 1 and str(e.value) == message
    assert motifs_file.read_bytes() == before and not (tmp_path / "x.h5").exists() and temporaries(tmp_path) == []


def test_ctrl_c_interrupts_training_and_leaves_no_file(tmp_path, motifs_file):
    out = tmp_path / "model.h5"
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            evspike.detect_train(motifs_file, output=out, epochs=10**7)  # hours of work
    finally:
        timer.cancel()
    assert time.monotonic() - started < 10
    assert not out.exists() and temporaries(tmp_path) == []


def test_repeated_detect_runs_do_not_leak(tmp_path, motifs_file):
    model = tmp_path / "model.h5"
    evspike.detect_train(templates=motifs_file, output=model)
    for _ in range(3):
        evspike.detect_run(model, motifs_file)
    gc.collect()
    with open("/proc/self/statm") as f:
        before = int(f.read().split()[1])
    r = None
    for _ in range(40):
        r = evspike.detect_run(model, motifs_file)
        evspike.discover(motifs_file, tmp_path / "disc.h5", motifs=2, duration=8.0, iterations=3)
    refs = sys.getrefcount(r["timestamps"])
    del r
    gc.collect()
    with open("/proc/self/statm") as f:
        grown = (int(f.read().split()[1]) - before) * os.sysconf("SC_PAGE_SIZE")
    assert refs == 2  # the dict's reference and getrefcount's argument
    assert grown < 8_000_000, grown
