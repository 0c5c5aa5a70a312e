-- @description The newest forecast: every group's hours from the issue trained on the latest knowledge (greatest trained_known_at).
-- One issue per known-at time (issues are idempotent on it), so this is exactly one issue's rows.
SELECT f.*
FROM {{demand_forecast}} f
WHERE f.trained_known_at = (SELECT max(d.trained_known_at) FROM {{demand_forecast}} d)
