"""evspike from Python: precise spike timing (SPEC §9.5).

Simulate spiking networks event by event, generate spike trains with known statistics, and read
and write SONATA spike files and voltage reports as NumPy arrays, with the same names, units and
messages as the ``evspike`` command line (times in ms, rates in Hz, node ids uint64 from 0).

    >>> import evspike
    >>> r = evspike.simulate("data/bench4.toml", t_stop=200.0)
    >>> times, ids = r.spikes["exc"]
    >>> times, ids = evspike.generate_poisson(neurons=100, rate=20.0, t_stop=1000.0, seed=7)

Errors raise :class:`ConfigError` (a ``ValueError``), :class:`IOError` (an ``OSError``),
:class:`ModelError` (``ValueError``) or :class:`InternalError` (``RuntimeError``), all subclasses
of :class:`Error`, with the command line's messages. Long calls release the GIL and stop on
Ctrl-C (``KeyboardInterrupt``) without leaving temporary files. Walk-through: docs/python.md.
"""

from __future__ import annotations

import math
import numbers
import os
import re
import json
import warnings
from collections.abc import Mapping
from typing import Any, NamedTuple, Optional, Sequence, Union

import numpy as np

from . import _evspike
from ._evspike import ConfigError, Error, InternalError, IOError, ModelError

__version__: str = _evspike.__version__

__all__ = [
    "Error", "ConfigError", "IOError", "ModelError", "InternalError",
    "SpikeTrains", "VoltageReport", "SimulationResult",
    "populations", "read_spikes", "write_spikes", "voltage_populations", "read_voltages",
    "simulate", "generate_poisson", "generate_hawkes", "generate_motifs", "MotifRaster", "read_motif_truth",
    "read_detections", "detect_score", "detect_train", "detect_run", "discover", "fit_hawkes", "to_toml",
    "to_dataframe", "from_dataframe", "to_neo",
]

PathLike = Union[str, "os.PathLike[str]"]
Config = Union[PathLike, Mapping]


class SpikeTrains(NamedTuple):
    """Spikes of one population: ``times`` (float64, ms) and ``node_ids`` (uint64), same length,
    sorted by time (ties by node id) unless read from a file sorted otherwise."""

    times: np.ndarray
    node_ids: np.ndarray


class VoltageReport(NamedTuple):
    """Membrane potentials of one report population: ``values[k, j]`` is V (mV) of
    ``node_ids[j]`` at ``times[k] = t_start + k * step`` (ms), for every k with time < t_stop.
    ``dtype`` is the file's ("float32" or "float64"); ``values`` is float64 in both cases (from a
    simulation: the exact values, which the file rounds to float32 unless dtype is float64)."""

    population: str
    node_ids: np.ndarray
    times: np.ndarray
    values: np.ndarray
    t_start: float
    t_stop: float
    step: float
    dtype: str


class SimulationResult(NamedTuple):
    """What :func:`simulate` returns.

    spikes: dict population name -> SpikeTrains, the recorded populations (``output.record``).
    voltages: list of VoltageReport, one per ``[[output.voltage]]`` entry, in config order.
    stats: dict with spikes (emitted), deliveries (synaptic events), events, synapses,
        build_seconds, run_seconds.
    t_stop, seed: the values used. output: the spike file written (absolute path), or None.
    """

    spikes: dict
    voltages: list
    stats: dict
    t_stop: float
    seed: int
    output: Optional[str]


# --- configs ------------------------------------------------------------------------------------

_bare_key = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key: Any, where: str) -> str:
    if not isinstance(key, str):
        raise ConfigError(f"{where}: keys must be strings, got {key!r}")
    return key if _bare_key.match(key) else _toml_string(key)


def _toml_string(s: str) -> str:
    # A JSON string is a TOML basic string once DEL (which JSON leaves raw) is escaped.
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007F")


def _toml_value(v: Any, where: str) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        f = float(v)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        text = repr(f)  # the shortest text that reads back to the same double
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(v, str):
        return _toml_string(v)
    if isinstance(v, os.PathLike):
        return _toml_string(os.fspath(v))
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, Mapping):
        items = [f"{_toml_key(k, where)} = {_toml_value(x, f'{where}.{k}')}" for k, x in v.items()]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x, f"{where}[{i}]") for i, x in enumerate(v)) + "]"
    raise ConfigError(f"{where}: {type(v).__name__} has no TOML form")


