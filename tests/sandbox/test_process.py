"""process.py: output segmentation and capping, the worker's environment, killing."""

from __future__ import annotations

import os
import time

import pytest

from grader.sandbox.process import OutputCapture, Worker, scrubbed_env

MARK = b"\x00\x1emark\x1e\x00"


def feed_in_pieces(cap: OutputCapture, data: bytes, size: int) -> None:
    for i in range(0, len(data), size):
        cap.feed(data[i:i + size])


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 64, 10_000])
def test_segments_split_at_markers_whatever_the_read_sizes(size):
    cap = OutputCapture(MARK, 1000)
    stream = b"one\n" + MARK + MARK + b"two\x00\x1e" + MARK + b"tail"
    feed_in_pieces(cap, stream, size)
    assert list(cap.done) == ["one\n", "", "two\x00\x1e"]
    assert cap.take_partial() == "tail"


def test_a_marker_prefix_at_the_end_is_output_after_all():
    cap = OutputCapture(MARK, 1000)
    cap.feed(b"abc" + MARK[:4])
    assert not cap.done
    assert cap.take_partial() == "abc" + MARK[:4].decode()


def test_segments_are_capped_and_say_how_much_was_printed():
    cap = OutputCapture(MARK, 300)
    feed_in_pieces(cap, b"y" * 1_000_000 + MARK + b"next" + MARK, 4096)
    first, second = cap.done
    assert len(first) <= 300 and first.startswith("yyy")
    assert "1000000 bytes printed" in first
    assert second == "next"


def test_invalid_utf8_is_replaced_not_raised():
    cap = OutputCapture(MARK, 100)
    cap.feed(b"\xff\xfeok" + MARK)
    assert cap.done[0] == "\ufffd\ufffdok"


def test_scrubbed_env_is_exactly_the_documented_set():
    env = scrubbed_env("/tmp/x")
    assert env == {
        "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp/x", "TMPDIR": "/tmp/x",
        "PYTHONHASHSEED": "0",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def test_worker_terminate_kills_and_reaps_and_close_is_idempotent(tmp_path):
    path = tmp_path / "submission.py"
    path.write_text("import time\ntime.sleep(30)\n")
    w = Worker(str(tmp_path), str(path), MARK, 2**30, 1000)
    assert w.wait(time.monotonic() + 30) == "frame"  # ready
    w.frames.popleft()
    assert w.wait(time.monotonic() + 0.2) == "timeout"  # still importing
    assert w.alive
    rc = w.terminate()
    assert rc == -9 and not w.alive
    w.close()
    w.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(w.pid, os.WNOHANG)  # already reaped
