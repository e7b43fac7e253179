"""The fraud case's executable steps 4-9, one module per concern, gathered into the framework's CaseSteps."""

from cases.fraud.step_data import data, features
from cases.fraud.step_models import models
from cases.fraud.step_monitoring import monitoring_step
from cases.fraud.step_serving import deployment
from cases.fraud.step_testing import testing
from framework.case import CaseSteps

STEPS = CaseSteps(
    data=data, features=features, models=models, testing=testing, deployment=deployment, monitoring=monitoring_step
)
