"""``python -m riverflow.cli``."""

from riverflow.cli.main import app

app()