def _is_table_array(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and len(v) > 0 and all(isinstance(x, Mapping) for x in v)


def to_toml(config: Mapping) -> str:
    """The TOML text of a config given as a dict shaped like the TOML file (docs/config.md):
    scalars at the top, ``population``/``source``/``connection`` as lists of dicts, ``output`` as
    a dict. :func:`simulate` runs exactly this text, which it stores as provenance, so
    ``evspike simulate`` on a file holding it gives the same spikes, bit for bit."""
    if not isinstance(config, Mapping):
        raise TypeError(f"config must be a mapping, got {type(config).__name__}")
    top, tables = [], []
    for k, v in config.items():
        key = _toml_key(k, "config")
        if isinstance(v, Mapping) or _is_table_array(v):
            tables.append((k, key, v))
        else:
            top.append(f"{key} = {_toml_value(v, k)}")
    out = top
    for k, key, v in tables:
        rows = [v] if isinstance(v, Mapping) else list(v)
        for i, row in enumerate(rows):
            where = k if isinstance(v, Mapping) else f"{k}[{i}]"
            out += ["", f"[{key}]" if isinstance(v, Mapping) else f"[[{key}]]"]
            out += [f"{_toml_key(kk, where)} = {_toml_value(x, f'{where}.{kk}')}" for kk, x in row.items()]
    return "\n".join(out) + "\n"


def _config_source(config: Config) -> tuple:
    """(path, text, name) for the C++ side: a file path, or TOML text named `name` in messages."""
    if isinstance(config, Mapping):
        return None, to_toml(config), "<dict>"
    if isinstance(config, os.PathLike):
        return os.fspath(config), "", ""
    if isinstance(config, str):
        # TOML text always has a `key = value`; a path rarely has '=' or a newline.
        if ("\n" in config or "=" in config) and not os.path.exists(config):
            return None, config, "<string>"
        return config, "", ""
    raise TypeError(f"config must be a path, TOML text or a dict, got {type(config).__name__}")


def _command(name: str, *args: Any, **kwargs: Any) -> str:
    """The provenance line stored as evspike_command, e.g. "python: evspike.simulate('a.toml', seed=2)"."""
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items() if v is not None]
    return f"python: evspike.{name}({', '.join(parts)})"


# --- spike files --------------------------------------------------------------------------------

def populations(path: PathLike) -> list:
    """The populations of a SONATA spike file, sorted by name."""
    return _evspike.spike_populations(os.fspath(path))


def read_spikes(path: PathLike, population: Optional[str] = None, t_start: Optional[float] = None,
                t_stop: Optional[float] = None, node_ids: Optional[Sequence[int]] = None) -> SpikeTrains:
    """Spikes of one population of a SONATA spike file (SPEC §7.1), as NumPy arrays.

    population: required when the file has several (see :func:`populations`).
    t_start, t_stop: the half-open window t_start <= t < t_stop, in ms (binary search in files
        sorted by time). node_ids: only these nodes.
    Returns SpikeTrains(times float64 ms, node_ids uint64), in file order. The arrays own the
    data read (no copy). Raises IOError naming the file and dataset for a malformed file.
    """
    ids = None if node_ids is None else [int(i) for i in node_ids]
    t, n = _evspike.read_spikes(os.fspath(path), population, t_start, t_stop, ids)
    return SpikeTrains(t, n)


def _as_trains(where: str, spikes: Any) -> tuple:
    times, ids = spikes
    times = np.ascontiguousarray(times, dtype=np.float64)
    ids = np.asarray(ids)
    if ids.dtype.kind not in "ui" and ids.size > 0:
        raise ConfigError(f"{where}: node_ids must be integers, got {ids.dtype}")
    if ids.dtype.kind == "i" and ids.size > 0 and ids.min() < 0:
        raise ConfigError(f"{where}: node_ids must be >= 0, got {int(ids.min())}")
    ids = np.ascontiguousarray(ids, dtype=np.uint64)
    if times.ndim != 1 or ids.ndim != 1 or times.shape != ids.shape:
        raise ConfigError(f"{where}: times and node_ids must be 1-D arrays of the same length "
                          f"({times.size} and {ids.size})")
    ordered = times.size < 2 or bool(np.all((times[1:] > times[:-1]) |
                                            ((times[1:] == times[:-1]) & (ids[1:] >= ids[:-1]))))
    if not ordered:  # the file promises by_time order, ties by id
        order = np.lexsort((ids, times))
        times, ids = times[order], ids[order]
    return times, ids


