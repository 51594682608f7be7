"""Spikes to and from pandas DataFrames and to neo SpikeTrains (for Elephant).

pandas and neo are imported only when these functions are called, so evspike works without them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

import numpy as np


def _tables(spikes: Any, population: Optional[str]) -> dict:
    """{population: SpikeTrains} from a SimulationResult, a dict, or one (times, node_ids) pair."""
    from . import SimulationResult, SpikeTrains
    if isinstance(spikes, SimulationResult):
        spikes = spikes.spikes
    if isinstance(spikes, Mapping):
        return {str(k): SpikeTrains(*v) for k, v in spikes.items()}
    return {population or "spikes": SpikeTrains(*spikes)}


def to_dataframe(spikes: Any, population: Optional[str] = None):
    """A pandas DataFrame with columns ``population`` (categorical), ``node_id`` (uint64) and
    ``timestamp_ms`` (float64), one row per spike, the columns of ``evspike convert``'s CSV.

    spikes: a SimulationResult, a dict {population: (times, node_ids)}, or one (times, node_ids)
    pair (named `population`, default "spikes"). Populations follow in the dict's order.
    """
    import pandas as pd
    tables = _tables(spikes, population)
    names = list(tables)
    counts = [len(t.times) for t in tables.values()]
    codes = np.repeat(np.arange(len(names)), counts)
    return pd.DataFrame({
        "population": pd.Categorical.from_codes(codes, categories=names) if names else pd.Categorical([]),
        "node_id": np.concatenate([np.asarray(t.node_ids, dtype=np.uint64) for t in tables.values()])
        if names else np.empty(0, np.uint64),
        "timestamp_ms": np.concatenate([np.asarray(t.times, dtype=np.float64) for t in tables.values()])
        if names else np.empty(0),
    })


def from_dataframe(df, population: Optional[str] = None) -> dict:
    """{population: SpikeTrains} from a DataFrame with columns ``node_id`` and ``timestamp_ms``
    (and ``population``; without it every row belongs to `population`, default "spikes"). Each
    population is sorted by time, ties by node id, ready for :func:`evspike.write_spikes`."""
    from . import ConfigError, SpikeTrains
    for column in ("node_id", "timestamp_ms"):
        if column not in df.columns:
            raise ConfigError(f"DataFrame: no column '{column}' (have {', '.join(map(str, df.columns))})")
    if "population" in df.columns:
        groups = [(str(name), g) for name, g in df.groupby("population", sort=False, observed=True)]
    else:
        groups = [(population or "spikes", df)]
    out = {}
    for name, g in groups:
        times = g["timestamp_ms"].to_numpy(dtype=np.float64)
        ids = g["node_id"].to_numpy()
        if ids.dtype.kind == "i" and ids.size and ids.min() < 0:
            raise ConfigError(f"DataFrame: population '{name}': node_id must be >= 0, got {int(ids.min())}")
        ids = ids.astype(np.uint64)
        order = np.lexsort((ids, times))
        out[name] = SpikeTrains(times[order], ids[order])
    return out


def to_neo(spikes: Any, t_stop: Optional[float] = None, population: Optional[str] = None,
           neurons: Optional[int] = None) -> list:
    """One ``neo.SpikeTrain`` per node (times in ms, ``t_start`` 0), for Elephant.

    spikes: a SimulationResult (its t_stop is used), a dict {population: (times, node_ids)} with
    `population` choosing one when it has several, or one (times, node_ids) pair.
    t_stop: ms, required unless `spikes` is a SimulationResult (neo needs every time < t_stop).
    neurons: how many trains (default max node id + 1; SONATA files do not store sizes).
    Each train is annotated with ``population`` and ``node_id``.
    """
    import neo
    import quantities as pq
    from . import ConfigError, SimulationResult
    if isinstance(spikes, SimulationResult) and t_stop is None:
        t_stop = spikes.t_stop
    if t_stop is None:
        raise ConfigError("t_stop: required (ms) unless spikes is a SimulationResult")
    tables = _tables(spikes, population)
    if population is None:
        if len(tables) != 1:
            raise ConfigError(f"population: choose one of {', '.join(tables)}")
        population = next(iter(tables))
    if population not in tables:
        raise ConfigError(f"population: no population '{population}' (have {', '.join(tables)})")
    times, ids = tables[population]
    ids = np.asarray(ids, dtype=np.uint64)
    times = np.asarray(times, dtype=np.float64)
    n = int(neurons) if neurons is not None else (int(ids.max()) + 1 if ids.size else 0)
    order = np.lexsort((times, ids))  # by node, then time
    bounds = np.searchsorted(ids[order], np.arange(n + 1, dtype=np.uint64))
    trains = []
    for node in range(n):
        t = times[order[bounds[node]:bounds[node + 1]]]
        trains.append(neo.SpikeTrain(t * pq.ms, t_start=0.0 * pq.ms, t_stop=float(t_stop) * pq.ms,
                                     population=population, node_id=node))
    return trains
