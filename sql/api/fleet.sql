-- @description Fleet aggregates for the dashboard: per group (region, product or source, chosen by :group_by; readings without one in '(none)') and bucket, the kWh summed exactly, the meters and readings. Buckets as in series.sql. DuckDB only: the API's local read path.
-- @param bucket_starts_us VARCHAR
-- @param range_to_us BIGINT
-- @param group_by VARCHAR
-- @param range_from_us BIGINT
WITH starts AS (
  SELECT make_timestamptz(CAST(s AS BIGINT)) AS bucket_start
  FROM (SELECT unnest(string_split(:bucket_starts_us, ',')) AS s)
),
buckets AS (
  SELECT bucket_start, lead(bucket_start, 1, make_timestamptz(:range_to_us)) OVER (ORDER BY bucket_start) AS bucket_end
  FROM starts
),
grouped AS (
  SELECT
    coalesce(CASE :group_by WHEN 'region' THEN e.region WHEN 'product' THEN e.product_display_name ELSE e.source END, '(none)') AS group_key,
    e.meter_id, e.interval_start, e.kwh
  FROM {{readings_enriched}} e
  WHERE e.interval_start >= make_timestamptz(:range_from_us) AND e.interval_start < make_timestamptz(:range_to_us)
)
SELECT
  g.group_key,
  epoch_ms(b.bucket_start) AS bucket_start_ms,
  CAST(sum(CAST(g.kwh AS DECIMAL(18, 9))) AS DOUBLE) AS kwh,
  count(DISTINCT g.meter_id) AS meters,
  count(*) AS readings
FROM grouped g
ASOF JOIN buckets b ON g.interval_start >= b.bucket_start
GROUP BY g.group_key, b.bucket_start
ORDER BY g.group_key, b.bucket_start
