"""Config presets and ``--set`` overrides: coercion, and one-line errors naming the bad key or value."""

from __future__ import annotations

from typing import ClassVar

import pytest
from pydantic import Field, model_validator

from framework.case import CaseConfig
from framework.config import build_config
from framework.errors import BadInput


class Demo(CaseConfig):
    """A config with one int and one float knob."""

    size: int = Field(default=100, gt=0)
    rate: float = 0.5
    scales: ClassVar = {"small": {"size": 10}, "default": {}, "large": {"size": 1000}}


@pytest.mark.parametrize(("scale", "size"), [("small", 10), ("default", 100), ("large", 1000)])
def test_scale_presets(scale, size):
    assert build_config(Demo, scale).size == size


def test_overrides_are_parsed_by_field_type_and_win_over_presets():
    cfg = build_config(Demo, "small", ["size=7", "rate = 0.25"])
    assert (cfg.size, cfg.rate) == (7, 0.25)


@pytest.mark.parametrize(
    ("scale", "overrides", "message"),
    [
        ("medium", [], "unknown scale 'medium'"),
        ("default", ["bogus=1"], "unknown --set key 'bogus'"),
        ("default", ["size"], "key=value"),
        ("default", ["size=-3"], "bad value for size: '-3'"),
        ("default", ["size=ten"], "bad value for size: 'ten'"),
    ],
)
def test_bad_values_raise_one_line(scale, overrides, message):
    with pytest.raises(BadInput, match=message) as info:
        build_config(Demo, scale, overrides)
    assert "\n" not in str(info.value)


class Window(CaseConfig):
    """A config with a rule across two fields."""

    start: int = 0
    end: int = 10

    @model_validator(mode="after")
    def _ordered(self) -> "Window":
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


def test_cross_field_rule_names_the_values_not_the_whole_dict():
    with pytest.raises(BadInput, match=r"^bad config: .*end \(3\) must be after start \(5\)$"):
        build_config(Window, "default", ["start=5", "end=3"])
