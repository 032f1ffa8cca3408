"""A newsletter's configuration: Tautulli's defaults, the API's option lists, validation.

A :class:`~newsletters.models.Newsletter` stores Tautulli's two JSON documents as they are
(an imported Tautulli newsletter works unchanged): ``config`` (Tautulli's ``newsletter_config``)
and ``email_config``. What is read is always the stored values laid over Tautulli's defaults
(:func:`full_config`; Tautulli's ``Newsletter._validate_config``:
ints cast, lists wrapped). Reference section 5; the capture
``tautulli-dart/newsletter/get_newsletter_config__new.json``.

``config``:

* ``time_frame`` (int > 0) and ``time_frame_units`` (``hours``/``days``/``months``): the window
  of recently added items, ending when the newsletter runs;
* ``incl_libraries``: the libraries (text values of :func:`library_choices`: a section id, or
  ``"<server pk>:<section id>"`` once several servers have libraries); empty → nothing is
  selected and nothing is sent (Tautulli: "no libraries selected");
* ``formatted`` 1: the HTML newsletter by e-mail (``email_config``; with
  ``email_config["notifier_id"]`` an existing Email notifier's SMTP settings are used instead
  of the newsletter's own); 0: only the subject and body through the notifier
  ``config["notifier_id"]``;
* ``threaded`` 1: each e-mail replies to the previous one (In-Reply-To); ``save_only`` 1: the
  hosted copy only, nothing sent; ``custom_cron``: 1 when the cron was typed rather than picked
  (the admin's cron helper); ``filename``: Tautulli's file name pattern (kept, not used here: the
  hosted copy lives in ``NewsletterLog.html``).

``email_config``: ``from_name``, ``from``, ``to``/``cc``/``bcc`` (lists of addresses),
``smtp_server``, ``smtp_port``, ``smtp_user``, ``smtp_password`` (write-only: never in an
answer, see :func:`merge_password`), ``tls`` (Tautulli's EMAIL notifier: 0 none, 1 STARTTLS,
2 SSL/TLS from the start), ``html_support``, ``notifier_id``.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.schedules import validate_cron
from libraries.models import Library
from notifications.agents.apprise_agents import Email
from notifications.agents.base import MASK as TAUTULLI_MASK
from notifications.models import Notifier
from notifications.parameters.values import to_int
from servers.models import Server
from users.models import User

AGENT_ID = 0
AGENT_NAME = "recently_added"
AGENT_LABEL = "Recently Added"

DEFAULT_SUBJECT = "Recently Added to {server_name}! ({end_date})"
DEFAULT_BODY = "View the newsletter here: {newsletter_url}"
DEFAULT_MESSAGE = ""
DEFAULT_CRON = "0 0 * * 0"

#: Tautulli's ``RecentlyAdded._DEFAULT_CONFIG`` (key order as its API answers).
DEFAULT_CONFIG = {
    "custom_cron": 0,
    "time_frame": 7,
    "time_frame_units": "days",
    "formatted": 1,
    "threaded": 0,
    "notifier_id": 0,
    "filename": "",
    "save_only": 0,
    "incl_libraries": [],
}
#: The Email agent's defaults (Tautulli's EMAIL) with the newsletter's ``from_name`` and
#: ``notifier_id``.
DEFAULT_EMAIL_CONFIG = {**Email.defaults, "from_name": "Tautulli Newsletter", "notifier_id": 0}
TIME_FRAME_UNITS = ("hours", "days", "months")
#: Tautulli's EMAIL ``tls`` values: 0 plain SMTP, 1 STARTTLS after connecting, 2 SSL/TLS at once.
TLS_CHOICES = {
    0: "None",
    1: "TLS/STARTTLS (Typically port 587)",
    2: "SSL/TLS (Typically port 465)",
}
#: What an answer shows in place of a stored password (Tautulli's ``mask_config_passwords``).
PASSWORD_MASK = TAUTULLI_MASK
#: Values that mean "keep the stored password" on save: nothing, Tautulli's mask, the admin's.
KEPT_PASSWORD_VALUES = (None, "", PASSWORD_MASK, "********")
SWITCHES = ("custom_cron", "formatted", "threaded", "save_only")
LIBRARY_GROUPS = (
    ("movie", "Movie Libraries"),
    ("show", "TV Show Libraries"),
    ("artist", "Music Libraries"),
    ("other_video", "Other Video Libraries"),
)
#: Plex agents of "other video" (home video) movie libraries (Tautulli's newsletters.py).
NONE_AGENTS = ("com.plexapp.agents.none", "tv.plex.agents.none")


# -- reading -------------------------------------------------------------------------------


def split_list(value) -> list[str]:
    """A list from a stored list, a comma-separated text (the API's form) or nothing:
    ``"a@x.org, b@y.org"`` → ``["a@x.org", "b@y.org"]``; blanks dropped, items as text."""
    if value in (None, ""):
        return []
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def normalize(values: Mapping | None, defaults: Mapping) -> dict:
    """``defaults`` overlaid with ``values`` (Tautulli's ``_validate_config``): int defaults cast
    with Tautulli's ``cast_to_int`` (a bad value becomes 0), list defaults as lists of text,
    unknown keys dropped."""
    values = values if isinstance(values, Mapping) else {}
    result = {}
    for key, default in defaults.items():
        value = values.get(key, default)
        if isinstance(default, int):
            value = to_int(value)
        elif isinstance(default, list):
            value = split_list(value)
        elif value is None:
            value = default
        result[key] = value
    return result


def config_of(newsletter) -> dict:
    """The newsletter's ``config`` over :data:`DEFAULT_CONFIG` (every key present, typed)."""
    return normalize(newsletter.config, DEFAULT_CONFIG)


def email_config_of(newsletter) -> dict:
    """The newsletter's ``email_config`` over :data:`DEFAULT_EMAIL_CONFIG`, the SMTP password
    included: for sending only, never for an answer (:func:`shown_email_config`)."""
    return normalize(newsletter.email_config, DEFAULT_EMAIL_CONFIG)


def full_config(newsletter) -> dict:
    """``{"config": ..., "email_config": ...}``: both documents, stored values over Tautulli's
    defaults (:func:`config_of`, :func:`email_config_of`). The e-mail config holds the SMTP
    password: for sending, never for an answer."""
    return {"config": config_of(newsletter), "email_config": email_config_of(newsletter)}


def shown_email_config(newsletter) -> dict:
    """:func:`email_config_of` with a stored password replaced by :data:`PASSWORD_MASK`
    (Tautulli's ``mask_config_passwords``: four spaces), "" when none is stored."""
    config = email_config_of(newsletter)
    if config["smtp_password"]:
        config["smtp_password"] = PASSWORD_MASK
    return config


def merge_password(new, stored) -> str:
    """The password to store: ``new``, or ``stored`` when ``new`` is empty or a mask (the form
    and the API never see the password, so leaving it as shown keeps it)."""
    return (stored or "") if new in KEPT_PASSWORD_VALUES else str(new)


# -- libraries -------------------------------------------------------------------------------


def library_group(library: Library) -> str | None:
    """``movie``/``show``/``artist``/``other_video`` (a movie library of Plex's personal-media
    agent), None for photo and unknown types (not offered, as in Tautulli)."""
    kind = library.section_type
    if kind == "movie" and library.agent in NONE_AGENTS:
        return "other_video"
    return kind if kind in ("movie", "show", "artist") else None


def _libraries() -> list[Library]:
    return list(Library.objects.in_scope().order_by("server_id", "id"))


def _several_servers(libraries: list[Library]) -> bool:
    return len({library.server_id for library in libraries}) > 1


def library_value(library: Library, several_servers: bool) -> str:
    """The stored (text) value of a library in ``incl_libraries``: its section id, or
    ``"<server pk>:<section id>"`` when several servers have libraries."""
    if several_servers:
        return f"{library.server_id}:{library.section_id}"
    return str(library.section_id)


def library_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The libraries a newsletter can include, grouped as Tautulli's picker:
    ``[("Movie Libraries", [(value, text), ...]), ("TV Show Libraries", ...),
    ("Music Libraries", ...), ("Other Video Libraries", ...)]``, empty groups left out.

    One server: values are section ids (text) and texts the library names, as Tautulli.
    Several servers: values ``"<server pk>:<section id>"`` and texts ``"Server · Library"``.
    Deleted and photo libraries are not offered."""
    libraries = _libraries()
    several = _several_servers(libraries)
    groups: dict[str, list] = {}
    for library in libraries:
        group = library_group(library)
        if group is None:
            continue
        name = library.section_name or f"Library {library.section_id}"
        text = f"{library.server.name} · {name}" if several else name
        groups.setdefault(group, []).append((library_value(library, several), text))
    return [(label, groups[key]) for key, label in LIBRARY_GROUPS if key in groups]


def _resolve(value: str, libraries: list[Library], default_server_id) -> Library | None:
    """The library a stored ``incl_libraries`` value names: ``"<server>:<section>"``, or a bare
    section id (Tautulli's, e.g. imported) on the default server, else the first server with it."""
    text = str(value).strip()
    if ":" in text:
        server, _, section = text.partition(":")
        matches = [lib for lib in libraries if f"{lib.server_id}:{lib.section_id}" == text]
        return matches[0] if matches and server and section else None
    matches = [lib for lib in libraries if str(lib.section_id) == text]
    preferred = [lib for lib in matches if lib.server_id == default_server_id]
    return (preferred or matches or [None])[0]


def selected_libraries(newsletter) -> dict[int, list[int]]:
    """``{server pk: [section id, ...]}`` of the libraries the newsletter includes that exist
    (not deleted, not photo), servers in pk order, sections in the picker's order.

    Empty ``incl_libraries`` selects nothing (Tautulli sends nothing then: "no libraries
    selected"), so ``{}``: the caller sends nothing, never "every library"."""
    wanted = config_of(newsletter)["incl_libraries"]
    if not wanted:
        return {}
    libraries = [lib for lib in _libraries() if library_group(lib) is not None]
    default = Server.objects.default()
    chosen = {_resolve(value, libraries, default.pk if default else None) for value in wanted}
    result: dict[int, list[int]] = {}
    for library in libraries:  # the picker's order
        if library in chosen:
            result.setdefault(library.server_id, []).append(library.section_id)
    return result


def library_values(newsletter) -> list[str]:
    """The picker's values (:func:`library_choices`) of the libraries the newsletter includes
    (a bare Tautulli section id becomes ``"server:section"`` when several servers have
    libraries); libraries that no longer exist are left out."""
    libraries = _libraries()
    several = _several_servers(libraries)
    selected = selected_libraries(newsletter)
    return [
        library_value(library, several)
        for library in libraries
        if library.section_id in selected.get(library.server_id, ())
    ]


def clean_libraries(values) -> list[str]:
    """``values`` (a list or comma-separated text) checked against :func:`library_choices`:
    each must name a library offered there (a section id, or ``server:section``). Returns the
    values as text; ValidationError naming the unknown ones."""
    values = split_list(values)
    libraries = [lib for lib in _libraries() if library_group(lib) is not None]
    default = Server.objects.default()
    default_id = default.pk if default else None
    unknown = [v for v in values if _resolve(v, libraries, default_id) is None]
    if unknown:
        raise ValidationError(
            {"incl_libraries": f"Unknown library: {', '.join(unknown)} (see config_options)."}
        )
    return values


# -- API option lists -------------------------------------------------------------------------


def config_options(newsletter) -> list[dict]:
    """``get_newsletter_config``'s ``config_options``: Tautulli's library picker,
    ``[{label, value (stored incl_libraries), description, name, input_type "selectize",
    select_options {"Movie Libraries": [{value, text}], ...}, select_all true}]``.
    Values are ints (section ids) on one server, as Tautulli's; ``"server:section"`` text
    with several servers."""
    options = {}
    for label, choices in library_choices():
        options[label] = [
            {"value": int(value) if value.isdigit() else value, "text": text}
            for value, text in choices
        ]
    return [
        {
            "label": "Included Libraries",
            "value": config_of(newsletter)["incl_libraries"],
            "description": "Select the libraries to include in the newsletter.",
            "name": "newsletter_config_incl_libraries",
            "input_type": "selectize",
            "select_options": options,
            "select_all": True,
        }
    ]


def user_email_options(addresses: list[str]) -> list[dict]:
    """Tautulli's recipient choices: the configured ``addresses`` (text "") then each user's
    e-mail with the user's friendly name, ``[{value, text}]``, one entry per address."""
    choices = {address: "" for address in addresses}
    users = User.objects.active().with_display_name().exclude(email__isnull=True).exclude(email="")
    for user in users.order_by("id"):
        choices[user.email] = user.display_friendly_name or ""
    return [{"value": value, "text": text} for value, text in choices.items()]


def email_config_options(newsletter) -> list[dict]:
    """``get_newsletter_config``'s ``email_config_options``, Tautulli's EMAIL form with
    ``newsletter_email_`` names: from name, from, to/cc/bcc (selectize of the users' e-mails),
    SMTP server/port/user/password (the password :data:`PASSWORD_MASK` when set, never the
    value), encryption (``select_options`` {"0": "None", "1": ..., "2": ...}), HTML support."""
    config = shown_email_config(newsletter)

    def item(key, label, description, input_type, **extra):
        return {
            "label": label,
            "value": config[key],
            "name": f"newsletter_email_{key}",
            "description": description,
            "input_type": input_type,
            **extra,
        }

    def recipients(key, label, description):
        return item(
            key,
            label,
            description,
            "selectize",
            select_options=user_email_options(config[key]),
            select_all=True,
        )

    return [
        item("from_name", "From Name", "The name of the sender.", "text"),
        item("from", "From", "The email address of the sender.", "text"),
        recipients("to", "To", "The email address(es) of the recipients."),
        recipients("cc", "CC", "The email address(es) to CC."),
        recipients("bcc", "BCC", "The email address(es) to BCC."),
        item("smtp_server", "SMTP Server", "Host for the SMTP server.", "text"),
        item("smtp_port", "SMTP Port", "Port for the SMTP server.", "number"),
        item("smtp_user", "SMTP Username", "Username for the SMTP server.", "text"),
        item("smtp_password", "SMTP Password", "Password for the SMTP server.", "password"),
        item(
            "tls",
            "Encryption",
            "Send emails encrypted using SSL or TLS.",
            "select",
            select_options={str(k): v for k, v in TLS_CHOICES.items()},
        ),
        item(
            "html_support",
            "Enable HTML Support",
            "Style your messages using HTML tags.",
            "checkbox",
        ),
    ]


# -- validation --------------------------------------------------------------------------------


def _int(errors: dict, key: str, value, *, minimum=None, maximum=None, choices=None):
    text = str(value).strip() if not isinstance(value, bool | int) else value
    try:
        number = int(text)
    except (TypeError, ValueError):
        errors[key] = f"{key} must be a whole number, got {str(value)[:40]!r}."
        return None
    if choices is not None and number not in choices:
        shown = ", ".join(str(c) for c in choices)
        errors[key] = f"{key} must be one of {shown}, got {number}."
    elif minimum is not None and number < minimum or maximum is not None and number > maximum:
        errors[key] = f"{key} must be between {minimum} and {maximum}, got {number}."
    return number


def _addresses(errors: dict, key: str, value) -> list[str]:
    addresses = split_list(value)
    bad = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if bad:
        errors[key] = f"{key}: not an e-mail address: {', '.join(bad)[:200]}."
    return addresses


def _notifier_id(errors: dict, key: str, value, *, agent_name: str | None = None) -> int | None:
    number = _int(errors, key, value, minimum=0, maximum=2**63 - 1)
    if number:
        notifiers = Notifier.objects.filter(pk=number)
        if agent_name:
            notifiers = notifiers.filter(agent_name=agent_name)
        if not notifiers.exists():
            kind = "Email notifier" if agent_name else "notifier"
            errors[key] = f"{key}: there is no {kind} {number} (0 for none)."
    return number


def clean_config(values: Mapping) -> dict:
    """A whole ``config`` checked: ``time_frame`` a whole number ≥ 1, ``time_frame_units`` one
    of hours/days/months, switches 0/1, ``notifier_id`` 0 or an existing notifier, ``filename``
    without path separators, ``incl_libraries`` a list of text (checked against the libraries
    by :func:`clean_libraries` when given). Returns it typed, over the defaults; raises
    ValidationError ``{key: message}`` with every problem found."""
    config = {**DEFAULT_CONFIG, **{k: v for k, v in values.items() if k in DEFAULT_CONFIG}}
    errors: dict[str, str] = {}
    config["time_frame"] = _int(errors, "time_frame", config["time_frame"], minimum=1, maximum=9999)
    units = str(config["time_frame_units"] or "").strip().lower()
    if units not in TIME_FRAME_UNITS:
        errors["time_frame_units"] = (
            f"time_frame_units must be hours, days or months, got {str(units)[:40]!r}."
        )
    config["time_frame_units"] = units
    for key in SWITCHES:
        config[key] = _switch(errors, key, config[key])
    config["notifier_id"] = _notifier_id(errors, "notifier_id", config["notifier_id"])
    filename = str(config["filename"] or "").strip()
    if "/" in filename or "\\" in filename or filename.startswith("."):
        errors["filename"] = f"filename must be a plain file name, got {filename[:60]!r}."
    config["filename"] = filename
    config["incl_libraries"] = split_list(config["incl_libraries"])
    if errors:
        raise ValidationError(errors)
    return config


def _switch(errors: dict, key: str, value) -> int | None:
    if isinstance(value, bool):
        return int(value)
    lowered = str(value).strip().lower()
    if lowered in ("1", "true", "on", "yes"):
        return 1
    if lowered in ("0", "false", "off", "no", ""):
        return 0
    errors[key] = f"{key} must be 0 or 1, got {str(value)[:40]!r}."
    return None


def clean_email_config(values: Mapping, stored: Mapping | None = None) -> dict:
    """A whole ``email_config`` checked: addresses (``from``, ``to``, ``cc``, ``bcc``; lists or
    comma-separated text) with Django's e-mail validator, ``smtp_port`` 1..65535, ``tls`` 0/1/2,
    ``html_support`` 0/1, ``notifier_id`` 0 or an existing Email notifier, ``smtp_server``
    without spaces. The password: :func:`merge_password` with ``stored``'s (an empty or
    masked value keeps it). Returns it typed; raises ValidationError ``{key: message}``."""
    stored = stored if isinstance(stored, Mapping) else {}
    config = {
        **DEFAULT_EMAIL_CONFIG,
        **{k: v for k, v in values.items() if k in DEFAULT_EMAIL_CONFIG},
    }
    errors: dict[str, str] = {}
    for key in ("from_name", "from", "smtp_server", "smtp_user"):
        config[key] = str(config[key] or "").strip()
    if config["from"]:
        _addresses(errors, "from", config["from"])
    for key in ("to", "cc", "bcc"):
        config[key] = _addresses(errors, key, config[key])
    if any(c.isspace() for c in config["smtp_server"]):
        errors["smtp_server"] = "smtp_server must be a host name without spaces."
    config["smtp_port"] = _int(errors, "smtp_port", config["smtp_port"], minimum=1, maximum=65535)
    config["tls"] = _int(errors, "tls", config["tls"], choices=tuple(TLS_CHOICES))
    config["html_support"] = _switch(errors, "html_support", config["html_support"])
    config["notifier_id"] = _notifier_id(
        errors, "notifier_id", config["notifier_id"], agent_name="email"
    )
    config["smtp_password"] = merge_password(
        values.get("smtp_password"), stored.get("smtp_password")
    )
    if errors:
        raise ValidationError(errors)
    return config


def validation_message(error: ValidationError) -> str:
    """One readable line of a ValidationError: its messages joined by spaces."""
    return " ".join(str(message) for message in error.messages)


def validate_newsletter(cron, config: Mapping, email_config: Mapping, stored_email=None):
    """``(cron, config, email_config)`` checked together (:func:`core.schedules.validate_cron`,
    :func:`clean_config`, :func:`clean_email_config` with the stored e-mail config
    ``stored_email`` for the password). Raises ValidationError ``{key: [message]}`` with every
    problem (keys: ``cron``, the config's keys, ``email_<key>`` for the e-mail config's)."""
    errors: dict[str, list] = {}
    try:
        cron = validate_cron(cron)
    except ValidationError as exc:
        errors["cron"] = exc.messages
    try:
        config = clean_config(config)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        email_config = clean_email_config(email_config, stored_email)
    except ValidationError as exc:
        errors.update({f"email_{key}": value for key, value in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return cron, config, email_config
