-- @description A page of the meter directory: meters whose id contains :q (case-insensitive; '' matches all), of a source and region when given (''), after the cursor's meter id, in meter id order.
-- @param q VARCHAR
-- @param source VARCHAR
-- @param region VARCHAR
-- @param after VARCHAR
-- @param page_rows BIGINT
SELECT d.meter_id, d.source, d.region, d.product, d.first_reading, d.last_reading
FROM {{meter_directory}} d
WHERE contains(lower(d.meter_id), lower(:q))
  AND (:source = '' OR d.source = :source)
  AND (:region = '' OR d.region = :region)
  AND d.meter_id > :after
ORDER BY d.meter_id
LIMIT :page_rows
