"""The application layer: the ``privlake`` command (``cli``), the local demo (``demo``) and
the Airflow demo (``demo_airflow``). It sits above ``jobs/`` and ``privlake/`` and nothing
below imports it."""
