"""Build a case config from a scale preset and ``--set key=value`` overrides, with one-line errors."""

from __future__ import annotations

import difflib

from pydantic import ValidationError

from framework.case import C
from framework.errors import BadInput
from framework.guards import quote

SCALES: tuple[str, ...] = ("small", "default", "large", "xl")


def build_config(model: type[C], scale: str = "default", overrides: list[str] | None = None) -> C:
    """Return the validated config for ``scale`` with ``overrides`` applied on top.

    Args:
        model: the case's config class.
        scale: one of :data:`SCALES`.
        overrides: ``key=value`` strings; values are parsed by the field's type.

    Raises:
        BadInput: unknown scale, malformed override, unknown key or a value the field rejects.
    """
    if scale not in SCALES:
        raise BadInput(f"unknown scale {quote(scale, 40)}; choose one of {', '.join(SCALES)}")
    values = dict(model.scales.get(scale, {}))
    for item in overrides or []:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise BadInput(f"--set expects key=value, got {quote(item)}")
        if key not in model.model_fields:
            close = difflib.get_close_matches(key, list(model.model_fields), n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            count = len(model.model_fields)
            raise BadInput(f"unknown --set key {quote(key, 40)}; {hint}`run --help` lists the {count} keys")
        values[key] = raw.strip()
    try:
        return model(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        message = err["msg"].removeprefix("Value error, ")
        if not err["loc"]:  # a rule across several fields: its message names them, the input is the whole dict
            raise BadInput(f"bad config: {message}") from None
        key = ".".join(str(p) for p in err["loc"])
        reason = message[:1].lower() + message[1:]
        raise BadInput(f"bad value for {key}: {quote(err.get('input'), 40)} ({reason})") from None


# numpy accepts any seed, but scikit-learn's random_state must fit in 32 bits.
MAX_SEED = 2**32 - 1


def check_seed(seed: int) -> None:
    """Refuse a seed outside ``0..MAX_SEED``.

    Raises:
        BadInput: naming the bad value (cut short when huge).
    """
    if not 0 <= seed <= MAX_SEED:
        raise BadInput(f"--seed must be an integer from 0 to {MAX_SEED}, got {quote(str(seed), 40)}")


def parse_seed(text: str) -> int:
    """Parse ``--seed``: an integer from 0 to :data:`MAX_SEED`.

    Raises:
        BadInput: naming the bad value.
    """
    stripped = text.strip()
    if not stripped.isdigit() or len(stripped) > 20:
        raise BadInput(f"--seed must be an integer from 0 to {MAX_SEED}, got {quote(text, 40)}")
    seed = int(stripped)
    check_seed(seed)
    return seed
