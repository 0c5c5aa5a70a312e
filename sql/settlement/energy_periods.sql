-- @description Energy settlement per partner, settlement day and period: kWh by quality (exact, as nano-kWh
-- integers) and the meters expected, reporting (readings covering the whole half hour) and missing.
-- Every period of the month appears, also one with no reading at all.
WITH expected AS (
  SELECT pm.partner, count(*) AS meters FROM {{settlement_partner_meters}} pm GROUP BY pm.partner
),
per_period AS (
  SELECT
    c.partner,
    c.settlement_day,
    c.period,
    c.period_start,
    coalesce(sum(mp.nano_kwh_actual), 0) AS nano_kwh_actual,
    coalesce(sum(mp.nano_kwh_estimated), 0) AS nano_kwh_estimated,
    coalesce(sum(mp.nano_kwh_substituted), 0) AS nano_kwh_substituted,
    count(CASE WHEN mp.covered_minutes >= 30 THEN 1 END) AS meters_reporting
  FROM {{settlement_calendar}} c
  LEFT JOIN {{settlement_meter_periods}} mp ON mp.partner = c.partner AND mp.period_start = c.period_start
  WHERE c.in_month
  GROUP BY c.partner, c.settlement_day, c.period, c.period_start
)
SELECT
  pp.partner,
  pp.settlement_day,
  pp.period,
  pp.period_start,
  pp.nano_kwh_actual + pp.nano_kwh_estimated + pp.nano_kwh_substituted AS nano_kwh_total,
  pp.nano_kwh_actual,
  pp.nano_kwh_estimated,
  pp.nano_kwh_substituted,
  e.meters AS meters_expected,
  pp.meters_reporting,
  e.meters - pp.meters_reporting AS meters_missing
FROM per_period pp
JOIN expected e ON e.partner = pp.partner
ORDER BY pp.partner, pp.period_start
