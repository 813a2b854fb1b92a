"""The center's one ingest writer: sessions queue their messages, one transaction files a group.

datasette's pattern: a single thread owns the store's writes and is fed by a
queue; the event loop only awaits futures. Whatever sessions are waiting when
the writer comes round are filed in ONE write transaction (one fsync), each
message in a savepoint of its own, and every session's future is resolved
only after that COMMIT has returned: an acknowledgement is never sent for a
message that is not durable. A message whose filing fails rolls back to its
savepoint and ends its own session's part (the session gets the error, as a
failed request did before); the other sessions of the group, and the earlier
messages of that session, still commit. A failed COMMIT fails the whole group.

`VILLAGE_AGENT_GROUP_COMMIT=0` gives one transaction per message (how the
center filed before), for measuring the gain side by side (bench/ingest.py).
"""

from __future__ import annotations

import os
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from center import ingest
from sync.node import Node

GROUP_ENV = "VILLAGE_AGENT_GROUP_COMMIT"

# Enough for the fsync to be a small part of a group, few enough that the sessions of a
# group hear back well within a second.
GROUP_MESSAGES = 400


def group_commit_enabled() -> bool:
    return os.environ.get(GROUP_ENV, "1") != "0"


@dataclass
class _Job:
    messages: list[bytes]
    result: ingest.Ingested
    via: str
    done: Future[ingest.Ingested] = field(default_factory=Future)


class Writer:
    """Owns ingest writes to `node`'s store on one thread; `submit` from any thread or the loop."""

    def __init__(self, node: Node, *, group: bool | None = None,
                 group_messages: int = GROUP_MESSAGES) -> None:
        self.node = node
        self.group = group_commit_enabled() if group is None else group
        self.group_messages = group_messages
        self.commits = 0  # transactions committed: what group commit saves
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._started = threading.Lock()

    def submit(self, messages: list[bytes], result: ingest.Ingested,
               via: str = "http") -> Future[ingest.Ingested]:
        """Queue one session's messages; the future resolves once they are durable (or fails)."""
        self._ensure_thread()
        job = _Job(messages, result, via)
        self._queue.put(job)
        return job.done

    def stop(self) -> None:
        """Let the writer finish what is queued, then end its thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _ensure_thread(self) -> None:
        with self._started:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="ingest-writer",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            jobs, count, stop = [job], len(job.messages), False
            while self.group and count < self.group_messages:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                jobs.append(more)
                count += len(more.messages)
            if self.group:
                self._commit_group(jobs)
            else:
                for one in jobs:
                    self._commit_each(one)
            if stop:
                return

    def _commit_group(self, jobs: list[_Job]) -> None:
        failed: dict[int, BaseException] = {}
        database = self.node.session.store.database
        try:
            with database.write() as db:
                for index, job in enumerate(jobs):
                    try:
                        for raw in job.messages:
                            with db.atomic():  # this message alone rolls back if it fails
                                ingest.ingest(self.node, raw, job.result, via=job.via)
                    except Exception as exc:  # handed to that session's request
                        if not database.conn.in_transaction:
                            raise  # SQLite ended the whole transaction (disk full): all failed
                        failed[index] = exc
        except Exception as exc:  # the COMMIT failed: nothing here is durable
            for job in jobs:
                job.done.set_exception(exc)
            return
        self.commits += 1
        for index, job in enumerate(jobs):
            if index in failed:
                job.done.set_exception(failed[index])
            else:
                job.done.set_result(job.result)

    def _commit_each(self, job: _Job) -> None:
        try:
            for raw in job.messages:
                with self.node.session.store.database.write():
                    ingest.ingest(self.node, raw, job.result, via=job.via)
                self.commits += 1
        except Exception as exc:  # handed to the session's request
            job.done.set_exception(exc)
            return
        job.done.set_result(job.result)
