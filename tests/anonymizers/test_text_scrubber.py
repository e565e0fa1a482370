"""The scrubber as the Spark job uses it: realistic device-log lines, record-aware deny
lists, the known-identifier automaton, caching, chunking of long texts, NER batches,
failing closed without leaking text, and the per-process scrubber cache."""

from __future__ import annotations

import math
import pickle
import random
from typing import Any

import pytest
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from anonymizers.benchmark import synthetic_log_lines
from anonymizers.pseudonym import ENTITY_TYPE_FOR_KIND, TOKEN_PREFIX, pseudonymize
from anonymizers.scrubber import (
    ScrubError,
    ScrubResult,
    ScrubSettings,
    TextScrubber,
    get_scrubber,
)

SERIAL = "A1B2C3D4E5F60718"
MAC = "3c:22:fb:12:34:56"


def scrub_one(scrubber: TextScrubber, text: str, deny: list[tuple[str, str]] | None = None) -> ScrubResult:
    [result] = scrubber.scrub([text], [deny] if deny is not None else None)
    return result


def record_analyze(monkeypatch: pytest.MonkeyPatch, scrubber: TextScrubber) -> list[str]:
    """Texts (chunks) ``scrubber`` hands to Presidio from now on, recorded around the real call."""
    calls: list[str] = []
    real = scrubber.analyzer.analyze_selected

    def recording(text: str, *args: Any, **kwargs: Any) -> list[RecognizerResult]:
        calls.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(scrubber.analyzer, "analyze_selected", recording)
    return calls


@pytest.fixture()
def count_analyze(monkeypatch: pytest.MonkeyPatch, fresh_scrubber: TextScrubber) -> list[str]:
    """Texts (chunks) handed to Presidio by ``fresh_scrubber``."""
    return record_analyze(monkeypatch, fresh_scrubber)


# --- realistic lines ---------------------------------------------------------------


def test_sshd_lines(scrubber: TextScrubber) -> None:
    lines = [
        "13:04:05 sshd[812]: Failed password for invalid user anna_k from 91.64.12.5 port 52211 ssh2",
        "13:04:09 sshd[812]: Accepted publickey for jschmidt from 2a02:810d:4b3f:e100::17 port 50022 ssh2",
        "13:04:09 sshd[812]: pam_unix(sshd:session): session opened for user jschmidt(uid=1000) by (uid=0)",
        "13:04:12 sshd[812]: Connection closed by authenticating user root 91.64.12.5 port 52212 [preauth]",
    ]
    assert [r.text for r in scrubber.scrub(lines)] == [
        "13:04:05 sshd[812]: Failed password for invalid user <USERNAME> from <IP_ADDRESS> port 52211 ssh2",
        "13:04:09 sshd[812]: Accepted publickey for <USERNAME> from <IP_ADDRESS> port 50022 ssh2",
        "13:04:09 sshd[812]: pam_unix(sshd:session): session opened for user <USERNAME>(uid=1000) by (uid=0)",
        "13:04:12 sshd[812]: Connection closed by authenticating user root <IP_ADDRESS> port 52212 [preauth]",
    ]


def test_dnsmasq_lines(scrubber: TextScrubber, key: bytes) -> None:
    mac_token = pseudonymize(MAC, "mac_address", key)
    lines = [
        f"13:05:01 dnsmasq-dhcp[611]: DHCPACK(br0) 192.168.178.23 {MAC} Annas-iPhone",
        f"13:05:01 dnsmasq-dhcp[611]: DHCPREQUEST(br0) 192.168.178.23 {MAC}",
        "13:05:02 dnsmasq[611]: query[A] api.lumi.example.com from 192.168.178.23",
        "13:05:02 dnsmasq[611]: reply host-10-105-160-95.isp.net is 10.105.160.95",
    ]
    results = scrubber.scrub(lines)
    assert [r.text for r in results] == [
        f"13:05:01 dnsmasq-dhcp[611]: DHCPACK(br0) <IP_ADDRESS> {mac_token} <DEVICE_NAME>",
        f"13:05:01 dnsmasq-dhcp[611]: DHCPREQUEST(br0) <IP_ADDRESS> {mac_token}",
        "13:05:02 dnsmasq[611]: query[A] api.lumi.example.com from <IP_ADDRESS>",
        "13:05:02 dnsmasq[611]: reply host-<IP_ADDRESS>.isp.net is <IP_ADDRESS>",
    ]
    assert results[0].entities == {"IP_ADDRESS": 1, "MAC_ADDRESS": 1, "DEVICE_NAME": 1}


