"""Recognizer for user names written after the words that introduce them.

Log lines name people by account: sshd (``Accepted password for bob from``,
``Failed password for invalid user anna_k from``, ``Invalid user bob from``), PAM
(``session opened for user bob(uid=1000)``), sudo (``sudo: bob : TTY=pts/0``),
key-value pairs (``user=anna_k``, ``ruser=bob``, ``username: "Anna K"``; never a next
key, as in PAM's ``logname= uid=0``), home directories (``/home/bob``,
``C:\\Users\\anna``), cron (``CRON[42]: (bob) CMD``), Hadoop and Spark
(``LeaseRenewer:bob@nn``, ``/staging/bob/``, ``/usercache/bob/``, ``hdfs://nn:9000/user/bob/``,
``users with view permissions: Set(yarn, bob)``), a URL's ``bob:secret@host``, and the
documented log and path formats of home servers: Nextcloud's WebDAV paths
(``/remote.php/dav/files/bob/``), OwnTracks' MQTT topics (``owntracks/bob/phone``),
mosquitto's connect line (``(p2, c1, k60, u'bob')``), Samba's file access line
(``bob opened file ...``, ``bob closed file ...``) and vsftpd's log (``[bob] OK UPLOAD:``),
and JSON or key-value fields that name who did something (``"requested_by":"bob"``). A
user name has no shape of its own, so it is only taken after such a lead-in or in such a
place, and dropped when it is an English word that
follows "user" in prose (``user session``, ``user interface``), a number (a uid), or a
well-known system or default account (``root``, ``nobody``, ``admin``): those identify
nobody and keeping them keeps attack patterns visible to analysts.
"""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from anonymizers.recognizers._base import KEY_VALUE_SEPARATOR, IotPatternRecognizer

# A Unix/Windows/e-mail-ish account name that ends on a word character (so a trailing
# full stop or colon stays in the text).
_NAME = r"[\w$][\w.\-@+$]{0,62}(?<=[\w$])"
_KEY = (
    r"\b(?:r?user(?:[_\-]?name)?|user[_\-]?id|login(?:[_\-]?name)?|logname|uname|"
    r"account(?:[_\-]?name)?|acct|owner|sender|recipient|nick(?:name)?|"
    # who did it: "requested_by", "createdBy", "triggered-by"
    r"(?:requested|created|modified|updated|changed|deleted|triggered|initiated|approved|invited)[_\-]?by)"
)
_SSH_METHOD = (
    r"(?:password|publickey|keyboard-interactive/pam|keyboard-interactive|hostbased|none|gssapi-with-mic)"
)


