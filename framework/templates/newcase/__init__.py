"""New case: a starter regression case made by ``python -m framework new``; rewrite it into yours."""

from framework.case import Case

from .config import NewcaseConfig
from .design import DESIGN

# The steps are named, not imported: --help, spec and diagram never load the numeric stack.
case = Case(
    name="newcase",
    design=DESIGN,
    config_model=NewcaseConfig,
    steps="framework.templates.newcase.steps:STEPS",
)
