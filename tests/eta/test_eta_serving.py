"""ETA step 8: the SQLite-backed ETA service reproduces the offline ETAs and meets the SLA."""

from __future__ import annotations

import numpy as np
import pytest

from cases.eta.artifacts import EtaData, EtaModels
from cases.eta.design import DESIGN
from cases.eta.serving import EtaBackend, SegmentTimeStore
from cases.eta.traffic import INTERVAL_S, INTERVALS_PER_WEEK


@pytest.fixture(scope="module")
def backend(small_run, tmp_path_factory):
    """The small run's best model published to a SQLite store, behind the ETA backend."""
    _, outputs = small_run
    data = outputs.get(EtaData)
    model = outputs.get(EtaModels).fitted[outputs.records["models"].best]
    store = SegmentTimeStore(tmp_path_factory.mktemp("kv") / "kv.sqlite")
    assert store.write(model.table_) == model.table_.size
    yield EtaBackend(data.network.route, store), model, data
    store.close()


def test_backend_reproduces_in_memory_trip_etas(backend):
    service, model, data = backend
    table = data.trips.table.head(60)
    departures = table["departure_interval"].to_numpy()
    served = np.array([service.eta(o, d, t) for o, d, t in zip(table["origin"], table["destination"], departures)])
    offline = model.trip_eta(data.trips.paths[:60], departures * float(INTERVAL_S))
    np.testing.assert_allclose(served, offline, rtol=0, atol=1e-9)


def test_store_lookup_matches_the_table_and_rejects_unknown_keys(backend):
    service, model, _ = backend
    assert service.store.get(3, 1234) == model.table_[3, 1234]
    with pytest.raises(KeyError):
        service.store.get(10_000, 0)
    with pytest.raises(KeyError):
        service.store.get(0, INTERVALS_PER_WEEK)


def test_longer_route_gets_a_larger_eta(backend):
    service, _, data = backend
    network, trips = data.network, data.trips
    longest = int(np.argmax(trips.table["n_segments"]))
    origin = int(trips.table["origin"].iloc[longest])
    route = service.route(origin, int(trips.table["destination"].iloc[longest]))
    assert len(route) >= 3
    # Destinations along the same route: each is one more segment away from the origin.
    stops = network.segments["to_node"].to_numpy()[route]
    etas = [service.eta(origin, int(stop), 4 * 720 + 8 * 30) for stop in stops]
    assert all(b > a for a, b in zip(etas, etas[1:])), etas


def test_measured_serving_meets_the_sla(small_run):
    ctx, outputs = small_run
    serving = outputs.records["deployment"]
    assert serving.extra["model"] == outputs.records["models"].best
    assert serving.sla_ms == DESIGN.problem.constraints.latency_sla_ms == 200.0
    assert 0 < serving.p50_ms <= serving.p99_ms < serving.sla_ms
    assert serving.requests == ctx.config.serving_queries
    assert serving.extra["max_abs_diff_vs_offline_s"] < 1e-9
    assert serving.extra["store_keys"] == outputs.get(EtaData).network.n_segments * INTERVALS_PER_WEEK
