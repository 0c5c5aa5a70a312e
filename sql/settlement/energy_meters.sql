-- @description Energy settlement per partner and meter for the month: kWh by quality (nano-kWh integers) and the
-- periods expected, reported (fully covered) and missing.
WITH periods AS (
  SELECT c.partner, count(*) AS periods FROM {{settlement_calendar}} c WHERE c.in_month GROUP BY c.partner
),
per_meter AS (
  SELECT
    pm.partner,
    pm.meter_id,
    coalesce(sum(mp.nano_kwh_actual), 0) AS nano_kwh_actual,
    coalesce(sum(mp.nano_kwh_estimated), 0) AS nano_kwh_estimated,
    coalesce(sum(mp.nano_kwh_substituted), 0) AS nano_kwh_substituted,
    count(CASE WHEN mp.covered_minutes >= 30 THEN 1 END) AS periods_reported
  FROM {{settlement_partner_meters}} pm
  LEFT JOIN {{settlement_meter_periods}} mp ON mp.partner = pm.partner AND mp.meter_id = pm.meter_id AND mp.in_month
  GROUP BY pm.partner, pm.meter_id
)
SELECT
  m.partner,
  m.meter_id,
  m.nano_kwh_actual + m.nano_kwh_estimated + m.nano_kwh_substituted AS nano_kwh_total,
  m.nano_kwh_actual,
  m.nano_kwh_estimated,
  m.nano_kwh_substituted,
  p.periods AS periods_expected,
  m.periods_reported,
  p.periods - m.periods_reported AS periods_missing
FROM per_meter m
JOIN periods p ON p.partner = m.partner
ORDER BY m.partner, m.meter_id
