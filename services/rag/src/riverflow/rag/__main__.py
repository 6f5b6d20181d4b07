"""``python -m riverflow.rag``: run the rag service until SIGTERM or SIGINT."""

from riverflow.rag.main import main

main()
