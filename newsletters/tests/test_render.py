"""Rendering a newsletter (newsletters.render, newsletters.parameters) from hand-built content
dicts in the content contract's shape: sections, Tautulli's ranges, several servers, the
plain-text part, Tautulli's parameters at the frozen clock (2026-11-22 10:30 UTC, a Sunday),
custom templates, inlined CSS, and no Plex token anywhere."""

import datetime as dt
import re
from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest
from model_bakery import baker

from newsletters.images import read_token
from newsletters.models import Newsletter
from newsletters.parameters import newsletter_parameters, newsletter_window
from newsletters.render import NewsletterTemplateError, duration_text, render_newsletter
from notifications.text import TextFormatError
from servers.models import Server

from . import content as c

UUID = "a1b2c3d4"


class _Text(HTMLParser):
    """The text of an HTML document outside <head>, and every <img>'s src."""

    def __init__(self):
        super().__init__()
        self.parts, self.images, self._head = [], [], False

    def handle_starttag(self, tag, attrs):
        self._head = self._head or tag == "head"
        if tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_endtag(self, tag):
        if tag == "head":
            self._head = False

    def handle_data(self, data):
        if not self._head:
            self.parts.append(data)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.names = set()

    def handle_starttag(self, tag, attrs):
        self.names.add(tag)


def visible(html: str) -> tuple[str, list[str]]:
    """(visible text, image URLs) of ``html``: the preheader is cut out first."""
    html = re.sub(r'<div class="preheader"[^>]*>.*?</div>', "", html, flags=re.S)
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split()), parser.images


def newsletter(**fields):
    values = {"id_name": "weekly", "config": {"time_frame": 7, "time_frame_units": "days"}}
    values.update(fields)
    pk = values.pop("pk", 5)
    return Newsletter(pk=pk, **values)


def one_server_content():
    return c.content(
        1,
        movies=[
            c.movie(
                "Arrival",
                year=2016,
                genres=["Drama", "Sci-Fi", "Mystery", "Extra"],
                summary=c.LOREM * 2,
            )
        ],
        shows=[
            c.show(
                "Severance",
                seasons=[
                    c.season(1, [1, 2, 3, 5], "01-03, 05"),
                    c.season(2, [4], "04"),
                    c.season(0, [1], "01"),
                ],
            )
        ],
        artists=[c.artist("Khruangbin")],
        other_video=[c.movie("Holiday 2025", year=None, genres=[], content_rating="")],
    )


# --- sections and ranges ---------------------------------------------------------------------


def test_each_section_lists_its_items_with_tautullis_ranges():
    rendered = render_newsletter(newsletter(), [one_server_content()], uuid=UUID)
    text, images = visible(rendered.html)

    # Header: the server and the window's dates.
    assert "Recently added Winterfell Nov 15 – Nov 22, 2026 · 4 new items" in text
    # Sections in Tautulli's order, each with its count.
    order = [
        text.index(f"{title} · 1") for title in ("Movies", "TV Shows", "Music", "Other Videos")
    ]
    assert order == sorted(order)
    # A movie: title, year · rating · running time, three genres, the summary trimmed.
    assert "Arrival 2016 · PG-13 · 1 h 56 min Drama, Sci-Fi, Mystery A retired cartographer" in text
    assert "Extra" not in text
    summary = re.search(r"A retired cartographer[^·]*?…", text).group()
    assert 200 < len(summary) <= 260 and summary.count("A retired cartographer") == 1
    # A show: one line per season, the episode ranges as the content gives them.
    assert "Season 1 · Episodes 01-03, 05" in text
    assert "Season 2 · Episode 04" in text
    assert "Specials · Episode 01" in text
    # An artist: albums with their track counts.
    assert "Khruangbin 2 albums · 13 tracks" in text
    assert "A La Sala (2024) · 12 tracks" in text and "Mordechai (2020) · 1 track" in text
    # Other videos: without year or genres.
    assert "Holiday 2025 1 h 56 min" in text
    # Posters: one per item, our signed image URLs (posters 2:3, album covers square).
    assert len(images) == 4
    sizes = [read_token(urlparse(url).path.rsplit("/", 1)[1])[2:] for url in images]
    assert sizes == [(200, 300), (200, 300), (200, 200), (200, 300)]
    # Titles link to the item in Plex Web.
    assert (
        'href="https://app.plex.tv/desktop#!/server/ds48g4r354a8v9byrrtr697g3g79w/details?key='
        in (rendered.html)
    )