def test_kernel_and_wpa_supplicant_wlan_lines(scrubber: TextScrubber, key: bytes) -> None:
    mac_token = pseudonymize(MAC, "mac_address", key)
    lines = [
        f"[ 1234.567890] wlan0: authenticate with {MAC}",
        f"[ 1234.601234] wlan0: associated with {MAC} (SSID 'Schmidt-5G') rssi -61",
        "wpa_supplicant[402]: wlan0: Trying to associate with SSID 'FRITZ!Box 7590 XY'",
        f"wpa_supplicant[402]: wlan0: CTRL-EVENT-CONNECTED - Connection to {MAC} completed",
        "[ 1235.000001] wlan0: connected to Lopez-Family rssi -40, firmware 4.1.7_0012",
    ]
    assert [r.text for r in scrubber.scrub(lines)] == [
        f"[ 1234.567890] wlan0: authenticate with {mac_token}",
        f"[ 1234.601234] wlan0: associated with {mac_token} (SSID '<WIFI_SSID>') rssi -61",
        "wpa_supplicant[402]: wlan0: Trying to associate with SSID '<WIFI_SSID>'",
        f"wpa_supplicant[402]: wlan0: CTRL-EVENT-CONNECTED - Connection to {mac_token} completed",
        "[ 1235.000001] wlan0: connected to <WIFI_SSID> rssi -40, firmware 4.1.7_0012",
    ]


def test_android_logcat_lines(scrubber: TextScrubber, key: bytes) -> None:
    mac_token = pseudonymize(MAC, "mac_address", key)
    lines = [
        '11-28 13:04:05.123  1234  1290 D WifiStateMachine: SSID: "Lopez Family", BSSID: '
        f"{MAC}, MAC: 02:00:00:00:00:00, RSSI: -58, Link speed: 72Mbps",
        "11-28 13:04:05.456  1234  1290 I ActivityManager: Start proc com.lumi.app uid=10123 app 8.12.3",
        "11-28 13:04:06.001  4321  4400 I LumiApp: login ok user=maria.lopez email=maria.lopez@example.com",
        "11-28 13:04:07.777  4321  4400 D LumiApp: geofence lat=48.137154 lon=11.576124 r=100",
        "11-28 13:04:08.002  4321  4400 I LumiApp: sms alarm to +49 171 2345678 queued",
    ]
    assert [r.text for r in scrubber.scrub(lines)] == [
        '11-28 13:04:05.123  1234  1290 D WifiStateMachine: SSID: "<WIFI_SSID>", BSSID: '
        f"{mac_token}, MAC: 02:00:00:00:00:00, RSSI: -58, Link speed: 72Mbps",
        "11-28 13:04:05.456  1234  1290 I ActivityManager: Start proc com.lumi.app uid=10123 app 8.12.3",
        "11-28 13:04:06.001  4321  4400 I LumiApp: login ok user=<USERNAME> email=<EMAIL_ADDRESS>",
        "11-28 13:04:07.777  4321  4400 D LumiApp: geofence lat=<GPS_COORDINATE> lon=<GPS_COORDINATE> r=100",
        "11-28 13:04:08.002  4321  4400 I LumiApp: sms alarm to <PHONE_NUMBER> queued",
    ]


def test_hub_telemetry_without_personal_data_is_untouched(scrubber: TextScrubber) -> None:
    lines = [
        "hub: sensor 12 temp 21.5C humidity 45% pressure 1013 hPa battery 87%",
        "hub: ota check app 8.12.3 firmware 4.1.7_0012 model lumi.gateway.agl001 up to date",
        "hub: error 0x1F3A status E0x00FF at 2026-11-28T13:04:05+01:00",
    ]
    results = scrubber.scrub(lines)
    assert [r.text for r in results] == lines
    assert all(r.entities == {} for r in results)


