"""The Presidio layer of privlake: IoT recognizers, keyed-pseudonym operator, engine, scrubber.

``anonymizers.scrubber.get_scrubber(settings, key).scrub(texts, deny_values)`` is what the
Spark de-identification job calls per Arrow batch; see ``anonymizers/README.md``. Nothing
is imported here, so importing a submodule stays cheap (no Presidio, no spaCy).
"""
