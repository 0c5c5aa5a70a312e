-- @description Energy per meter per hour (UTC hour start; Europe/London is a whole number of hours from UTC), for the dashboard.
SELECT
  r.meter_id,
  date_trunc('hour', r.interval_start) AS "hour",
  sum(r.kwh) AS kwh,
  count(*) AS readings
FROM {{meter_readings}} r
GROUP BY r.meter_id, date_trunc('hour', r.interval_start)
