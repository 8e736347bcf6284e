"""Inbound routes: the keyword a text arrives under decides the Slack channel it goes to."""

from __future__ import annotations

from sqlalchemy import Row, delete, select

from storage.models import RouteRow
from storage.records import Route
from storage.repositories.base import Repository

_t = RouteRow.__table__
CATCH_ALL = "*"  # the route for texts whose keyword has no route of its own


def normalise_keyword(keyword: str) -> str:
    """Keywords match whatever case the sender typed."""
    return keyword.strip().lower()


class RouteRepository(Repository):
    def set(self, keyword: str, channel_id: str, created_by: str) -> Route:
        """Point `keyword` at `channel_id`, replacing any earlier route for it."""
        insert = self._upsert(_t).values(
            keyword=normalise_keyword(keyword),
            channel_id=channel_id,
            created_by=created_by,
            created_at=self._now(),
        )
        self._conn.execute(
            insert.on_conflict_do_update(
                index_elements=[_t.c.keyword],
                set_={
                    "channel_id": insert.excluded.channel_id,
                    "created_by": insert.excluded.created_by,
                    "created_at": insert.excluded.created_at,
                },
            )
        )
        route = self.get(keyword)
        assert route is not None
        return route

    def get(self, keyword: str) -> Route | None:
        row = self._conn.execute(
            select(_t).where(_t.c.keyword == normalise_keyword(keyword))
        ).first()
        return _route(row) if row else None

    def remove(self, keyword: str) -> bool:
        result = self._conn.execute(delete(_t).where(_t.c.keyword == normalise_keyword(keyword)))
        return result.rowcount > 0

    def channel_for(self, keyword: str) -> str | None:
        """The channel for texts under `keyword`: its own route's, else the catch-all's."""
        rows = self._conn.execute(
            select(_t.c.keyword, _t.c.channel_id).where(
                _t.c.keyword.in_([normalise_keyword(keyword), CATCH_ALL])
            )
        ).all()
        by_keyword = dict(rows)
        return by_keyword.get(normalise_keyword(keyword), by_keyword.get(CATCH_ALL))

    def has_own_route(self, keyword: str) -> bool:
        """True if `keyword` is routed by name (the catch-all does not count)."""
        wanted = normalise_keyword(keyword)
        return wanted != CATCH_ALL and self.get(wanted) is not None

    def catch_all(self) -> str | None:
        """The catch-all route's channel, if an admin set one."""
        route = self.get(CATCH_ALL)
        return route.channel_id if route else None

    def all(self) -> list[Route]:
        return [_route(row) for row in self._conn.execute(select(_t).order_by(_t.c.keyword))]


def _route(row: Row) -> Route:
    return Route(
        keyword=row.keyword,
        channel_id=row.channel_id,
        created_by=row.created_by,
        created_at=row.created_at,
    )
