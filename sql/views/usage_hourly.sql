-- @description Energy per meter per hour (UTC hour start; Europe/London is a whole number of hours from UTC), for the dashboard.
-- kWh is summed exactly as DECIMAL(18, 9) and cast back to DOUBLE: a DOUBLE sum depends on the order in which
-- parallel threads add, so two builds of the same data would differ in the last digits.
SELECT
  r.meter_id,
  date_trunc('hour', r.interval_start) AS "hour",
  CAST(sum(CAST(r.kwh AS DECIMAL(18, 9))) AS DOUBLE) AS kwh,
  count(*) AS readings
FROM {{meter_readings}} r
GROUP BY r.meter_id, date_trunc('hour', r.interval_start)
