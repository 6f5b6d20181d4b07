"""Workflow tests as data: case files (DSL + inputs + mocks + expectations) run in process."""

from riverflow.engine.casefiles.checks import asserts_something, check_outcome, event_classes
from riverflow.engine.casefiles.mocks import CaseMocks
from riverflow.engine.casefiles.runner import CaseResult, run_case

__all__ = ["CaseMocks", "CaseResult", "asserts_something", "check_outcome", "event_classes", "run_case"]
