"""The IoT recognizers: true positives in the formats devices log, and look-alikes that
must stay untouched. Every case runs through the real analyzer behind the scrubber's
prefilter, so a trigger that would hide a true positive fails here too."""

from __future__ import annotations

import re

import pytest
from presidio_analyzer import AnalyzerEngine

from anonymizers.engine import EntityPrefilter
from anonymizers.recognizers import (
    GpsCoordinateRecognizer,
    ImeiRecognizer,
    IpAddressRecognizer,
    OfflineEmailRecognizer,
    PhoneRecognizer,
    luhn_valid,
)
from anonymizers.recognizers._base import literal_trigger
from anonymizers.recognizers.log_person_name_recognizer import LogPersonNameRecognizer
from anonymizers.recognizers.person_name_recognizer import PersonNameRecognizer
from anonymizers.scrubber import TextScrubber


def found(
    analyzer: AnalyzerEngine, prefilter: EntityPrefilter, text: str, entity: str | None = None
) -> list[str]:
    """Substrings the prefiltered analyzer reports at the scrubber's threshold."""
    entities = prefilter.candidate_entities(text)
    if not entities:
        return []
    results = analyzer.analyze(text, language="en", entities=entities, score_threshold=0.5)
    return sorted(text[r.start : r.end] for r in results if entity is None or r.entity_type == entity)


