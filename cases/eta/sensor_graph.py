"""The road graph of a sensor speed table: each sensor linked to its k nearest sensors (distances or coordinates)."""

from __future__ import annotations

import numpy as np
import pandas as pd

EARTH_RADIUS_KM = 6371.0088

Links = tuple[np.ndarray, np.ndarray, np.ndarray]
"""``(from_sensor, to_sensor, km)``: positions in the speed table's sensor columns, and the length."""


def _nearest(origin: np.ndarray, target: np.ndarray, km: np.ndarray, k: int) -> Links:
    """Keep each origin's ``k`` shortest links (ties by target position), ordered by origin then length."""
    frame = pd.DataFrame({"o": origin, "t": target, "km": km})
    frame = frame[(frame["o"] != frame["t"]) & (frame["km"] > 0)]
    frame = frame.sort_values(["o", "km", "t"], kind="stable").drop_duplicates(["o", "t"])
    frame = frame[frame.groupby("o").cumcount() < k]
    return (
        frame["o"].to_numpy(np.int64),
        frame["t"].to_numpy(np.int64),
        frame["km"].to_numpy(np.float64),
    )


def distance_links(ids: np.ndarray, origin: np.ndarray, target: np.ndarray, km: np.ndarray, k: int) -> Links:
    """Links from a distance list (METR-LA's ``from,to,cost``): each sensor to its ``k`` nearest by cost.

    Args:
        ids: the speed table's sensor ids (canonical text), in column order.
        origin: each listed distance's start sensor id.
        target: its end sensor id.
        km: its length in km; zero-length and self links are dropped (METR-LA lists each sensor to itself).
        k: links kept per sensor.

    Returns:
        Links between sensors that have a speed column.
    """
    where = pd.Series(np.arange(len(ids)), index=pd.Index(ids))
    o = where.reindex(origin).to_numpy()
    t = where.reindex(target).to_numpy()
    keep = ~(np.isnan(o) | np.isnan(t))
    return _nearest(o[keep].astype(np.int64), t[keep].astype(np.int64), np.asarray(km)[keep], k)


def coordinate_links(lat: np.ndarray, lon: np.ndarray, k: int) -> Links:
    """Each sensor to its ``k`` nearest sensors by great-circle (haversine) distance, one direction per link.

    The full sensors x sensors distance matrix is computed: at most ``MAX_NODES`` (2,000) sensors.
    """
    phi, lam = np.radians(np.asarray(lat, np.float64)), np.radians(np.asarray(lon, np.float64))
    dphi = phi[:, None] - phi[None, :]
    dlam = lam[:, None] - lam[None, :]
    h = np.sin(dphi / 2) ** 2 + np.cos(phi)[:, None] * np.cos(phi)[None, :] * np.sin(dlam / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    n = len(km)
    origin, target = np.repeat(np.arange(n), n), np.tile(np.arange(n), n)
    return _nearest(origin, target, km.ravel(), k)
