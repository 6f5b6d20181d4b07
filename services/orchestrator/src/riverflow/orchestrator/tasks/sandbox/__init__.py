"""The code-node sandbox: a process jail and the Python / JavaScript runners it starts."""