def test_several_servers_follow_one_another_with_their_own_images():
    first = c.content(1, "Winterfell", movies=[c.movie("Arrival")])
    second = c.content(
        2,
        "Kings Landing",
        mid="kl000",
        shows=[c.show("The Wire", mid="kl000")],
        libraries=[{"section_id": 7, "section_name": "Series", "section_type": "show"}],
    )
    empty = c.content(3, "Dorne", mid="dorne")
    rendered = render_newsletter(newsletter(), [first, second, empty], uuid=UUID)
    text, images = visible(rendered.html)

    assert rendered.subject == "Recently Added to Winterfell, Kings Landing, Dorne! (2026-11-22)"
    winterfell = text.index("Winterfell · 1 new item")
    kings = text.index("Kings Landing · 1 new item")
    assert winterfell < text.index("Arrival") < kings < text.index("The Wire")
    assert "Dorne · " not in text  # a server with nothing new has no section
    assert [read_token(urlparse(url).path.rsplit("/", 1)[1])[0] for url in images] == [1, 2]
    assert rendered.parameters["newsletter_libraries"] == "Movies, Music, Series, TV Shows"
    assert rendered.parameters["pms_identifier"] == c.MID  # the first server's


def test_the_plain_text_part():
    rendered = render_newsletter(
        newsletter(message="Popcorn ready?"), [one_server_content()], uuid=UUID
    )
    text = rendered.text
    assert text.startswith("Recently added to Winterfell\nNov 15 – Nov 22, 2026 · 4 new items\n")
    assert "Popcorn ready?" in text
    assert "MOVIES (1)\n\n* Arrival (2016 · PG-13 · 1 h 56 min)\n  Drama, Sci-Fi, Mystery\n" in text
    assert "* Severance (2022 · PG-13)\n  Drama, Mystery\n  Season 1 · Episodes 01-03, 05\n" in text
    assert "  A La Sala (2024) · 12 tracks\n  Mordechai (2020) · 1 track\n" in text
    assert "OTHER VIDEOS (1)" in text
    assert text.rstrip().endswith(
        f"View this newsletter in your browser: http://localhost:8181/newsletter/{UUID}"
    )
    assert "<" not in text and "&amp;" not in text


def test_nothing_added_says_so():
    rendered = render_newsletter(newsletter(), [c.content(1)], uuid=UUID)
    assert "Nothing was added between 2026-11-15 and 2026-11-22." in visible(rendered.html)[0]
    assert "Nothing was added between 2026-11-15 and 2026-11-22." in rendered.text


def test_titles_and_messages_are_escaped_or_cleaned():
    nasty = c.content(1, "<Win>", movies=[c.movie("<script>alert(1)</script> & Co")])
    message = 'Hello <b>friends</b><script>steal()</script> <a href="https://x.example">more</a>'
    rendered = render_newsletter(newsletter(message=message), [nasty], uuid=UUID)
    tags = _Tags()
    tags.feed(rendered.html)
    assert "script" not in tags.names  # the title is text (html5 keeps "<" as is in alt="")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in rendered.html
    assert "<b" in rendered.html and "friends</b>" in rendered.html
    assert 'href="https://x.example"' in rendered.html
    plain = render_newsletter(newsletter(message="Line one\nLine two"), [nasty], uuid=UUID)
    assert re.search(r"Line one<br[^>]*>Line two", plain.html)


def test_preview_is_the_same_page_without_the_online_link():
    contents = [one_server_content()]
    sent = render_newsletter(newsletter(), contents, uuid=UUID)
    preview = render_newsletter(newsletter(), contents, uuid=UUID, preview=True)
    assert f"/newsletter/{UUID}" in sent.html and f"/newsletter/{UUID}" not in preview.html
    sent_text, sent_images = visible(sent.html)
    preview_text, preview_images = visible(preview.html)
    assert preview_images == sent_images
    online = (
        "Trouble reading this e-mail? View it in your browser ",
        " Open this newsletter in your browser",
    )
    assert sent_text.replace(online[0], "").replace(online[1], "") == preview_text
    assert (preview.subject, preview.body) == (sent.subject, sent.body)


