"""Shapes of identifiers in real-world system logs (sshd, PAM, cron, Hadoop, Spark, macOS,
hostapd, wpa_supplicant, HDFS, Windows CBS, Android), and look-alikes from the same logs.

Each case is one realistic line through the real scrubber: what names or locates a
person must be gone, and the text around it (and every non-personal token) must stay
as written. Values are invented.
"""

from __future__ import annotations

from typing import ClassVar

import pydantic
import pytest

from anonymizers.recognizers.mac_address_recognizer import MacAddressRecognizer, embedded_mac
from anonymizers.recognizers.phone_recognizer import PhoneRecognizer
from anonymizers.scrubber import ScrubSettings, TextScrubber
from privlake.config import DeidentifyConfig
from tests.anonymizers.conftest import TEST_KEY


@pytest.fixture(scope="module")
def log_scrubber() -> TextScrubber:
    """A scrubber of its own: no known identifiers, so only the recognizers decide."""
    return TextScrubber(ScrubSettings(), TEST_KEY)


def scrub(scrubber: TextScrubber, line: str) -> str:
    [result] = scrubber.scrub([line])
    assert result.text is not None
    return result.text


# (line, values that must be gone, text that must stay)
CAUGHT: list[tuple[str, list[str], list[str]]] = [
    # user names after authentication verbs and in PAM key-value fields
    (
        "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186",
        ["webmaster", "173.234.31.186"],
        ["sshd[24200]: Invalid user <USERNAME> from <IP_ADDRESS>"],
    ),
    (
        "Dec 10 07:02:47 LabSZ sshd[24203]: Failed password for "
        "invalid user jdoe from 5.36.59.76 port 42393 ssh2",
        ["jdoe", "5.36.59.76"],
        ["Failed password for invalid user <USERNAME> from", "port 42393 ssh2"],
    ),
    (
        "Dec 10 09:32:20 LabSZ sshd[24680]: Accepted publickey for jdoe from 119.137.62.142 port 49116 ssh2",
        ["jdoe"],
        ["Accepted publickey for <USERNAME> from"],
    ),
    (
        "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: session opened for user jdoe by (uid=0)",
        ["jdoe"],
        ["session opened for user <USERNAME> by (uid=0)"],
    ),
    (
        "Mar  3 10:11:12 web01 systemd-logind[1130]: New session 3 of user jdoe.",
        ["jdoe"],
        ["New session 3 of user <USERNAME>."],
    ),
    (
        "Mar  3 10:17:01 web01 CRON[12345]: (jdoe) CMD (cd / && run-parts --report /etc/cron.hourly)",
        ["jdoe"],
        ["CRON[12345]: (<USERNAME>) CMD (cd / && run-parts --report /etc/cron.hourly)"],
    ),
    (
        "Jun 15 02:04:59 combo su(pam_unix)[2169]: authentication failure; logname=jdoe uid=500 euid=0 "
        "tty= ruser=jsmith rhost=  user=asmith",
        ["jdoe", "jsmith", "asmith"],
        ["logname=<USERNAME> uid=500 euid=0 tty= ruser=<USERNAME> rhost=  user=<USERNAME>"],
    ),
    # user names with no lead-in word, in Hadoop and Spark's standard shapes
    (
        "2015-10-18 18:01:53,885 WARN [LeaseRenewer:jdoe@msra-sa-41:9000] "
        "org.apache.hadoop.hdfs.LeaseRenewer: Failed to renew lease "
        "for [DFSClient_NONMAPREDUCE_1537864556_1]",
        ["jdoe"],
        ["[LeaseRenewer:<USERNAME>@msra-sa-41:9000]", "DFSClient_NONMAPREDUCE_1537864556_1"],
    ),
    (
        "2015-10-18 18:01:47,978 INFO [main] MRAppMaster: Created MRAppMaster for application "
        "appattempt_1445144423722_0020_000001 staging dir "
        "hdfs://msra-sa-41:9000/tmp/hadoop-yarn/staging/jdoe/.staging/job_1445144423722_0020",
        ["jdoe"],
        [
            "appattempt_1445144423722_0020_000001",
            "/tmp/hadoop-yarn/staging/<USERNAME>/.staging/job_1445144423722_0020",
        ],
    ),
    (
        "17/06/08 13:30:36 INFO storage.DiskBlockManager: Created local directory at "
        "/opt/hdfs/nodemanager/usercache/jdoe/appcache/application_1485248649253_0147/blockmgr-70293f72",
        ["jdoe"],
        [
            "/opt/hdfs/nodemanager/usercache/<USERNAME>/appcache/application_1485248649253_0147/blockmgr-70293f72"
        ],
    ),
    (
        "17/06/09 20:10:41 INFO input.FileInputFormat: reading "
        "hdfs://namenode:9000/user/jdoe/input/part-00001",
        ["jdoe"],
        ["hdfs://namenode:9000/user/<USERNAME>/input/part-00001"],
    ),
    (
        "17/06/09 20:10:40 INFO spark.SecurityManager: SecurityManager: authentication disabled; ui acls "
        "disabled; users with view permissions: Set(yarn, jdoe); "
        "users with modify permissions: Set(yarn, jdoe)",
        ["jdoe"],
        ["view permissions: Set(yarn, <USERNAME>); users with modify permissions: Set(yarn, <USERNAME>)"],
    ),
    # IPv4 spelled into host names and ids
    (
        "Jul  1 09:01:05 gw named[511]: resolved "
        "ip-172-31-2-7.ec2.internal and c-73-22-1-9.hsd1.ca.comcast.net",
        ["172-31-2-7", "73-22-1-9"],
        ["ip-<IP_ADDRESS>.ec2.internal and c-<IP_ADDRESS>.hsd1.ca.comcast.net"],
    ),
    (
        "Jul  1 09:00:55 calvisitor-10-105-160-95 kernel[0]: ARPT: 620651.021206: wl0: wl_update_tcpkeep_seq",
        ["10-105-160-95"],
        ["calvisitor-<IP_ADDRESS> kernel[0]: ARPT: 620651.021206: wl0"],
    ),
    (
        "sshd[5023]: reverse mapping checking getaddrinfo for dsl-082-083-227-067.dynamic.example.net "
        "[82.83.227.67] failed - POSSIBLE BREAK-IN ATTEMPT!",
        ["082-083-227-067", "82.83.227.67"],
        ["for dsl-<IP_ADDRESS>.dynamic.example.net [<IP_ADDRESS>] failed"],
    ),
    (
        "sshd[5023]: reverse mapping checking getaddrinfo for 061092085098.isp.example.net failed",
        ["061092085098"],
        ["for <IP_ADDRESS>.isp.example.net failed"],
    ),
    (
        "sshd[5023]: Did not receive identification string from d211-116-254-214.dynamic.hinet.net",
        ["211-116-254-214"],
        ["from d<IP_ADDRESS>.dynamic.hinet.net"],
    ),
    (
        "sshd[5023]: reverse mapping checking getaddrinfo for "
        "ec2-52-80-34-196.cn-north-1.compute.amazonaws.com.cn",
        ["52-80-34-196"],
        ["for ec2-<IP_ADDRESS>.cn-north-1.compute.amazonaws.com.cn"],
    ),
    (
        "Jul  2 10:11:12 wifi2-10-142-110-255.wireless.example.edu kernel[0]: en0: link up",
        ["10-142-110-255"],
        ["wifi2-<IP_ADDRESS>.wireless.example.edu kernel[0]"],
    ),
    (
        "sshd[5023]: Address host129.206.196.21.example.com maps to mail.example.com",
        ["129.206.196.21"],
        ["Address host<IP_ADDRESS>.example.com maps to mail.example.com"],
    ),
    (
        "named[511]: client 10.0.0.1#53: query: 9.1.22.73.in-addr.arpa IN PTR +",
        ["9.1.22.73"],
        ["query: <IP_ADDRESS>.in-addr.arpa IN PTR +"],
    ),
    (
        "2015-10-18 INFO datanode.DataNode: Block pool BP-1347369012-10.190.173.170-1444000000000 registered",
        ["10.190.173.170"],
        ["Block pool BP-1347369012-<IP_ADDRESS>-1444000000000 registered"],
    ),
    # access-point MACs in association and roaming lines
    (
        "wpa_supplicant[402]: wlan0: CTRL-EVENT-CONNECTED - Connection "
        "to 8c:be:be:12:34:56 completed [id=0 id_str=]",
        ["8c:be:be:12:34:56"],
        ["wlan0: CTRL-EVENT-CONNECTED - Connection to mac_", " completed [id=0 id_str=]"],
    ),
    (
        "hostapd: wlan0: STA 3c:22:fb:12:34:56 IEEE 802.11: associated (aid 1)",
        ["3c:22:fb:12:34:56"],
        ["hostapd: wlan0: STA mac_", " IEEE 802.11: associated (aid 1)"],
    ),
    # a DHCPv6 DUID-LLT (RFC 8415) ends in the client's MAC; its type and time stay
    (
        "dnsmasq-dhcp[2231]: DHCPREPLY(br0) 2001:db8:1::1a7e "
        "00:01:00:01:2c:7e:91:3f:8c:be:be:12:34:56 android-phone",
        ["8c:be:be:12:34:56"],
        ["DHCPREPLY(br0) <IP_ADDRESS> 00:01:00:01:2c:7e:91:3f:mac_"],
    ),
    # zigbee2mqtt's IEEE addresses (an IEEE company id in the first octets), with no
    # context word near them
    (
        "Zigbee2MQTT:info  2026-11-28 17:32:31: Successfully renamed - 0x00124b00441c9ae5 to kitchen_lamp",
        ["0x00124b00441c9ae5"],
        ["Successfully renamed - mac_", " to kitchen_lamp"],
    ),
    # an address after an update word in a line not about firmware (dynamic DNS)
    (
        "ddclient[812]: SUCCESS: home.example.org: update 81.35.190.244 good",
        ["81.35.190.244"],
        ["home.example.org: update <IP_ADDRESS> good"],
    ),
    # network names in ESP-IDF's station event and a controller's station line
    (
        "I (34354) wifi:connected with Familie Meier, 2.OG, aid = 2, channel 6, BW20, "
        "bssid = 50:c7:bf:79:ad:f2",
        ["Familie Meier, 2.OG"],
        ["I (34354) wifi:connected with <WIFI_SSID>, aid = 2, channel 6, BW20, bssid = mac_"],
    ),
    (
        'controller: STA 32:b6:31:99:29:d9 associated with AP 3c:07:54:c6:c3:91 on "Novak-5G" ch 36 rssi -54',
        ["Novak-5G"],
        ['on "<WIFI_SSID>" ch 36 rssi -54'],
    ),
    # user names and e-mail addresses in URLs, home directories
    (
        "git-remote-https: GET https://jdoe:s3cr3t@git.example.com/repo.git 200",
        ["jdoe", "s3cr3t"],
        ["GET https://<USERNAME>:<CREDENTIAL>@git.example.com/repo.git 200"],
    ),
    (
        '10.0.0.7 - - [28/Nov/2026:13:04:05 +0100] "GET '
        '/api/v1/register?email=jane.doe@example.com&src=app HTTP/1.1"',
        ["jane.doe@example.com"],
        ["GET /api/v1/register?email=<EMAIL_ADDRESS>&src=app HTTP/1.1"],
    ),
    (
        "Error reading /home/jdoe/.profile, /Users/jdoe/Library/Logs and C:\\Users\\jdoe\\AppData\\Local",
        ["jdoe"],
        [
            "/home/<USERNAME>/.profile, /Users/<USERNAME>/Library/Logs "
            "and C:\\Users\\<USERNAME>\\AppData\\Local"
        ],
    ),
    # user names in home-server log formats and paths
    (
        "nextcloud: PROPFIND /remote.php/dav/files/jdoe/Photos/ 207 (a1b2c3)",
        ["jdoe"],
        ["PROPFIND /remote.php/dav/files/<USERNAME>/Photos/ 207 (a1b2c3)"],
    ),
    (
        'mqtt: owntracks/jdoe/phone {"_type":"location","acc":12,"batt":81,"tst":1795888284}',
        ["jdoe"],
        ['mqtt: owntracks/<USERNAME>/phone {"_type":"location","acc":12,"batt":81,"tst":1795888284}'],
    ),
    (
        "mosquitto[51991]: New client connected from 10.0.0.7:57522 as ec472c7b (p2, c1, k60, u'j.doe').",
        ["j.doe"],
        ["as ec472c7b (p2, c1, k60, u'<USERNAME>')."],
    ),
    (
        "smbd[1234]: jdoe opened file Documents/report.pdf read=Yes write=No (numopen=1)",
        ["jdoe"],
        ["smbd[1234]: <USERNAME> opened file Documents/report.pdf read=Yes write=No (numopen=1)"],
    ),
    (
        'vsftpd: [pid 4242] [jdoe] OK UPLOAD: Client "10.0.0.7", "/mnt/usb/clip-1.mp4", 1048576 bytes',
        ["jdoe"],
        ['vsftpd: [pid 4242] [<USERNAME>] OK UPLOAD: Client "<IP_ADDRESS>"'],
    ),
    (
        'mqtt-bridge: topic \'home/lamp/set\' payload {"brightness":180,"requested_by":"jdoe"}',
        ["jdoe"],
        ['payload {"brightness":180,"requested_by":"<USERNAME>"}'],
    ),
    # a device host name that carries its owner's name without a separator
    (
        "Jul  1 09:01:05 janesMacBook-Pro kernel[0]: AirPort: Link Up on en0",
        ["janes"],
        ["<DEVICE_NAME> kernel[0]: AirPort: Link Up on en0"],
    ),
    (
        "mDNSResponder[97]: annasiPhone.local registered",
        ["annas"],
        ["mDNSResponder[97]: <DEVICE_NAME>.local registered"],
    ),
]


