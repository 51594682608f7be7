"""Spikes to and from pandas DataFrames and to neo SpikeTrains."""

import numpy as np
import pytest

import evspike

pd = pytest.importorskip("pandas")


def test_dataframe_round_trip_through_a_file(tmp_path):
    spikes = {"exc": evspike.SpikeTrains(np.array([0.5, 1.0, 1.0]), np.array([2, 0, 1], dtype=np.uint64)),
              "inh": evspike.SpikeTrains(np.array([3.0]), np.array([4], dtype=np.uint64))}
    df = evspike.to_dataframe(spikes)
    assert list(df.columns) == ["population", "node_id", "timestamp_ms"]
    assert df["population"].tolist() == ["exc", "exc", "exc", "inh"]
    assert df["node_id"].dtype == np.uint64 and df["timestamp_ms"].dtype == np.float64
    shuffled = df.sample(frac=1.0, random_state=1)
    back = evspike.from_dataframe(shuffled)  # sorted again by time, ties by id
    evspike.write_spikes(tmp_path / "df.h5", back)
    for pop, (t, ids) in spikes.items():
        ft, fids = evspike.read_spikes(tmp_path / "df.h5", pop)
        assert np.array_equal(ft, t) and np.array_equal(fids, ids)


def test_from_dataframe_names_a_missing_column():
    with pytest.raises(evspike.ConfigError, match="no column 'timestamp_ms'"):
        evspike.from_dataframe(pd.DataFrame({"node_id": [1]}))


def test_to_neo_gives_one_train_per_node_in_ms():
    neo = pytest.importorskip("neo")
    import quantities as pq
    trains = evspike.to_neo((np.array([1.0, 2.0, 2.5]), np.array([2, 0, 2], dtype=np.uint64)), t_stop=10.0)
    assert len(trains) == 3 and all(isinstance(s, neo.SpikeTrain) for s in trains)
    assert trains[2].rescale(pq.ms).magnitude.tolist() == [1.0, 2.5] and len(trains[1]) == 0
    assert trains[0].annotations["node_id"] == 0 and float(trains[0].t_stop.rescale(pq.ms)) == 10.0
    with pytest.raises(evspike.ConfigError, match="t_stop: required"):
        evspike.to_neo((np.array([1.0]), np.array([0])))