def test_serial_is_pseudonymized_like_its_column(scrubber: TextScrubber, key: bytes) -> None:
    result = scrub_one(scrubber, f"hub: device {SERIAL} heartbeat ok")
    assert result.text == f"hub: device {pseudonymize(SERIAL, 'device_serial', key)} heartbeat ok"
    assert result.entities == {"DEVICE_SERIAL": 1}


def test_missing_values_stay_missing(scrubber: TextScrubber) -> None:
    results = scrubber.scrub([None, "", math.nan, "ok"])  # type: ignore[list-item]  # pandas sends NaN
    assert [r.text for r in results] == [None, "", None, "ok"]
    assert all(r.entities == {} for r in results)


def test_overlapping_findings_become_one_replacement(scrubber: TextScrubber) -> None:
    # USERNAME (after "user") and EMAIL_ADDRESS cover the same text: the e-mail wins.
    result = scrub_one(scrubber, "invite for user anna@example.com sent")
    assert result.text == "invite for user <EMAIL_ADDRESS> sent"
    assert result.entities == {"EMAIL_ADDRESS": 1}


# --- record-aware deny list ----------------------------------------------------------


def test_record_values_are_replaced_wherever_they_occur(fresh_scrubber: TextScrubber, key: bytes) -> None:
    deny = [(SERIAL, "DEVICE_SERIAL"), ("aa:bb:cc:dd:ee:ff", "MAC_ADDRESS"), ("Lopez Family", "WIFI_SSID")]
    text = f"note: joined lopez family again; unit {SERIAL.lower()} mac AABB.CCDD.EEFF ok"
    result = scrub_one(fresh_scrubber, text, deny)
    serial_token = pseudonymize(SERIAL, "device_serial", key)
    mac_token = pseudonymize("aa:bb:cc:dd:ee:ff", "mac_address", key)
    assert result.text == f"note: joined <WIFI_SSID> again; unit {serial_token} mac {mac_token} ok"
    assert result.entities == {"WIFI_SSID": 1, "DEVICE_SERIAL": 1, "MAC_ADDRESS": 1}


def test_record_values_respect_word_boundaries(fresh_scrubber: TextScrubber) -> None:
    deny = [("HomeNet", "WIFI_SSID"), ("10.0.0.5", "IP_ADDRESS")]
    text = "HomeNetwork scan, peer 10.0.0.50 and homenet"
    result = scrub_one(fresh_scrubber, text, deny)
    assert result.text == "HomeNetwork scan, peer <IP_ADDRESS> and <WIFI_SSID>"


def test_record_values_apply_to_cached_texts_too(
    fresh_scrubber: TextScrubber, count_analyze: list[str]
) -> None:
    text = "wifi scan found Schmidt-Gast and 3 others"
    plain = scrub_one(fresh_scrubber, text)
    with_deny = scrub_one(fresh_scrubber, text, [("Schmidt-Gast", "WIFI_SSID")])
    assert plain.text == text
    assert with_deny.text == "wifi scan found <WIFI_SSID> and 3 others"
    assert len(count_analyze) == 1, "the second call reuses the cached analysis"
    assert scrub_one(fresh_scrubber, text).text == text, "the record's value did not leak into the cache"


def test_deny_values_must_align_with_texts(scrubber: TextScrubber) -> None:
    with pytest.raises(ValueError, match="must align"):
        scrubber.scrub(["a", "b"], [[]])


def test_short_deny_values_are_ignored(fresh_scrubber: TextScrubber) -> None:
    assert scrub_one(fresh_scrubber, "go to ab now", [("ab", "WIFI_SSID")]).text == "go to ab now"


# --- known identifiers ---------------------------------------------------------------


