-- @description Consumption per product per local day: a reading belongs to the product of the agreement active at its interval.
-- "date" is the local calendar date in Europe/London, the sources' time zone (BST-aware; see readings_bucketed).
-- Readings with no active agreement belong to no product and are left out.
SELECT
  e.product_display_name,
  e.local_date AS "date",
  count(DISTINCT e.meter_id) AS meterpoint_count,
  sum(e.kwh) AS kwh_total
FROM {{readings_enriched}} e
WHERE e.product_display_name IS NOT NULL
GROUP BY e.product_display_name, e.local_date
ORDER BY e.local_date, e.product_display_name
