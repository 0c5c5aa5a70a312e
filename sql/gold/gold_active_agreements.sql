-- @description Agreements active on an as-of date: started before it and not yet ended (valid_to NULL or after it).
-- @param as_of_date DATE
-- Both bounds are strict, as the analytics issue defines: an agreement starting or ending on the as-of date
-- itself is not active on it. An agreement whose product is unknown keeps NULL product columns.
SELECT
  a.agreement_id,
  a.meterpoint_id,
  p.display_name AS product_display_name,
  p.is_variable AS product_is_variable
FROM {{agreement}} a
LEFT JOIN {{product}} p ON p.product_id = a.product_id
WHERE a.agreement_valid_from < :as_of_date
  AND (a.agreement_valid_to IS NULL OR a.agreement_valid_to > :as_of_date)
ORDER BY a.agreement_id
