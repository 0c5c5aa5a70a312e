-- @description Energy per meter per local (Europe/London) day, for the dashboard.
SELECT
  b.meter_id,
  b.local_date AS "day",
  sum(b.kwh) AS kwh,
  count(*) AS readings
FROM {{readings_bucketed}} b
GROUP BY b.meter_id, b.local_date