@pytest.mark.parametrize(("line", "gone", "kept"), CAUGHT)
def test_identifying_values_are_replaced(
    log_scrubber: TextScrubber, line: str, gone: list[str], kept: list[str]
) -> None:
    scrubbed = scrub(log_scrubber, line)
    for value in gone:
        assert value not in scrubbed
    for text in kept:
        assert text in scrubbed


def test_eui64_ipv6_is_replaced_with_the_pseudonym_of_its_mac(log_scrubber: TextScrubber) -> None:
    assert embedded_mac("fe80::1a2b:3cff:fe4d:5e6f%en0") == "18:2b:3c:4d:5e:6f"
    assert embedded_mac("fe80::1a2b:3c4d:5e6f:7a8b") is None  # a random (privacy) interface id
    ipv6, mac = (
        scrub(log_scrubber, line)
        for line in (
            "en0: inet6 fe80::1a2b:3cff:fe4d:5e6f%en0 prefixlen 64 scopeid 0x4",
            "wlan0: authenticate with 18:2b:3c:4d:5e:6f",
        )
    )
    assert (
        "3cff:fe4d" not in ipv6
        and ipv6.startswith("en0: inet6 mac_")
        and ipv6.endswith(" prefixlen 64 scopeid 0x4")
    )
    assert ipv6.split()[2] == mac.split()[-1]
    # An IPv6 address without an embedded MAC stays an address.
    assert (
        scrub(log_scrubber, "inet6 2001:db8::8a2e:370:7334 prefixlen 64") == "inet6 <IP_ADDRESS> prefixlen 64"
    )