def known_pairs(count: int) -> list[tuple[str, str]]:
    rng = random.Random(3)
    pairs: list[tuple[str, str]] = []
    for n in range(count // 4):
        pairs.append((f"user{n}.{rng.randint(0, 10**6)}@example.org", "EMAIL_ADDRESS"))
        pairs.append((f"+4915{rng.randint(10**8, 10**9 - 1)}", "PHONE_NUMBER"))
        pairs.append((f"login_{n}_{rng.randint(0, 999)}", "USERNAME"))
        pairs.append((f"Person{n} Example", "PERSON"))
    return pairs


def test_known_identifiers_are_found_with_one_automaton(fresh_scrubber: TextScrubber) -> None:
    pairs = [
        *known_pairs(100_000),
        ("Anna Schmidt", "PERSON"),
        ("Max", "PERSON"),
        ("bob", "USERNAME"),
        ("Lopez-Gast", "WIFI_SSID"),
    ]
    fresh_scrubber.set_known_identifiers(pairs)
    text = "scene by anna schmidt: Max dimmed, max=100, bobcat and bob at Lopez-Gast"
    result = scrub_one(fresh_scrubber, text)
    assert result.text == "scene by <PERSON>: <PERSON> dimmed, max=100, bobcat and <USERNAME> at <WIFI_SSID>"
    assert result.entities == {"PERSON": 2, "USERNAME": 1, "WIFI_SSID": 1}
    last_username, entity_type = pairs[99_998]  # deep in the list; only the automaton knows it
    assert entity_type == "USERNAME"
    assert scrub_one(fresh_scrubber, f"msg from {last_username} ok").text == "msg from <USERNAME> ok"


def test_set_known_identifiers_is_idempotent_per_version_and_clears_the_cache(
    fresh_scrubber: TextScrubber,
) -> None:
    text = "scene Tobias renamed"  # no lead-in: only the known identifier finds the name
    assert scrub_one(fresh_scrubber, text).text == text
    fresh_scrubber.set_known_identifiers([("Tobias", "PERSON")], version="2026-11-28")
    assert scrub_one(fresh_scrubber, text).text == "scene <PERSON> renamed", "cache was cleared"
    fresh_scrubber.set_known_identifiers([], version="2026-11-28")  # same version: no-op
    assert scrub_one(fresh_scrubber, text).text == "scene <PERSON> renamed"
    fresh_scrubber.set_known_identifiers([], version="2026-11-29")
    assert scrub_one(fresh_scrubber, text).text == text


def test_display_names_are_also_known_by_their_parts(fresh_scrubber: TextScrubber) -> None:
    fresh_scrubber.set_known_identifiers([("Hope Barry", "PERSON"), ("\u5c0f\u6797 \u7ffc", "PERSON")])
    result = scrub_one(
        fresh_scrubber, "contact set for Barry household; hope is lost; \u5c0f\u6797\u306e\u90e8\u5c4b"
    )
    assert result.text == "contact set for <PERSON> household; hope is lost; <PERSON>\u306e\u90e8\u5c4b"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a first name that is also an ordinary word needs a person around it
        ("Hope's lamp; Oma Hope; Hope Barry", "<PERSON>'s lamp; Oma <PERSON>; <PERSON>"),
        ("Hope mode enabled for Hope household", "Hope mode enabled for Hope household"),
    ],
)
def test_a_known_first_name_that_is_an_ordinary_word_needs_a_person_around_it(
    fresh_scrubber: TextScrubber, text: str, expected: str
) -> None:
    fresh_scrubber.set_known_identifiers([("Hope Barry", "PERSON")])
    assert scrub_one(fresh_scrubber, text).text == expected


# --- performance mechanics -----------------------------------------------------------


def test_repeated_texts_are_analysed_once(fresh_scrubber: TextScrubber, count_analyze: list[str]) -> None:
    line = "wlan0: associated with 3c:22:fb:12:34:56 (SSID 'HomeNet')"
    first = fresh_scrubber.scrub([line, line, line])
    second = fresh_scrubber.scrub([line])
    assert len(count_analyze) == 1
    assert {r.text for r in first + second} == {first[0].text}
    first[0].entities["MAC_ADDRESS"] = 99  # callers may mutate their results
    assert fresh_scrubber.scrub([line])[0].entities["MAC_ADDRESS"] == 1


def test_text_that_cannot_hold_personal_data_skips_presidio(
    fresh_scrubber: TextScrubber, count_analyze: list[str]
) -> None:
    fresh_scrubber.scrub(["heartbeat ok", "Zone armed", "door closed"])
    assert count_analyze == []


def test_synthetic_batch_never_leaks_known_pool_values(scrubber: TextScrubber) -> None:
    """The benchmark's lines: every user, SSID and e-mail in them ends up replaced."""
    lines = synthetic_log_lines(2000, seed=11)
    out = [r.text or "" for r in scrubber.scrub(lines)]
    for leaked in ("anna_k", "jschmidt", "maria.lopez", "t.nguyen", "HomeNet", "Schmidt-5G", "@example.com"):
        assert not any(leaked in line for line in out), leaked
    assert any("firmware 4.1.7_0012" in line for line in out)


