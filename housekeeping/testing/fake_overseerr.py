"""An Overseerr / Jellyseerr v1 stand-in: status, request list (paged: ``take``, ``skip``,
``pageInfo``), request delete, media delete (its requests with it)."""

from __future__ import annotations

from housekeeping.testing.fake_http import FakeService, Reply


class FakeOverseerr(FakeService):
    routes = [
        ("GET", r"/api/v1/status", "status"),
        ("GET", r"/api/v1/request", "request_list"),
        ("DELETE", r"/api/v1/request/(\d+)", "request_delete"),
        ("DELETE", r"/api/v1/media/(\d+)", "media_delete"),
    ]

    def __init__(self):
        self.requests_made: dict[int, dict] = {}
        self.media: dict[int, dict] = {}
        self._ids = {"request": 0, "media": 0}
        super().__init__()

    def add_request(
        self,
        media_type,
        *,
        tmdb_id,
        tvdb_id=None,
        user="alice",
        created_at="2026-01-02T03:04:05.000Z",
        seasons=(),
    ):
        """Add a request (and its media entry, shared by the requests of the same tmdb id)."""
        media = next(
            (
                m
                for m in self.media.values()
                if m["tmdbId"] == tmdb_id and m["mediaType"] == media_type
            ),
            None,
        )
        if media is None:
            self._ids["media"] += 1
            media = {
                "id": self._ids["media"],
                "mediaType": media_type,
                "tmdbId": tmdb_id,
                "tvdbId": tvdb_id,
                "status": 5,
            }
            self.media[media["id"]] = media
        self._ids["request"] += 1
        request = {
            "id": self._ids["request"],
            "status": 2,
            "type": media_type,
            "createdAt": created_at,
            "media": media,
            "requestedBy": {"id": 1, "displayName": user, "plexUsername": user.lower()},
            "seasons": [{"id": n, "seasonNumber": n} for n in seasons],
        }
        self.requests_made[request["id"]] = request
        return request

    def status(self, match, query, body):
        return {"version": "1.33.2"}

    def request_list(self, match, query, body):
        take = int(query.get("take") or 10)
        skip = int(query.get("skip") or 0)
        everything = sorted(self.requests_made.values(), key=lambda r: r["id"])
        return {
            "pageInfo": {
                "pages": -(-len(everything) // take),
                "pageSize": take,
                "results": len(everything),
                "page": skip // take + 1,
            },
            "results": everything[skip : skip + take],
        }

    def request_delete(self, match, query, body):
        if self.requests_made.pop(int(match.group(1)), None) is None:
            raise Reply(404, {"message": "Request not found."})
        return None

    def media_delete(self, match, query, body):
        media_id = int(match.group(1))
        if self.media.pop(media_id, None) is None:
            raise Reply(404, {"message": "Media not found."})
        for request_id in [
            i for i, r in self.requests_made.items() if r["media"]["id"] == media_id
        ]:
            del self.requests_made[request_id]
        return None