# Lines whose numbers, hex runs and words name nobody: they must come out unchanged.
INTACT = [
    # the last 12 hex digits of a UUID, 24-hex chip ids and hashes are no MAC
    "session 4cbd4a3e-8a10-4c1b-9f3e-1a2b3c4d5e6f started",
    "esp32: chip id 5e4f3a2b1c0d9e8f7a6b5c4d, sha1 3f786850e387550fdab836ed7e6dc881de23001b",
    "trace 3f786850e387.550fdab836ed.7e6dc881de23 dropped",
    # memory addresses, padded numbers and Matter fabric ids in the EUI-64 0x form
    "E/AndroidRuntime(4242): FATAL EXCEPTION at 0x0000007b2c3d4e5f",
    "BUG: unable to handle page fault for address: 0xffff888003a1b2c0",
    "segfault at 0x7ffd5e3a1b20 ip 0x55d1c3a2b4f1 sp 0x7ffd5e3a1a00",
    "CHIP:CTL: Commissioning complete for node ID 0x00000000000A1B2C: success",
    "CHIP:DL: Fabric index 1 fabric id 0x341B6C72F113513E committed",
    # timestamps, pid/tid pairs and IRQ lists are no phone numbers
    "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block "
    "blk_38865049064139660 terminating",
    "03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogs",
    "03-17 16:13:38.811 1702 17022 D WindowManager: printFreezingDisplayLogs",
    "ACPI: PCI Interrupt Link [LNKA] (IRQs 3 4 5 6 7 9 10 *11 12 14 15)",
    "worker 3212 3456 started",  # a valid Danish number, but not grouped as one
    # versions, addresses and zero-padded counters are no phone numbers
    # the version an OTA line offers is no address
    "ota: running firmware 1.0.7.20, update 10.4.12.1 available (lumi.sensor_motion.aq2)",
    "fw: upgrade to 4.1.7.12 scheduled",
    # a quoted name after an access point that is not its network
    'controller: AP upgraded to "6.6.55" by schedule',
    # the words around the home-server shapes, and their system accounts
    "nextcloud: PROPFIND /remote.php/dav/files/ 207",
    "smbd[1234]: root opened file share/config.ini read=Yes write=No (numopen=1)",
    'vsftpd: [pid 4242] [ftp] OK LOGIN: Client "::1"',
    "crc 3512 4512 5512 ok",  # a valid Italian mobile, but a list of numbers
    "frame 0000012345 dropped after 1795888284 s",
    "batch 00123456789 committed",
    # epoch seconds plus a year are no card number, a block id is no ICCID
    "- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 "
    "crond(pam_unix)[2915]: session closed for user root",
    "081111 094008 6 INFO dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: "
    "/user/root/rand/_temporary/part-00013. blk_-8938562437156749152",
    # key names are not values
    "Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure; logname= uid=0 euid=0 "
    "tty=NODEVssh ruser= rhost=  user=root",
    # a Windows package version is no IP address
    "2016-09-28 04:30:31, Info CBS Package_for_KB2991963~31bf3856ad364e35~amd64~~6.1.1.0 installed",
    # a repeated greeting is no person
    "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579 Bye Bye",
    # service accounts in Hadoop paths and ACLs
    "17/06/09 20:10:40 INFO SecurityManager: users with view permissions: Set(yarn, hdfs)",
    "hdfs://namenode:9000/user/hive/warehouse/events",
]


