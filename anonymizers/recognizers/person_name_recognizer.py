"""Recognizer for first names in user-chosen room and scene names (NER columns only).

People name rooms and automations after the household: "Anna's bedroom", "Welcome home
Tobias", "Büro Luzia", "Pokój Adama", "Emres odası", "翼の部屋". A small English model
misses most of these (a lone first name has little context, and the text is often not
English), so columns with NER on also get these phrase patterns: a capitalised word
before a possessive or a room word, or after a salutation, a "notify/call" verb or a
room word in the vendor's languages. They run only where the policy turned NER on,
because in device logs capitalised words are mostly component names. Capitalised words
that are not names in such phrases (weekdays, "Guest", "Kids", "Master") are skipped.
"""

from __future__ import annotations

from anonymizers.recognizers._base import IotPatternRecognizer

_NAME = r"\p{Lu}[\p{Ll}\p{M}]{1,30}(?:[-'’]\p{Lu}?[\p{Ll}\p{M}]{1,30})?"
_CJK_NAME = r"[\p{Han}\p{Hiragana}\p{Katakana}ー]{1,6}"
_NOT_NAMES = (
    "Today|Tomorrow|Yesterday|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    "Weekend|Christmas|Easter|Everyone|Everybody|All|The|My|Our|Your|Kids|Kid|Children|Child|"
    "Guest|Guests|Baby|Master|Main|Family|Mom|Mum|Dad|Mother|Father|Grandma|Grandpa|Granny|"
    "Home|House|Kitchen|Living|Bed|Bedroom|Office|Garage|Garden|Hallway|Bathroom|Room|Night|"
    "Morning|Evening|Away|Movie|Party|Wake|Eco|Heat|Sync|Lights?|Door|Front|Back|Upstairs|"
    "Downstairs|Gäste|Eltern|Kinder|Kinderzimmer|Schlafzimmer|Wohnzimmer|Küche|Bad|Flur|"
    "Chambre|Salon|Cuisine|Bureau|Habitación|Cocina|Salón|Pokój|Gabinet|Kuchnia|Salon|"
    "Kontor|Sovrum|Kök|Stue|Køkken|Mutfak|Koridor|School|Night"
)
_NOT_A_NAME = rf"(?!(?:{_NOT_NAMES})\b)"
_ROOM_WORDS_AFTER = (
    r"(?i:room|bedroom|office|bedtime|school|desk|corner|lamp|zimmer|büro|rum|værelse|"
    r"sovrum|kontor|odası|pokój)\b"
)


class PersonNameRecognizer(IotPatternRecognizer):
    """Recognize first names in room/scene-name phrases (registered only with NER)."""

    TRIGGER_IN_ORIGINAL_TEXT = r"[^\W\d_a-z]"
