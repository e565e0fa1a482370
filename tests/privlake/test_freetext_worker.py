"""The worker's side of free-text scrubbing: engines are built once and kept out of the
cyclic garbage collector's walks (every full collection re-walked Presidio and spaCy)."""

from __future__ import annotations

from tests.conftest import run_python


def test_a_worker_exempts_its_engines_from_the_garbage_collector_and_still_collects_new_cycles() -> None:
    # A process of its own: freezing is for the life of the process.
    script = """
        import gc, weakref
        import pyarrow as pa
        from privlake.config import load_config
        from privlake.freetext import _SCRUBBERS, free_text_plan, scrub_arrays

        config = load_config(None)
        plan = free_text_plan(config, config.dataset("device_logs"), b"k" * 32, [])
        inputs = ["message", "account_id", "device_serial", "mac_address", "ip_address", "wifi_networks"]
        batch = [
            pa.array(["sshd: Failed password for bob from 10.0.0.5 port 22"]),
            pa.array(["acct-0001"]), pa.array(["SN-0001"]),
            pa.array(["a4:c1:38:00:00:01"]), pa.array(["10.0.0.5"]),
            pa.array([["HomeNet"]], pa.list_(pa.string())),
        ]
        result = scrub_arrays(plan, inputs, *batch).to_pylist()[0]
        assert "10.0.0.5" not in result["message"], "not scrubbed"
        (scrubber,) = _SCRUBBERS.values()
        tracked = {id(o) for o in gc.get_objects()}
        assert gc.get_freeze_count() > 0
        assert id(scrubber) not in tracked and id(scrubber.analyzer) not in tracked

        class Node:
            pass
        a, b = Node(), Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        assert gone() is None, "a cycle made after the freeze was not collected"
        print("ok")
        """
    result = run_python(script, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
