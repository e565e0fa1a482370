"""The names of ``make bench``'s approaches, as the results files key them, and their labels."""

from __future__ import annotations

COPY, SAME_ZONES, PRESIDIO, PRIVLAKE = "copy_baseline", "same_zones", "presidio_sample", "privlake"
SAME_ZONES_SCALED, PRESIDIO_SCALED = "same_zones_scaled", "presidio_sample_scaled"
PRIVLAKE_SCALED, PRIVLAKE_HUGE = "privlake_scaled", "privlake_huge"
SMALL_PRESIDIO, SMALL_PRIVLAKE = "small_day_presidio_sample", "small_day_privlake"
LABELS = {
    COPY: "(a) copy landing JSON to one Delta table",
    SAME_ZONES: "(a2) same zones: landing -> bronze -> silver, untransformed",
    PRESIDIO: "(b) Presidio Spark sample",
    PRIVLAKE: "(c) privlake run_dataset_day",
    SAME_ZONES_SCALED: "(a2) same zones at {scale}x N",
    PRESIDIO_SCALED: "(b) Presidio Spark sample at {scale}x N",
    PRIVLAKE_SCALED: "(c) privlake at {scale}x N",
    PRIVLAKE_HUGE: "(c) privlake at {huge}x N",
    SMALL_PRESIDIO: "small day, cold: (b) Presidio Spark sample, device_logs",
    SMALL_PRIVLAKE: "small day, cold: (c) privlake run_dataset_day, device_logs",
}
# At N, at the scale (K x N), at 16 x N (--huge), on the small day (independent corpus only).
AT_N = (COPY, SAME_ZONES, PRESIDIO, PRIVLAKE)
SCALED = (SAME_ZONES_SCALED, PRESIDIO_SCALED, PRIVLAKE_SCALED)
SMALL_DAY = (SMALL_PRESIDIO, SMALL_PRIVLAKE)
# Approaches whose steps run Python workers (the others never start one).
SCRUBBING = (PRESIDIO, PRIVLAKE, PRESIDIO_SCALED, PRIVLAKE_SCALED, PRIVLAKE_HUGE, *SMALL_DAY)
PRIVLAKE_RUNS = (PRIVLAKE, PRIVLAKE_SCALED, PRIVLAKE_HUGE, SMALL_PRIVLAKE)
