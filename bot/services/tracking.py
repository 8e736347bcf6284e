"""Following live calls and conferences: each is polled only while live, many at once, so a
cycle stays within the poll interval; their cards change only when something visible did."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from bot.core.domain import NotFound, TelephonyError
from bot.services.calls import Calls
from bot.services.conferences import Conferences
from storage import Database

log = logging.getLogger(__name__)


class LiveTracking:
    def __init__(self, db: Database, calls: Calls, conferences: Conferences, workers: int = 16):
        self._db = db
        self._calls = calls
        self._conferences = conferences
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tracking")
        self.card_updates = 0

    def refresh_all(self) -> int:
        """Refresh every live call and conference; returns how many cards changed."""
        with self._db.transaction() as tx:
            calls = [c.call_id for c in tx.calls.live()]
            conferences = [c.conference_id for c in tx.conferences.live()]
        jobs = [
            self._pool.submit(self._safely, self._calls.refresh, self._calls.forget, c)
            for c in calls
        ]
        jobs += [
            self._pool.submit(self._safely, self._conferences.refresh, self._conferences.forget, c)
            for c in conferences
        ]
        changed = sum(1 for job in jobs if job.result())
        self.card_updates += changed
        return changed

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    @staticmethod
    def _safely(refresh, forget, item_id: str) -> bool:
        try:
            return refresh(item_id)
        except NotFound:
            log.warning("Web21C no longer knows %s; it is shown as ended", item_id)
            return forget(item_id)
        except TelephonyError:
            raise
        except Exception:
            log.exception("refreshing %s failed", item_id)
            return False