# --- long texts ----------------------------------------------------------------------


def test_long_text_is_chunked_with_overlap_and_nothing_is_skipped(
    monkeypatch: pytest.MonkeyPatch, key: bytes
) -> None:
    settings = ScrubSettings(max_text_chars=400)
    chunked = TextScrubber(settings, key)
    calls = record_analyze(monkeypatch, chunked)
    filler = "status ok " * 37  # 370 characters
    emails = [f"anna{n}@example.com" for n in range(12)]
    text = "".join(filler[: 350 + 7 * n] + f" {email} " for n, email in enumerate(emails))
    result = scrub_one(chunked, text)
    assert len(text) > 4000
    assert result.entities == {"EMAIL_ADDRESS": len(emails)}
    assert "@" not in (result.text or "")
    assert calls and all(len(chunk) <= settings.max_text_chars for chunk in calls)


# --- NER -----------------------------------------------------------------------------


def test_ner_column_scrubs_names_and_places_in_one_batch(
    monkeypatch: pytest.MonkeyPatch, ner_scrubber: TextScrubber
) -> None:
    batches: list[int] = []
    engine = ner_scrubber.analyzer.nlp_engine
    real = engine.process_batch

    def recording(texts: list[str], *args: Any, **kwargs: Any) -> Any:
        batches.append(len(texts))
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(engine, "process_batch", recording)
    names = ["Good night Anna Schmidt", "Weekend in Hamburg", "kitchen lights", "John's room in Berlin"]
    results = ner_scrubber.scrub(names)
    assert [r.text for r in results] == [
        "Good night <PERSON>",
        "Weekend in <LOCATION>",
        "kitchen lights",
        "<PERSON>'s room in <LOCATION>",
    ]
    assert batches == [3], "one nlp.pipe call; the lower-case text never reaches spaCy"


def test_room_vocabulary_is_never_a_name(ner_scrubber: TextScrubber) -> None:
    """spaCy's English model tags lone foreign room names; the allow list keeps them."""
    rooms = ["Schlafzimmer", "Mutfak", "Cocina", "Yatak odas\u0131", "K\u00f8kken", "Living room"]
    assert [r.text for r in ner_scrubber.scrub(rooms)] == rooms


def test_ner_off_finds_names_only_after_a_lead_in(scrubber: TextScrubber) -> None:
    """Without NER a name is found where the phrase points at a person, not elsewhere."""
    assert scrub_one(scrubber, "Good night Anna Schmidt").text == "Good night <PERSON>"
    assert scrub_one(scrubber, "Anna Schmidt dimmed the lights").text == "Anna Schmidt dimmed the lights"


# --- failing closed ------------------------------------------------------------------


class ExplodingRecognizer(EntityRecognizer):
    """A recognizer that fails with the text in its message, as third-party code might."""

    trigger = "@"

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        raise ValueError(f"cannot parse {text!r}")


def test_errors_propagate_without_the_text(key: bytes) -> None:
    settings = ScrubSettings(score_threshold=0.55)  # its own scrubber; the engine is shared
    exploding = TextScrubber(settings, key)
    recognizer = ExplodingRecognizer(supported_entities=["EMAIL_ADDRESS"], name="exploding")
    exploding.analyzer.registry.add_recognizer(recognizer)
    try:
        secret = "anna.secret@example.com"
        with pytest.raises(ScrubError) as raised:
            exploding.scrub(["fine", f"mail {secret}"])
        message = str(raised.value)
        assert "secret" not in message and "example" not in message
        assert "text #1" in message and "ValueError" in message
        assert raised.value.__cause__ is None and raised.value.__suppress_context__
    finally:
        exploding.analyzer.registry.remove_recognizer("exploding")


def test_non_text_input_is_rejected_by_position_and_type(scrubber: TextScrubber) -> None:
    with pytest.raises(TypeError, match=r"texts\[1\] is int"):
        scrubber.scrub(["ok", 4711])  # type: ignore[list-item]


# --- settings and the per-process cache ------------------------------------------------