TRUE_POSITIVES = [
    # MAC_ADDRESS
    ("MAC_ADDRESS", "wlan0: authenticate with aa:bb:cc:dd:ee:0f", "aa:bb:cc:dd:ee:0f"),
    ("MAC_ADDRESS", "client AA-BB-CC-DD-EE-0F joined", "AA-BB-CC-DD-EE-0F"),
    ("MAC_ADDRESS", "Gi0/1 learned aabb.ccdd.ee0f on vlan 10", "aabb.ccdd.ee0f"),
    ("MAC_ADDRESS", "esp32 boot MAC 246F28A1B2C3", "246F28A1B2C3"),
    ("MAC_ADDRESS", "bssid=001122334455 rssi=-60", "001122334455"),
    ("MAC_ADDRESS", '{"mac": "001a2b3c4d5e"}', "001a2b3c4d5e"),
    ("MAC_ADDRESS", "? (192.168.1.7) at 0:1b:63:84:45:e6 on en0", "0:1b:63:84:45:e6"),
    ("MAC_ADDRESS", "hostapd: wlan0: STA 3c:22:fb:12:34:56 IEEE 802.11: associated", "3c:22:fb:12:34:56"),
    ("MAC_ADDRESS", "zigbee ieee 00:15:8d:00:01:23:45:67 joined", "00:15:8d:00:01:23:45:67"),
    ("MAC_ADDRESS", "zigbee2mqtt: Device '0x00158d0001a2b3c4' joined", "0x00158d0001a2b3c4"),
    # IP_ADDRESS
    ("IP_ADDRESS", "Accepted publickey for bob from 91.64.12.5 port 52211 ssh2", "91.64.12.5"),
    ("IP_ADDRESS", "upstream 10.0.0.5:8080 timed out", "10.0.0.5"),
    ("IP_ADDRESS", "PTR host-10-105-160-95.isp.net", "10-105-160-95"),
    ("IP_ADDRESS", "resolved ip-10-0-0-12.ec2.internal", "10-0-0-12"),
    ("IP_ADDRESS", "peer 10-0-0-5.dyn.example.com connected", "10-0-0-5"),
    ("IP_ADDRESS", "inet6 fe80::1ff:fe23:4567:890a%wlan0 scope link", "fe80::1ff:fe23:4567:890a%wlan0"),
    ("IP_ADDRESS", "GET from [2001:db8::8a2e:370:7334]:443", "2001:db8::8a2e:370:7334"),
    ("IP_ADDRESS", "mapped ::ffff:192.0.2.1 ok", "::ffff:192.0.2.1"),
    (
        "IP_ADDRESS",
        "addr 2a02:810d:4b3f:e100:1c2d:3e4f:5a6b:7c8d: dad ok",
        "2a02:810d:4b3f:e100:1c2d:3e4f:5a6b:7c8d",
    ),
    # IMEI
    ("IMEI", "modem imei 352099001761481 registered", "352099001761481"),
    ("IMEI", "IMEI: 35-209900-176148-1", "35-209900-176148-1"),
    ("IMEI", "handset 35 209900 176148 1", "35 209900 176148 1"),
    # DEVICE_SERIAL
    ("DEVICE_SERIAL", "device A1B2C3D4E5F60718 rebooted", "A1B2C3D4E5F60718"),
    ("DEVICE_SERIAL", "hub 9F00C0FFEE123456 online", "9F00C0FFEE123456"),
    ("DEVICE_SERIAL", "sn=a1b2c3d4e5f60718", "a1b2c3d4e5f60718"),
    ("DEVICE_SERIAL", "serial: 1234567890123456", "1234567890123456"),
    # WIFI_SSID
    ("WIFI_SSID", "wlan0: Trying to associate with SSID 'HomeNet'", "HomeNet"),
    ("WIFI_SSID", 'CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid="My Home WiFi" auth_failures=1', "My Home WiFi"),
    ("WIFI_SSID", "scan ssid=Vodafone-4F2A freq=2412", "Vodafone-4F2A"),
    ("WIFI_SSID", "joined wifi network 'Schmidt 5G'", "Schmidt 5G"),
    ("WIFI_SSID", "wlan0: connected to FRITZ-7590 rssi -40", "FRITZ-7590"),
    ("WIFI_SSID", 'WifiInfo: SSID: "Lopez Family", BSSID: 3c:22:fb:12:34:56', "Lopez Family"),
    ("WIFI_SSID", "WifiInfo: SSID: Lopez Family, BSSID: 3c:22:fb:12:34:56", "Lopez Family"),
    ("WIFI_SSID", 'wlan0     IEEE 802.11  ESSID:"o2-WLAN17"', "o2-WLAN17"),
    ("WIFI_SSID", "connected to \u201cCaf\u00e9 Gast\u201d", "Caf\u00e9 Gast"),
    ("WIFI_SSID", 'wifi: scan found "Judy\'s WiFi" rssi -64 dBm', "Judy's WiFi"),
    # GPS_COORDINATE
    ("GPS_COORDINATE", "fix lat=52.52 lon=13.40 sats=7", "52.52"),
    ("GPS_COORDINATE", "fix lat=52.52 lon=13.40 sats=7", "13.40"),
    ("GPS_COORDINATE", "position lat: 52.5200, lng: 13.4050", "13.4050"),
    ("GPS_COORDINATE", '{"latitude": 48.137154, "longitude": 11.576124}', "48.137154"),
    ("GPS_COORDINATE", "home at (52.5200, 13.4050)", "52.5200, 13.4050"),
    ("GPS_COORDINATE", "loc 52.5200,13.4050 acc 12m", "52.5200,13.4050"),
    ("GPS_COORDINATE", "gps N52.52 E13.40 fix", "N52.52 E13.40"),
    ("GPS_COORDINATE", "at 52.5200\u00b0 N, 13.4050\u00b0 E", "52.5200\u00b0 N, 13.4050\u00b0 E"),
    ("GPS_COORDINATE", "at 52\u00b031'12.0\"N 13\u00b024'18.0\"E", "52\u00b031'12.0\"N 13\u00b024'18.0\"E"),
    ("GPS_COORDINATE", "https://maps.example.com/?q=52.52,13.40", "52.52,13.40"),
    # The trigger's widest gaps between the two decimals of a pair (11 and 10 characters).
    ("GPS_COORDINATE", "at 52.5200 deg N  ,  13.4050 deg E", "52.5200 deg N  ,  13.4050 deg E"),
    ("GPS_COORDINATE", "at N 52.5200deg  ,  E 13.4050deg", "N 52.5200deg  ,  E 13.4050deg"),
    ("GPS_COORDINATE", "pos 52.5200  ,  -13.4050 hdop 1", "52.5200  ,  -13.4050"),
    # USERNAME
    ("USERNAME", "su: user anna_k logged in", "anna_k"),
    ("USERNAME", "auth ok login=anna_k method=pin", "anna_k"),
    ("USERNAME", "sshd[812]: Failed password for invalid user bob from 10.0.0.5 port 22 ssh2", "bob"),
    ("USERNAME", "sshd[812]: Accepted password for jschmidt from 10.0.0.5 port 22 ssh2", "jschmidt"),
    ("USERNAME", "sshd[812]: Invalid user maria.lopez from 10.0.0.5 port 22", "maria.lopez"),
    ("USERNAME", "pam_unix(sshd:session): session opened for user t.nguyen(uid=1000) by (uid=0)", "t.nguyen"),
    ("USERNAME", "app: username: x9", "x9"),
    ("USERNAME", 'profile {"username": "Anna K"}', "Anna K"),
    (
        "USERNAME",
        "sudo:   jschmidt : TTY=pts/0 ; PWD=/home/jschmidt ; USER=root ; COMMAND=/bin/ls",
        "jschmidt",
    ),
    ("USERNAME", "open C:\\Users\\maria\\AppData failed", "maria"),
    # PHONE_NUMBER
    ("PHONE_NUMBER", "sms alert to +49 30 1234567 sent", "+49 30 1234567"),
    ("PHONE_NUMBER", "call 030 1234567 on alarm", "030 1234567"),
    ("PHONE_NUMBER", "contact (415) 555-0134 for support", "(415) 555-0134"),
    ("PHONE_NUMBER", "sms to +44 20 7946 0958", "+44 20 7946 0958"),
    ("PHONE_NUMBER", "notify 0171 2345678", "0171 2345678"),
    ("PHONE_NUMBER", "notify 06 12 34 56 78", "06 12 34 56 78"),
    ("PHONE_NUMBER", "notify 0049 30 1234567", "0049 30 1234567"),
    ("PHONE_NUMBER", "tel:+4930123456", "+4930123456"),
    ("PHONE_NUMBER", "tel 0301234567", "0301234567"),
    ("PHONE_NUMBER", "notify: call forwarding to 32 68 32 62", "32 68 32 62"),
    # EMAIL_ADDRESS
    ("EMAIL_ADDRESS", "push to anna.k+iot@mail.example.co.uk delivered", "anna.k+iot@mail.example.co.uk"),
    ("EMAIL_ADDRESS", "invite j.schmidt@sub.domain.example.de", "j.schmidt@sub.domain.example.de"),
    ("EMAIL_ADDRESS", "GET /api/invite?email=anna%40example.com&x=1", "anna%40example.com"),
    # YAML recognizers
    ("ACCOUNT_ID", "sync account_id=acc_2f9a81 ok", "acc_2f9a81"),
    ("IMSI", "sim imsi: 262011234567890", "262011234567890"),
    ("CREDENTIAL", "wpa psk=hunter22secret configured", "hunter22secret"),
    ("CREDENTIAL", 'api "password": "s3cr3t!" sent', "s3cr3t!"),
    ("CREDENTIAL", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc", "eyJhbGciOiJIUzI1NiJ9.e30.abc"),
    ("DEVICE_NAME", "DHCPACK(br0) 192.168.178.23 3c:22:fb:12:34:56 Annas-iPhone", "Annas-iPhone"),
    ("DEVICE_NAME", "mdns: Anna's MacBook Pro", "Anna's MacBook Pro"),
    ("DEVICE_NAME", "lease android-3fa9c0d1e2b4a5f6 renewed", "android-3fa9c0d1e2b4a5f6"),
    ("DEVICE_NAME", "smb: Tobias's PC connected", "Tobias's PC"),
    ("DEVICE_NAME", "dhcp: johns_MBP renewed", "johns_MBP"),
    # PERSON in log lines (household members and guests, in no account): after lead-ins,
    # in lists, next to honorifics, before presence phrases, as name-key values
    ("PERSON", "camera: motion in hallway, notified Anna and Roberto", "Roberto"),
    ("PERSON", "camera: motion in hallway, notified Anna, No\u00ebl & Ingegerd", "No\u00ebl"),
    ("PERSON", "camera: motion in bedroom, notified \u7ffc and \u96f6", "\u7ffc"),
    ("PERSON", "camera: motion in bedroom, notified \u7ffc and \u96f6", "\u96f6"),
    ("PERSON", "notify: family contact \u96f6 +81 90-1234-5678", "\u96f6"),
    ("PERSON", "voice: welcome home, Tobias", "Tobias"),
    ("PERSON", "voice: \u304a\u304b\u3048\u308a\u306a\u3055\u3044\u3001\u7ffc", "\u7ffc"),
    ("PERSON", "Nov 28 10:04:05 hub lockd[812]: Front door unlocked by Maria via keypad", "Maria"),
    ("PERSON", "Nov 28 10:04:05 hub alarmd[77]: alarm disarmed remotely by Jean-Luc", "Jean-Luc"),
    ("PERSON", "Nov 28 10:04:05 hub lockd[812]: fingerprint added for Kai", "Kai"),
    ("PERSON", "share: invitation from Siobhan O'Brien accepted", "Siobhan O'Brien"),
    ("PERSON", "I/Telecom( 1203): Incoming call from Maria Lopez", "Maria Lopez"),
    ("PERSON", "D/ContactsProvider( 2345): insert contact display_name=Anna Schmidt", "Anna Schmidt"),
    ("PERSON", 'V/FamilyLink( 3101): {"first_name": "Zo\u00eb", "role": "child"}', "Zo\u00eb"),
    ("PERSON", "I/NotificationService( 812): reminder sent to Fatma", "Fatma"),
    (
        "PERSON",
        "2026-11-28 10:04:05 INFO (MainThread) [homeassistant.components.person] "
        "person.anna_schmidt changed to home",
        "anna_schmidt",
    ),
    ("PERSON", "presence: Ben is away", "Ben"),
    ("PERSON", "geofence: Ay\u015fe arrived home", "Ay\u015fe"),
    ("PERSON", "ble: Anna's keys out of range", "Anna"),
    ("PERSON", "courier: parcel for Mr. Novak at the door", "Novak"),
    ("PERSON", "doorbell: Ay\u015fe Han\u0131m at the door", "Ay\u015fe"),
    ("PERSON", "doorbell: \u82b1\u5b50\u3055\u3093 at the door", "\u82b1\u5b50"),
]


@pytest.mark.parametrize(("entity", "text", "expected"), TRUE_POSITIVES)
def test_true_positive(
    analyzer: AnalyzerEngine, prefilter: EntityPrefilter, entity: str, text: str, expected: str
) -> None:
    assert entity in prefilter.candidate_entities(text), "the trigger must let this text through"
    assert expected in found(analyzer, prefilter, text, entity)


# Look-alikes from real device logs that must produce no finding of any type.
LOOK_ALIKES = [
    "firmware 4.1.7_0012 installed",
    "fw=4.1.7_0012",
    "2026-11-28T13:04:05+01:00 boot complete",
    "ts=2026-11-28 13:04:05.123",
    "error code 0x1F3A",
    "status E0x00FF",
    "temp 21.5C humidity 45%",
    "pressure 1013 hPa",
    "temps 21.5,22.3",
    "model lumi.gateway.agl001",
    "app 8.12.3 (build 4512)",
    "firmware 1.2.3.4 available",
    "netmask 255.255.255.0 gw ok",
    "listen on 127.0.0.1 and ::1",
    "uptime 1764331445 s",
    "kernel: [12345.678901] usb 1-1: new device number 3",
    "counter 1234567890123456",
    "hash deadbeefcafe",
    "value 123456789012",
    "IMEI check 352099001761482",
    "placeholder 000000000000000",
    "broadcast ff:ff:ff:ff:ff:ff",
    "Android MAC 02:00:00:00:00:00",
    "null island lat 0.0000,0.0000",
    "time 13:04:05",
    "the user session started",
    "mqtt connected to broker",
    "Failed password for root from 127.0.0.1 port 22",
    "Accepted publickey for admin from ::1 port 22",
    "ssid=<unknown ssid> scan done",
    "lat 91.0000,190.0000",
    "series S1 E2 done",
    "version 10.0.19041.1",
    "ota: downloading 2.7.16_0136 (6422344 bytes)",
    'ble: found "Mi Band 7" rssi -70',
    # capitalised words after the lead-ins of person names that name nobody
    "Nov 28 10:04:05 hub lockd[812]: door unlocked by Keypad",
    "Nov 28 10:04:05 hub alarmd[77]: alarm armed away by Automation",
    "hub: automation triggered by Motion Sensor at 21:04",
    "notify: notification sent to Telegram, retry in 30s",
    "notify: alert forwarded to Slack",
    "I/ActivityManager( 1234): Start proc 1234:com.lumi.app/u0a12 for service com.lumi.app/.Push",
    "web: request from Chrome on Windows",
    "scene: Good Night Mode started",
    "hub: code added for Slot 3",
    "reminder for Tomorrow set",
    "tracker: Phone left home zone",
    "sshd[812]: Connection closed by authenticating user root 127.0.0.1 port 22 [preauth]",
    "systemd[1]: Started Session 3 of User root.",
    "hal: Hello World test ok",
    "display_name=unknown",
    "hub: Today's schedule loaded",
    "ota: signed by Google, verified",
    "app: Welcome Home scene executed in 120 ms",
    "hub: notification sent to Mobile App",
    "camera: Face recognized: Stranger",
    "scene: Good Morning Sunshine started",
    "I/Telecom( 1203): CallsManager: Incoming call from Unknown",
    "Nov 28 10:00:07 hub homeassistant[900]: Alarm armed away by Automation Night",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alike_is_left_alone(analyzer: AnalyzerEngine, prefilter: EntityPrefilter, text: str) -> None:
    assert found(analyzer, prefilter, text) == []


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alike_is_left_alone_without_prefilter(analyzer: AnalyzerEngine, text: str) -> None:
    results = analyzer.analyze(text, language="en", score_threshold=0.5)
    assert [text[r.start : r.end] for r in results] == []


def test_context_words_decide_weak_ssid() -> None:
    """'connected to X' is an SSID only with Wi-Fi context nearby."""
    from anonymizers.engine import build_analyzer

    engine = build_analyzer()
    with_context = engine.analyze("wlan0: connected to HomeNet", language="en", entities=["WIFI_SSID"])
    without = engine.analyze("app: connected to HomeNet", language="en", entities=["WIFI_SSID"])
    assert [r.score for r in with_context] == [pytest.approx(0.7)]
    assert all(r.score < 0.5 for r in without)


def test_an_address_after_connected_to_is_an_ip_not_an_ssid(
    analyzer: AnalyzerEngine, prefilter: EntityPrefilter
) -> None:
    text = "wlan0: connected to 10.0.0.1 gateway"
    assert found(analyzer, prefilter, text, "WIFI_SSID") == []
    assert found(analyzer, prefilter, text, "IP_ADDRESS") == ["10.0.0.1"]


def test_luhn() -> None:
    assert luhn_valid("352099001761481")
    assert luhn_valid("79927398713")
    assert not luhn_valid("352099001761482")


def test_imei_validation_directly() -> None:
    recognizer = ImeiRecognizer()
    assert recognizer.validate_result("35-209900-176148-1") is True
    assert recognizer.validate_result("352099001761480") is False
    assert recognizer.invalidate_result("111111111111111") is True


def test_ip_validation_directly() -> None:
    recognizer = IpAddressRecognizer()
    assert recognizer.validate_result("10.0.0.5") is None  # valid: keep the pattern score
    assert recognizer.validate_result("10-0-0-5") is None
    assert recognizer.validate_result("999.0.0.1") is False
    assert recognizer.validate_result("13:04:05") is False
    assert recognizer.validate_result("255.255.255.0") is False
    assert recognizer.validate_result("0.0.0.0") is False


def test_gps_validation_directly() -> None:
    recognizer = GpsCoordinateRecognizer()
    assert recognizer.validate_result("52.52,13.40") is None
    assert recognizer.validate_result("95.1,13.4") is False
    assert recognizer.validate_result("0.0,0.0") is False


def test_phone_regions_are_configurable() -> None:
    us_only = PhoneRecognizer(regions=["US"])
    de_only = PhoneRecognizer(regions=["DE"])
    text = "call 030 1234567"
    assert us_only.analyze(text, ["PHONE_NUMBER"]) == []
    assert [text[r.start : r.end] for r in de_only.analyze(text, ["PHONE_NUMBER"])] == ["030 1234567"]
    with pytest.raises(ValueError, match="phone regions"):
        PhoneRecognizer(regions=["XX"])


@pytest.mark.parametrize(
    ("text", "phones"),
    [
        # An address followed by a port, or by the first group of a MAC, holds no phone
        # number: neither the whole run nor its last groups ("178.169 54").
        ("DHCPREQUEST(br0) 192.168.178.169 54:ef:44:9a:d6:19", []),
        ("sshd: connection from 10.0.0.5 51234", []),
        ("fw 4.1.7 12", []),
        # A phone number after an address is still found, with its own offsets.
        ("sms gateway 10.0.0.5 030 1234567", ["030 1234567"]),
    ],
)
def test_phone_after_a_dotted_run(text: str, phones: list[str]) -> None:
    found = PhoneRecognizer().analyze(text, ["PHONE_NUMBER"])
    assert [text[r.start : r.end] for r in found] == phones


def test_an_address_before_a_mac_is_replaced_as_an_address(scrubber: TextScrubber) -> None:
    # The phone recognizer once read "178.169 54" as a phone number spanning both, and
    # the MAC's token swallowed the address.
    result = scrubber.scrub(["DHCPREQUEST(br0) 192.168.178.169 54:ef:44:9a:d6:19"])[0]
    assert result.entities == {"IP_ADDRESS": 1, "MAC_ADDRESS": 1}
    assert result.text is not None and result.text.startswith("DHCPREQUEST(br0) <IP_ADDRESS> mac_")


def test_phone_validate_result_needs_the_whole_text() -> None:
    recognizer = PhoneRecognizer()
    assert recognizer.validate_result("+49 30 1234567") is True
    assert recognizer.validate_result("4.1.7") is False


def test_email_requires_a_public_suffix() -> None:
    recognizer = OfflineEmailRecognizer()
    assert recognizer.validate_result("anna@example.com") is True
    assert recognizer.validate_result("anna@example.notatld") is False


NAME_PHRASES = [
    ("Anna's bedroom", "Anna"),
    ("Stuart\u2019s office", "Stuart"),
    ("Welcome home Tobias", "Tobias"),
    ("Notify Caroline when door opens", "Caroline"),
    ("B\u00fcro Luzia", "Luzia"),
    ("Gabinet Adam", "Adam"),
    ("\u00c7al\u0131\u015fma odas\u0131 Rahiye", "Rahiye"),
    ("Emre odas\u0131", "Emre"),
    ("Luzias Zimmer", "Luzia"),
    ("\u7ffc\u306e\u90e8\u5c4b", "\u7ffc"),
    ("Night light for \u4fee\u5e73", "\u4fee\u5e73"),
]


@pytest.mark.parametrize(("text", "name"), NAME_PHRASES)
def test_person_name_phrases(text: str, name: str) -> None:
    recognizer = PersonNameRecognizer()
    assert name in [text[r.start : r.end] for r in recognizer.analyze(text, ["PERSON"])]


@pytest.mark.parametrize("text", ["Guest room", "Monday's routine", "Kids room", "Good night", "Movie time"])
def test_person_name_phrases_skip_common_words(text: str) -> None:
    assert PersonNameRecognizer().analyze(text, ["PERSON"]) == []


def test_log_person_names_are_one_finding_each() -> None:
    """A list after a lead-in gives one finding per name, and nothing past the list."""
    text = "camera: motion in garden, notified Anna, Ben & \u7ffc and Carl Meyer; Kitchen idle"
    results = LogPersonNameRecognizer().analyze(text, ["PERSON"])
    assert [text[r.start : r.end] for r in results] == ["Anna", "Ben", "\u7ffc", "Carl Meyer"]


@pytest.mark.parametrize(
    "text",
    [
        "I/ActivityManager( 1234): Start proc for service",  # capitals, but no lead-in
        "hub: notified 3 subscribers",  # a lead-in, but nobody is named
        "light sensor 120 lx in bedroom",  # an anchor ("bed") without any capital
    ],
)
def test_log_person_name_trigger_lets_few_lines_through(prefilter: EntityPrefilter, text: str) -> None:
    """Both of its triggers must occur, so most log lines never run the recognizer."""
    assert "PERSON" not in prefilter.candidate_entities(text)


def test_literal_trigger_matches_short_anchors_at_word_starts_only() -> None:
    pattern = re.compile(literal_trigger(["by", "hi", "person.", "おかえり", "welcome"]))
    assert pattern.search("unlocked by anna")
    assert pattern.search("hi anna") and pattern.search("x.hi y")
    assert not pattern.search("nearby this")
    assert pattern.search("personal person.anna") and not pattern.search("personal")
    assert pattern.search("声:おかえり") and pattern.search("welcomed")
    with pytest.raises(ValueError, match="lower-case"):
        literal_trigger(["Welcome"])
