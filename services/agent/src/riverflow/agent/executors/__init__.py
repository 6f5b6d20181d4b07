"""Node executors of the agent service, by Dify node type."""

from riverflow.agent.executors.agent import run_agent
from riverflow.agent.executors.base import Executor, NodeFailure, TaskContext, TaskOutcome
from riverflow.agent.executors.classify_extract import run_parameter_extractor, run_question_classifier
from riverflow.agent.executors.llm import run_llm
from riverflow.agent.executors.tool import run_tool

__all__ = ["EXECUTORS", "Executor", "NodeFailure", "TaskContext", "TaskOutcome"]

EXECUTORS: dict[str, Executor] = {
    "llm": run_llm,
    "parameter-extractor": run_parameter_extractor,
    "question-classifier": run_question_classifier,
    "tool": run_tool,
    "agent": run_agent,
}
