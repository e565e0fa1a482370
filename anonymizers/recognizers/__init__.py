"""IoT recognizers for Presidio: one module per entity that needs code.

Entities recognized here: MAC_ADDRESS, IP_ADDRESS, IMEI, DEVICE_SERIAL, WIFI_SSID,
GPS_COORDINATE, USERNAME, PHONE_NUMBER and EMAIL_ADDRESS; and PERSON by two phrase
recognizers: people's names in log lines (``log_person_name_recognizer``, every column)
and first names in room and scene names (``person_name_recognizer``, NER columns only).
Which recognizers run, in which order and with which settings, is the registry
``anonymizers/recognizers.yaml``, which also holds the plain regex recognizers that need
no code (account ids, SIM identifiers, credentials, personal host names).
"""

from __future__ import annotations

from anonymizers.recognizers._base import IotPatternRecognizer
from anonymizers.recognizers.device_serial_recognizer import DeviceSerialRecognizer
from anonymizers.recognizers.email_recognizer import OfflineEmailRecognizer, offline_tld_extractor
from anonymizers.recognizers.gps_coordinate_recognizer import GpsCoordinateRecognizer
from anonymizers.recognizers.imei_recognizer import ImeiRecognizer, luhn_valid
from anonymizers.recognizers.ip_address_recognizer import IpAddressRecognizer
from anonymizers.recognizers.mac_address_recognizer import MacAddressRecognizer
from anonymizers.recognizers.phone_recognizer import PhoneRecognizer
from anonymizers.recognizers.username_recognizer import UsernameRecognizer
from anonymizers.recognizers.wifi_ssid_recognizer import WifiSsidRecognizer

__all__ = [
    "DeviceSerialRecognizer",
    "GpsCoordinateRecognizer",
    "ImeiRecognizer",
    "IotPatternRecognizer",
    "IpAddressRecognizer",
    "MacAddressRecognizer",
    "OfflineEmailRecognizer",
    "PhoneRecognizer",
    "UsernameRecognizer",
    "WifiSsidRecognizer",
    "luhn_valid",
    "offline_tld_extractor",
]
