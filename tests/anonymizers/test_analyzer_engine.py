"""The engine factory: which recognizers it registers, NER strictly opt-in, spaCy loaded
only by name and never downloaded, the YAML recognizers, and the entity prefilter."""

from __future__ import annotations

import pytest
import spacy
from presidio_analyzer import RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NoOpNlpEngine

from anonymizers import scrubber as scrubber_module
from anonymizers.engine import (
    NER_ENTITIES,
    EntityPrefilter,
    OfflineSpacyNlpEngine,
    build_analyzer,
    build_nlp_engine,
    build_recognizer,
    triggers_of,
)
from anonymizers.recognizers._base import CASE_SENSITIVE_REGEX_FLAGS, KEY_SEPARATOR_OR_SPACE, entry_patterns
from anonymizers.recognizers.device_serial_recognizer import _SERIAL_KEYS, DeviceSerialRecognizer
from anonymizers.registry import RecognizerEntry, RecognizerRegistryFile, load_registry
from anonymizers.scrubber import ScrubSettings, TextScrubber
from anonymizers.settings import OPTIONAL_ENTITIES

IOT_ENTITIES = {
    "MAC_ADDRESS",
    "IP_ADDRESS",
    "IMEI",
    "DEVICE_SERIAL",
    "WIFI_SSID",
    "GPS_COORDINATE",
    "USERNAME",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "PERSON",  # names after lead-ins in log lines (LogPersonNameRecognizer), NER or not
}
YAML_ENTITIES = {"ACCOUNT_ID", "IMSI", "CREDENTIAL", "DEVICE_NAME"}
OPTIONAL = {"CREDIT_CARD", "IBAN_CODE", "ICCID"}


def test_registry_holds_our_recognizers_and_no_harmful_defaults() -> None:
    analyzer = build_analyzer(ner=False)
    assert set(analyzer.get_supported_entities()) == IOT_ENTITIES | YAML_ENTITIES
    switched_on = build_analyzer(ner=False, optional_entities=sorted(OPTIONAL))
    assert set(switched_on.get_supported_entities()) == IOT_ENTITIES | YAML_ENTITIES | OPTIONAL
    with pytest.raises(ValueError, match="unknown optional entities"):
        build_analyzer(ner=False, optional_entities=["US_SSN"])
    names = {type(r).__name__ for r in analyzer.registry.recognizers}
    for harmful in (
        "DateRecognizer",
        "UrlRecognizer",
        "UsSsnRecognizer",
        "UsBankRecognizer",
        "SpacyRecognizer",
    ):
        assert harmful not in names


def test_ner_off_never_loads_spacy(monkeypatch: pytest.MonkeyPatch, key: bytes) -> None:
    def no_spacy(*args: object, **kwargs: object) -> None:
        raise AssertionError("spaCy must not load a model when NER is off")

    monkeypatch.setattr(spacy, "load", no_spacy)
    monkeypatch.setattr(spacy, "blank", no_spacy)
    monkeypatch.setattr(scrubber_module, "_shared_engine", scrubber_module._shared_engine.__wrapped__)

    scrubber = TextScrubber(ScrubSettings(ner=False), key)
    assert isinstance(scrubber.analyzer.nlp_engine, NoOpNlpEngine)
    [result] = scrubber.scrub(["Anna Schmidt from Berlin at 10.0.0.5"])
    assert result.text == "Anna Schmidt from Berlin at <IP_ADDRESS>"


def test_ner_on_finds_people_and_places(ner_scrubber: TextScrubber) -> None:
    text = "Anna Schmidt switched on the lights in Berlin"
    results = ner_scrubber.analyzer.analyze(
        text, language="en", entities=list(NER_ENTITIES), score_threshold=0.5
    )
    assert {(text[r.start : r.end], r.entity_type) for r in results} == {
        ("Anna Schmidt", "PERSON"),
        ("Berlin", "LOCATION"),
    }


def test_ner_engine_runs_only_the_pipes_ner_needs(ner_scrubber: TextScrubber) -> None:
    engine = ner_scrubber.analyzer.nlp_engine
    assert isinstance(engine, OfflineSpacyNlpEngine)
    assert engine.get_nlp("en").pipe_names == ["ner"]
    assert set(engine.get_supported_entities()) == set(NER_ENTITIES)


