"""Radarr v3 (pyarr's ``RadarrAPI``): list movies, find one by TMDB / IMDb id, unmonitor,
delete (files, import exclusion)."""

from __future__ import annotations

from pyarr import RadarrAPI

from housekeeping.services.arr import ArrClient


class RadarrClient(ArrClient):
    """One Radarr. Errors: :class:`~housekeeping.services.base.ServiceUnavailable`, and
    :class:`~housekeeping.services.base.ServiceNotFound` for a movie id Radarr no longer has."""

    api_class = RadarrAPI

    def movies(self) -> list[dict]:
        """``GET /api/v3/movie``: every movie (Radarr's resource dicts)."""
        return self.call(self.api.get_movie)

    def find_movie(self, *, tmdb_id: str = "", imdb_id: str = "") -> dict | None:
        """The movie with this TMDB id (``GET /movie?tmdbId=``), else this IMDb id (from the
        full list), else ``None`` (Radarr does not have it)."""
        if tmdb_id and str(tmdb_id).isdigit():
            found = self.call(self.api.get_movie, int(tmdb_id), tmdb=True)
            if found:
                return found[0]
        if imdb_id:
            for movie in self.movies():
                if movie.get("imdbId") == imdb_id:
                    return movie
        return None

    def unmonitor(self, movie: dict) -> dict:
        """``PUT /api/v3/movie/{id}`` with ``monitored: false``."""
        return self.put(f"movie/{movie['id']}", {**movie, "monitored": False})

    def delete_movie(self, movie_id: int, *, delete_files: bool, add_exclusion: bool):
        """``DELETE /api/v3/movie/{id}?deleteFiles=&addImportExclusion=``."""
        params = {
            "deleteFiles": "true" if delete_files else "false",
            "addImportExclusion": "true" if add_exclusion else "false",
        }
        return self.delete(f"movie/{movie_id}", params=params)

    def delete_movie_file(self, movie_file_id: int):
        """``DELETE /api/v3/moviefile/{id}``: the file only, the movie stays."""
        return self.delete(f"moviefile/{movie_file_id}")
