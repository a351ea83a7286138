"""Per-stage timings of one build, for `invoke bench` and the build log.

Stages are read off Pelican's own signals, so no Pelican code is copied: time between
generator creation and `all_generators_finalized` is reading, each signal receiver is charged
to its plugin, and what follows `all_generators_finalized` is rendering and writing.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from blinker import Signal
from pelican.plugins import signals

_RUN_SIGNALS = ["article_generator_init", "all_generators_finalized", "get_writer", "finalized"]


class StageClock:
    def __init__(self) -> None:
        self.stages: dict[str, float] = defaultdict(float)
        self._marks: dict[str, float] = {}

    def mark(self, name: str) -> None:
        self._marks.setdefault(name, time.perf_counter())

    def charge(self, name: str, seconds: float) -> None:
        self.stages[name] += seconds

    def phases(self, start: float, end: float) -> dict[str, float]:
        """Wall time of read / render+write, less what plugins took inside them."""
        m = self._marks
        read_end = m.get("all_generators_finalized", end)
        write_start = m.get("get_writer", read_end)
        write_end = m.get("finalized", end)
        plugin_total = sum(v for k, v in self.stages.items() if k.startswith("plugin:"))
        result = {
            "setup": m.get("article_generator_init", start) - start,
            "read": read_end - m.get("article_generator_init", start),
            # With the output_writer plugin pages are only queued here, and rendered at
            # `finalized` (charged to plugin:output_writer, inside after-write).
            "render+write": write_end - write_start,
            "after-write": end - write_end,
            "plugins (all)": plugin_total,
        }
        result.update({k: v for k, v in sorted(self.stages.items())})
        return result


def _plugin_of(receiver) -> str:
    module = getattr(receiver, "__module__", "") or ""
    return module.split(".")[0] or "unknown"


@contextmanager
def timed_signals(clock: StageClock) -> Iterator[None]:
    """Charge every receiver of every Pelican signal to its plugin while the block runs."""
    originals = {}
    for name in dir(signals):
        sig = getattr(signals, name)
        if not isinstance(sig, Signal):
            continue

        def send(sender=None, _sig=sig, _name=name, **kwargs):
            if _name in _RUN_SIGNALS:
                clock.mark(_name)
            results = []
            for receiver in _sig.receivers_for(sender):
                started = time.perf_counter()
                results.append((receiver, receiver(sender, **kwargs)))
                clock.charge(f"plugin:{_plugin_of(receiver)}", time.perf_counter() - started)
            return results

        originals[name] = sig
        sig.send = send
    try:
        yield
    finally:
        for sig in originals.values():
            del sig.send  # back to the class's own method