class UsernameRecognizer(IotPatternRecognizer):
    """Recognize user names after sshd, PAM, sudo and key-value lead-ins and in home paths."""

    ENTITY = "USERNAME"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "sshd accepted/failed",
            rf"\b(?:Accepted|Failed|Postponed)[ \t]+{_SSH_METHOD}[ \t]+for[ \t]+(?:invalid[ \t]+user[ \t]+)?"
            rf"\K(?!invalid[ \t]|from[ \t]){_NAME}(?=[ \t]+from[ \t])",
            0.95,
        ),
        Pattern(
            "invalid/authenticating user",
            rf"\b(?:invalid|illegal|authenticating|unknown)[ \t]+user[ \t]+\K(?!from\b|port\b){_NAME}",
            0.9,
        ),
        Pattern(
            "for/by/from user",
            rf"\b(?:for|by|from|of|as)[ \t]+user[ \t]+\K(?!from\b|port\b|id\b){_NAME}",
            0.85,
        ),
        # The value is no key itself: in PAM's "logname= uid=0" the next key follows an
        # empty value.
        Pattern(
            "key=value", rf"{_KEY}{KEY_VALUE_SEPARATOR}\K(?<![\"'])(?![\"'])(?![\w.\-@+$]*=){_NAME}", 0.85
        ),
        Pattern(
            'key="quoted value"', rf"{_KEY}{KEY_VALUE_SEPARATOR}(?<=[\"'])\K[^\"'\r\n]{{1,64}}(?=[\"'])", 0.85
        ),
        Pattern(
            "logged in as",
            rf"\b(?:logged[ \t]+(?:in|on)[ \t]+as|login[ \t]+(?:attempt[ \t]+)?(?:for|of))[ \t]+\K{_NAME}",
            0.8,
        ),
        Pattern(
            "sudo", rf"\bsudo(?:\[\d+\])?:[ \t]+\K{_NAME}(?=[ \t]+:[ \t]+(?:TTY|PWD|USER|COMMAND)=)", 0.9
        ),
        Pattern(
            "home directory",
            r"(?:/home|/Users|/var/home)/\K[\w.\-]{1,64}(?<=\w)|\\{1,2}Users\\{1,2}\K[\w.\-]{1,64}(?<=\w)",
            0.8,
        ),
        # cron names the account a job runs as: "CRON[4242]: (anna_k) CMD (...)".
        Pattern("cron job owner", rf"\bCRON\[\d+\]:[ \t]+\(\K{_NAME}(?=\)[ \t]+CMD\b)", 0.9),
        # Hadoop names users without a lead-in: the HDFS client's lease thread
        # ("LeaseRenewer:anna_k@namenode:9000"), YARN's staging and cache directories
        # (".../staging/anna_k/.staging/", ".../usercache/anna_k/appcache/") and HDFS
        # home directories ("/user/anna_k/", at a path's root or right after a URL's
        # authority).
        Pattern("Hadoop lease renewer", r"\bLeaseRenewer:\K[\w.\-]{1,64}(?<=\w)(?=@)", 0.9),
        Pattern("YARN user directory", r"/(?:staging|usercache)/\K[\w.\-]{1,64}(?<=\w)(?=/)", 0.85),
        Pattern(
            "HDFS home directory",
            r"/user/(?<=(?:^|[\s\"'=(\[,]|://[\w.\-]{1,253}(?::\d{1,5})?)/user/)\K[\w.\-]{1,64}(?<=\w)"
            r"(?=/|[\s\"'),\]]|$)",
            0.85,
        ),
        # Spark's SecurityManager lists the users allowed to view or modify a job:
        # "users with view permissions: Set(yarn, anna_k)"; \G continues the list.
        Pattern(
            "Spark ACL user list",
            rf"(?:\busers[ \t]+with[ \t]+(?:view|modify)[ \t]+permissions:[ \t]*Set\(|\G,[ \t]*)\K{_NAME}",
            0.85,
        ),
        # The user of a URL's authority: "https://anna_k:secret@git.example.com/".
        Pattern("URL user", r"://\K[^\s/:@?#]{1,64}(?=(?::[^\s/@?#]{0,128})?@[\w\-])", 0.85),
        # Home-server formats (see the module docstring). Nextcloud's WebDAV collections
        # of one user: files, trash bin, versions, uploads, calendars, address books.
        Pattern(
            "Nextcloud WebDAV user",
            r"/remote\.php/dav/(?:files|trashbin|versions|uploads|calendars|(?:principals|addressbooks)/users)/"
            r"\K[^/\s\"'?#]{1,64}(?=[/\s\"'?#]|$)",
            0.85,
        ),
        # OwnTracks publishes to owntracks/<user>/<device>.
        Pattern("OwnTracks topic user", r"\bowntracks/\K[^/\s\"'#+]{1,64}(?=/)", 0.85),
        # mosquitto: "New client connected from 10.0.0.5:51234 as id (p2, c1, k60, u'bob')."
        Pattern("mosquitto client user", r"\(p\d,[ \t]*c\d,[ \t]*k\d+,[ \t]*u'\K[^'\r\n]{1,64}(?='\))", 0.9),
        # Samba (source3/smbd): "bob opened file docs/a.pdf read=Yes write=No (numopen=1)".
        Pattern(
            "Samba file access user",
            rf"(?<![\w.\-@+$]){_NAME}(?=[ \t]+(?:opened|closed)[ \t]+file[ \t])",
            0.85,
        ),
        # vsftpd: "[pid 4242] [bob] OK UPLOAD: Client ...", "[bob] FAIL LOGIN: ...".
        Pattern("vsftpd user", rf"\[\K{_NAME}(?=\][ \t]+(?:OK|FAIL)[ \t]+[A-Z]+:)", 0.9),
        # "... by hugo31;": an account name after "by" that is shaped like one (letters and a
        # number, first_last, first.last), not a word ("by automation") or a version ("v2.1").
        Pattern(
            "by <account name>",
            r"\bby[ \t]+\K(?:[a-z]{2,24}[0-9]{1,4}|[a-z]{1,24}_[a-z0-9]{1,24}|[a-z]{2,24}\.[a-z]{2,24})"
            r"(?=[;,)]|\s|$)",
            0.6,
        ),
        # Bare "user anna_k": the weakest lead-in, filtered by the word list below.
        Pattern("user <name>", rf"\buser[ \t]+\K{_NAME}", 0.6),
    ]
    CONTEXT: ClassVar[list[str]] = [
        "user",
        "username",
        "login",
        "ssh",
        "sshd",
        "account",
        "session",
        "auth",
        "pam",
        "sudo",
    ]
    TRIGGER = (
        r"user|login|logname|uname|account|acct|owner|sender|recipient|nick|for |sudo|logged|/home/|"
        r"\\users\\|cron\[|leaserenewer:|/staging/|://[^\s/@]{1,200}@|ed[_\-]?by|/remote\.php/dav/|"
        r"owntracks/|, u'| opened file | closed file |\] ok |\] fail | by "
    )

    # The patterns for one program's shapes run only on lines that can hold them.
    PATTERN_TRIGGERS: ClassVar[dict[str, str]] = {
        "cron job owner": r"cron\[",
        "Hadoop lease renewer": "leaserenewer:",
        "YARN user directory": "/staging/|/usercache/",
        "HDFS home directory": "/user/",
        "Spark ACL user list": " permissions:",
        "URL user": "://",
        "Nextcloud WebDAV user": r"/remote\.php/dav/",
        "OwnTracks topic user": "owntracks/",
        "mosquitto client user": ", u'",
        "Samba file access user": " opened file | closed file ",
        "vsftpd user": r"\] ok |\] fail ",
        "by <account name>": " by ",
    }

    # System and default accounts: no person behind them.
    SYSTEM_ACCOUNTS = frozenset(
        {
            "root", "nobody", "daemon", "bin", "sys", "sync", "sshd", "www-data", "mail", "news",
            "uucp", "proxy", "backup", "list", "irc", "gnats", "messagebus", "syslog", "_apt",
            "systemd-network", "systemd-resolve", "systemd-timesync", "admin", "administrator",
            "guest", "test", "user", "pi", "ubuntu", "ec2-user", "oracle", "postgres", "mysql",
            "ftp", "git", "support", "operator", "default", "anonymous", "unknown",
            # Hadoop and Spark service accounts
            "hdfs", "yarn", "mapred", "hive", "hbase", "spark", "hadoop", "zookeeper", "kafka",
        }
    )  # fmt: skip
    # Words that follow "user" in prose and log messages without naming anyone.
    NOT_NAMES = frozenset(
        {
            "a", "an", "the", "is", "was", "has", "had", "have", "not", "no", "and", "or", "of",
            "in", "on", "at", "to", "for", "from", "with", "by", "as", "that", "this", "who",
            "can", "cannot", "will", "should", "must", "may", "did", "does", "session",
            "sessions", "interface", "data", "id", "ids", "name", "names", "agent", "space",
            "mode", "request", "requested", "logged", "login", "logout", "account", "accounts",
            "profile", "settings", "preferences", "none", "null", "input", "action", "activity",
            "authentication", "authenticated", "consent", "changed", "created", "deleted",
            "updated", "registered", "canceled", "cancelled", "defined", "level", "group",
            "groups", "home", "manager", "service", "tap", "pressed", "clicked", "selected",
            "list", "info", "config", "count", "switch", "switched", "context", "token",
            "permissions", "role", "roles", "client",
        }
    )  # fmt: skip

    def invalidate_result(self, pattern_text: str) -> bool:
        """Drop numbers (uids), prose words and system accounts."""
        value = pattern_text.strip().lower()
        return (
            not value
            or value.isdigit()
            or value in self.NOT_NAMES
            or value in self.SYSTEM_ACCOUNTS
            or value.startswith("systemd-")
        )
