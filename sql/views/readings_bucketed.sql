-- @description Meter readings with the two time buckets every rollup shares: the UTC half hour and the local (Europe/London) date.
--
-- Portability (DuckDB and Athena/Trino run this text unchanged):
-- * half_hour_start: date_trunc('hour', …) plus 30 minutes when the minute is 30 or more, written as a CASE
--   with an ANSI interval literal (INTERVAL '30' MINUTE) that both engines accept. Buckets are UTC half hours;
--   Europe/London is always a whole number of hours from UTC, so they are also local half hours.
--   A reading finer than 30 minutes falls into the half hour it starts in; a coarser one (60 minutes) is not
--   split: all of its energy counts in the half hour its interval starts in.
-- * local_date: CAST(ts AT TIME ZONE 'Europe/London' AS DATE). DuckDB turns a TIMESTAMPTZ AT TIME ZONE into
--   the local wall-clock TIMESTAMP; Trino turns it into a TIMESTAMP WITH TIME ZONE in that zone; either cast
--   to DATE gives the local calendar date (BST-aware). Europe/London is the time zone of the data's sources.
SELECT
  r.meter_id,
  r.interval_start,
  r.interval_minutes,
  r.kwh,
  r.quality,
  r.source,
  CASE
    WHEN EXTRACT(MINUTE FROM r.interval_start) >= 30 THEN date_trunc('hour', r.interval_start) + INTERVAL '30' MINUTE
    ELSE date_trunc('hour', r.interval_start)
  END AS half_hour_start,
  CAST(r.interval_start AT TIME ZONE 'Europe/London' AS DATE) AS local_date
FROM {{meter_readings}} r
