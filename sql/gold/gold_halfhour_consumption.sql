-- @description Consumption per half hour (UTC): meterpoints with readings and total kWh.
-- Finer readings are summed into their half hour; a 60-minute reading is not split and counts wholly in the
-- half hour its interval starts in (see readings_bucketed).
SELECT
  b.half_hour_start AS interval_start,
  count(DISTINCT b.meter_id) AS meterpoint_count,
  sum(b.kwh) AS kwh_total
FROM {{readings_bucketed}} b
GROUP BY b.half_hour_start
ORDER BY b.half_hour_start
