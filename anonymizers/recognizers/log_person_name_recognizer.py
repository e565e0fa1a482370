"""Recognizer for people's names in log lines, taken only in phrases that point at a person.

Device, app and system logs name people who hold no account and so are on no deny list:
household members and guests ("camera: motion in hall, notified Anna and Roberto",
"voice: welcome home, Tobias", "Front door unlocked by Maria", "fingerprint added for
Kai", "I/Telecom( 812): incoming call from Maria Lopez", "ContactsProvider: insert
display_name=Anna Schmidt", "notified 翼 and 零", "花子さん"). NER on every high-volume
log line costs more than it finds (a small model misses lone first names), and in logs a
capitalised word on its own is mostly a component ("Zigbee", "Start proc"). So a name is
taken only where the phrase around it points at a person:

* after a lead-in: a notification ("notified", "alerted", "push sent to", "shared
  with"), a salutation ("welcome home,", "good morning", "おかえりなさい、"), an action
  only a person takes followed by "by" ("unlocked by", "disarmed by"), a message
  followed by "from" ("invitation from", "call from"), a grant followed by "for" ("code
  added for", "reminder for") or a person key ("family contact", "recognized face").
  Lists go on: "notified Anna, Ben and 翼" gives three names.
* after an honorific ("Mr.", "Frau", "Mme", "Sra.", "Pani") or before one ("Ayşe Hanım",
  "翼さん");
* before a personal thing or a presence phrase ("Anna's phone", "Ben is away", "Anna
  arrived home");
* as the value of a name key (``display_name=anna``, ``"first_name": "Zoë"``) or a Home
  Assistant person entity (``person.anna_schmidt``).

A name in Latin script must be capitalised (lower-case words after "by" or "for" are
prose), and capitalised words that follow such phrases in logs without naming anyone
(weekdays, "System", "Keypad", "Alexa", "Motion", room names) are skipped. Names in
scripts without case are taken whole after a lead-in, so a one-character name such as
翼 is caught too. The trigger is a list of literal anchors, one of which every phrase
contains; each pattern starts with a cheap test (a capital, a CJK character, a literal)
and looks behind for its lead-in only there, so lines without a name cost little.
"""

from __future__ import annotations

from anonymizers.recognizers._base import IotPatternRecognizer, literal_trigger

# A capitalised name word: "Anna", "Noël", "O'Brien", "Anna-Lena"; not "ActivityManager"
# (its lower-case run must end the word) nor "Anna's" (the possessive stays outside).
_NAME_WORD = r"\p{Lu}(?:['’]\p{Lu})?[\p{Ll}\p{M}]{1,30}(?:-\p{Lu}?[\p{Ll}\p{M}]{1,30})?(?![\p{L}\p{M}\d_])"
# Where a Latin name may start: a capital followed by a lower-case letter.
_LATIN_NAME_START = r"\p{Lu}(?:['’]\p{Lu})?[\p{Ll}\p{M}]"
# A name in a script without case, written without spaces: one to six characters.
_CJK_NAME = r"[\p{Han}\p{Hiragana}\p{Katakana}ー]{1,6}"
# Before a Japanese honorific only kanji and katakana: hiragana there is mostly grammar.
_CJK_NAME_BEFORE_HONORIFIC = r"[\p{Han}\p{Katakana}ー]{1,6}"
# Not inside a word.
_START = r"(?<![\p{L}\p{M}\d_])"

