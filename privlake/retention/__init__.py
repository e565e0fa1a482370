"""Retention: delete or isolate every record past its window, in every zone, and leave evidence.

- ``rules``: the rule files (windows, actions, legal holds) and where they are read from;
- ``plan``: targets, per-partition plans and reports, and the planning of a Delta table;
- ``landing``: landing files past their window (plan, delete, rewrite to held lines);
- ``actions``: one class per ``action:`` (delete, isolate), and how to add one;
- ``execute``: a run (plan, act, purge table history, record evidence);
- ``evidence``: the ``privacy/retention_evidence`` table.

``jobs/retention.py`` is the command; ``privlake.console.retention`` prints its report.
"""

# Registers the actions, so that rules loaded through any module of the package are checked
# against every action the executor has (``rules.ACTIONS``).
from privlake.retention import actions as actions
