"""The roles of every table an ETA data folder holds, and ``--columns`` split between those tables.

A role is matched to a column through the framework's alias table (:mod:`framework.roles`) or
``--columns role=COLUMN``. A folder holds two tables (records + ``segments.csv``, or a speed
table + a sensor list): an unprefixed role goes to every table that has it (``segment_id``
names the segment in both probe tables), ``records.ROLE`` / ``segments.ROLE`` /
``sensors.ROLE`` / ``distances.ROLE`` / ``speeds.ROLE`` to one table only.
"""

from __future__ import annotations

from framework.errors import BadInput
from framework.guards import quote
from framework.roles import Role

RECORD_ROLES: tuple[Role, ...] = (
    Role("segment_id", doc="the road segment"),
    Role("timestamp", doc="start of the 2-minute interval"),
    Role("car_count", doc="probe cars in the interval"),
    Role("avg_speed_kmh", doc="their average speed, km/h"),
)
SEGMENT_ROLES: tuple[Role, ...] = (
    Role("segment_id", doc="the segment's id"),
    Role("from_node", ("from_node", "from", "source", "start_node", "u", "node_from"), doc="start node"),
    Role("to_node", ("to_node", "to", "target", "end_node", "v", "node_to"), doc="end node"),
    Role("distance_km", ("distance_km", "length_km", "distance", "length", "km"), doc="length in km"),
    Role("speed_limit_kmh", ("speed_limit_kmh", "speed_limit", "maxspeed", "limit_kmh"), doc="km/h"),
    Role("free_flow_kmh", ("free_flow_kmh", "free_flow_speed", "free_flow", "freeflow_kmh"), doc="km/h"),
    Role("road_class", ("road_class", "class", "road_type", "highway", "fclass"), doc="highway|arterial|local"),
)
# The sensor layout: the time column of the wide speed table, the sensor list and the distance list.
SPEED_ROLES: tuple[Role, ...] = (Role("timestamp", doc="the reading's time; default: the first column"),)
SENSOR_ROLES: tuple[Role, ...] = (
    Role("sensor_id", ("sensor_id", "sensor", "id", "detector_id", "station", "station_id", "segment_id")),
    Role("latitude", ("latitude", "lat", "y"), doc="degrees"),
    Role("longitude", ("longitude", "lon", "lng", "long", "x"), doc="degrees"),
)
DISTANCE_ROLES: tuple[Role, ...] = (
    Role("from_sensor", ("from", "from_sensor", "source", "origin", "sensor_from", "from_id"), doc="sensor id"),
    Role("to_sensor", ("to", "to_sensor", "target", "destination", "sensor_to", "to_id"), doc="sensor id"),
    Role("distance_m", ("cost", "distance", "distance_m", "dist", "length", "meters", "metres"), doc="metres"),
)
TABLE_ROLES: dict[str, tuple[Role, ...]] = {
    "records": RECORD_ROLES,
    "segments": SEGMENT_ROLES,
    "speeds": SPEED_ROLES,
    "sensors": SENSOR_ROLES,
    "distances": DISTANCE_ROLES,
}
LAYOUT_TABLES: dict[str, tuple[str, ...]] = {
    "probe records": ("records", "segments"),
    "sensor speeds": ("speeds", "sensors", "distances"),
}


def split_columns(mapping: dict[str, str], layout: str) -> dict[str, dict[str, str]]:
    """``--columns`` per table of a layout: ``{"records": {...}, "segments": {...}}``.

    Args:
        mapping: ``ctx.columns``: role (optionally ``table.role``) -> column.
        layout: a key of :data:`LAYOUT_TABLES`.

    Raises:
        BadInput: a role no table of the layout has, listing every table's roles.
    """
    tables = LAYOUT_TABLES[layout]
    out: dict[str, dict[str, str]] = {t: {} for t in tables}
    for key, column in mapping.items():
        prefix, dot, rest = key.partition(".")
        table_names, role = ([prefix], rest) if dot else (list(tables), key)
        hits = [t for t in table_names if t in tables and role in {r.name for r in TABLE_ROLES[t]}]
        if not hits:
            listed = "; ".join(f"{t}: {', '.join(r.name for r in TABLE_ROLES[t])}" for t in tables)
            raise BadInput(f"--columns role {quote(key, 40)} is not a role of the {layout} layout ({listed})")
        for t in hits:
            out[t][role] = column
    return out
