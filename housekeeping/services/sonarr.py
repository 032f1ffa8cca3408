"""Sonarr v3 (pyarr's ``SonarrAPI``): list series, find one by TVDB id, episodes and episode
files of a series, unmonitor seasons / episodes, delete episode files or the series."""

from __future__ import annotations

from pyarr import SonarrAPI

from housekeeping.services.arr import ArrClient


class SonarrClient(ArrClient):
    """One Sonarr. Errors: :class:`~housekeeping.services.base.ServiceUnavailable`, and
    :class:`~housekeeping.services.base.ServiceNotFound` for an id Sonarr no longer has."""

    api_class = SonarrAPI

    def series_list(self) -> list[dict]:
        """``GET /api/v3/series``: every series (Sonarr's resource dicts)."""
        return self.call(self.api.get_series)

    def find_series(self, *, tvdb_id: str = "", tmdb_id: str = "") -> dict | None:
        """The series with this TVDB id (``GET /series?tvdbId=``), else one with this TMDB id
        (Sonarr v4 lists ``tmdbId``), else ``None``."""
        if tvdb_id and str(tvdb_id).isdigit():
            found = self.call(self.api.get_series, int(tvdb_id), tvdb=True)
            if isinstance(found, dict):
                found = [found]
            if found:
                return found[0]
        if tmdb_id and str(tmdb_id).isdigit():
            for series in self.series_list():
                if str(series.get("tmdbId") or "") == str(tmdb_id):
                    return series
        return None

    def episodes(self, series_id: int) -> list[dict]:
        """``GET /api/v3/episode?seriesId=``."""
        return self.call(self.api.get_episode, series_id, series=True)

    def episode_files(self, series_id: int) -> list[dict]:
        """``GET /api/v3/episodefile?seriesId=``."""
        return self.call(self.api.get_episode_file, series_id, series=True)

    def monitor_episodes(self, episode_ids: list[int], monitored: bool) -> list[dict]:
        """``PUT /api/v3/episode/monitor`` ``{"episodeIds": [...], "monitored": ...}``."""
        return self.call(self.api.upd_episode_monitor, episode_ids, monitored)

    def update_series(self, series: dict) -> dict:
        """``PUT /api/v3/series/{id}`` with the whole resource."""
        return self.put(f"series/{series['id']}", series)

    def delete_episode_file(self, episode_file_id: int):
        """``DELETE /api/v3/episodefile/{id}``."""
        return self.delete(f"episodefile/{episode_file_id}")

    def delete_episode_files(self, episode_file_ids: list[int]):
        """``DELETE /api/v3/episodefile/bulk`` ``{"episodeFileIds": [...]}``."""
        return self.delete("episodefile/bulk", data={"episodeFileIds": episode_file_ids})

    def delete_series(self, series_id: int, *, delete_files: bool, add_exclusion: bool):
        """``DELETE /api/v3/series/{id}?deleteFiles=&addImportListExclusion=``."""
        params = {
            "deleteFiles": "true" if delete_files else "false",
            "addImportListExclusion": "true" if add_exclusion else "false",
        }
        return self.delete(f"series/{series_id}", params=params)
