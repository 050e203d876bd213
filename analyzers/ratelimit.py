"""A client-side rate limiter: requests, input tokens and output tokens per minute.

A sliding 60-second window. ``acquire`` reserves the estimated input tokens and
the request's ``max_tokens`` as output, waiting until all three limits hold;
``settle`` replaces the reservation with the usage the provider reported.
Clock and sleep are injectable so tests need not wait.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_S = 60.0


@dataclass
class Reservation:
    at: float
    input_tokens: int
    output_tokens: int


class RateLimiter:
    def __init__(
        self,
        requests_per_minute: int,
        input_tokens_per_minute: int,
        output_tokens_per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rpm = requests_per_minute
        self.itpm = input_tokens_per_minute
        self.otpm = output_tokens_per_minute
        self._clock = clock
        self._sleep = sleep
        self._log: deque[Reservation] = deque()
        self._lock = threading.Lock()
        self.waited_s = 0.0

    def _prune(self, now: float) -> None:
        while self._log and now - self._log[0].at >= WINDOW_S:
            self._log.popleft()

    def _wait_needed(self, now: float, inp: int, out: int) -> float:
        self._prune(now)
        if not self._log:
            return 0.0
        # -- one request larger than a whole minute's budget still goes, alone --
        inp, out = min(inp, self.itpm), min(out, self.otpm)
        waits = []
        reqs = len(self._log)
        used_in = sum(r.input_tokens for r in self._log)
        used_out = sum(r.output_tokens for r in self._log)
        for r in self._log:
            if reqs + 1 <= self.rpm and used_in + inp <= self.itpm and used_out + out <= self.otpm:
                break
            reqs -= 1
            used_in -= r.input_tokens
            used_out -= r.output_tokens
            waits.append(r.at + WINDOW_S - now)
        return max(waits, default=0.0)

    def acquire(self, input_tokens: int, output_tokens: int) -> Reservation:
        """Block until the call fits all three limits; return its reservation."""
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait_needed(now, input_tokens, output_tokens)
                if wait <= 0:
                    res = Reservation(now, input_tokens, output_tokens)
                    self._log.append(res)
                    return res
            self.waited_s += wait
            self._sleep(wait)

    def settle(self, res: Reservation, input_tokens: int, output_tokens: int) -> None:
        """Replace a reservation's estimate with the usage the provider reported."""
        with self._lock:
            res.input_tokens = input_tokens
            res.output_tokens = output_tokens
