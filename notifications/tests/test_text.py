"""Notification texts as a user writes them (reference 4.5); the examples of Tautulli's
"Notification Text Modifiers" help where it has one."""

import json
import logging

import arrow
import pytest

from core.events import Action
from notifications.defaults import DEFAULT_BODIES, DEFAULT_SUBJECT, default_texts
from notifications.text import (
    HTML_KEEP,
    HTML_PUSHOVER,
    HTML_STRIP,
    HTML_TELEGRAM,
    MODE_JSON,
    MODE_SCRIPT,
    DateValue,
    TextFormatError,
    clean_html,
    format_json,
    format_script_args,
    format_text,
    media_type_blocks,
    render,
)

STARTED = arrow.get("2023-12-25T21:56:00+00:00")
PARAMS = {
    "server_name": "Home",
    "user": "Alice",
    "player": "Living Room",
    "title": "Terminator 2",
    "year": 1991,
    "rating": "8.9",
    "duration": "110",
    "stream_bandwidth": "6890",
    "video_codec": "hevc",
    "content_rating": "TV-PG",
    "media_type": "movie",
    "actors": "arnold schwarzenegger, linda hamilton, edward furlong, robert patrick, joe morton",
    "genres": ["Action", "Science Fiction"],
    "tagline": "",
    "progress_percent": 7,
    "started_datestamp": DateValue(STARTED, "YYYY-MM-DD"),
    "stopped_timestamp": DateValue(STARTED, "HH:mm"),
    "duration_time": DateValue(arrow.get(6140), "HH:mm"),
}


def fmt(template, **extra):
    return format_text(template, {**PARAMS, **extra}, allow_eval=False)


class TestFields:
    def test_parameters_are_replaced(self):
        assert fmt("{user} ({player}) started playing {title}.") == (
            "Alice (Living Room) started playing Terminator 2."
        )

    def test_unknown_parameter_is_left_as_written(self):
        assert fmt("{user} on {no_such_thing}") == "Alice on {no_such_thing}"
        assert fmt("{0} {}") == "{0} {}"

    def test_lone_backtick_is_ordinary(self):
        assert fmt("`{user}` {`x}") == "`Alice` {`x}"

    def test_double_braces_are_literal_braces(self):
        assert fmt("{{user}} is {user}") == "{user} is Alice"

    def test_empty_and_none_values_print_nothing(self):
        assert fmt("[{tagline}]") == "[]"
        assert fmt("[{tagline}]", tagline=None) == "[]"

    def test_numbers_take_python_format_specs(self):
        assert fmt("{progress_percent:03d}%") == "007%"

    def test_a_spec_that_does_not_fit_the_value_is_ignored(self):
        assert fmt("{title:d}") == "Terminator 2"


class TestCaseModifiers:
    @pytest.mark.parametrize(
        ("template", "expected"),
        [
            ("{video_codec!u}", "HEVC"),
            ("{content_rating!l}", "tv-pg"),
            ("{media_type!c}", "Movie"),
            ("{title!s}", "Terminator 2"),
            ("{title!r}", "'Terminator 2'"),
            ("{title!x}", "Terminator 2"),  # an unknown letter is ignored, as Tautulli
        ],
    )
    def test_modifier(self, template, expected):
        assert fmt(template) == expected

    def test_modifier_on_an_unknown_parameter_applies_to_its_text(self):
        assert fmt("{nothing!u}") == "{NOTHING}"


class TestDates:
    def test_arrow_tokens_after_the_colon(self):
        assert fmt("{started_datestamp:ddd, MMMM DD, YYYY}") == "Mon, December 25, 2023"
        assert fmt("{stopped_timestamp:h:mm a}") == "9:56 pm"
        assert fmt("{duration_time:HH:mm:ss}") == "01:42:20"

    def test_without_tokens_the_default_format(self):
        assert fmt("{started_datestamp} {stopped_timestamp}") == "2023-12-25 21:56"
        assert str(PARAMS["started_datestamp"]) == "2023-12-25"
        assert str(DateValue(STARTED)) == "2023-12-25T21:56:00+00:00"

    def test_format_method(self):
        assert PARAMS["started_datestamp"].format("DD/MM") == "25/12"


