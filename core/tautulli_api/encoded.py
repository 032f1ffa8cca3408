"""Data a command has already encoded as JSON."""


class EncodedJSON(str):
    """A command's ``data`` as JSON text, exactly ``json.dumps(data, ensure_ascii=False)``.

    The dispatcher splices it into the envelope as is, JSONP included (an answer kept encoded
    in a cache is not decoded and encoded again on every request); the XML and ``debug``
    outputs decode it first, so every output format stays the same.
    """
