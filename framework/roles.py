"""The alias table: which column names in a public data set mean which role, and ``--columns`` parsing.

A case names the roles its loader needs (user, item, rating, ...); a column is matched to a role
when its name, compared case-insensitively and without spaces, underscores, dashes or dots, equals
one of the role's aliases. ``--columns role=name,...`` maps anything the table does not know.

==============  ===================================================================================
role            aliases (first match wins, in this order)
==============  ===================================================================================
user            user_id, userId, UserID, user, uid, visitorid, customer_id (recommendation)
item            item_id, movieId, MovieID, item, itemid, artistID, artist_id, song_id, track_id,
                trackid, product_id, iid
rating          rating, ratings, score, weight, plays, playcount, play_count, count, listens,
                clicks, interactions
timestamp       timestamp, time, ts, datetime, date, event_time, unixtime, created_at
transaction_id  transaction_id, tx_id, id, trans_id, transactionid
customer_id     customer_id, customer, nameOrig, card_id, cc_num, account_id, client_id
terminal_id     terminal_id, terminal, nameDest, merchant, merchant_id, device_id
amount          amount, tx_amount, amt, value, transaction_amount
is_fraud        is_fraud, tx_fraud, fraud, isFraud, Class, label, target, y
step_hours      step (PaySim: hours since the start of the simulation)
segment_id      segment_id, segment, link_id, edge_id, sensor_id, sensor, detector_id, station
car_count       car_count, cars, count, n_cars, vehicles, samples, flow
avg_speed_kmh   avg_speed_kmh, speed_kmh, speed, avg_speed, kmh
==============  ===================================================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from framework.errors import BadInput
from framework.guards import quote

ALIASES: dict[str, tuple[str, ...]] = {
    "user": ("user_id", "userId", "UserID", "user", "uid", "visitorid"),
    "item": (
        "item_id",
        "movieId",
        "MovieID",
        "item",
        "itemid",
        "artistID",
        "artist_id",
        "song_id",
        "track_id",
        "trackid",
        "product_id",
        "iid",
    ),
    "rating": (
        "rating",
        "ratings",
        "score",
        "weight",
        "plays",
        "playcount",
        "play_count",
        "count",
        "listens",
        "clicks",
        "interactions",
    ),
    "timestamp": ("timestamp", "time", "ts", "datetime", "date", "event_time", "unixtime", "created_at"),
    "transaction_id": ("transaction_id", "tx_id", "id", "trans_id", "transactionid"),
    "customer_id": ("customer_id", "customer", "nameOrig", "card_id", "cc_num", "account_id", "client_id"),
    "terminal_id": ("terminal_id", "terminal", "nameDest", "merchant", "merchant_id", "device_id"),
    "amount": ("amount", "tx_amount", "amt", "value", "transaction_amount"),
    "is_fraud": ("is_fraud", "tx_fraud", "fraud", "isFraud", "Class", "label", "target", "y"),
    "step_hours": ("step",),
    "segment_id": ("segment_id", "segment", "link_id", "edge_id", "sensor_id", "sensor", "detector_id", "station"),
    "car_count": ("car_count", "cars", "count", "n_cars", "vehicles", "samples", "flow"),
    "avg_speed_kmh": ("avg_speed_kmh", "speed_kmh", "speed", "avg_speed", "kmh"),
}


def normalise(name: str) -> str:
    """A column name as compared with the aliases: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


@dataclass(frozen=True)
class Role:
    """One column a loader needs.

    Attributes:
        name: the role's name, as typed in ``--columns name=COLUMN``.
        aliases: column names that mean this role (compared with :func:`normalise`);
            :data:`ALIASES` ``[name]`` when not given.
        required: a file without it is refused (unless the loader has a mode without it).
        doc: what the column holds, for the error that says it is missing.
    """

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = True
    doc: str = ""

    def shown_aliases(self) -> tuple[str, ...]:
        """The aliases as written in the table, in priority order."""
        return self.aliases or ALIASES.get(self.name, (self.name,))

    def names(self) -> tuple[str, ...]:
        """The aliases to look for, normalised, in priority order."""
        return tuple(normalise(a) for a in self.shown_aliases())


def parse_columns(values: list[str] | None) -> dict[str, str]:
    """``--columns user=UserID,item=MovieID`` (repeatable) as ``{"user": "UserID", "item": "MovieID"}``.

    Raises:
        BadInput: an entry without ``=``, an empty role or column, or a role given twice.
    """
    mapping: dict[str, str] = {}
    for value in values or []:
        for entry in value.split(","):
            if not entry.strip():
                continue
            role, sep, column = entry.partition("=")
            role, column = role.strip(), column.strip()
            if not sep or not role or not column:
                raise BadInput(f"--columns entry {quote(entry, 40)} is not role=column (e.g. user=UserID)")
            if role in mapping:
                raise BadInput(f"--columns maps role {quote(role, 30)} twice")
            mapping[role] = column
    return mapping
