"""Steps 4-9 of the recommendation case, one module each, wired by the types they take and return."""

from cases.recommendation.step_data import data
from cases.recommendation.step_deployment import deployment
from cases.recommendation.step_features import features
from cases.recommendation.step_models import models
from cases.recommendation.step_monitoring import monitoring
from cases.recommendation.step_testing import testing
from framework.case import CaseSteps

STEPS = CaseSteps(
    data=data, features=features, models=models, testing=testing, deployment=deployment, monitoring=monitoring
)
