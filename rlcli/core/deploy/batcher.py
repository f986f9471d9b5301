"""The embedded server's micro-batcher: the requests of every client, queued on the event loop,
go to the forward pass together, which runs in one worker thread so that the loop keeps reading
and answering meanwhile.

A batch leaves as soon as the worker is free, with every request queued by then (up to
``max_batch_size``): one client alone waits for no one, and under load the requests that arrive
during one forward pass make the next batch. ``wait_s`` > 0 holds a batch that is not full for up
to that long first (more requests per pass, at that much latency)."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")


class MicroBatcher(Generic[Item, Answer]):
    """``await batcher.submit(item)`` → ``act([..., item, ...])``'s answer for ``item``; ``act``
    runs in the one worker thread, ``observe(batch_size, seconds)`` on the loop after each pass."""

    def __init__(
        self,
        act: Callable[[list[Item]], list[Answer]],
        max_batch_size: int,
        wait_s: float = 0.0,
        observe: Callable[[int, float], None] = lambda _n, _s: None,
        thread_setup: Callable[[], None] | None = None,
    ) -> None:
        self._act = act
        self._max = max_batch_size
        self._wait_s = wait_s
        self._observe = observe
        self._pending: collections.deque[tuple[Item, asyncio.Future[Answer]]] = collections.deque()
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="rlcli-forward", initializer=thread_setup)
        self._draining = False
        self._task: asyncio.Task[None] | None = None
        self._full: asyncio.Future[None] | None = None

    def submit(self, item: Item) -> asyncio.Future[Answer]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Answer] = loop.create_future()
        self._pending.append((item, future))
        if not self._draining:
            self._draining = True
            self._task = loop.create_task(self._drain())
        elif self._full is not None and len(self._pending) >= self._max and not self._full.done():
            self._full.set_result(None)
        return future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                if self._wait_s > 0 and len(self._pending) < self._max:
                    await self._wait_for_more(loop)
                batch = [self._pending.popleft() for _ in range(min(self._max, len(self._pending)))]
                start = time.perf_counter()
                try:
                    answers = await loop.run_in_executor(self._worker, self._act, [item for item, _ in batch])
                except Exception as exc:  # a bug in the forward pass: each waiting request gets it
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                self._observe(len(batch), time.perf_counter() - start)
                for (_, future), answer in zip(batch, answers, strict=True):
                    if not future.done():  # its client went away meanwhile
                        future.set_result(answer)
        finally:
            self._draining = False

    async def _wait_for_more(self, loop: asyncio.AbstractEventLoop) -> None:
        """Until the batch is full or ``wait_s`` has passed."""
        full = self._full = loop.create_future()
        timer = loop.call_later(self._wait_s, _resolve, full)
        try:
            await full
        finally:
            timer.cancel()
            self._full = None

    def close(self) -> None:
        """Stop the worker thread (after the passes it was given)."""
        self._worker.shutdown(wait=True)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