@pytest.mark.parametrize("line", INTACT)
def test_look_alikes_stay_intact(log_scrubber: TextScrubber, line: str) -> None:
    assert scrub(log_scrubber, line) == line


@pytest.mark.parametrize(
    ("line", "phone"),
    [
        ("Call support at +49 30 1234567", "+49 30 1234567"),
        ("support: (415) 555-0134", "(415) 555-0134"),
        ("forwarding to +49 (0)30 1234567 failed", "+49 (0)30 1234567"),
        ("owner 0151 23456789 added", "0151 23456789"),
        ("callback 06 12 34 56 78 queued", "06 12 34 56 78"),
        # Grouped against the plan, but a phone word vouches for it.
        ("sms to 3212 3456 failed", "3212 3456"),
        # Chunked for reading out (three or more groups of two to five digits).
        ("invite sent to 0151 649 35466", "0151 649 35466"),
        ("ticket opened by a customer (07504 802 264) about a device", "07504 802 264"),
        ("verification code sent to 0034 670 633 896 (template otp_v3)", "0034 670 633 896"),
        # A bare mobile number with its trunk prefix.
        ("verification code sent to 0738101935 (template otp_v3)", "0738101935"),
        ("invite sent to 09064633032", "09064633032"),
        # Dotted notation.
        ("verification code sent to 303.316.9691 (template otp_v3)", "303.316.9691"),
        # International notation, even where the plan has not allocated the block.
        ('mqtt: home/presence payload {"home":true,"phone":"+33694712343"}', "+33694712343"),
        ("ticket opened by a customer (+12121977265) about a device", "+12121977265"),
        ("code sent to +33 (0)6 94 71 23 43 (template otp_v3)", "+33 (0)6 94 71 23 43"),
        # Exactly the region's national notation, though not allocated.
        ("invite sent to 07.21.89.37.87", "07.21.89.37.87"),
        ("invite sent to 303-170-1292", "303-170-1292"),
    ],
)
def test_phone_numbers_written_as_numbers_are_still_found(
    log_scrubber: TextScrubber, line: str, phone: str
) -> None:
    assert scrub(log_scrubber, line) == line.replace(phone, "<PHONE_NUMBER>")


