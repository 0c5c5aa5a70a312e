-- @description The meters each partner settles for the month: every meter with at least one reading from that
-- partner in one of the month's settlement periods. Each is expected in every period of the month; a period it
-- does not fully cover is missing (reported, never filled).
SELECT DISTINCT mp.partner, mp.meter_id
FROM {{settlement_meter_periods}} mp
WHERE mp.in_month