def test_missing_spacy_model_fails_loudly_and_downloads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    downloads: list[object] = []
    monkeypatch.setattr("spacy.cli.download", lambda *args, **kwargs: downloads.append(args))
    with pytest.raises(RuntimeError, match=r"no_such_model_xyz.*not installed"):
        build_nlp_engine(ner=True, spacy_model="no_such_model_xyz")
    assert downloads == []


def test_custom_entries_are_plain_presidio_format() -> None:
    """Presidio's own loader reads each pattern entry; the registry adds the rest."""
    registry = RecognizerRegistry()
    for entry in load_registry():
        if entry.type == "custom":
            registry.add_pattern_recognizer_from_dict(entry.presidio_dict())
    # Presidio's loader knows nothing of optional entities: it loads the ICCID one too.
    assert {e for r in registry.recognizers for e in r.supported_entities} == YAML_ENTITIES | {"ICCID"}


def test_registry_order_is_the_file_order() -> None:
    analyzer = build_analyzer(ner=True, optional_entities=sorted(OPTIONAL))
    assert [r.name for r in analyzer.registry.recognizers] == [e.name for e in load_registry()]
    without_ner = build_analyzer(ner=False)
    assert [r.name for r in without_ner.registry.recognizers] == [
        e.name for e in load_registry() if e.enabled and not e.ner
    ]


def test_optional_entities_are_the_disabled_entries() -> None:
    assert set(OPTIONAL_ENTITIES) == OPTIONAL


def test_registry_entry_must_match_its_recognizer() -> None:
    imei = next(e for e in load_registry() if e.name == "ImeiRecognizer")
    with pytest.raises(ValueError, match="does not match"):
        build_recognizer(imei.model_copy(update={"supported_entity": "IMSI"}), {})
    with pytest.raises(ValueError, match="declares its triggers on the class"):
        RecognizerEntry(
            name="X", type="code", class_name="a.X", supported_entity="X", patterns=imei.patterns, trigger="x"
        )
    needs = next(e for e in load_registry() if e.arguments)
    with pytest.raises(ValueError, match="unknown setting"):
        build_recognizer(needs, {})


def test_code_entries_declare_their_patterns_in_the_file() -> None:
    """A code recognizer's patterns, context and entity come from its entry; ``${NAME}``
    stands for a regex constant of its module, and a name it lacks is refused."""
    serial = next(e for e in load_registry() if e.name == "DeviceSerialRecognizer")
    recognizer = DeviceSerialRecognizer()
    assert recognizer.supported_entities == ["DEVICE_SERIAL"]
    assert recognizer.context == list(serial.context or ())
    assert recognizer.global_regex_flags == CASE_SENSITIVE_REGEX_FLAGS  # ignore_case: false
    after_key = next(p for p in recognizer.patterns if p.name == "Serial (after key)")
    assert "${" not in after_key.regex and after_key.regex.startswith(_SERIAL_KEYS + KEY_SEPARATOR_OR_SPACE)
    unknown = serial.model_copy(
        update={"patterns": ({"name": "n", "regex": "${NO_SUCH_PIECE}", "score": 0.5},)}
    )
    with pytest.raises(ValueError, match=r"no regex constant \$\{NO_SUCH_PIECE\}"):
        entry_patterns(DeviceSerialRecognizer, unknown)
    with pytest.raises(ValueError, match="declares its patterns"):
        RecognizerEntry(name="X", type="code", class_name="a.X", supported_entity="X")
    with pytest.raises(ValueError, match="only a code recognizer sets ignore_case"):
        RecognizerEntry(
            name="X", type="custom", supported_entity="X", patterns=serial.patterns, ignore_case=False
        )