def write_spikes(path: PathLike, spikes: Any, node_ids: Any = None, *, population: str = "spikes",
                 seed: int = 1, config: str = "") -> None:
    """Writes a SONATA spike file (SPEC §7.1), atomically (a temporary beside `path`, renamed).

    Either ``write_spikes(path, times, node_ids, population="exc")`` or
    ``write_spikes(path, {"exc": (times, ids), "inh": (times, ids)})`` (e.g. a simulation's
    ``result.spikes``). Times in ms (finite, >= 0), node ids integers >= 0. Each population is
    sorted by time, ties by node id, as the file's ``sorting = by_time`` promises. `seed` and
    `config` are stored as provenance (evspike_seed, evspike_config).
    """
    if node_ids is not None:
        tables = {population: (spikes, node_ids)}
    elif isinstance(spikes, Mapping):
        tables = spikes
    else:
        raise TypeError("write_spikes(path, times, node_ids) or write_spikes(path, {population: (times, node_ids)})")
    pops = [(str(name), *_as_trains(str(name), trains)) for name, trains in tables.items()]
    _evspike.write_spikes(os.fspath(path), pops, _command("write_spikes", os.fspath(path)), int(seed), config)


def voltage_populations(path: PathLike) -> list:
    """The populations of a SONATA voltage report, sorted by name."""
    return _evspike.voltage_populations(os.fspath(path))


def _voltage_report(population: str, d: dict) -> VoltageReport:
    samples = d["values"].shape[0]
    times = d["t_start"] + np.arange(samples, dtype=np.float64) * d["step"]  # as the writer computes them
    return VoltageReport(population, d["node_ids"], times, d["values"], d["t_start"], d["t_stop"], d["step"],
                         d["dtype"])


def read_voltages(path: PathLike, population: Optional[str] = None) -> VoltageReport:
    """A voltage report population (SPEC §7.2) as arrays: values[k, j] (mV) of node_ids[j] at
    times[k] (ms). population: required when the report has several."""
    p = os.fspath(path)
    if population is None:
        names = voltage_populations(p)
        if len(names) != 1:
            raise IOError(f"{p}: /report: {len(names)} populations ({', '.join(names)}): choose one with population=")
        population = names[0]
    return _voltage_report(population, _evspike.read_voltages(p, population))


# --- simulate and generate -----------------------------------------------------------------------

def _max_memory(bytes_: Any) -> int:
    if isinstance(bytes_, bool) or not isinstance(bytes_, int) or bytes_ <= 0:
        raise ConfigError(f"max_memory: expected a positive number of bytes, got {bytes_!r}")
    return bytes_


def simulate(config: Config, t_stop: Optional[float] = None, seed: Optional[int] = None, *,
             output: Optional[PathLike] = None, write: bool = True, queue: str = "indexed",
             max_memory: Optional[int] = None) -> SimulationResult:
    """Runs ``evspike simulate``: builds the network of a config and simulates [0, t_stop) exactly,
    event by event (SPEC §3, §5).

    config: a path to a TOML config (docs/config.md), TOML text, or a dict shaped like the TOML
        (``{"t_stop": 100.0, "population": [{"name": "exc", "size": 10, ...}], ...}``; see
        :func:`to_toml`). Relative paths inside text or a dict are relative to the working
        directory, inside a file to the file's folder.
    t_stop (ms), seed: override the config's, like ``--t-stop`` and ``--seed``.
    output: spike file to write (overrides ``output.spikes``, like ``-o``). Files (spikes and
        voltage reports) are written, atomically and with provenance, when the config or `output`
        names a spike file and `write` is true; they hold the same spikes and voltages, bit for
        bit, as the command line's (only evspike_command differs).
    queue: "indexed" (default), "mutable", "pairing" or "lazy"; all give identical results.
    max_memory: bytes, like ``--max-memory``. A network whose up-front estimate (docs/cli.md: 16 B
        per synapse, 160 B per node, from the config alone) exceeds it, or by default the
        machine's memory, raises MemoryError before anything is built.

    Returns a SimulationResult: ``spikes`` (dict population -> SpikeTrains(times ms, node_ids),
    sorted by time then id), ``voltages`` (list of VoltageReport), ``stats``, and the
    t_stop/seed/output used. Raises ConfigError naming the key path (``connection[2].delay``),
    IOError, ModelError, MemoryError (above); Ctrl-C raises KeyboardInterrupt and leaves no file behind.
    """
    path, text, name = _config_source(config)
    command = _command("simulate", path if path is not None else name, t_stop=t_stop, seed=seed,
                       output=None if output is None else os.fspath(output))
    r = _evspike.simulate(path, text, name, t_stop, seed, None if output is None else os.fspath(output), write,
                          queue, command, 0 if max_memory is None else _max_memory(max_memory))
    spikes = {pop: SpikeTrains(*arrays) for pop, arrays in r["spikes"].items()}
    voltages = [_voltage_report(d["population"], d) for d in r["voltages"]]
    return SimulationResult(spikes, voltages, r["stats"], r["t_stop"], r["seed"], r["output"])


