"""The client-side rate limiter: requests, input and output tokens per minute."""

from __future__ import annotations

from pathlib import Path

from analyzers import Analyzer
from analyzers.ratelimit import RateLimiter
from docsieve.profiles import Profile
from tests.analyzers.conftest import make_selection, make_settings
from tests.fakeapi import FakeAPI


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.slept.append(s)
        self.now += s


def test_requests_per_minute() -> None:
    c = Clock()
    rl = RateLimiter(2, 10**9, 10**9, clock=c, sleep=c.sleep)
    rl.acquire(1, 1)
    c.now = 10.0
    rl.acquire(1, 1)
    rl.acquire(1, 1)  # -- the third must wait until the first leaves the window --
    assert c.slept == [50.0]


def test_input_and_output_tokens_per_minute_and_settle() -> None:
    c = Clock()
    rl = RateLimiter(100, 1000, 500, clock=c, sleep=c.sleep)
    r = rl.acquire(800, 100)
    rl.acquire(150, 100)
    assert c.slept == []
    rl.acquire(100, 100)  # -- 1050 input tokens would exceed 1000 --
    assert c.slept == [60.0]
    c2 = Clock()
    rl2 = RateLimiter(100, 10**6, 500, clock=c2, sleep=c2.sleep)
    r = rl2.acquire(10, 400)  # -- reserves max_tokens as output --
    rl2.settle(r, 10, 50)  # -- the provider reported 50 --
    rl2.acquire(10, 400)
    assert c2.slept == []


def test_chain_goes_through_the_limiter(fake: FakeAPI, tmp_path: Path, profile: Profile) -> None:
    settings = make_settings(tmp_path, fake.url, requests_per_minute=2)
    c = Clock()
    with Analyzer(settings, None) as an:
        an.chain.limiter = RateLimiter(2, 10**9, 10**9, clock=c, sleep=c.sleep)
        for i in range(3):
            assert an.analyze(make_selection(i), profile).status == "analysed"
    assert c.slept == [60.0]
    assert len(fake.calls("/v1/messages")) == 3