def test_settings_are_hashable_and_picklable() -> None:
    settings = ScrubSettings(ner=True, phone_regions=("DE",))
    assert pickle.loads(pickle.dumps(settings)) == settings
    assert hash(settings) == hash(ScrubSettings(ner=True, phone_regions=("DE",)))


@pytest.mark.parametrize(
    "bad",
    [
        {"score_threshold": 1.5},
        {"max_text_chars": 10},
        {"phone_regions": ("XX",)},
        {"phone_regions": ()},
        {"pseudonymize_entities": (("MAC_ADDRESS", "shoe_size"),)},
        {"pseudonymize_entities": (("MAC_ADDRESS", "mac_address"), ("MAC_ADDRESS", "device_serial"))},
    ],
)
def test_bad_settings_fail_loudly(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ScrubSettings(**bad)


def test_more_entities_can_be_pseudonymized(key: bytes) -> None:
    settings = ScrubSettings(pseudonymize_entities=(("EMAIL_ADDRESS", "email"), ("WIFI_SSID", "ssid")))
    result = scrub_one(TextScrubber(settings, key), "ssid=HomeNet owner anna@example.com")
    ssid, email = pseudonymize("HomeNet", "ssid", key), pseudonymize("anna@example.com", "email", key)
    assert result.text == f"ssid={ssid} owner {email}"


def test_get_scrubber_is_cached_per_settings_and_key(key: bytes) -> None:
    settings = ScrubSettings(score_threshold=0.6)
    assert get_scrubber(settings, key) is get_scrubber(ScrubSettings(score_threshold=0.6), key)
    assert get_scrubber(settings, key) is not get_scrubber(settings, key + b"-rotated")
    assert get_scrubber(settings, key).analyzer is get_scrubber(ScrubSettings(), key).analyzer
    assert key.decode() not in repr(get_scrubber(settings, key))


def test_weak_key_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least"):
        TextScrubber(ScrubSettings(), b"short")


def test_entity_types_for_every_pseudonym_kind() -> None:
    assert set(ENTITY_TYPE_FOR_KIND) == set(TOKEN_PREFIX)


@pytest.mark.parametrize(
    "text",
    [
        "invite sent to +49 1524 4024264",
        "invite sent to 01524/4024264",
        "call back 0049-1524-40 24 264 later",
        "sms to (01524) 4024264 failed",
        "tel:+4915244024264",
    ],
)
def test_a_known_phone_is_found_in_any_notation(fresh_scrubber: TextScrubber, text: str) -> None:
    """The subject's own phone, as the accounts table holds it, in the notations people write."""
    fresh_scrubber.set_known_identifiers([("+4915244024264", "PHONE_NUMBER")])
    result = scrub_one(fresh_scrubber, text).text
    assert result is not None and "4024264" not in result.replace(" ", "")
    assert "<PHONE_NUMBER>" in result


def test_digits_that_only_share_the_known_phones_tail_stay(fresh_scrubber: TextScrubber) -> None:
    fresh_scrubber.set_known_identifiers([("+4915244024264", "PHONE_NUMBER")])
    text = "job 7715244024264 done; ts 2026-11-28 17:32:31"
    assert scrub_one(fresh_scrubber, text).text == text


def test_scrub_keeping_leaves_what_keep_accepts_and_replaces_the_rest(fresh_scrubber: TextScrubber) -> None:
    """A subject access export keeps the subject's own identifiers, replaces other people's."""
    fresh_scrubber.set_known_identifiers([("Anna Schmidt", "PERSON"), ("Max Meyer", "PERSON")])
    own = {
        "anna schmidt",
        "anna",
        "schmidt",
        "anna@example.org",
    }  # display names are known by their parts too
    texts = ["invite from anna@example.org (Anna Schmidt) to max@example.net (Max Meyer)", None]
    kept = fresh_scrubber.scrub_keeping(texts, lambda found, _: found.casefold() in own)
    assert kept[0].text == "invite from anna@example.org (Anna Schmidt) to <EMAIL_ADDRESS> (<PERSON>)"
    assert kept[0].entities == {"EMAIL_ADDRESS": 1, "PERSON": 1}
    assert kept[1].text is None
    everything = fresh_scrubber.scrub_keeping(texts[:1], lambda found, _: False)
    assert everything[0].text == "invite from <EMAIL_ADDRESS> (<PERSON>) to <EMAIL_ADDRESS> (<PERSON>)"
