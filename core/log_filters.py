"""Logging filters: secrets never reach the logs."""

import logging
import re

# X-Plex-Token=<token> in URLs (plexapi logs its websocket URL with the token), URL-encoded
# inside another URL's parameter (the image transcoder's url=), and the header as printed.
_TOKEN = re.compile(r"(X-Plex-Token['\"]?(?:[=:]|%3D)\s*['\"]?)[^&\s'\"%]+", re.IGNORECASE)


class RedactTokens(logging.Filter):
    """Replaces Plex tokens in a record's final message with ``<redacted>``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token" in message.lower():
            redacted = _TOKEN.sub(r"\1<redacted>", message)
            if redacted != message:
                record.msg, record.args = redacted, None
        return True
