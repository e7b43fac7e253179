"""ETA for a maps app: predict a route's travel time at a departure time."""

from cases.eta.config import EtaConfig
from cases.eta.design import DESIGN
from framework.case import Case

# The steps are named, not imported: --help, spec and diagram never load the numeric stack.
case = Case(name="eta", design=DESIGN, config_model=EtaConfig, steps="cases.eta.steps:STEPS")