@pytest.mark.parametrize(
    "line",
    [
        "ota: running firmware 1.0.7.20, update 10.4.12.1 available",
        "dnsmasq-dhcp[4242]: DHCPACK(br0) 192.168.178.136 from 10.100.200.150",
        "kernel: [ 12345.678901] usb 1-1.4: new device 2024.11.19 10.20.30.40",
    ],
)
def test_dotted_versions_and_addresses_are_no_phone_numbers(line: str) -> None:
    assert PhoneRecognizer().analyze(line, ["PHONE_NUMBER"]) == []


def test_card_iban_and_iccid_are_off_by_default_and_can_be_switched_on() -> None:
    line = "sim card 8949226000012345678 activated"
    assert scrub(TextScrubber(ScrubSettings(), TEST_KEY), line) == line
    switched_on = TextScrubber(ScrubSettings(optional_entities=("ICCID",)), TEST_KEY)
    assert scrub(switched_on, line) == "sim card <ICCID> activated"
    with pytest.raises(ValueError, match="optional_entities"):
        ScrubSettings(optional_entities=("US_SSN",))
    assert DeidentifyConfig().optional_entities == ()
    assert DeidentifyConfig(optional_entities=["CREDIT_CARD", "ICCID"]).optional_entities == (
        "CREDIT_CARD",
        "ICCID",
    )
    with pytest.raises(pydantic.ValidationError):
        DeidentifyConfig(optional_entities=["US_SSN"])


