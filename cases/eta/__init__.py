"""ETA for a maps app: predict a route's travel time at a departure time."""

from cases.eta.config import EtaConfig
from cases.eta.design import DESIGN
from cases.eta.steps import STEPS
from framework.case import Case

case = Case(name="eta", design=DESIGN, config_model=EtaConfig, steps=STEPS)
