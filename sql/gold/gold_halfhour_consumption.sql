-- @description Consumption per half hour (UTC): meterpoints with readings and total kWh.
-- Finer readings are summed into their half hour; a 60-minute reading is not split and counts wholly in the
-- half hour its interval starts in (see readings_bucketed).
-- kWh is summed exactly as DECIMAL(18, 9) and cast back to DOUBLE: a DOUBLE sum depends on the order in which
-- parallel threads add, so two builds of the same data would differ in the last digits.
SELECT
  b.half_hour_start AS interval_start,
  count(DISTINCT b.meter_id) AS meterpoint_count,
  CAST(sum(CAST(b.kwh AS DECIMAL(18, 9))) AS DOUBLE) AS kwh_total
FROM {{readings_bucketed}} b
GROUP BY b.half_hour_start
ORDER BY b.half_hour_start
