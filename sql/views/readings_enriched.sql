-- @description Meter readings with the meterpoint's region and the agreement and product active at each reading's interval.
--
-- Agreement validity columns are DATEs, read as local (Europe/London) calendar days: an agreement covers a
-- reading when agreement_valid_from <= the reading's local date < agreement_valid_to (open-ended when NULL),
-- i.e. from local midnight of valid_from up to, not including, local midnight of valid_to.
-- If agreements of one meterpoint overlap, the one that started last (then the highest agreement_id) wins, so
-- a reading never counts twice. Readings with no active agreement keep NULL agreement and product columns.
-- The agreement is resolved once per (meter, local day) — a few thousand rows a day — and then joined to
-- the readings by equality, instead of ranking agreements over every reading.
WITH meter_days AS (
  SELECT DISTINCT b.meter_id, b.local_date FROM {{readings_bucketed}} b
),
day_agreement AS (
  SELECT
    d.meter_id,
    d.local_date,
    a.agreement_id,
    a.product_id,
    row_number() OVER (
      PARTITION BY d.meter_id, d.local_date
      ORDER BY a.agreement_valid_from DESC, a.agreement_id DESC
    ) AS agreement_rank
  FROM meter_days d
  JOIN {{agreement}} a
    ON a.meterpoint_id = d.meter_id
    AND a.agreement_valid_from <= d.local_date
    AND (a.agreement_valid_to IS NULL OR d.local_date < a.agreement_valid_to)
)
SELECT
  b.meter_id,
  b.interval_start,
  b.interval_minutes,
  b.kwh,
  b.quality,
  b.source,
  b.half_hour_start,
  b.local_date,
  mp.region,
  da.agreement_id,
  da.product_id,
  p.display_name AS product_display_name,
  p.is_variable AS product_is_variable
FROM {{readings_bucketed}} b
LEFT JOIN day_agreement da
  ON da.meter_id = b.meter_id AND da.local_date = b.local_date AND da.agreement_rank = 1
LEFT JOIN {{meterpoint}} mp ON mp.meterpoint_id = b.meter_id
LEFT JOIN {{product}} p ON p.product_id = da.product_id
