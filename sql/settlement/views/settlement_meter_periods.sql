-- @description Per partner (source), meter and settlement period: the minutes of the period its readings cover and
-- its metered energy by quality, in nano-kWh (BIGINT).
--
-- * A period is a half hour of the partner's settlement day ({{settlement_calendar}}: partner, settlement_day,
--   period, period_start, local_hour, is_business_day, in_month — 46 or 50 periods on clock-change days), built
--   from the partner's settlement time zone. It covers the month (in_month) and, for demand response, the 45 days
--   of baseline before the month's events.
--   Settlement zones are whole or half hours from UTC, so a UTC half hour is a local half hour.
-- * A reading's energy counts in the period its interval starts in (a 60-minute reading is not split, as in
--   readings_bucketed); its coverage counts in every period it overlaps (a 60-minute reading covers two).
-- * Energy is summed as integers of 10^-9 kWh (CAST(kwh AS DECIMAL(38, 9)) * 10^9): exact and independent of
--   the order parallel threads add in, in DuckDB and Athena alike, so a re-run gives the same bytes.
WITH readings AS (
  SELECT
    r.meter_id,
    r.source AS partner,
    r.interval_minutes,
    r.quality,
    CAST(CAST(r.kwh AS DECIMAL(38, 9)) * 1000000000 AS BIGINT) AS nano_kwh,
    CASE
      WHEN EXTRACT(MINUTE FROM r.interval_start) >= 30 THEN date_trunc('hour', r.interval_start) + INTERVAL '30' MINUTE
      ELSE date_trunc('hour', r.interval_start)
    END AS half_hour
  FROM {{meter_readings}} r
),
pieces AS (
  SELECT
    rd.meter_id,
    rd.partner,
    rd.quality,
    CASE WHEN k.n = 0 THEN rd.half_hour ELSE rd.half_hour + INTERVAL '30' MINUTE END AS period_start,
    CASE WHEN rd.interval_minutes - 30 * k.n < 30 THEN rd.interval_minutes - 30 * k.n ELSE 30 END AS minutes,
    CASE WHEN k.n = 0 THEN rd.nano_kwh ELSE 0 END AS nano_kwh
  FROM readings rd
  CROSS JOIN (VALUES (0), (1)) AS k (n)
  WHERE rd.interval_minutes > 30 * k.n
)
SELECT
  c.partner,
  p.meter_id,
  c.settlement_day,
  c.period,
  c.period_start,
  c.local_hour,
  c.in_month,
  sum(p.minutes) AS covered_minutes,
  sum(CASE WHEN p.quality = 'actual' THEN p.nano_kwh ELSE 0 END) AS nano_kwh_actual,
  sum(CASE WHEN p.quality = 'estimated' THEN p.nano_kwh ELSE 0 END) AS nano_kwh_estimated,
  sum(CASE WHEN p.quality = 'substituted' THEN p.nano_kwh ELSE 0 END) AS nano_kwh_substituted
FROM pieces p
JOIN {{settlement_calendar}} c ON c.partner = p.partner AND c.period_start = p.period_start
GROUP BY c.partner, p.meter_id, c.settlement_day, c.period, c.period_start, c.local_hour, c.in_month
