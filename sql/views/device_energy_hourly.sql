-- @description Energy per sensor device per UTC hour, from device_energy: a delta counts in the hour its reading was taken
-- (the end of the interval it measures). Summed exactly as DECIMAL so that the result does not depend on the order threads add.
-- energy is null for an hour holding only a device's first reading (it has no delta).
SELECT
  e.device_id,
  max(e.device_name) AS device_name,
  date_trunc('hour', e."time") AS "hour",
  CAST(sum(CAST(e.delta_energy AS DECIMAL(18, 6))) AS DOUBLE) AS energy,
  count(e.delta_energy) AS deltas,
  count(*) AS readings
FROM {{device_energy}} e
GROUP BY e.device_id, date_trunc('hour', e."time")
