"""A Sonarr v3 stand-in: system/status, series list / get / put / delete (``deleteFiles``,
``addImportListExclusion``), episode?seriesId, episode/monitor, episodefile?seriesId,
episodefile/{id} and episodefile/bulk delete, diskspace, rootfolder, importlistexclusion."""

from __future__ import annotations

from housekeeping.testing.fake_http import FakeService, Reply, is_true


class FakeSonarr(FakeService):
    routes = [
        ("GET", r"/api/v3/system/status", "status"),
        ("GET", r"/api/v3/series", "series_list"),
        ("GET", r"/api/v3/series/(\d+)", "series_get"),
        ("PUT", r"/api/v3/series/(\d+)", "series_put"),
        ("DELETE", r"/api/v3/series/(\d+)", "series_delete"),
        ("GET", r"/api/v3/episode", "episode_list"),
        ("PUT", r"/api/v3/episode/monitor", "episode_monitor"),
        ("GET", r"/api/v3/episodefile", "episodefile_list"),
        ("DELETE", r"/api/v3/episodefile/bulk", "episodefile_bulk_delete"),
        ("DELETE", r"/api/v3/episodefile/(\d+)", "episodefile_delete"),
        ("GET", r"/api/v3/diskspace", "diskspace_list"),
        ("GET", r"/api/v3/rootfolder", "rootfolder_list"),
        ("GET", r"/api/v3/importlistexclusion", "exclusion_list"),
    ]

    def __init__(self):
        self.series: dict[int, dict] = {}
        self.episodes: dict[int, dict] = {}
        self.files: dict[int, dict] = {}
        self.exclusions: list[dict] = []
        self.deleted_files: list[str] = []
        self.rootfolders = [{"id": 1, "path": "/data/tv", "freeSpace": 400}]
        self.diskspace = [
            {"path": "/", "label": "root", "freeSpace": 10, "totalSpace": 100},
            {"path": "/data", "label": "data", "freeSpace": 400, "totalSpace": 1000},
        ]
        self._ids = {"series": 0, "episode": 0, "file": 0}
        super().__init__()

    def _next(self, kind):
        self._ids[kind] += 1
        return self._ids[kind]

    def add_series(self, title, tvdb_id, seasons: dict[int, int], *, status="ended", size=100):
        """Add a series; ``seasons`` maps season number → episode count, every episode with a
        file of ``size`` bytes at ``/data/tv/<title>/Season NN/<title> SxxEyy.mkv``."""
        series_id = self._next("series")
        path = f"/data/tv/{title}"
        series = {
            "id": series_id,
            "title": title,
            "year": 2015,
            "tvdbId": int(tvdb_id),
            "imdbId": "",
            "status": status,
            "monitored": True,
            "path": path,
            "seasons": [{"seasonNumber": n, "monitored": True} for n in sorted(seasons)],
        }
        for season_number, count in seasons.items():
            for episode_number in range(1, count + 1):
                name = f"{title} S{season_number:02d}E{episode_number:02d}.mkv"
                file_id = self._next("file")
                self.files[file_id] = {
                    "id": file_id,
                    "seriesId": series_id,
                    "seasonNumber": season_number,
                    "path": f"{path}/Season {season_number:02d}/{name}",
                    "size": size,
                }
                episode_id = self._next("episode")
                self.episodes[episode_id] = {
                    "id": episode_id,
                    "seriesId": series_id,
                    "seasonNumber": season_number,
                    "episodeNumber": episode_number,
                    "episodeFileId": file_id,
                    "hasFile": True,
                    "monitored": True,
                }
        self.series[series_id] = series
        return self._resource(series)

    def _resource(self, series):
        files = [f for f in self.files.values() if f["seriesId"] == series["id"]]
        seasons = []
        for season in series["seasons"]:
            own = [f for f in files if f["seasonNumber"] == season["seasonNumber"]]
            seasons.append(
                {
                    **season,
                    "statistics": {
                        "episodeFileCount": len(own),
                        "sizeOnDisk": sum(f["size"] for f in own),
                    },
                }
            )
        return {
            **series,
            "seasons": seasons,
            "statistics": {
                "episodeFileCount": len(files),
                "sizeOnDisk": sum(f["size"] for f in files),
            },
        }

    def _series(self, series_id):
        if int(series_id) not in self.series:
            raise Reply(404, {"message": "NotFound"})
        return self.series[int(series_id)]

    def status(self, match, query, body):
        return {"appName": "Sonarr", "version": "3.0.10.1567"}

    def series_list(self, match, query, body):
        series = list(self.series.values())
        if "tvdbId" in query:
            series = [s for s in series if s["tvdbId"] == int(query["tvdbId"])]
        return [self._resource(s) for s in series]

    def series_get(self, match, query, body):
        return self._resource(self._series(match.group(1)))

    def series_put(self, match, query, body):
        series = self._series(match.group(1))
        series["monitored"] = body.get("monitored", series["monitored"])
        if "seasons" in body:
            series["seasons"] = [
                {"seasonNumber": s["seasonNumber"], "monitored": s.get("monitored", True)}
                for s in body["seasons"]
            ]
        return self._resource(series)

    def series_delete(self, match, query, body):
        series = self._series(match.group(1))
        for file_id in [i for i, f in self.files.items() if f["seriesId"] == series["id"]]:
            if is_true(query.get("deleteFiles")):
                self.deleted_files.append(self.files[file_id]["path"])
            del self.files[file_id]
        for episode_id in [i for i, e in self.episodes.items() if e["seriesId"] == series["id"]]:
            del self.episodes[episode_id]
        if is_true(query.get("addImportListExclusion")):
            self.exclusions.append(
                {
                    "id": len(self.exclusions) + 1,
                    "tvdbId": series["tvdbId"],
                    "title": series["title"],
                }
            )
        del self.series[series["id"]]
        return None

    def episode_list(self, match, query, body):
        series_id = int(query.get("seriesId") or 0)
        return [e for e in self.episodes.values() if e["seriesId"] == series_id]

    def episode_monitor(self, match, query, body):
        changed = []
        for episode_id in body.get("episodeIds") or []:
            if episode_id in self.episodes:
                self.episodes[episode_id]["monitored"] = bool(body.get("monitored"))
                changed.append(self.episodes[episode_id])
        return changed

    def episodefile_list(self, match, query, body):
        series_id = int(query.get("seriesId") or 0)
        return [f for f in self.files.values() if f["seriesId"] == series_id]

    def _delete_file(self, file_id):
        if file_id not in self.files:
            raise Reply(404, {"message": "NotFound"})
        self.deleted_files.append(self.files.pop(file_id)["path"])
        for episode in self.episodes.values():
            if episode.get("episodeFileId") == file_id:
                episode.update(episodeFileId=0, hasFile=False)

    def episodefile_delete(self, match, query, body):
        self._delete_file(int(match.group(1)))
        return None

    def episodefile_bulk_delete(self, match, query, body):
        for file_id in (body or {}).get("episodeFileIds") or []:
            self._delete_file(int(file_id))
        return None

    def diskspace_list(self, match, query, body):
        return self.diskspace

    def rootfolder_list(self, match, query, body):
        return self.rootfolders

    def exclusion_list(self, match, query, body):
        return self.exclusions