class TestListSlicing:
    @pytest.mark.parametrize(
        ("template", "expected"),
        [
            ("{actors:[0]}", "arnold schwarzenegger"),
            ("{actors:[:2]}", "arnold schwarzenegger, linda hamilton"),
            ("{actors:[3:]}", "robert patrick, joe morton"),
            ("{actors:[1:3]}", "linda hamilton, edward furlong"),
            ("{actors:[-1]}", "joe morton"),
            ("{genres:[1]}", "Science Fiction"),  # a real list
            ("{genres}", "Action, Science Fiction"),
        ],
    )
    def test_slice(self, template, expected):
        assert fmt(template) == expected

    def test_slice_of_an_empty_value_is_empty(self):
        assert fmt("[{tagline:[:2]}]") == "[]"

    def test_empty_index_is_an_error(self):
        with pytest.raises(TextFormatError, match=r"\[\]"):
            fmt("{actors:[]}")


class TestPrefixSuffix:
    @pytest.mark.parametrize(
        ("template", "expected"),
        [
            ("{Rating: <rating}", "Rating: 8.9"),
            ("{rating>/10}", "8.9/10"),
            ("{Rating: <rating>/10}", "Rating: 8.9/10"),
            ("{title}{ (<year>)}", "Terminator 2 (1991)"),
            ("{Line one\\n<title>\\nend}", "Line one\nTerminator 2\nend"),
        ],
    )
    def test_printed_around_a_value(self, template, expected):
        assert fmt(template) == expected

    def test_dropped_with_an_empty_value(self):
        assert fmt("Rating: {rating}/10", rating="") == "Rating: /10"
        assert fmt("[{Rating: <rating>/10}]", rating="") == "[]"

    def test_combined_with_modifier_and_slice(self):
        assert (
            fmt("{Starring <actors!c:[0]> as the main character.}")
            == "Starring Arnold Schwarzenegger as the main character."
        )


class TestExpressions:
    @pytest.mark.parametrize(
        ("template", "expected"),
        [
            ("{`float(rating) * 10`>%}", "89.0%"),
            ('{`"%d hr %d min" % divmod(int(duration), 60)`}', "1 hr 50 min"),
            ("{`round(float(stream_bandwidth) / 1000, 1)`> Mbps}", "6.9 Mbps"),
            ("{`int(duration) > 60`}", "True"),
            ("{`int(title)`}", "0"),  # Tautulli's forgiving casts
            ("{`len(actors.split(','))`}", "5"),
        ],
    )
    def test_evaluated_when_enabled(self, template, expected):
        assert format_text(template, PARAMS, allow_eval=True) == expected

    def test_left_as_written_when_disabled(self, settings):
        settings.NOTIFY_TEXT_EVAL = False
        assert format_text("{`int(duration) // 60`} min", PARAMS) == "{`int(duration) // 60`} min"

    def test_setting_enables_them(self, settings):
        settings.NOTIFY_TEXT_EVAL = True
        assert format_text("{`int(duration) // 60`} h", PARAMS) == "1 h"

    @pytest.mark.parametrize(
        "expression",
        [
            "title.__class__",
            'open("/etc/passwd")',
            "__import__('os')",
            "1/0",
            "nothing + 1",
            "int(",
        ],
    )
    def test_a_failing_or_forbidden_expression_prints_itself(self, expression, caplog):
        with caplog.at_level(logging.ERROR, logger="notifications.text"):
            result = format_text(f"x {{`{expression}`}}", PARAMS, allow_eval=True)
        assert result == f"x `{expression}`"
        assert "Failed to evaluate" in caplog.text


class TestMalformed:
    @pytest.mark.parametrize(
        ("template", "message"),
        [
            ("{user", "never closed"),
            ("user}", "lone '}'"),
            ("{title.__class__}", "attribute and index access"),
            ("{actors[0]}", "attribute and index access"),
            ("{title!}", "conversion letter"),
            ("{title!uu}", "after the conversion"),
        ],
    )
    def test_raises_a_readable_error(self, template, message):
        with pytest.raises(TextFormatError, match=message):
            fmt(template)

    def test_error_is_a_value_error(self):
        assert issubclass(TextFormatError, ValueError)