# --- texts and parameters --------------------------------------------------------------------


def test_parameters_at_the_frozen_clock(settings):
    settings.HTTP_BASE_URL = "https://tautulli.example.com/"
    settings.NEWSLETTER_PASSWORD = "letmein"
    parameters = newsletter_parameters(newsletter(pk=9), [one_server_content()], UUID)
    printable = {key: str(value) for key, value in parameters.items()}
    assert printable == {
        "server_name": "Winterfell",
        "start_date": "2026-11-15",
        "end_date": "2026-11-22",
        "current_year": "2026",
        "current_month": "11",
        "current_day": "15",
        "current_hour": "10",
        "current_minute": "30",
        "current_second": "0",
        "current_weekday": "7",
        "current_week": "46",
        "week_number": "46",
        "newsletter_time_frame": "7",
        "newsletter_time_frame_units": "days",
        "newsletter_url": f"https://tautulli.example.com/newsletter/{UUID}",
        "newsletter_static_url": "https://tautulli.example.com/newsletter/id/weekly",
        "newsletter_uuid": UUID,
        "newsletter_id": "9",
        "newsletter_id_name": "weekly",
        "newsletter_password": "letmein",
        "newsletter_libraries": "Movies, Music, TV Shows",
        "pms_identifier": c.MID,
        "pms_web_url": "https://app.plex.tv/desktop",
    }
    assert isinstance(parameters["week_number"], int)


def test_dates_are_the_servers_local_days(settings):
    # 10:30 UTC is already the 23rd at Kiritimati (UTC+14).
    settings.TIME_ZONE = "Pacific/Kiritimati"
    parameters = newsletter_parameters(newsletter(), [one_server_content()], UUID)
    assert (str(parameters["start_date"]), str(parameters["end_date"])) == (
        "2026-11-16",
        "2026-11-23",
    )
    assert (parameters["current_day"], parameters["current_hour"]) == (16, 0)


def test_without_content_the_window_ends_now():
    parameters = newsletter_parameters(
        newsletter(config={"time_frame": "36", "time_frame_units": "hours"}), [], UUID
    )
    assert str(parameters["start_date"]) == "2026-11-20" and parameters["current_hour"] == 22
    assert str(parameters["end_date"]) == "2026-11-22"
    assert parameters["server_name"] == "" and parameters["newsletter_time_frame"] == 36


def test_the_window_in_hours_days_and_calendar_months(settings):
    settings.TIME_ZONE = "Europe/Paris"
    now = dt.datetime(2026, 3, 31, 10, 0, tzinfo=dt.UTC)  # 12:00 in Paris (summer time)

    def window(amount, units):
        start, end = newsletter_window(
            newsletter(config={"time_frame": amount, "time_frame_units": units}), now
        )
        assert end == now and end.utcoffset() == dt.timedelta(hours=2)
        return start.isoformat()

    assert window(6, "hours") == "2026-03-31T06:00:00+02:00"
    # A week back crosses the change to summer time (29 March): same wall-clock time.
    assert window(7, "days") == "2026-03-24T12:00:00+01:00"
    # A calendar month back from 31 March is 28 February.
    assert window(1, "months") == "2026-02-28T12:00:00+01:00"
    # Tautulli's defaults: 7 days.
    start, _ = newsletter_window(newsletter(config={}), now)
    assert start.isoformat() == "2026-03-24T12:00:00+01:00"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"time_frame": "soon"}, "not a whole number"),
        ({"time_frame": 0}, "at least 1"),
        ({"time_frame": 2, "time_frame_units": "weeks"}, "hours, days or months"),
    ],
)
def test_a_bad_time_frame_is_a_clear_error(config, message):
    with pytest.raises(ValueError, match=message):
        render_newsletter(newsletter(config=config), [one_server_content()], uuid=UUID)


