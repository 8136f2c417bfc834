"""What the engine gives an assignment whose parts are classes and procedures behind an adapter (the
generic changes `rnn_torch` needed): the reference is called through the adapter, and a patched
reference too; classes become notebook cells and count as stubs; listing and recognising a file read
manifests only (an assignment needing torch does not stop the numpy ones); a preloaded single-file
module is readable inside the fence without its whole site-packages; torch loads and answers at every
isolation level."""
from __future__ import annotations

import shutil

import pytest
import typing_extensions

from grader import assignments, authoring
from grader.cli import main
from grader.diagnosis import patched
from grader.reference import Adapted, load_reference
from grader.runner import worker_runtime
from grader.sandbox import Limits, Sandbox, WorkerRuntime, visibility
from grader.submissions import holds_work
from tests.conftest import RNN
from tests.sandbox.sandbox_support import level_params


def test_the_reference_is_called_through_the_assignments_adapter(rnn_torch, rnn_torch_reference):
    assert isinstance(rnn_torch_reference, Adapted) and not isinstance(load_reference(RNN), Adapted)
    case = rnn_torch.misconceptions.DESIGNED["ManualRNN"][0]
    answer = rnn_torch_reference.ManualRNN(*case.values())
    assert set(answer) >= {"output", "grads", "built_on_torch", "changed"}


def test_a_patched_reference_builds_the_wrong_class_through_the_adapter(rnn_torch, rnn_torch_reference):
    built = []

    def wrong(ns, input_size, hidden_size, batch_first=True):
        built.append((input_size, hidden_size, batch_first))
        return rnn_torch_reference.module.ManualRNN(input_size, hidden_size, batch_first)

    ns = patched(rnn_torch_reference, "ManualRNN", wrong)
    case = rnn_torch.misconceptions.DESIGNED["ManualRNN"][1]
    assert isinstance(ns, Adapted) and ns.ManualRNN(*case.values())["grads"]
    assert built == [(4, 4, False)]


def test_classes_are_notebook_cells_and_stub_classes_hold_no_work(tmp_path):
    source = ('"""doc"""\nimport torch\n\n\ndef f(x):\n    raise NotImplementedError\n\n\n'
              'class Layer(torch.nn.Module):\n    """doc"""\n\n    def forward(self, x):\n'
              '        """doc"""\n        raise NotImplementedError\n')
    assert [name for name, _ in authoring.split_module(source).functions] == ["f", "Layer"]
    (tmp_path / "stub.py").write_text(source, encoding="utf-8")
    (tmp_path / "work.py").write_text(source.replace("        raise NotImplementedError\n", "        return x\n"),
                                      encoding="utf-8")
    assert not holds_work(tmp_path / "stub.py") and holds_work(tmp_path / "work.py")


def test_listing_reads_manifests_only(tmp_path, capsys):
    broken = tmp_path / "assignments" / "needs_torch"
    shutil.copytree(assignments.find("rnn_torch"), broken)
    (broken / "assignment.toml").write_text((broken / "assignment.toml").read_text(encoding="utf-8").replace(
        'name = "rnn_torch"', 'name = "needs_torch"'), encoding="utf-8")
    (broken / "checks" / "__init__.py").write_text("import a_package_this_machine_lacks\n", encoding="utf-8")
    assert main(["list", "--assignments", str(tmp_path / "assignments")]) == 0
    assert "needs_torch  100 points" in capsys.readouterr().out


def test_a_preloaded_single_file_module_is_granted_alone(tmp_path):
    runtime = WorkerRuntime(preload=("typing_extensions", "numpy"))
    rules = dict(visibility.landlock_rules(str(tmp_path), runtime))
    module_file = typing_extensions.__file__
    assert rules.get(module_file) == "read"
    assert not any(module_file.startswith(path + "/") for path in rules if path != module_file)


@pytest.mark.parametrize("level", level_params())
def test_torch_is_preloaded_and_answers_at_every_isolation_level(rnn_torch, level):
    """Inside the fence at every level, also where the uid drop reroutes an unreachable Python (whose
    import caches must not be dropped for the folders the fence leaves unlistable)."""
    source = rnn_torch.reference_path().read_text(encoding="utf-8")
    case = rnn_torch.misconceptions.DESIGNED["predict_next"][0]
    limits = Limits(isolation=level, call_seconds=60, memory_bytes=int(rnn_torch.runtime.memory_gib * 2**30))
    with Sandbox(source, "rnn_torch.py", limits, runtime=worker_runtime(rnn_torch)) as box:
        assert box.load() is None
        out = box.call("predict_next", tuple(case.values()))
    assert out.ok and out.value["predictions"].shape == (case["k"],) and "cpuinfo" not in out.output


def test_an_assignment_whose_preloaded_package_is_missing_says_to_install_it(tmp_path, capsys):
    folder = tmp_path / "assignments" / "needs_a_package"
    shutil.copytree(assignments.find("rnn_torch"), folder)
    manifest = (folder / "assignment.toml").read_text(encoding="utf-8")
    (folder / "assignment.toml").write_text(manifest.replace('name = "rnn_torch"', 'name = "needs_a_package"').replace(
        'preload = ["typing_extensions", "torchgen", "torch"]', 'preload = ["a_package_this_machine_lacks"]'),
        encoding="utf-8")
    (folder / "checks" / "__init__.py").write_text("import a_package_this_machine_lacks\n", encoding="utf-8")
    code = main(["grade", str(tmp_path / "x.py"), "--assignment", "needs_a_package",
                 "--assignments", str(tmp_path / "assignments"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "needs the package 'a_package_this_machine_lacks', which is not installed" in err
    assert len(err.strip().splitlines()) == 1
