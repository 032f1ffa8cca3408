"""Rendering a recently-added newsletter: the HTML e-mail, its plain-text part and its texts.

:func:`render_newsletter` turns the content read from PMS (one content dict per server, the
shape of :func:`plex.newsletter_content.recently_added_between`) into a
:class:`RenderedNewsletter`. Nothing is written, sent or fetched: the lead's send and the admin's
preview both call it.

Templates are Django templates, ``recently_added.html`` and ``recently_added.txt`` in
``templates/newsletters/``; a file of the same name in the folder of setting
NEWSLETTER_CUSTOM_DIR replaces ours (Tautulli's NEWSLETTER_CUSTOM_DIR). Their context:

* ``parameters``: Tautulli's newsletter parameters (:func:`newsletters.parameters.newsletter_parameters`);
* ``subject``, ``body``, ``message``: the newsletter's texts, formatted; ``message_html``: the
  message for HTML (its HTML kept if it has tags, cleaned by bleach; else lines joined by
  ``<br>``, as Tautulli does);
* ``servers``: per server ``{"name", "web_url", "count", "sections": [{"key": "movie" | "show"
  | "artist" | "other_video", "title": "Movies", "count", "items": [...]}]}``; each item is the
  content dict's with ``poster_url`` (signed, absolute), ``meta`` (year · rating · duration),
  ``genres_text``, ``summary_short``, ``url``; shows add ``season_lines`` (["Season 1 ·
  Episodes 01-03, 05"]); artists add ``album_lines`` (["Album (2024) · 12 tracks"]);
* ``date_range`` ("Nov 15 – Nov 22, 2026"), ``item_count``, ``newsletter_url``, ``preview``.

CSS from the template's ``<style>`` is moved into ``style=""`` attributes by css-inline (setting
NEWSLETTER_INLINE_STYLES, default on); ``@media`` rules stay in a ``<style>`` for clients that
read them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import bleach
import css_inline
from django.conf import settings
from django.template import Context, Engine, TemplateSyntaxError
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from notifications.text import TextFormatError, format_text

from .images import image_url
from .parameters import newsletter_parameters

logger = logging.getLogger(__name__)

HTML_TEMPLATE = "recently_added.html"
TEXT_TEMPLATE = "recently_added.txt"
TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "newsletters"

# Tautulli's default texts (``RecentlyAdded._DEFAULT_SUBJECT`` / ``_DEFAULT_BODY``).
DEFAULT_SUBJECT = "Recently Added to {server_name}! ({end_date})"
DEFAULT_BODY = "View the newsletter here: {newsletter_url}"
DEFAULT_MESSAGE = ""

# Requested sizes (pixels; twice the shown size, for sharp high-density screens).
POSTER_SIZE = (200, 300)
COVER_SIZE = (200, 200)
SUMMARY_CHARS = 260
MESSAGE_TAGS = {"a", "b", "br", "div", "em", "i", "li", "ol", "p", "span", "strong", "u", "ul"}
MESSAGE_ATTRIBUTES = {"a": ["href", "title"]}

SECTIONS = (
    ("movie", "Movies"),
    ("show", "TV Shows"),
    ("artist", "Music"),
    ("other_video", "Other Videos"),
)


class NewsletterTemplateError(ValueError):
    """A newsletter template (ours or a custom one) that cannot be rendered; the message names
    the template and the problem."""


@dataclass
class RenderedNewsletter:
    """One rendered newsletter: ``subject``, ``body``, ``message`` (formatted texts), ``html``
    (the whole e-mail, CSS inlined; also the hosted copy), ``text`` (the plain-text part) and
    the ``parameters`` they were formatted with."""

    subject: str
    body: str
    message: str
    html: str
    text: str
    parameters: dict[str, Any] = field(default_factory=dict)


def render_newsletter(
    newsletter, contents: Sequence[dict], *, uuid: str, preview: bool = False
) -> RenderedNewsletter:
    """The newsletter ``newsletter`` (a :class:`newsletters.models.Newsletter`) over ``contents``
    (one content dict per server, in the order given), whose hosted copy will be
    ``/newsletter/<uuid>``. ``preview``: rendered for the admin (same HTML; the "view online"
    link is left out, as no hosted copy exists yet). No side effects.

    Raises :class:`notifications.text.TextFormatError` ("subject: …") for a malformed subject,
    body or message, :class:`NewsletterTemplateError` for a custom template that fails, and
    ``ValueError`` for a bad time frame in the newsletter's config.
    """
    parameters = newsletter_parameters(newsletter, contents, uuid)
    subject = _format("subject", newsletter.subject or DEFAULT_SUBJECT, parameters)
    body = _format("body", newsletter.body or DEFAULT_BODY, parameters)
    message = _format("message", newsletter.message or DEFAULT_MESSAGE, parameters)

    servers = [_server_context(content) for content in contents]
    servers = [server for server in servers if server["count"]]
    context = {
        "parameters": parameters,
        "subject": subject,
        "body": body,
        "message": message,
        "message_html": _message_html(message),
        "servers": servers,
        "several_servers": len(servers) > 1,
        "item_count": sum(server["count"] for server in servers),
        "date_range": _date_range(parameters["start_date"].value, parameters["end_date"].value),
        "newsletter_url": parameters["newsletter_url"],
        "preview": preview,
    }
    engine = _engine(settings.NEWSLETTER_CUSTOM_DIR)
    html = _render(engine, HTML_TEMPLATE, context)
    if settings.NEWSLETTER_INLINE_STYLES:
        html = _inliner().inline(html)
    text = _render(engine, TEXT_TEMPLATE, context)
    return RenderedNewsletter(subject, body, message, html, text, parameters)


def _format(part: str, template: str, parameters: dict) -> str:
    try:
        return format_text(template, parameters)
    except TextFormatError as exc:
        raise TextFormatError(f"The newsletter's {part} cannot be formatted: {exc}") from exc


def _message_html(message: str) -> str:
    """Tautulli's rule: a message with tags is HTML (here cleaned by bleach), otherwise plain
    text whose lines become ``<br>``-separated paragraphs."""
    if not message:
        return ""
    if "<" in message and ">" in message:
        cleaned = bleach.clean(
            message, tags=MESSAGE_TAGS, attributes=MESSAGE_ATTRIBUTES, strip=True
        )
        return mark_safe(cleaned)  # cleaned by bleach
    return mark_safe(linebreaks(message, autoescape=True))  # escaped by linebreaks


# --- templates ---------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _engine(custom_dir: str) -> Engine:
    """A template engine reading the custom folder first, then ours. Not the cached loader: an
    edited custom template is used at the next run without a restart."""
    dirs = [TEMPLATE_DIR]
    if custom_dir:
        custom = Path(custom_dir)
        if custom.is_dir():
            dirs.insert(0, custom)
        else:
            logger.warning("NEWSLETTER_CUSTOM_DIR %s is not a folder: using our templates", custom)
    return Engine(
        dirs=[str(d) for d in dirs],
        loaders=["django.template.loaders.filesystem.Loader"],
        autoescape=True,
    )


def _render(engine: Engine, name: str, context: dict) -> str:
    try:
        template = engine.get_template(name)
        return template.render(Context(context))
    except TemplateSyntaxError as exc:
        raise NewsletterTemplateError(f"The newsletter template {name} is invalid: {exc}") from exc
    except (LookupError, TypeError, ValueError, AttributeError) as exc:
        raise NewsletterTemplateError(f"The newsletter template {name} failed: {exc}") from exc


@lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    # @media rules cannot be inlined: they stay in a <style> for the clients that read them.
    return css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


# --- context -----------------------------------------------------------------------------------


def _server_context(content: dict) -> dict:
    server = content.get("server") or {}
    server_id = server.get("id")
    sections = []
    for key, title in SECTIONS:
        items = [_item(key, item, server_id) for item in content.get(key) or []]
        if items:
            sections.append({"key": key, "title": title, "count": len(items), "items": items})
    return {
        "name": server.get("name") or "",
        "web_url": server.get("web_url") or "",
        "sections": sections,
        "count": sum(section["count"] for section in sections),
    }


def _item(kind: str, item: dict, server_id: int | None) -> dict:
    width, height = COVER_SIZE if kind == "artist" else POSTER_SIZE
    prepared = dict(item)
    prepared["poster_url"] = image_url(server_id or 0, item.get("thumb") or "", width, height)
    prepared["poster_height"] = 100 if kind == "artist" else 150
    prepared["url"] = item.get("web_url") or ""
    prepared["genres_text"] = ", ".join((item.get("genres") or [])[:3])
    prepared["summary_short"] = Truncator(item.get("summary") or "").chars(SUMMARY_CHARS)
    meta = [str(item["year"])] if item.get("year") else []
    if item.get("content_rating"):
        meta.append(item["content_rating"])
    if kind in ("movie", "other_video") and item.get("duration"):
        meta.append(duration_text(item["duration"]))
    if kind == "show":
        prepared["season_lines"] = [season_line(season) for season in item.get("seasons") or []]
    if kind == "artist":
        prepared["album_lines"] = [album_line(album) for album in item.get("albums") or []]
        count = item.get("album_count") or len(item.get("albums") or [])
        meta = [_plural(count, "album"), _plural(item.get("track_count") or 0, "track")]
    prepared["meta"] = " · ".join(meta)
    return prepared


def duration_text(milliseconds: int) -> str:
    """A running time in ms as "1 h 52 min" / "45 min" (rounded to the minute; "< 1 min"
    below half a minute)."""
    minutes = round(milliseconds / 60000)
    if minutes == 0:
        return "< 1 min"
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def season_line(season: dict) -> str:
    """ "Season 1 · Episodes 01-03, 05" (one episode: "Episode 05"); a season without a number
    is named by its title ("Specials")."""
    index = season.get("media_index")
    name = f"Season {index}" if index else (season.get("title") or "Specials")
    count = season.get("episode_count") or len(season.get("episodes") or [])
    episodes = season.get("episode_range") or ""
    if not episodes:
        return f"{name} · {_plural(count, 'episode')}"
    return f"{name} · {'Episode' if count == 1 else 'Episodes'} {episodes}"


def album_line(album: dict) -> str:
    """ "Album title (2024) · 12 tracks"."""
    title = album.get("title") or ""
    if album.get("year"):
        title = f"{title} ({album['year']})"
    return f"{title} · {_plural(album.get('track_count') or 0, 'track')}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _date_range(start, end) -> str:
    """ "Nov 15 – Nov 22, 2026" (both years when they differ; one day: "Nov 22, 2026")."""
    if start.date() == end.date():
        return end.format("MMM D, YYYY")
    if start.year == end.year:
        return f"{start.format('MMM D')} – {end.format('MMM D, YYYY')}"
    return f"{start.format('MMM D, YYYY')} – {end.format('MMM D, YYYY')}"
