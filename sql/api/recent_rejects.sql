-- @description Rejected rows and quarantined files of the ingest batches committed since :since_us (epoch microseconds), for the dashboard's status.
-- @param since_us BIGINT
WITH recent AS (
  SELECT l.batch_id, l.status FROM {{ingest_log}} l WHERE l.committed_at >= make_timestamptz(:since_us)
)
SELECT
  (SELECT count(*) FROM {{rejected_readings}} r WHERE r.batch_id IN (SELECT batch_id FROM recent)) AS rejected_rows,
  (SELECT count(*) FROM recent WHERE status = 'quarantined') AS quarantined_files
