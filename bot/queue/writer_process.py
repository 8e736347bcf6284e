"""The work queue's writer in a child process, for `web`.

The process answering Slack hands each accepted request through a pipe to a child (`python
-m bot.queue.writer_process`) that runs the ordinary ThreadWriter. The writes (JSON, SQL, a
commit every burst) then hold neither the answering process's GIL nor, where a CPU is spare,
its CPU: the next ack never waits behind them. A request in the pipe outlives the web
process: when it dies, the child still reads what it was sent, writes it, and exits.

The child reports back one JSON line at a time: requests written, requests given up (their
requesters are told from here, where the front end's `tell` lives), writes failing or working
again, and its log records, which are logged here so that one configuration (and its
redaction of secrets) covers both. If the child dies, this process logs it and writes for
itself from then on.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from typing import BinaryIO

from bot.core.clock import SystemClock
from bot.queue.writer import (
    KEEP_UNWRITTEN,
    Accepted,
    NotAccepted,
    ThreadWriter,
    WriterListener,
    refusal,
)
from storage import Database

log = logging.getLogger(__name__)

START_SECONDS = 30.0  # the child imports SQLAlchemy and opens the database


class ProcessWriter:
    """The `Writer` the web process uses: a child process writes, this one only sends."""

    def __init__(self, db: Database, clock, listener: WriterListener):
        self._db, self._clock, self._listener = db, clock, listener
        self._lock = threading.Lock()
        self._sent = 0
        self._done = 0  # written or given up, as the child reported
        self._failing = False
        self._closing = False
        self._fallback: ThreadWriter | None = None
        self._child = subprocess.Popen(
            [sys.executable, "-m", "bot.queue.writer_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        # The URL may carry the database password: it goes through the pipe, not the
        # command line that any user of the machine can read.
        config = {"database_url": self._db.url}
        self._send(json.dumps(config).encode() + b"\n")
        self._reader = threading.Thread(target=self._read_reports, name="work-writer-reports")
        self._reader.daemon = True
        self._reader.start()

    @property
    def pid(self) -> int:
        return self._child.pid

    @property
    def exit_code(self) -> int | None:
        return self._child.returncode

    @property
    def is_failing(self) -> bool:
        return self._fallback.is_failing if self._fallback else self._failing

    def put(self, request: Accepted) -> None:
        if self._fallback is not None:
            self._fallback.put(request)
            return
        with self._lock:
            reason = refusal(self._failing, self._sent - self._done)
            if reason:
                raise NotAccepted(reason)
            try:
                self._send(request.to_line())
            except OSError:  # the child is gone; its reader switches to the fallback
                raise NotAccepted("its queue writer stopped") from None
            self._sent += 1

    def _send(self, line: bytes) -> None:
        view = memoryview(line)
        while view:
            view = view[os.write(self._child.stdin.fileno(), view) :]

    def unwritten(self) -> int:
        own = self._sent - self._done if self._fallback is None else 0
        return own + (self._fallback.unwritten() if self._fallback else 0)

    def flush(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while self.unwritten():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Let the child write what it was sent, then stop it (it exits when its pipe closes)."""
        self._closing = True
        with self._lock:
            self._child.stdin.close()
        try:
            self._child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log.error(
                "stopping with %d acknowledged requests never written", self._sent - self._done
            )
            self._child.kill()
            self._child.wait()
        self._reader.join(timeout=5)
        if self._fallback is not None:
            self._fallback.close(timeout)

    def _read_reports(self) -> None:
        for line in self._child.stdout:
            try:
                report = json.loads(line)
                self._take(report)
            except Exception:  # a report we cannot read must not stop the ones after it
                log.exception("unreadable report from the work queue's writer: %.200r", line)
        self._child.wait()
        if not self._closing:
            self._child_died()

    def _take(self, report: dict) -> None:
        if "written" in report:
            with self._lock:
                self._done += report["written"]
            self._listener.written(report["written"])
        elif "given_up" in report:
            with self._lock:
                self._done += 1
            self._listener.given_up(Accepted.from_json(report["given_up"]))
        elif "failing" in report:
            self._failing = report["failing"]
            self._listener.failing(self._failing)
        elif "dropped" in report:  # a line the child could not read (logged with it)
            with self._lock:
                self._done += report["dropped"]
        elif "log" in report:
            level, name, message = report["log"]
            logging.getLogger(name).log(level, "%s", message)

    def _child_died(self) -> None:
        with self._lock:
            lost = self._sent - self._done
            self._fallback = ThreadWriter(self._db, self._clock, self._listener)
        log.error(
            "the work queue's writer process exited (code %s); %d acknowledged requests it "
            "had not written may be lost; writing from this process from now on",
            self._child.returncode,
            lost,
        )


# --- the child ---------------------------------------------------------------------------


class _Reports:
    """The child's side of the report pipe (and of WriterListener)."""

    def __init__(self, out: BinaryIO):
        self._out, self._lock = out, threading.Lock()

    def send(self, report: dict) -> None:
        line = json.dumps(report, separators=(",", ":")).encode() + b"\n"
        with self._lock:
            try:
                self._out.write(line)
                self._out.flush()
            except (BrokenPipeError, ValueError):
                pass  # the parent is gone: nobody left to tell

    def written(self, count: int) -> None:
        self.send({"written": count})

    def given_up(self, request: Accepted) -> None:
        self.send({"given_up": request.to_json()})

    def failing(self, now_failing: bool) -> None:
        self.send({"failing": now_failing})


class _ToParent(logging.Handler):
    def __init__(self, reports: _Reports):
        super().__init__()
        self._reports = reports

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
        self._reports.send({"log": [record.levelno, record.name, message]})


def main() -> int:
    # Stopping is the parent's decision: a signal to the whole process group (Ctrl-C, a
    # process manager's TERM) must not drop what is in the pipe; the pipe closing ends it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    stdin, reports = sys.stdin.buffer, _Reports(sys.stdout.buffer)
    root = logging.getLogger()
    root.handlers[:] = [_ToParent(reports)]
    root.setLevel(logging.INFO)
    config = json.loads(stdin.readline())
    db = Database(config["database_url"])
    writer = ThreadWriter(db, SystemClock(), reports)
    for line in stdin:
        try:
            writer.keep(Accepted.from_json(json.loads(line)))
        except Exception:
            logging.getLogger(__name__).exception("unreadable request from the web process")
            reports.send({"dropped": 1})
    writer.close(timeout=KEEP_UNWRITTEN.total_seconds())
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