# Capitalised words that follow the phrases below in log lines without naming a person:
# calendar words, system actors, assistants and brands, lock methods, rooms, states.
NOT_NAMES: tuple[str, ...] = (
    # calendar and time
    "Today", "Tomorrow", "Yesterday", "Tonight", "Monday", "Tuesday", "Wednesday", "Thursday",
    "Friday", "Saturday", "Sunday", "Weekend", "Weekday", "Weekdays", "Morning", "Evening",
    "Night", "Noon", "Midnight", "Sunrise", "Sunset", "Christmas", "Easter", "Holiday",
    # determiners, conjunctions and generic people
    "The", "This", "That", "These", "Those", "All", "Any", "Each", "Every", "My", "Our",
    "Your", "His", "Her", "Their", "And", "Or", "Und", "Et", "Everyone", "Everybody",
    "Someone", "Somebody", "Anyone", "Nobody", "None", "Null", "Unknown", "Other", "Others",
    "User", "Users", "Owner", "Owners", "Member", "Members", "Guest", "Guests", "Visitor",
    "Visitors", "Family", "Household", "Home", "House", "Admin", "Admins", "Administrator",
    "Root", "Installer", "Support", "Team", "Staff", "Customer", "Client", "Kids", "Kid",
    "Children", "Child", "Baby", "Mom", "Mum", "Dad", "Mother", "Father", "Parents",
    "Grandma", "Grandpa", "Granny",
    # greetings: a salutation repeated or chained ("Bye Bye", "Hello Hi") names nobody
    "Bye", "Goodbye", "Hello", "Hi", "Hey", "Welcome", "Hallo",
    # system actors, services and brands
    "System", "Server", "Cloud", "Broker", "Backend", "Service", "Services", "Daemon",
    "Kernel", "Watchdog", "Scheduler", "Schedule", "Automation", "Automations", "Scene",
    "Scenes", "Routine", "Routines", "Rule", "Rules", "Timer", "Trigger", "Script", "Task",
    "Job", "Worker", "Agent", "Plugin", "Integration", "Policy", "Webhook", "Api", "Web",
    "App", "Apps", "Android", "Linux", "Windows", "Firmware", "Update", "Updater", "Device",
    "Devices", "Hub", "Gateway", "Bridge", "Router", "Sensor", "Sensors", "Camera",
    "Cameras", "Doorbell", "Thermostat", "Plug", "Bulb", "Panel", "Controller", "Zigbee",
    "Zwave", "Thread", "Matter", "Bluetooth", "Wifi", "Alexa", "Siri", "Google", "Apple",
    "Amazon", "Microsoft", "Samsung", "Xiaomi", "Aqara", "Tuya", "Homekit", "Assistant",
    "Ifttt", "Vodafone", "Telekom", "Orange", "Firebase", "Slack", "Telegram", "Pushover",
    "Discord", "Teams", "Signal", "Whatsapp", "Chrome", "Firefox", "Safari", "Edge", "Opera",
    "Mozilla", "Macos", "World", "Mode", "Slot", "Anonymous", "Private", "Withheld",
    "Phone", "Mobile", "Tablet", "Watch", "Car", "Vehicle", "Tracker", "Robot", "Vacuum",
    "Mower", "Stranger", "Intruder", "Courier", "Delivery", "Neighbour", "Neighbor", "Sunshine",
    # lock, alarm and presence mechanics
    "Keypad", "Key", "Keys", "Fingerprint", "Code", "Pin", "Card", "Tag", "Fob", "Remote",
    "Button", "Switch", "Voice", "Manual", "Manually", "Auto", "Autolock", "Motion",
    "Geofence", "Presence", "Alarm", "Security", "Siren", "Lock", "Door", "Window", "Gate",
    "Front", "Back", "Side", "Main", "Master", "Left", "Right", "Up", "Down", "On", "Off",
    "Open", "Closed", "Away", "Stay", "Armed", "Disarmed", "Eco", "Heat", "Cool", "Sync",
    "Light", "Lights", "Lamp", "Power", "Battery", "Network", "Error", "Warning", "Info",
    "Debug", "Success", "Failed", "Failure", "Timeout", "Yes", "No", "True", "False", "Ok",
    # rooms (English and the vendor's other languages)
    "Room", "Living", "Kitchen", "Bedroom", "Bathroom", "Hallway", "Hall", "Garage",
    "Garden", "Office", "Basement", "Attic", "Nursery", "Upstairs", "Downstairs", "Entrance",
    "Wohnzimmer", "Küche", "Schlafzimmer", "Kinderzimmer", "Büro", "Flur", "Bad", "Salon",
    "Cuisine", "Chambre", "Bureau", "Cocina", "Salón", "Pokój", "Kuchnia", "Kontor",
    "Sovrum", "Kök", "Stue", "Køkken", "Mutfak", "Koridor",
)  # fmt: skip
_NOT_A_NAME = r"(?!(?:" + "|".join(NOT_NAMES) + r")(?![\p{L}\p{M}\d_]))"
# A Latin name (a first name, optionally with a surname) or a CJK name.
_PERSON = rf"(?:{_NOT_A_NAME}{_NAME_WORD}(?:[ \t]+{_NOT_A_NAME}{_NAME_WORD})?|{_CJK_NAME})"


class LeadIn:
    """Words after which a name follows, and the literal anchors one of which they contain.

    ``regex`` is written in lower case and matched case-insensitively; the scrubber's
    trigger looks for the ``anchors`` (space-separated) in the lower-cased text, so every
    text the regex matches must contain one of them (``literal_trigger`` explains short
    anchors).
    """

    def __init__(self, regex_source: str, anchors: str) -> None:
        self.regex = regex_source
        self.anchors = tuple(anchors.split())


