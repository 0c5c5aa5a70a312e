-- @description One meter's series for the dashboard: per bucket (bucket starts given as epoch microseconds, comma separated; each bucket ends where the next starts, the last at :range_to_us) the kWh summed exactly, the readings, and the minutes covered by any reading and by estimated or substituted ones (the API turns them into shares of the bucket). A reading counts in the bucket its interval starts in (a 60-minute reading is not split across 15-minute buckets). DuckDB only: the API's local read path (ASOF JOIN, string_split).
-- @param bucket_starts_us VARCHAR
-- @param range_to_us BIGINT
-- @param meter_id VARCHAR
-- @param range_from_us BIGINT
WITH starts AS (
  SELECT make_timestamptz(CAST(s AS BIGINT)) AS bucket_start
  FROM (SELECT unnest(string_split(:bucket_starts_us, ',')) AS s)
),
buckets AS (
  SELECT bucket_start, lead(bucket_start, 1, make_timestamptz(:range_to_us)) OVER (ORDER BY bucket_start) AS bucket_end
  FROM starts
),
readings_in_range AS (
  SELECT r.interval_start, r.interval_minutes, r.kwh, r.quality
  FROM {{meter_readings}} r
  WHERE r.meter_id = :meter_id
    AND r.interval_start >= make_timestamptz(:range_from_us)
    AND r.interval_start < make_timestamptz(:range_to_us)
),
per_bucket AS (
  SELECT
    b.bucket_start,
    CAST(sum(CAST(r.kwh AS DECIMAL(18, 9))) AS DOUBLE) AS kwh,
    count(*) AS readings,
    sum(r.interval_minutes) AS covered_minutes,
    coalesce(sum(r.interval_minutes) FILTER (WHERE r.quality <> 'actual'), 0) AS estimated_minutes
  FROM readings_in_range r
  ASOF JOIN buckets b ON r.interval_start >= b.bucket_start
  GROUP BY b.bucket_start
)
SELECT
  epoch_ms(b.bucket_start) AS bucket_start_ms,
  CAST(epoch_ms(b.bucket_end) - epoch_ms(b.bucket_start) AS BIGINT) // 60000 AS bucket_minutes,
  p.kwh,
  coalesce(p.readings, 0) AS readings,
  coalesce(p.covered_minutes, 0) AS covered_minutes,
  coalesce(p.estimated_minutes, 0) AS estimated_minutes
FROM buckets b
LEFT JOIN per_bucket p ON p.bucket_start = b.bucket_start
ORDER BY b.bucket_start
