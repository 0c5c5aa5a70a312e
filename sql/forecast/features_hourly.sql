-- @description Load per forecast group and UTC hour: the whole fleet, each region, each product; meters reporting, estimated share, local calendar.
--
-- Read over meter_readings as known at a time (the caller supplies that view), the reference data as of the same
-- time, and the forecast calendar (one row per UTC hour: its Europe/London date, hour, ISO weekday and whether the
-- date is a bank holiday), which the caller builds from the one calendar the model uses.
-- A meter with no meterpoint is counted in region 'unassigned', a reading with no active agreement in product
-- 'none': every kWh of the fleet is in exactly one region and one product.
-- kWh is summed exactly as DECIMAL(18, 9) and cast back to DOUBLE, so two builds over the same rows agree to the bit.
WITH hourly AS (
  -- One row per meter and hour first: a meter's region and product do not change within an hour
  -- (agreements are resolved per local day), and the three groupings below then read 2-4x fewer rows.
  SELECT
    date_trunc('hour', e.interval_start) AS "hour",
    e.meter_id,
    coalesce(e.region, 'unassigned') AS region,
    coalesce(e.product_id, 'none') AS product,
    sum(CAST(e.kwh AS DECIMAL(18, 9))) AS kwh,
    count(*) AS readings,
    sum(CASE WHEN e.quality IN ('estimated', 'substituted') THEN 1 ELSE 0 END) AS estimated
  FROM {{readings_enriched}} e
  GROUP BY date_trunc('hour', e.interval_start), e.meter_id, coalesce(e.region, 'unassigned'), coalesce(e.product_id, 'none')
),
grouped AS (
  SELECT 'fleet' AS group_kind, 'all' AS group_value, h."hour", h.meter_id, h.kwh, h.readings, h.estimated FROM hourly h
  UNION ALL
  SELECT 'region' AS group_kind, h.region AS group_value, h."hour", h.meter_id, h.kwh, h.readings, h.estimated FROM hourly h
  UNION ALL
  SELECT 'product' AS group_kind, h.product AS group_value, h."hour", h.meter_id, h.kwh, h.readings, h.estimated FROM hourly h
),
per_hour AS (
  SELECT
    g.group_kind,
    g.group_value,
    g."hour",
    CAST(sum(g.kwh) AS DOUBLE) AS load_kwh,
    CAST(count(DISTINCT g.meter_id) AS INTEGER) AS meters,
    CAST(sum(g.estimated) AS DOUBLE) / sum(g.readings) AS estimated_share,
    CAST(sum(g.readings) AS BIGINT) AS readings
  FROM grouped g
  GROUP BY g.group_kind, g.group_value, g."hour"
)
SELECT
  p.group_kind,
  p.group_value,
  p."hour",
  c.local_date,
  c.local_hour,
  c.local_dow,
  c.is_holiday,
  p.load_kwh,
  p.meters,
  p.estimated_share,
  p.readings
FROM per_hour p
JOIN {{forecast_calendar}} c ON c."hour" = p."hour"
ORDER BY p.group_kind, p.group_value, p."hour"
