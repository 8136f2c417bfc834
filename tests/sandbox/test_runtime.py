"""The assignment's runtime in the worker: packages preloaded, the import rule, the adapter."""
from __future__ import annotations

import dataclasses

import numpy as np
from grader.sandbox import Sandbox, WorkerRuntime

from sandbox_support import ROOMY

SUBMISSION = """
import json
import torch  # not allowed: using it fails only the functions that do
import some_package_that_is_not_installed_anywhere as missing

def plain(x):
    return np.asarray(json.loads(json.dumps(x.tolist()))) * 2

def with_torch(x):
    return torch.tensor(x)

def with_missing(x):
    return missing.thing(x)

import numpy as np
"""

NUMPY_ONLY = WorkerRuntime(preload=("numpy",), allowed_imports=("numpy",))


def test_only_the_functions_using_a_disallowed_module_fail_naming_it(level):
    with Sandbox(SUBMISSION, "sub.py", dataclasses.replace(ROOMY, isolation=level), runtime=NUMPY_ONLY) as box:
        assert box.load() is None
        ok = box.call("plain", (np.arange(3.0),))
        assert ok.ok and ok.value.tolist() == [0.0, 2.0, 4.0]
        for function, module in (("with_torch", "torch"), ("with_missing", "some_package_that_is_not_installed_anywhere")):
            out = box.call(function, (np.arange(3.0),))
            assert not out.ok and out.error_type == "DisallowedImport" and out.disallowed_module == module
            assert out.message.startswith(f"DisallowedImport: {module} (line ")


def test_a_module_used_at_import_time_is_named_in_the_load_error(level):
    with Sandbox("import torch\nX = torch.zeros(1)\n", "sub.py", dataclasses.replace(ROOMY, isolation=level),
                 runtime=NUMPY_ONLY) as box:
        error = box.load()
        assert error is not None and error.kind == "import" and error.disallowed_module == "torch"


def test_an_exception_only_named_like_the_import_rule_names_no_module(level):
    """The module is a field the worker's own rule fills in, not read from an error's name or text."""
    forged = "class DisallowedImport(ImportError):\n    pass\n\ndef f():\n    raise DisallowedImport('os')\n"
    with Sandbox(forged, "sub.py", dataclasses.replace(ROOMY, isolation=level), runtime=NUMPY_ONLY) as box:
        assert box.load() is None
        out = box.call("f", ())
        assert not out.ok and out.error_type == "DisallowedImport" and out.disallowed_module is None


def test_without_a_rule_an_unknown_module_fails_the_import_as_python_would(level):
    with Sandbox("import some_package_that_is_not_installed_anywhere\n", "sub.py",
                 dataclasses.replace(ROOMY, isolation=level)) as box:
        error = box.load()
        assert error is not None and "ModuleNotFoundError" in error.message


def test_the_adapter_answers_the_calls_with_the_submission_module(level):
    adapter = "import numpy as np\n\ndef call(module, name, args):\n    return np.asarray(getattr(module, name)(*args)) + 100\n"
    runtime = dataclasses.replace(NUMPY_ONLY, adapter_source=adapter)
    with Sandbox("def f(x):\n    return x * 2\n", "sub.py", dataclasses.replace(ROOMY, isolation=level),
                 runtime=runtime) as box:
        assert box.load() is None
        out = box.call("f", (np.array([1.0, 2.0]),))
        assert out.ok and out.value.tolist() == [102.0, 104.0]
