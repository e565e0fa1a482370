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

from anonymizers.recognizers._base import IotPatternRecognizer

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