class TestMediaTypeBlocks:
    TEMPLATE = (
        "<movie>Movie {title}</movie><show>Show</show><season>Season</season>"
        "<episode>Episode</episode><artist>Artist</artist><album>Album</album><track>Track</track>!"
    )

    @pytest.mark.parametrize(
        ("media_type", "expected"),
        [
            ("movie", "Movie {title}!"),
            ("show", "Show!"),
            ("season", "Season!"),
            ("episode", "Episode!"),
            ("artist", "Artist!"),
            ("album", "Album!"),
            ("track", "Track!"),
            ("clip", "!"),
            ("photo", "!"),
            (None, "!"),
        ],
    )
    def test_only_the_matching_block_is_kept(self, media_type, expected):
        assert media_type_blocks(self.TEMPLATE, media_type) == expected

    def test_case_insensitive_and_across_lines(self):
        assert media_type_blocks("a<MOVIE>\nb\n</Movie>c<Show>x\ny</show>", "movie") == "a\nb\nc"


class TestHtml:
    TEXT = '<b>Bold</b> & <i>it</i> <u>u</u> <a href="http://x/">link</a> <font color="red">red</font> <span class="tg-spoiler">s</span> <small>para</small>'

    def test_keep_leaves_html(self):
        assert clean_html(self.TEXT, HTML_KEEP) == self.TEXT

    def test_strip_gives_plain_text(self):
        assert clean_html(self.TEXT, HTML_STRIP) == "Bold & it u link red s para"

    def test_pushover_subset(self):
        assert clean_html(self.TEXT, HTML_PUSHOVER) == (
            '<b>Bold</b> &amp; <i>it</i> <u>u</u> <a href="http://x/">link</a> '
            '<font color="red">red</font> s para'
        )

    def test_telegram_subset(self):
        assert clean_html(self.TEXT, HTML_TELEGRAM) == (
            '<b>Bold</b> &amp; <i>it</i> <u>u</u> <a href="http://x/">link</a> red '
            '<span class="tg-spoiler">s</span> para'
        )

    def test_prefix_and_suffix_markers_are_not_html(self):
        assert clean_html("<b>{title}</b>{ (<year>)}", HTML_STRIP) == "{title}{ (<year>)}"

    def test_unknown_policy(self):
        with pytest.raises(ValueError, match="unknown HTML policy"):
            clean_html("x", "fancy")


class TestJson:
    def test_every_string_leaf_and_key_is_formatted(self):
        template = '{"content": "{user} started {title}", "year": 1, "ok": true, "none": null, "{user}": ["{year}", 2.5]}'
        assert json.loads(format_json(template, PARAMS)) == {
            "content": "Alice started Terminator 2",
            "year": 1,
            "ok": True,
            "none": None,
            "Alice": ["1991", 2.5],
        }

    def test_empty_template_gives_empty_text(self):
        assert format_json("  ", PARAMS) == ""

    def test_invalid_json(self):
        with pytest.raises(TextFormatError, match="invalid JSON"):
            format_json('{"content": ', PARAMS)

    def test_malformed_string_inside(self):
        with pytest.raises(TextFormatError, match="never closed"):
            format_json('{"content": "{user"}', PARAMS)


class TestScriptArgs:
    def test_split_like_a_shell_and_formatted(self):
        assert format_script_args('-u {user} -t "{title}" --empty {tagline}', PARAMS) == [
            "-u",
            "Alice",
            "-t",
            "Terminator 2",
            "--empty",
            "",
        ]

    def test_unbalanced_quote(self):
        with pytest.raises(TextFormatError, match="script arguments"):
            format_script_args('-t "{title}', PARAMS)


