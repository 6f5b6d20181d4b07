"""``python -m riverflow.orchestrator``."""

from riverflow.orchestrator.main import main

main()
