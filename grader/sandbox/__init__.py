"""Running untrusted submissions: the only part of the grader that starts processes.

    from grader.sandbox import Sandbox, Limits, CallOutcome, LoadError, Unsupported

A submission is imported in a separate worker process (worker.py); the parent sends calls
and gets back plain values over a pickle-free wire format (wire.py), validated here. How far
the worker is fenced off (bubblewrap, an unprivileged uid, or a plain process, each with the
Landlock layer where the kernel has it) is chosen in isolation.py; ``Sandbox.level`` says which
level a sandbox got, ``Sandbox.isolation`` says it as reports do, with what it leaves open.
"""

from .outcomes import CallOutcome, Frame, IsolationUnavailable, Limits, LoadError, Unsupported
from .plan import Runtime as WorkerRuntime
from .sandbox import Sandbox

__all__ = ["Sandbox", "WorkerRuntime", "Limits", "CallOutcome", "Frame", "LoadError", "Unsupported",
           "IsolationUnavailable"]