class TestRender:
    def test_text_with_blocks_and_html(self):
        rendered = render(
            "<b>{server_name}</b>",
            "<movie>{title}{ (<year>)}</movie><episode>{show_name}</episode> by {user}\n",
            PARAMS,
            action=Action.PLAY,
        )
        assert (rendered.subject, rendered.body) == ("Home", "Terminator 2 (1991) by Alice")
        assert not rendered.fell_back

    def test_media_type_argument_overrides_the_parameter(self):
        rendered = render(
            "",
            "<movie>M</movie><episode>E</episode>",
            PARAMS,
            action="on_play",
            media_type="episode",
        )
        assert rendered.body == "E"

    def test_malformed_text_falls_back_to_the_default(self, caplog):
        with caplog.at_level(logging.WARNING, logger="notifications.text"):
            rendered = render("{server_name", "{user} {title.x}", PARAMS, action=Action.PLAY)
        assert rendered.subject == "Tautulli (Home)"
        assert rendered.body == "Alice (Living Room) started playing Terminator 2."
        assert rendered.fell_back
        assert [error.split(":")[0] for error in rendered.errors] == ["subject", "body"]
        assert "using the fallback" in caplog.text

    def test_missing_text_uses_the_default(self):
        rendered = render(None, None, PARAMS, action=Action.STOP)
        assert (rendered.subject, rendered.body) == (
            "Tautulli (Home)",
            "Alice (Living Room) has stopped Terminator 2.",
        )

    def test_html_kept_for_keep_policy(self):
        rendered = render("s", "<b>{user}</b>", PARAMS, action="on_play", html_policy=HTML_KEEP)
        assert rendered.body == "<b>Alice</b>"

    def test_json_mode(self):
        rendered = render(
            '{"X-User": "{user}"}',
            '{"text": "<movie>{title}</movie>"}',
            PARAMS,
            action="on_play",
            mode=MODE_JSON,
            html_policy=HTML_KEEP,
        )
        assert json.loads(rendered.subject) == {"X-User": "Alice"}
        assert json.loads(rendered.body) == {"text": "Terminator 2"}

    def test_json_mode_falls_back_to_empty(self):
        rendered = render(
            "not json",
            '{"a": "{user"}',
            PARAMS,
            action="on_play",
            mode=MODE_JSON,
            html_policy=HTML_KEEP,
        )
        assert (rendered.subject, rendered.body) == ("", "")
        assert len(rendered.errors) == 2

    def test_script_mode(self):
        rendered = render(
            "{user} '{title}'", "body {user}", PARAMS, action="on_play", mode=MODE_SCRIPT
        )
        assert rendered.script_args == ["Alice", "Terminator 2"]
        assert rendered.body == "body {user}"  # a script's body is not formatted (Tautulli)

    def test_script_mode_falls_back_to_no_arguments(self):
        rendered = render("'{user}", "", PARAMS, action="on_play", mode=MODE_SCRIPT)
        assert rendered.script_args == []
        assert rendered.fell_back


class TestDefaults:
    def test_every_action_has_a_default(self):
        assert set(DEFAULT_BODIES) == set(Action)
        for action in Action:
            assert default_texts(action) == (DEFAULT_SUBJECT, DEFAULT_BODIES[action])

    def test_tautulli_texts(self):
        assert default_texts("on_play") == (
            "Tautulli ({server_name})",
            "{user} ({player}) started playing {title}.",
        )
        assert default_texts("on_created")[1] == "{title} was recently added to Plex."
        assert default_texts("on_extdown")[1] == (
            "The Plex Media Server remote access is down. ({remote_access_reason})"
        )

    def test_scripts_and_webhook_start_empty(self):
        assert default_texts("on_play", agent_name="webhook") == ("", "")
        assert default_texts("on_play", agent_name="scripts") == ("", "")

    def test_other_actions_have_none(self):
        assert default_texts("test") == ("", "")

    def test_defaults_format_cleanly(self):
        for action in Action:
            subject, body = default_texts(action)
            assert "{" not in format_text(subject, PARAMS, allow_eval=False)
            assert (
                format_text(
                    body,
                    {
                        **PARAMS,
                        "user_streams": 2,
                        "update_version": "1",
                        "tautulli_update_version": "2",
                        "remote_access_reason": "x",
                    },
                    allow_eval=False,
                ).count("{")
                == 0
            )
