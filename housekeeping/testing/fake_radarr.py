"""A Radarr v3 stand-in: system/status, movie list / get / put / delete (``deleteFiles``,
``addImportExclusion``), moviefile delete, diskspace, rootfolder, exclusions."""

from __future__ import annotations

from housekeeping.testing.fake_http import FakeService, Reply, is_true


class FakeRadarr(FakeService):
    routes = [
        ("GET", r"/api/v3/system/status", "status"),
        ("GET", r"/api/v3/movie", "movie_list"),
        ("GET", r"/api/v3/movie/(\d+)", "movie_get"),
        ("PUT", r"/api/v3/movie/(\d+)", "movie_put"),
        ("PUT", r"/api/v3/movie", "movie_put"),
        ("DELETE", r"/api/v3/movie/(\d+)", "movie_delete"),
        ("DELETE", r"/api/v3/moviefile/(\d+)", "moviefile_delete"),
        ("GET", r"/api/v3/diskspace", "diskspace_list"),
        ("GET", r"/api/v3/rootfolder", "rootfolder_list"),
        ("GET", r"/api/v3/exclusions", "exclusion_list"),
    ]

    def __init__(self):
        self.movies: dict[int, dict] = {}
        self.exclusions: list[dict] = []
        self.deleted_files: list[str] = []
        self.rootfolders = [{"id": 1, "path": "/data/movies", "freeSpace": 400, "accessible": True}]
        self.diskspace = [
            {"path": "/", "label": "root", "freeSpace": 10, "totalSpace": 100},
            {"path": "/data", "label": "data", "freeSpace": 400, "totalSpace": 1000},
        ]
        self._next = 1
        super().__init__()

    def add_movie(
        self, title, tmdb_id, *, imdb_id="", year=2020, size=1000, has_file=True, **extra
    ):
        """Add a movie (with a file at ``/data/movies/<title> (<year>)/<title>.mkv``)."""
        movie_id = self._next
        self._next += 1
        path = f"/data/movies/{title} ({year})"
        movie = {
            "id": movie_id,
            "title": title,
            "year": year,
            "tmdbId": int(tmdb_id),
            "imdbId": imdb_id,
            "status": "released",
            "monitored": True,
            "hasFile": has_file,
            "path": path,
            "sizeOnDisk": size if has_file else 0,
            **extra,
        }
        if has_file:
            movie["movieFile"] = {
                "id": 100 + movie_id,
                "movieId": movie_id,
                "relativePath": f"{title}.mkv",
                "path": f"{path}/{title}.mkv",
                "size": size,
            }
        self.movies[movie_id] = movie
        return movie

    def status(self, match, query, body):
        return {"appName": "Radarr", "version": "5.2.6.8376"}

    def movie_list(self, match, query, body):
        movies = list(self.movies.values())
        if "tmdbId" in query or "tmdbid" in query:
            wanted = int(query.get("tmdbId") or query.get("tmdbid"))
            movies = [m for m in movies if m["tmdbId"] == wanted]
        return movies

    def _movie(self, movie_id):
        if int(movie_id) not in self.movies:
            raise Reply(404, {"message": "NotFound"})
        return self.movies[int(movie_id)]

    def movie_get(self, match, query, body):
        return self._movie(match.group(1))

    def movie_put(self, match, query, body):
        movie_id = int(match.group(1)) if match.groups() else int(body["id"])
        movie = self._movie(movie_id)
        movie.update({k: v for k, v in body.items() if k != "id"})
        return movie

    def movie_delete(self, match, query, body):
        movie = self._movie(match.group(1))
        if is_true(query.get("deleteFiles")) and movie.get("movieFile"):
            self.deleted_files.append(movie["movieFile"]["path"])
        if is_true(query.get("addImportExclusion")):
            self.exclusions.append(
                {
                    "id": len(self.exclusions) + 1,
                    "tmdbId": movie["tmdbId"],
                    "movieTitle": movie["title"],
                    "movieYear": movie["year"],
                }
            )
        del self.movies[movie["id"]]
        return None

    def moviefile_delete(self, match, query, body):
        file_id = int(match.group(1))
        for movie in self.movies.values():
            if (movie.get("movieFile") or {}).get("id") == file_id:
                self.deleted_files.append(movie.pop("movieFile")["path"])
                movie.update(hasFile=False, sizeOnDisk=0)
                return None
        raise Reply(404, {"message": "NotFound"})

    def diskspace_list(self, match, query, body):
        return self.diskspace

    def rootfolder_list(self, match, query, body):
        return self.rootfolders

    def exclusion_list(self, match, query, body):
        return self.exclusions