LEAD_INS: tuple[LeadIn, ...] = (
    # notifications: "notified Anna", "push sent to Anna", "shared with Anna"
    LeadIn(
        "notif(?:y|ied|ying)(?:[ \t]+(?:to|contact|member))?|alerted|paged|texted|messaged|"
        "e-?mailed|pinged|reminded|invited|greeted|welcomed",
        "notif alerted paged texted messaged mailed pinged reminded invited greeted welcomed",
    ),
    LeadIn(
        "(?:notification|alert|reminder|message|invitation|invite|sms|text|e-?mail|push|link|"
        "snapshot|clip|photo)s?[ \t]+(?:(?:was|were|has[ \t]+been)[ \t]+)?"
        "(?:(?:sent|forwarded|delivered|shared)[ \t]+)?to",
        "notif alert remind messag invit sms text mail push link snapshot clip photo",
    ),
    LeadIn(
        "shared[ \t]+with|access[ \t]+(?:granted|given|shared|revoked)[ \t]+(?:to|for)",
        "shared access",
    ),
    # salutations: "welcome home, Anna", "Guten Morgen Ben", "おかえりなさい、翼"
    LeadIn(
        "welcome(?:[ \t]+(?:home|back))?|hello|hi|hey|good[ \t]+(?:morning|afternoon|evening|"
        "night)|goodbye|bye|willkommen(?:[ \t]+(?:zu[ \t]*hause|zurück))?|hallo|guten[ \t]+"
        "(?:morgen|abend)|gute[ \t]+nacht|bienvenue|bonjour|bonsoir|bonne[ \t]+nuit|"
        "bienvenid[oa]s?|hola|buenas[ \t]+noches|buenos[ \t]+días|witaj|dzień[ \t]+dobry|"
        "dobranoc|välkommen(?:[ \t]+hem)?|god[ \t]+natt?|velkommen(?:[ \t]+hjem)?|"
        "hoş[ \t]+geldin(?:iz)?|merhaba|iyi[ \t]+geceler|おかえり(?:なさい)?|"
        "おはよう(?:ございます)?|こんにちは|こんばんは|おやすみ(?:なさい)?",
        "welcome hello hi hey good bye willkommen hallo gute bienven bonjour bonsoir bonne hola "
        "buen witaj dzień dobranoc välkommen god velkommen hoş merhaba iyi おかえり おはよう "
        "こんにちは こんばんは おやすみ",
    ),
    # actions only a person takes, then "by": "unlocked by Anna" (not "triggered by Motion")
    LeadIn(
        "(?:armed|disarmed|unlocked|locked|unlatched|opened|shared|uploaded|invited|added|"
        "removed|approved|accepted|declined|rejected|confirmed|dismissed|acknowledged|snoozed|"
        "muted|silenced|answered|granted|revoked|renamed|edited|requested)"
        "(?:[ \t]+(?:remotely|manually|locally|away|home|stay|night|in|out|off))?[ \t]+by",
        "by",
    ),
    # messages, then "from": "invitation from Anna", "incoming call from Ben"
    LeadIn(
        "(?:invitation|invite|message|request|call|sms|text|e-?mail|note|reminder|voicemail|"
        "greeting|gift|photo)s?[ \t]+(?:received[ \t]+)?from",
        "invit messag request call sms text mail note remind voicemail greeting gift photo",
    ),
    # grants, then "for": "fingerprint added for Kai", "reminder for Ben"
    LeadIn(
        "(?:reminder|alarm|alert|access|code|pin|passcode|fingerprint|face|key|tag|card|fob|"
        "profile|schedule|routine|medication|invitation|invite)s?[ \t]+(?:(?:set|created|added|"
        "enabled|disabled|granted|revoked|removed|updated|expired|registered|enrolled|sent|"
        "scheduled|renamed)[ \t]+)?for",
        "remind alarm alert access code pin fingerprint face key tag card fob profile schedule "
        "routine medication invit",
    ),
    # person keys: "family contact Anna", "recognized face: Ben"
    LeadIn(
        "(?:family|emergency|trusted|household|primary|secondary|new)[ \t]+"
        "(?:contact|member|resident|caregiver)s?",
        "contact member resident caregiver",
    ),
    LeadIn(
        "(?:recogni[sz]ed|identified|familiar|known)[ \t]+(?:face|person)|"
        "(?:face|person)[ \t]+(?:recogni[sz]ed|identified)(?:[ \t]+as)?",
        "face person",
    ),
)
# Any lead-in, as one alternation.
_LEAD_IN = "|".join(lead_in.regex for lead_in in LEAD_INS)
# Between a lead-in and the name: space or punctuation ("welcome home, Anna"; not
# "HelloWorld"), then an optional opening quote.
_AFTER_LEAD = r"(?:[ \t\u3000]*[,!:;、！][ \t\u3000]*|[ \t\u3000]+)[\"'“‘]?"
# Its last character: a one-character test before the lead-in alternation is tried.
_AFTER_LEAD_LAST_CHAR = r"[ \t\u3000,!:;、！\"'“‘]"
# Between the names of a list: "Anna, Ben and Carl", "Anna & Ben", "翼と零".
_LIST_SEPARATOR = (
    r"(?:,[ \t]*|[ \t]*[&/][ \t]*|[ \t]+(?i:and|or|und|oder|et|ou|y|o|och|eller|og|ve|i|oraz)[ \t]+|と|、)"
)

