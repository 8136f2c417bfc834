"""Running untrusted submissions: the only part of the grader that starts processes.

    from grader.sandbox import Sandbox, Limits, CallOutcome, LoadError, Unsupported

A submission is imported in a separate worker process (worker.py); the parent sends calls
and gets back plain values over a pickle-free wire format (wire.py), validated here.
"""

from .outcomes import CallOutcome, Limits, LoadError, Unsupported
from .sandbox import Sandbox

__all__ = ["Sandbox", "Limits", "CallOutcome", "LoadError", "Unsupported"]