def generate_poisson(neurons: int, t_stop: float, rate: Optional[float] = None, *, dead_time: float = 0.0,
                     rate_file: Optional[PathLike] = None, population: str = "poisson", seed: int = 1,
                     output: Optional[PathLike] = None) -> SpikeTrains:
    """Runs ``evspike generate poisson``: `neurons` independent Poisson trains over [0, t_stop) ms.

    rate: Hz, the same for every neuron; or rate_file: a CSV ``time_ms,rate_hz`` (piecewise
    constant, exact inhomogeneous trains). dead_time: ms after each spike (the mean rate stays
    `rate`; rate * dead_time must be < 1). Neuron i draws from the stream "<population>/<i>", so a
    ``poisson`` source of the same name, seed, rate and dead time in :func:`simulate` fires the
    same trains. output: also write this SONATA file (same bytes of data as the command's).
    Returns SpikeTrains sorted by time, ties by node id.
    """
    if neurons is None or int(neurons) < 0:
        raise ConfigError(f"neurons: must be at least 1, got {neurons}")
    out = None if output is None else os.fspath(output)
    rf = None if rate_file is None else os.fspath(rate_file)
    command = _command("generate_poisson", neurons=neurons, t_stop=t_stop, rate=rate, dead_time=dead_time or None,
                       rate_file=rf, population=population, seed=seed, output=out)
    t, n = _evspike.generate_poisson(int(neurons), float(t_stop), None if rate is None else float(rate), rf,
                                     float(dead_time), population, int(seed), out, command)
    return SpikeTrains(t, n)


def generate_hawkes(config: Config, *, seed: Optional[int] = None, output: Optional[PathLike] = None) -> SpikeTrains:
    """Runs ``evspike generate hawkes``: a multivariate Hawkes process, each unit a node id.

    config: a path, TOML text or dict with the keys of docs/generators.md (``seed``, ``t_stop``,
    ``burn_in``, ``population``, ``baseline`` (Hz), ``[[kernel]]`` entries with ``source``,
    ``target``, ``norm`` and a ``shape``). A kernel matrix with spectral radius >= 1 raises
    ConfigError with the radius. seed: overrides the config's. output: also write this file.
    Returns SpikeTrains sorted by time, ties by node id.
    """
    path, text, name = _config_source(config)
    out = None if output is None else os.fspath(output)
    command = _command("generate_hawkes", path if path is not None else name, seed=seed, output=out)
    t, n = _evspike.generate_hawkes(path, text, name, seed, out, command)
    return SpikeTrains(t, n)


class MotifRaster(NamedTuple):
    """What :func:`generate_motifs` returns: the raster (``times`` ms, ``node_ids``, sorted by
    time then id) of population ``population``, and its ground truth ``truth`` as
    :func:`read_motif_truth` gives it."""

    population: str
    times: np.ndarray
    node_ids: np.ndarray
    truth: dict


def generate_motifs(config: Config, *, seed: Optional[int] = None, template_seed: Optional[int] = None,
                    output: Optional[PathLike] = None) -> MotifRaster:
    """Runs ``evspike generate motifs``: a raster with embedded spiking motifs and its ground truth.

    config: a path, TOML text or dict with ``model = "hdsnn"`` (Perrinet, ICANN 2023: neurons,
    motifs, delays, bins, bin (ms), trials, ...) or ``"jittered"`` (neurons, motifs, t_stop,
    duration, synapses, participation, jitter (ms), motif_rate and background_rate (Hz)); keys in
    docs/generators.md. seed: occurrences and spikes; template_seed: the templates (both override
    the config's). output: also write the raster and /motifs into this file, atomically.
    """
    path, text, name = _config_source(config)
    out = None if output is None else os.fspath(output)
    command = _command("generate_motifs", path if path is not None else name, seed=seed,
                       template_seed=template_seed, output=out)
    population, (t, n), truth = _evspike.generate_motifs(path, text, name, seed, template_seed, out, command)
    return MotifRaster(population, t, n, truth)


