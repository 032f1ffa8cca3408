"""Tautulli's platform tables (``common.PLATFORM_NAME_OVERRIDES`` and ``common.PLATFORM_NAMES``,
v2.17.2) and the two rules built on them.

* :func:`platform_display` — the platform as Tautulli shows it in history, user and player rows
  (Plex's odd names replaced, e.g. "Konvergo" → "Plex Media Player").
* :func:`platform_icon_name` — the icon key (``platform_name``) of a displayed platform.
"""

# Tautulli's ``common.PLATFORM_NAME_OVERRIDES``: display names for platforms Plex reports oddly.
PLATFORM_NAME_OVERRIDES = {
    "Konvergo": "Plex Media Player",
    "Mystery 3": "Playstation 3",
    "Mystery 4": "Playstation 4",
    "Mystery 5": "Xbox 360",
    "WebMAF": "Playstation 4",
    "windows": "Windows",
    "osx": "macOS",
    "macos": "macOS",
}

# Tautulli's ``common.PLATFORM_NAMES``: substring of the platform (lower case) → icon name.
# Tried in reverse alphabetical order, as Tautulli does ("windows phone" before "windows").
PLATFORM_NAMES = dict(
    sorted(
        {
            "android": "android",
            "apple tv": "atv",
            "chrome": "chrome",
            "chromecast": "chromecast",
            "dlna": "dlna",
            "firefox": "firefox",
            "internet explorer": "ie",
            "ios": "ios",
            "ipad": "ios",
            "iphone": "ios",
            "kodi": "kodi",
            "linux": "linux",
            "nexus": "android",
            "macos": "macos",
            "microsoft edge": "msedge",
            "netcast": "lg",
            "opera": "opera",
            "osx": "macos",
            "playstation": "playstation",
            "plex home theater": "plex",
            "plex media player": "plex",
            "plexamp": "plexamp",
            "plextogether": "synclounge",
            "roku": "roku",
            "safari": "safari",
            "samsung": "samsung",
            "synclounge": "synclounge",
            "tivo": "tivo",
            "tizen": "samsung",
            "tvos": "atv",
            "vizio": "opera",
            "webos": "lg",
            "wiiu": "wiiu",
            "windows": "windows",
            "windows phone": "wp",
            "xbmc": "xbmc",
            "xbox": "xbox",
        }.items(),
        reverse=True,
    )
)


def platform_display(platform: str | None) -> str | None:
    """The platform as Tautulli shows it (``PLATFORM_NAME_OVERRIDES`` applied)."""
    return PLATFORM_NAME_OVERRIDES.get(platform, platform)


def platform_icon_name(platform: str | None) -> str:
    """Tautulli's ``platform_name`` (icon key) for a displayed platform; ``default`` if unknown."""
    lowered = (platform or "").lower()
    return next((icon for key, icon in PLATFORM_NAMES.items() if key in lowered), "default")
