-- @description Demand response, the exact integer aggregates behind each event and enrolled meter, per local hour:
-- the event hours [start_hour, end_hour) and the day-of adjustment hours (the three hours ending one hour before
-- the start, CAISO's load point adjustment window). For each hour: the meter's energy summed over the baseline
-- days that have data in that hour, how many such days, and its energy on the event day (NULL: no reading).
--
-- Baseline days (CAISO 10-in-10, weekday rule): the 10 most recent business days (Monday to Friday, not NERC
-- holidays: is_business_day of the calendar) in the 45 calendar days before the event that are not event days of
-- the same program and partner. The division, the ±20 % cap and the payment are done on these integers by the
-- caller in exact arithmetic (src/pipeline/settlement/dr.ts): DuckDB divides DECIMALs into DOUBLE, Trino does not.
-- A local hour that occurs twice (the fall-back night) sums both occurrences.
-- @param month_first DATE
-- @param month_last DATE
WITH events AS (
  SELECT e.event_id, e.program, e.partner, e.event_day, e.start_hour, e.end_hour,
    CAST(CAST(e.price_per_kwh AS DECIMAL(38, 9)) * 1000000000 AS BIGINT) AS nano_price_per_kwh, e.floor_at_zero
  FROM {{dr_events}} e
  WHERE e.event_day >= :month_first AND e.event_day <= :month_last
),
event_days AS (
  SELECT DISTINCT e.program, e.partner, e.event_day FROM {{dr_events}} e
),
business_days AS (
  SELECT DISTINCT c.partner, c.settlement_day FROM {{settlement_calendar}} c WHERE c.is_business_day
),
candidates AS (
  SELECT ev.event_id, b.settlement_day AS day
  FROM events ev
  JOIN business_days b
    ON b.partner = ev.partner AND b.settlement_day < ev.event_day AND b.settlement_day >= ev.event_day - INTERVAL '45' DAY
  LEFT JOIN event_days x ON x.program = ev.program AND x.partner = ev.partner AND x.event_day = b.settlement_day
  WHERE x.event_day IS NULL
),
ranked AS (
  SELECT c.event_id, c.day, row_number() OVER (PARTITION BY c.event_id ORDER BY c.day DESC) AS recency FROM candidates c
),
baseline_days AS (
  SELECT r.event_id, r.day FROM ranked r WHERE r.recency <= 10
),
baseline_day_counts AS (
  SELECT bd.event_id, count(*) AS days FROM baseline_days bd GROUP BY bd.event_id
),
hours AS (
  SELECT h.hour FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12), (13), (14), (15), (16), (17),
    (18), (19), (20), (21), (22), (23)) AS h (hour)
),
hourly AS (
  SELECT mp.partner, mp.meter_id, mp.settlement_day AS day, mp.local_hour AS hour,
    sum(mp.nano_kwh_actual + mp.nano_kwh_estimated + mp.nano_kwh_substituted) AS nano_kwh
  FROM {{settlement_meter_periods}} mp
  GROUP BY mp.partner, mp.meter_id, mp.settlement_day, mp.local_hour
),
partner_meters AS (
  -- An event settles the enrolled meters of its partner: those with readings from it in the run's calendar.
  SELECT DISTINCT hr.partner, hr.meter_id FROM hourly hr
),
roles AS (
  SELECT ev.event_id, en.meter_id, ev.partner, ev.event_day, h.hour,
    CASE WHEN h.hour >= ev.start_hour THEN 'event' ELSE 'adjust' END AS role
  FROM events ev
  JOIN {{dr_enrollments}} en ON en.program = ev.program
  JOIN partner_meters pm ON pm.partner = ev.partner AND pm.meter_id = en.meter_id
  CROSS JOIN hours h
  WHERE (h.hour >= ev.start_hour AND h.hour < ev.end_hour) OR (h.hour >= ev.start_hour - 4 AND h.hour < ev.start_hour - 1)
),
baseline AS (
  SELECT ro.event_id, ro.meter_id, ro.hour, sum(hr.nano_kwh) AS nano_sum, count(hr.nano_kwh) AS days_with_data
  FROM roles ro
  JOIN baseline_days bd ON bd.event_id = ro.event_id
  LEFT JOIN hourly hr ON hr.partner = ro.partner AND hr.meter_id = ro.meter_id AND hr.day = bd.day AND hr.hour = ro.hour
  GROUP BY ro.event_id, ro.meter_id, ro.hour
)
SELECT
  ev.event_id,
  ev.program,
  ev.partner,
  ev.event_day,
  ev.start_hour,
  ev.end_hour,
  ev.nano_price_per_kwh,
  ev.floor_at_zero,
  ro.meter_id,
  ro.hour,
  ro.role,
  coalesce(bc.days, 0) AS baseline_days,
  coalesce(b.nano_sum, 0) AS nano_baseline_sum,
  coalesce(b.days_with_data, 0) AS baseline_days_with_data,
  ed.nano_kwh AS nano_event_day
FROM roles ro
JOIN events ev ON ev.event_id = ro.event_id
LEFT JOIN baseline_day_counts bc ON bc.event_id = ro.event_id
LEFT JOIN baseline b ON b.event_id = ro.event_id AND b.meter_id = ro.meter_id AND b.hour = ro.hour
LEFT JOIN hourly ed ON ed.partner = ro.partner AND ed.meter_id = ro.meter_id AND ed.day = ro.event_day AND ed.hour = ro.hour
ORDER BY ev.event_id, ro.meter_id, ro.hour
