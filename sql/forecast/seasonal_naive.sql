-- @description The seasonal-naive reference forecast: each target hour gets the load of the same UTC hour one week (168 hours) earlier.
-- @param origin TIMESTAMP
-- @param horizon_hours BIGINT
--
-- Target hours are origin … origin + horizon_hours - 1 (horizon_hours at most 168, so every source hour is
-- before the origin: known when the forecast is made). Read over features_hourly as known at the forecast's time.
SELECT
  f.group_kind,
  f.group_value,
  f."hour" + INTERVAL '168' HOUR AS target_hour,
  f.load_kwh AS naive_kwh
FROM {{features_hourly}} f
WHERE f."hour" >= :origin - INTERVAL '168' HOUR
  AND f."hour" < :origin - INTERVAL '168' HOUR + :horizon_hours * INTERVAL '1' HOUR
ORDER BY f.group_kind, f.group_value, f."hour"
