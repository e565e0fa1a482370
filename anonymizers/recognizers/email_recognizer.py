"""Recognizer for e-mail addresses (plus tags, subdomains) that never touches the network.

Presidio's ``EmailRecognizer`` confirms a match with ``tldextract.extract``, whose
module-level extractor downloads the public suffix list on first use (and writes a
cache under the home directory). Spark workers have no network and must not wait on
one, so this subclass validates with an extractor built from the suffix-list snapshot
bundled in the ``tldextract`` wheel: no URLs to fetch, no disk cache. It also accepts
the URL-encoded form (``anna%40example.com``) that HTTP access logs print in query
strings.
"""

from __future__ import annotations

from typing import Unpack

import regex
import tldextract

from anonymizers.recognizers._base import IotPatternRecognizer, RecognizerOptions

# The start of a URL up to its user and the colon before a password.
_URL_USER = regex.compile(r"://[^\s/:@?#]{1,64}:$")


def offline_tld_extractor() -> tldextract.TLDExtract:
    """A ``TLDExtract`` that only reads the suffix list bundled with the package."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


class OfflineEmailRecognizer(IotPatternRecognizer):
    """Presidio's e-mail patterns, validated against the bundled public suffix list."""

    TRIGGER = r"@|%40"

    def __init__(
        self, tld_extractor: tldextract.TLDExtract | None = None, **options: Unpack[RecognizerOptions]
    ) -> None:
        super().__init__(**options)
        self.tld_extractor = tld_extractor or offline_tld_extractor()

    def reject_in_context(self, text: str, start: int, end: int) -> bool:
        """Veto the password and host of a URL's authority (``https://anna:pw@host``):
        the user and the password are replaced on their own, the host stays."""
        return text[start - 1 : start] == ":" and bool(_URL_USER.search(text, max(0, start - 72), start))

    def validate_result(self, pattern_text: str) -> bool:
        """True when the domain ends in a public suffix (as Presidio checks), offline."""
        return self.tld_extractor(pattern_text.replace("%40", "@")).fqdn != ""
