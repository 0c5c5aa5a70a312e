-- @description Consumption per product per local day: a reading belongs to the product of the agreement active at its interval.
-- "date" is the local calendar date in Europe/London, the sources' time zone (BST-aware; see readings_bucketed).
-- Readings with no active agreement belong to no product and are left out.
-- kWh is summed exactly as DECIMAL(18, 9) and cast back to DOUBLE: a DOUBLE sum depends on the order in which
-- parallel threads add, so two builds of the same data would differ in the last digits.
SELECT
  e.product_display_name,
  e.local_date AS "date",
  count(DISTINCT e.meter_id) AS meterpoint_count,
  CAST(sum(CAST(e.kwh AS DECIMAL(18, 9))) AS DOUBLE) AS kwh_total
FROM {{readings_enriched}} e
WHERE e.product_display_name IS NOT NULL
GROUP BY e.product_display_name, e.local_date
ORDER BY e.local_date, e.product_display_name
