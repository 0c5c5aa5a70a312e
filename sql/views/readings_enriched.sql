-- @description Meter readings with the meterpoint's region and the agreement and product active at each reading's interval.
--
-- Agreement validity columns are DATEs, read as local (Europe/London) calendar days: an agreement covers a
-- reading when agreement_valid_from <= the reading's local date < agreement_valid_to (open-ended when NULL),
-- i.e. from local midnight of valid_from up to, not including, local midnight of valid_to.
-- If agreements of one meterpoint overlap, the one that started last (then the highest agreement_id) wins, so
-- a reading never counts twice. Readings with no active agreement keep NULL agreement and product columns.
WITH matched AS (
  SELECT
    b.meter_id,
    b.interval_start,
    b.interval_minutes,
    b.kwh,
    b.quality,
    b.source,
    b.half_hour_start,
    b.local_date,
    a.agreement_id,
    a.product_id,
    row_number() OVER (
      PARTITION BY b.meter_id, b.interval_start
      ORDER BY a.agreement_valid_from DESC, a.agreement_id DESC
    ) AS agreement_rank
  FROM {{readings_bucketed}} b
  LEFT JOIN {{agreement}} a
    ON a.meterpoint_id = b.meter_id
    AND a.agreement_valid_from <= b.local_date
    AND (a.agreement_valid_to IS NULL OR b.local_date < a.agreement_valid_to)
)
SELECT
  m.meter_id,
  m.interval_start,
  m.interval_minutes,
  m.kwh,
  m.quality,
  m.source,
  m.half_hour_start,
  m.local_date,
  mp.region,
  m.agreement_id,
  m.product_id,
  p.display_name AS product_display_name,
  p.is_variable AS product_is_variable
FROM matched m
LEFT JOIN {{meterpoint}} mp ON mp.meterpoint_id = m.meter_id
LEFT JOIN {{product}} p ON p.product_id = m.product_id
WHERE m.agreement_rank = 1
