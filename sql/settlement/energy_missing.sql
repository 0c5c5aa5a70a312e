-- @description The missing intervals behind the counts: per partner and meter, every settlement period of the
-- month that its readings do not fully cover, with the minutes they do cover (0 when none). Never filled.
SELECT
  pm.partner,
  pm.meter_id,
  c.settlement_day,
  c.period,
  c.period_start,
  coalesce(mp.covered_minutes, 0) AS covered_minutes
FROM {{settlement_partner_meters}} pm
JOIN {{settlement_calendar}} c ON c.partner = pm.partner AND c.in_month
LEFT JOIN {{settlement_meter_periods}} mp
  ON mp.partner = pm.partner AND mp.meter_id = pm.meter_id AND mp.period_start = c.period_start
WHERE coalesce(mp.covered_minutes, 0) < 30
ORDER BY pm.partner, pm.meter_id, c.period_start
