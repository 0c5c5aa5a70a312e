-- @description One row per meter for the dashboard's search: its source (of its newest reading), region, current product (of its agreement that started last), first and last reading. The API builds it once per data version.
WITH per_meter AS (
  SELECT r.meter_id, arg_max(r.source, r.interval_start) AS source, min(r.interval_start) AS first_reading, max(r.interval_start) AS last_reading
  FROM {{meter_readings}} r
  GROUP BY r.meter_id
),
current_agreement AS (
  SELECT a.meterpoint_id, arg_max(a.product_id, a.agreement_valid_from) AS product_id
  FROM {{agreement}} a
  GROUP BY a.meterpoint_id
),
product_name AS (
  SELECT p.product_id, min(p.display_name) AS display_name FROM {{product}} p GROUP BY p.product_id
),
region AS (
  SELECT mp.meterpoint_id, min(mp.region) AS region FROM {{meterpoint}} mp GROUP BY mp.meterpoint_id
)
SELECT m.meter_id, m.source, rg.region, pn.display_name AS product, m.first_reading, m.last_reading
FROM per_meter m
LEFT JOIN region rg ON rg.meterpoint_id = m.meter_id
LEFT JOIN current_agreement ca ON ca.meterpoint_id = m.meter_id
LEFT JOIN product_name pn ON pn.product_id = ca.product_id
