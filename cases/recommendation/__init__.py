"""Music recommendation (Spotify-like): batch top-10 lists per user from click logs, served from a cache."""

from cases.recommendation.config import RecConfig
from cases.recommendation.design import DESIGN
from framework.case import Case

case = Case(name="recommendation", design=DESIGN, config_model=RecConfig, steps="cases.recommendation.steps:STEPS")
