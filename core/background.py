"""What the running app's background threads share: each is started once per process, on the
process's first request (so every gunicorn worker has its own, whatever the preload setting)."""

from __future__ import annotations

import threading


class StartedOnce:
    def __init__(self):
        self._started = False
        self._lock = threading.Lock()

    def _first_start(self) -> bool:
        """True for exactly one caller, however many request threads ask at once."""
        if self._started:  # the common case, without taking the lock
            return False
        with self._lock:
            if self._started:
                return False
            self._started = True
            return True
