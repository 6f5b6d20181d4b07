"""``python -m riverflow.mockllm``: serve the mock model until SIGINT/SIGTERM."""

import sys

from riverflow.mockllm.server import main

sys.exit(main())