def test_every_entity_type_has_a_rank() -> None:
    imei = next(e for e in load_registry() if e.supported_entity == "IMEI")
    with pytest.raises(ValueError, match=r"entity_priority lacks the entity types \['IMEI'\]"):
        RecognizerRegistryFile(recognizers=(imei,), entity_priority=("MAC_ADDRESS",))
    with pytest.raises(ValueError, match="unique"):
        RecognizerRegistryFile(recognizers=(imei, imei), entity_priority=("IMEI",))


def test_every_recognizer_has_a_trigger() -> None:
    analyzer = build_analyzer(ner=True, optional_entities=sorted(OPTIONAL))
    for recognizer in analyzer.registry.recognizers:
        assert triggers_of(recognizer), f"{type(recognizer).__name__} has no trigger: it would always run"


def test_prefilter_skips_text_without_personal_data(prefilter: EntityPrefilter) -> None:
    assert prefilter.candidate_entities("heartbeat ok") == []
    assert prefilter.candidate_entities("Heartbeat OK, all Zones armed") == []
    assert "EMAIL_ADDRESS" in prefilter.candidate_entities("mail a@b.de")


def test_ner_prefilter_lets_capitalised_and_non_ascii_words_through(ner_scrubber: TextScrubber) -> None:
    ner_prefilter = EntityPrefilter.for_analyzer(ner_scrubber.analyzer)
    assert "PERSON" in ner_prefilter.candidate_entities("scene by Anna")
    assert "LOCATION" in ner_prefilter.candidate_entities("trip to \u00e4gypten")
    assert ner_prefilter.candidate_entities("lights off in the kitchen") == []


# Lines that exercise every recognizer, context boosts (score below the threshold
# without context), overlapping findings of several types and no finding at all.
LEAN_PATH_TEXTS = (
    "sshd[812]: Accepted password for anna_k from 192.168.1.23 port 51122 ssh2",
    "dnsmasq-dhcp[6264]: DHCPACK(br0) 192.168.0.43 a8:9c:ed:70:ee:f1 Galaxy-S23-Mehrigul",
    "wlan0: associated with bssid 0:1b:63:84:45:e6 ssid HomeNet-5G",
    "zigbee: device 0x00158d0001a2b3c4 joined, ieee 00:15:8d:00:01:23:45:67",
    "contact: call +49 30 1234567 or (415) 555-0134, mail anna.schmidt@example.com",
    "modem: imei 490154203237518 imsi 262011234567890 iccid 8949020000012345678",
    "geo: lat=52.520008 lon=13.404954 home 48°51'24\"N 2°21'03\"E",
    "share: 60EDD411325F8D64 shared with Alexandria Lombard, account_id=acc-12345",
    "payment: card 4111 1111 1111 1111 iban DE89370400440532013000 password=hunter2",
    "firmware 1.2.3.4 ok, uptime 12345.678901, temperature 25.3C humidity 39%",
    "Anna Schmidt switched on the lights in Berlin; notified Ben and Maria",
)


@pytest.mark.parametrize("ner", [False, True])
def test_lean_path_gives_exactly_what_analyze_gives(
    ner: bool, scrubber: TextScrubber, ner_scrubber: TextScrubber
) -> None:
    """``analyze_selected`` (the scrubber's path) must equal Presidio's ``analyze``."""
    chosen = ner_scrubber if ner else scrubber
    analyzer = chosen.analyzer
    entities = analyzer.get_supported_entities()
    found = set()
    for text in LEAN_PATH_TEXTS:
        artifacts = analyzer.nlp_engine.process_text(text, "en")
        for threshold in (0.0, 0.5, 0.9):
            expected = analyzer.analyze(
                text, language="en", entities=entities, score_threshold=threshold, nlp_artifacts=artifacts
            )
            lean = analyzer.analyze_selected(text, entities, threshold, artifacts)
            assert sorted(map(_as_tuple, lean)) == sorted(map(_as_tuple, expected)), text
            assert all(result.analysis_explanation is None for result in lean)
            found.update(result.entity_type for result in lean)
    assert len(found) >= 12  # the texts do exercise most recognizers


def _as_tuple(result: RecognizerResult) -> tuple[int, int, str, float, str]:
    metadata = result.recognition_metadata or {}
    return result.start, result.end, result.entity_type, result.score, metadata["recognizer_identifier"]