def read_motif_truth(path: PathLike) -> dict:
    """The ground truth of a motif raster (SPEC §7.3): ``{"templates": {motif_ids, node_ids,
    delays (ms), weights}, "occurrences": {timestamps (ms, the motif's start), motif_ids},
    "attributes": {the generator's parameters}}``, arrays as NumPy arrays."""
    return _evspike.read_motif_truth(os.fspath(path))


def read_detections(path: PathLike) -> tuple:
    """Detections of ``evspike detect run`` (SPEC §7.4): (timestamps float64 ms, motif_ids uint64,
    scores float32 logit units)."""
    return _evspike.read_detections(os.fspath(path))


def detect_score(detections: PathLike, truth: PathLike, tolerance: Optional[float] = None) -> dict:
    """Runs ``evspike detect score``: one-to-one matching of detections to the true occurrences of
    the same motif within `tolerance` ms (default: one bin of the detections). Returns the
    fields of ``--json``: detections, occurrences, matched, exact_matched, tolerance_ms,
    precision, recall, f1, exact_hit_rate."""
    return _evspike.detect_score(os.fspath(detections), os.fspath(truth),
                                 None if tolerance is None else float(tolerance))


# --- detect train / run / discover, fit hawkes ---------------------------------------------------
# As the commands (io/detection.hpp, io/hawkes_fitting.hpp): same files, numbers and messages. A
# wrong argument raises ConfigError with the command's message, which names the command-line
# option ("--holdout must be in [0, 1)"); `key` is the argument's Python name ("holdout").

def _path(p: Optional[PathLike]) -> str:
    return "" if p is None else os.fspath(p)


def detect_train(dataset: Optional[PathLike] = None, *, output: PathLike, templates: Optional[PathLike] = None,
                 population: Optional[str] = None, delays: Optional[int] = None, bin: Optional[float] = None,
                 epochs: int = 4, learning_rate: float = 1e-3, batch_trials: int = 8,
                 trial_bins: Optional[int] = None, l1: float = 0.0, pos_weight: float = 1.0,
                 init: str = "naive-bayes", prior_strength: float = 1.0, tolerance: Optional[float] = None,
                 refractory: int = 0, rule: str = "first-crossing", prune: float = 1.0, holdout: float = 0.2,
                 seed: int = 1) -> dict:
    """Runs ``evspike detect train``: learns the HD-SNN motif detector from `dataset` (a raster with
    /motifs ground truth, e.g. from :func:`generate_motifs`), or with `templates` builds it from a
    file's known templates (the generator's log-odds, nothing learned), and writes the model to
    `output` (SPEC §7.5), atomically.

    delays (bins per kernel), bin (ms), trial_bins: default to the dataset's attributes (else 31,
    1 ms, 1000). epochs, learning_rate (Adam), batch_trials, l1, pos_weight, init ("naive-bayes"
    or "zero"), prior_strength, seed (trial order): the training. refractory (bins, 0 = one motif
    length) and rule ("first-crossing" or "peak") are stored in the model. prune: keep this
    fraction of the weights (largest |w|). holdout: the last fraction of the raster kept out of
    training; the threshold is calibrated there to maximise F1 at `tolerance` ms (default one bin).

    Returns a dict: output (absolute path), motifs, neurons, delays, bin, threshold, tolerance,
    calibrated_on, train and held_out (dicts of detections, occurrences, matched, precision,
    recall, f1; held_out None with holdout=0), holdout, holdout_from (ms), seconds, warnings
    (the command's warnings, also issued as RuntimeWarning).
    """
    command = _command("detect_train", _path(dataset) or None, output=_path(output),
                       templates=_path(templates) or None)
    r = _evspike.detect_train(_path(dataset), _path(templates), _path(output), population or "", delays,
                              None if bin is None else float(bin), int(epochs), float(learning_rate),
                              int(batch_trials), trial_bins, float(l1), float(pos_weight), init,
                              float(prior_strength), None if tolerance is None else float(tolerance),
                              int(refractory), rule, float(prune), float(holdout), int(seed), command)
    for text in r["warnings"]:
        warnings.warn(text, RuntimeWarning, stacklevel=2)
    return r