# Honorifics as written; the short ones that are also units or abbreviations ("45 ms",
# "Fr 08:00") only with their full stop.
_HONORIFICS_BEFORE = (
    r"(?:Mr|Mrs|Mx|Dr|Prof)\.?|(?:Ms|Sr|Sra|Srta|Hr|Fr|Dhr|Mevr)\.|"
    r"Miss|Herr|Frau|Monsieur|Madame|Mme|Mlle|Señor|Señora|Doña|Pani|Fru"
)
_HONORIFIC_INITIALS = "MDPSHF"  # a cheap first test before the honorific alternation
_HONORIFIC_ANCHORS = (
    "mr", "mrs", "mx", "dr", "prof", "ms.", "sr.", "sra.", "srta.", "hr.", "fr.", "dhr.",
    "mevr.", "miss", "herr", "frau", "monsieur", "madame", "mme", "mlle", "señor", "doña",
    "pani", "fru",
)  # fmt: skip
_HONORIFICS_AFTER = r"Bey|Hanım|Hanim"
_JAPANESE_HONORIFICS = r"さん|ちゃん|くん|さま"
_PERSONAL_THINGS = (
    r"phone|mobile|cell|iphone|ipad|tablet|watch|laptop|computer|pc|mac|macbook|pixel|galaxy|"
    r"car|bike|scooter|keys?|fob|tag|tracker|wallet|backpack|room|bedroom|office|desk|bed|"
    r"lamp|light|tv|speaker|toothbrush|collar"
)
_PRESENCE = (
    r"(?:has[ \t]+)?(?:arrived|left|come|came|got|gone|returned|went)[ \t]+"
    r"(?:back[ \t]+)?(?:home|the[ \t]+house|to[ \t]+(?:work|school|bed))"
    r"|(?:is|was)[ \t]+(?:now[ \t]+)?(?:home|away|not[ \t]+home|asleep|awake)"
    r"|woke[ \t]+up|went[ \t]+to[ \t]+(?:bed|sleep)"
)
_PRESENCE_ANCHORS = ("home", "house", "work", "school", "bed", "sleep", "away", "asleep", "awake", "woke")
# Keys whose value is a person's name (``display_name=``, ``"first name": "Zoë"``).
_NAME_KEYS = (
    r"(?:display|full|first|last|given|family|sur|middle|contact|real|caller|child|kid|member|"
    r"guest|person)[_\- ]?name"
)
# A quoted value runs to its closing quote; an unquoted one is a word, then up to two
# capitalised words ("Anna Schmidt", not "anna, phone").
_NAME_VALUE = (
    r"(?:(?<=[\"'])[\p{L}\p{M}][\p{L}\p{M} '’.\-]{0,62}(?<=[\p{L}\p{M}])(?=[\"'])"
    r"|(?<![\"'])[\p{L}\p{M}][\p{L}\p{M}'’\-]{0,40}(?:[ \t]+\p{Lu}[\p{L}\p{M}'’\-]{0,40}){0,2})"
)
# Key values that stand for nobody.
_PLACEHOLDERS = frozenset(
    ("unknown", "none", "null", "nil", "n/a", "undefined", "anonymous", "true", "false")
)

TRIGGER_ANCHORS: tuple[str, ...] = (
    *(anchor for lead_in in LEAD_INS for anchor in lead_in.anchors),
    *_HONORIFIC_ANCHORS,
    "bey", "hanım", "hanim", "さん", "ちゃん", "くん", "さま",  # honorifics after a name
    "'s", "’s",  # possessives
    *_PRESENCE_ANCHORS,
    "name",  # name keys
    "person.",  # Home Assistant
)  # fmt: skip


class LogPersonNameRecognizer(IotPatternRecognizer):
    """Recognize people's names after lead-ins, next to honorifics and as name-key values."""

    # Both must occur: a capital followed by a lower-case letter, a non-ASCII character
    # (names in other scripts, Japanese honorifics) or a name key; and an anchor.
    TRIGGER_IN_ORIGINAL_TEXT = r"[A-Z][a-z]|[^\x00-\x7f]|name|NAME|person\."
    TRIGGER = literal_trigger(TRIGGER_ANCHORS)

    def invalidate_result(self, pattern_text: str) -> bool:
        """Drop name-key values that are placeholders ("unknown", "none"), not names."""
        return pattern_text.strip().casefold() in _PLACEHOLDERS
