"""E-mail validation uses tldextract's bundled suffix list: no network, no disk cache."""

from __future__ import annotations

import socket

import pytest
import tldextract

from anonymizers.recognizers import OfflineEmailRecognizer


@pytest.fixture()
def network_attempts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """Record and refuse every attempt to resolve a name or open a connection."""
    attempts: list[tuple[object, ...]] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network is disabled in this test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def test_email_validation_needs_no_network(network_attempts: list[tuple[object, ...]]) -> None:
    recognizer = OfflineEmailRecognizer()  # a fresh extractor loads its suffix list now
    assert recognizer.validate_result("anna.k+iot@mail.example.co.uk") is True
    assert recognizer.validate_result("anna@example.notatld") is False
    text = "push to anna@sub.example.de"
    assert [text[r.start : r.end] for r in recognizer.analyze(text, ["EMAIL_ADDRESS"])] == [
        "anna@sub.example.de"
    ]
    assert network_attempts == []


def test_the_guard_would_catch_a_download(network_attempts: list[tuple[object, ...]]) -> None:
    """Control: tldextract's default extractor does try the network, and the guard sees it."""
    tldextract.TLDExtract(cache_dir=None)("anna@example.com")
    assert network_attempts != []
