"""The ``riverflow`` command line: ``apps import`` (and, from the lead, ``up`` and ``run``)."""
