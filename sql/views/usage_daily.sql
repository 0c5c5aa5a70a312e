-- @description Energy per meter per local (Europe/London) day, for the dashboard.
-- kWh is summed exactly as DECIMAL(18, 9) and cast back to DOUBLE: a DOUBLE sum depends on the order in which
-- parallel threads add, so two builds of the same data would differ in the last digits.
SELECT
  b.meter_id,
  b.local_date AS "day",
  CAST(sum(CAST(b.kwh AS DECIMAL(18, 9))) AS DOUBLE) AS kwh,
  count(*) AS readings
FROM {{readings_bucketed}} b
GROUP BY b.meter_id, b.local_date
