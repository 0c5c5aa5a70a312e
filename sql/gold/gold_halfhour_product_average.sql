-- @description Average consumption per meterpoint per half hour (UTC) and product.
-- kwh_avg = total kWh of the product's meterpoints in that half hour / number of those meterpoints.
-- Readings with no active agreement belong to no product and are left out.
-- kWh is summed exactly as DECIMAL(18, 9) and cast back to DOUBLE: a DOUBLE sum depends on the order in which
-- parallel threads add, so two builds of the same data would differ in the last digits.
SELECT
  e.half_hour_start AS interval_start,
  e.product_display_name,
  count(DISTINCT e.meter_id) AS meterpoint_count,
  CAST(sum(CAST(e.kwh AS DECIMAL(18, 9))) AS DOUBLE) / count(DISTINCT e.meter_id) AS kwh_avg
FROM {{readings_enriched}} e
WHERE e.product_display_name IS NOT NULL
GROUP BY e.half_hour_start, e.product_display_name
ORDER BY e.half_hour_start, e.product_display_name
