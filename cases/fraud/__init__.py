"""Card fraud detection: score every transaction in real time with delayed labels and rare positives."""

from cases.fraud.config import FraudConfig
from cases.fraud.design import DESIGN
from framework.case import Case

case = Case(name="fraud", design=DESIGN, config_model=FraudConfig, steps="cases.fraud.steps:STEPS")