def test_home_directory_in_json_escaped_windows_path(log_scrubber: TextScrubber) -> None:
    line = '{"event": "crash", "path": "C:\\\\Users\\\\jdoe\\\\AppData\\\\Local\\\\app.log"}'
    assert scrub(log_scrubber, line) == line.replace("jdoe", "<USERNAME>")


def test_a_pattern_trigger_must_name_a_pattern() -> None:
    class Misnamed(MacAddressRecognizer):
        PATTERN_TRIGGERS: ClassVar[dict[str, str]] = {"no such pattern": "ff:fe"}

    with pytest.raises(ValueError, match="PATTERN_TRIGGERS"):
        Misnamed()


@pytest.mark.parametrize(
    "line",
    [
        "avahi-daemon[16734]: Server startup complete. Host name is ESP_A841BA.local.",
        "controller: STA 54EF44273E01 (DESKTOP-E4TK9Y5) associated with AP",
        "dnsmasq: lease 192.168.1.9 LAPTOP-AB12CD34",
        "mdns: tasmota-2A3B4C-1234 announced",
    ],
)
def test_default_device_host_names_are_device_identifiers(scrubber: TextScrubber, line: str) -> None:
    """Windows', ESP's and Tasmota's default host names are unique per device (ESP's holds MAC bytes)."""
    result = scrubber.scrub([line])[0]
    assert result.entities.get("DEVICE_NAME") == 1, result.text


@pytest.mark.parametrize("line", ["desktop-abc sync done", "ESP_32 board revision 3", "WIN-ACME licence"])
def test_words_like_default_host_names_stay(scrubber: TextScrubber, line: str) -> None:
    assert scrubber.scrub([line])[0].text == line


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("HomeApp: member added to home by noah35; invite sent", "noah35"),
        ("share accepted by ahmet_s, 2 devices", "ahmet_s"),
        ("scene edited by lena.lindstrom; synced", "lena.lindstrom"),
    ],
)
def test_an_account_name_after_by_is_a_user_name(scrubber: TextScrubber, line: str, kept: str) -> None:
    result = scrubber.scrub([line])[0]
    assert kept not in (result.text or "") and result.entities.get("USERNAME") == 1


@pytest.mark.parametrize(
    "line", ["triggered by automation; ok", "updated by v2.1 firmware", "enabled by default"]
)
def test_words_after_by_stay(scrubber: TextScrubber, line: str) -> None:
    assert scrubber.scrub([line])[0].text == line
