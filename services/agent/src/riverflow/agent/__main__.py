"""``python -m riverflow.agent``: run the agent service until SIGTERM or SIGINT."""

from riverflow.agent.main import main

main()
