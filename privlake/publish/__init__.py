"""Publishing de-identified tables to a destination in another region (``privlake publish``).

What may cross a border is declared per destination in the ``publish`` section of the
configuration (``destinations``): gold by default, silver only with a legal basis written
beside it, and never bronze, restricted, quarantine or privacy tables. Before anything is
uploaded every outgoing file is scanned (``scan``); the destination receives a plain Delta
table per published table with the date's partition replaced (``transfer``); every transfer,
blocked or not, is a row of ``privacy/transfers`` (``transfers``); and a date whose gold an
erasure or restriction recomputed is marked in ``privacy/republish`` until every destination
has the recomputed copy (``republish``).
"""

TRANSFERS_TABLE = "transfers"
REPUBLISH_TABLE = "republish"