def test_subject_body_and_message_use_the_notification_formatter():
    letter = newsletter(
        subject="{server_name} week {week_number}: {start_date:MMM D} to {end_date:MMM D}",
        body="{newsletter_libraries}{ (<newsletter_time_frame> days)} {unknown}",
        message="Read it at {newsletter_static_url}",
    )
    rendered = render_newsletter(letter, [one_server_content()], uuid=UUID)
    assert rendered.subject == "Winterfell week 46: Nov 15 to Nov 22"
    assert rendered.body == "Movies, Music, TV Shows (7 days) {unknown}"
    assert rendered.message == "Read it at http://localhost:8181/newsletter/id/weekly"
    assert rendered.message in visible(rendered.html)[0]
    # Tautulli's default body when none is set.
    default = render_newsletter(newsletter(), [one_server_content()], uuid=UUID)
    assert default.body == f"View the newsletter here: http://localhost:8181/newsletter/{UUID}"


@pytest.mark.parametrize("part", ["subject", "body", "message"])
def test_a_malformed_text_is_a_clear_error(part):
    with pytest.raises(TextFormatError, match=f"newsletter's {part} cannot be formatted"):
        render_newsletter(newsletter(**{part: "Oops {server_name"}), [c.content(1)], uuid=UUID)


# --- templates and CSS -----------------------------------------------------------------------


def test_css_is_inlined(settings):
    rendered = render_newsletter(newsletter(), [one_server_content()], uuid=UUID)
    html = rendered.html
    # Only the @media rules stay in a <style> (mail clients that read it get the phone layout).
    styles = re.findall(r"<style>(.*?)</style>", html, flags=re.S)
    assert len(styles) == 1 and styles[0].strip().startswith("@media")
    assert re.search(r'<td class="header" style="[^"]*background-color: #1f2326', html)
    poster = re.search(r'<img class="poster"[^>]*alt="Arrival"[^>]*>', html).group()
    assert 'style="border: 0;' in poster and "width: 100px;" in poster

    settings.NEWSLETTER_INLINE_STYLES = False
    kept = render_newsletter(newsletter(), [one_server_content()], uuid=UUID).html
    assert '<td class="header">' in kept and ".header { background-color" in kept


def test_a_custom_template_replaces_ours(settings, tmp_path):
    (tmp_path / "recently_added.html").write_text(
        "<html><head><style>.x { color: red; }</style></head><body>"
        "<p class='x'>{{ parameters.server_name }}: {% for s in servers %}{% for sec in s.sections %}"
        "{% for i in sec.items %}[{{ i.title }}]{% endfor %}{% endfor %}{% endfor %}</p></body></html>"
    )
    settings.NEWSLETTER_CUSTOM_DIR = str(tmp_path)
    rendered = render_newsletter(newsletter(), [one_server_content()], uuid=UUID)
    assert (
        '<p class="x" style="color: red;">Winterfell: [Arrival][Severance][Khruangbin][Holiday 2025]</p>'
        in (rendered.html)
    )
    # The text part was not replaced: ours.
    assert rendered.text.startswith("Recently added to Winterfell")

    (tmp_path / "recently_added.html").write_text("{% for x in %}")
    with pytest.raises(NewsletterTemplateError, match="recently_added.html is invalid"):
        render_newsletter(newsletter(), [one_server_content()], uuid=UUID)


@pytest.mark.django_db
def test_no_plex_token_in_the_newsletter():
    server = baker.make(
        Server, name="Winterfell", url="http://192.0.2.7:32400", token="tok-SECRET-42"
    )
    rendered = render_newsletter(newsletter(), [c.big_content(server.pk, 20)], uuid=UUID)
    for part in (rendered.html, rendered.text, rendered.subject, rendered.body):
        assert "tok-SECRET-42" not in part and "X-Plex-Token" not in part
        assert "192.0.2.7" not in part
    images = visible(rendered.html)[1]
    assert len(images) == 20
    assert all(url.startswith("http://localhost:8181/newsletter/image/") for url in images)
    server_id, path, width, height = read_token(images[0].rsplit("/", 1)[1])
    # The image proxy's path: the item's poster without its timestamp.
    assert (server_id, width, height) == (server.pk, 200, 300)
    assert re.fullmatch(r"/library/metadata/\d+/thumb", path)


@pytest.mark.parametrize(
    "milliseconds, text",
    [(7_603_062, "2 h 07 min"), (3_600_000, "1 h"), (2_700_000, "45 min"), (10_000, "< 1 min")],
)
def test_running_times_read_naturally(milliseconds, text):
    assert duration_text(milliseconds) == text
