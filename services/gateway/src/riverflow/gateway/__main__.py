"""``python -m riverflow.gateway``: run the gateway with settings from the environment."""

from riverflow.gateway.main import main

main()
