"""The six executable lifecycle steps of the ETA case (design steps 4-9), wired by the types they declare."""

from cases.eta.step_data import data
from cases.eta.step_models import features, models
from cases.eta.step_monitoring import monitoring
from cases.eta.step_serving import deployment, testing
from framework.case import CaseSteps

STEPS = CaseSteps(
    data=data,
    features=features,
    models=models,
    testing=testing,
    deployment=deployment,
    monitoring=monitoring,
)
