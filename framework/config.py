"""Build a case config from a scale preset and ``--set key=value`` overrides, with one-line errors."""

from __future__ import annotations

from pydantic import ValidationError

from framework.case import CaseConfig
from framework.errors import BadInput

SCALES: tuple[str, ...] = ("small", "default", "large")


def build_config(model: type[CaseConfig], scale: str = "default", overrides: list[str] | None = None) -> CaseConfig:
    """Return the validated config for ``scale`` with ``overrides`` applied on top.

    Args:
        model: the case's config class.
        scale: one of :data:`SCALES`.
        overrides: ``key=value`` strings; values are parsed by the field's type.

    Raises:
        BadInput: unknown scale, malformed override, unknown key or a value the field rejects.
    """
    if scale not in SCALES:
        raise BadInput(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    values = dict(model.scales.get(scale, {}))
    for item in overrides or []:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise BadInput(f"--set expects key=value, got {item!r}")
        if key not in model.model_fields:
            known = ", ".join(sorted(model.model_fields))
            raise BadInput(f"unknown --set key {key!r}; known keys: {known}")
        values[key] = raw.strip()
    try:
        return model(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        if not err["loc"]:  # a rule across several fields: its message names them, the input is the whole dict
            raise BadInput(f"bad config: {err['msg']}") from None
        key = ".".join(str(p) for p in err["loc"])
        raise BadInput(f"bad value for {key}: {err.get('input')!r} ({err['msg'].lower()})") from None


def parse_seed(text: str) -> int:
    """Parse ``--seed``: a non-negative integer.

    Raises:
        BadInput: naming the bad value.
    """
    try:
        seed = int(text)
    except ValueError:
        raise BadInput(f"--seed must be a non-negative integer, got {text!r}") from None
    if seed < 0:
        raise BadInput(f"--seed must be a non-negative integer, got {text!r}")
    return seed
