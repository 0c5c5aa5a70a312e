-- @description Average consumption per meterpoint per half hour (UTC) and product.
-- kwh_avg = total kWh of the product's meterpoints in that half hour / number of those meterpoints.
-- Readings with no active agreement belong to no product and are left out.
SELECT
  e.half_hour_start AS interval_start,
  e.product_display_name,
  count(DISTINCT e.meter_id) AS meterpoint_count,
  sum(e.kwh) / count(DISTINCT e.meter_id) AS kwh_avg
FROM {{readings_enriched}} e
WHERE e.product_display_name IS NOT NULL
GROUP BY e.half_hour_start, e.product_display_name
ORDER BY e.half_hour_start, e.product_display_name