def detect_run(model: PathLike, raster: PathLike, output: Optional[PathLike] = None, *,
               population: Optional[str] = None, prune: float = 1.0, expected_count: Optional[int] = None,
               threshold: Optional[float] = None, refractory: Optional[int] = None,
               rule: Optional[str] = None) -> dict:
    """Runs ``evspike detect run``: the detector `model` scanned over `raster`, event by event.

    output: also write the detections (SPEC §7.4; the same bytes as the command's, provenance
    aside). prune: keep this fraction of the weights. expected_count: set the threshold so that
    there are this many detections (the paper's accuracy protocol, refractory 1 bin unless
    given); threshold: override the model's (logit units); refractory (bins, >= 1) and rule
    ("first-crossing" or "peak"): override the model's.

    Returns a dict: timestamps (float64 ms, the motif's start), motif_ids (uint64), scores
    (float32) of the detections, and output, population, detections, spikes (scanned), threshold,
    kept_weights, refractory, rule, seconds, cpu_seconds, warnings (the command's warnings, e.g.
    a detection rate far from the calibration's; also issued as RuntimeWarning).
    """
    command = _command("detect_run", _path(model), _path(raster), output=_path(output) or None)
    r = _evspike.detect_run(_path(model), _path(raster), _path(output), population or "", float(prune),
                            expected_count, None if threshold is None else float(threshold), refractory, rule,
                            command)
    for text in r["warnings"]:
        warnings.warn(text, RuntimeWarning, stacklevel=2)
    return r


def discover(raster: PathLike, output: PathLike, *, motifs: int, duration: float, bin: float = 1.0,
             occurrences: Optional[PathLike] = None, iterations: int = 40, population: Optional[str] = None,
             significance: float = 0.01, seed: int = 1) -> dict:
    """Runs ``evspike detect discover``: learns `motifs` motifs of `duration` ms (bins of `bin` ms)
    from an unlabeled raster (hard-assignment EM, docs/detection.md) and writes a detector model to
    `output` that :func:`detect_run` uses unchanged; `occurrences`: also write where each motif was
    found (a detections file). significance: family-wise false-positive rate of a motif's entries.

    Returns a dict: timestamps, motif_ids, scores (the occurrences found, as arrays), counts (per
    motif), output, occurrences_output, population, motifs, neurons, delays, bin, threshold,
    iterations, seconds.
    """
    command = _command("discover", _path(raster), output=_path(output), motifs=motifs, duration=duration,
                       occurrences=_path(occurrences) or None)
    return _evspike.discover(_path(raster), _path(output), int(motifs), float(duration), float(bin),
                             _path(occurrences), int(iterations), population or "", float(significance), int(seed),
                             command)


def fit_hawkes(raster: PathLike, output: Optional[PathLike] = None, *, kernel: str,
               support: Optional[float] = None, dt: Optional[float] = None, penalty: str = "none",
               penalty_weight: float = 1.0, shared_shape: bool = False, population: Optional[str] = None,
               t_stop: Optional[float] = None, min_events: int = 10, max_iterations: int = 1000,
               allow_unstable: bool = False) -> dict:
    """Runs ``evspike fit hawkes``: estimates a multivariate Hawkes process (a baseline per unit,
    a kernel per ordered pair) from the spikes of `raster`, each node a unit (docs/generators.md,
    "Fitting").

    kernel: "exp" (exact maximum likelihood), "truncated_exp", "truncated_gaussian" or
    "raised_cosine" (discretized least squares; need `support` ms, grid step `dt` ms, default
    support / 100). penalty: "none" or "l1" (times `penalty_weight`) sets absent edges to 0.
    t_stop: end of the observation window, ms (default: just after the span the file covers; the
    window starts at the span's start, docs/generators.md "Window"). A fit with
    spectral radius >= 1 raises ModelError unless allow_unstable. output: also write the config.

    Returns a dict: config (the TOML text ``evspike generate hawkes`` and :func:`generate_hawkes`
    accept unchanged), output, population, units, events, t_start, t_stop (the window, ms), log_likelihood,
    spectral_radius, zero_kernels, iterations, estimator, baseline (Hz, per unit), norms
    (norms[i, j]: the kernel j -> i's integral).
    """
    command = _command("fit_hawkes", _path(raster), output=_path(output) or None, kernel=kernel)
    return _evspike.fit_hawkes(_path(raster), _path(output), kernel, None if support is None else float(support),
                               None if dt is None else float(dt), penalty, float(penalty_weight), bool(shared_shape),
                               population or "", None if t_stop is None else float(t_stop), int(min_events),
                               int(max_iterations), bool(allow_unstable), command)


from .interop import from_dataframe, to_dataframe, to_neo  # noqa: E402  (uses SpikeTrains above)
