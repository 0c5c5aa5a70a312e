/**
 * Stable reason codes for rejected rows and rejected files. Stored in rejected_readings.reason and
 * ingest_log; dashboards and alerts key on them, so never rename one — add a new code instead.
 */
export const ROW_REJECT_REASONS = {
  /** CSV record or JSON row with more or fewer fields than the header. */
  wrong_field_count: 'the record has a different number of fields than the header',
  /** CSV record with a quote that never closes, or a stray quote. */
  bad_quoting: 'the record has an unterminated or misplaced quote',
  /** CSV record the reader could not split for another reason (e.g. longer than max_line_size). */
  malformed_record: 'the record could not be read',
  missing_field: 'a required field is empty or absent',
  invalid_meter_id: 'the meter id is too long, contains control characters or does not match the profile meterIdPattern',
  invalid_timestamp: 'the timestamp cannot be parsed with the profile format',
  timestamp_missing_offset: 'the timestamp has no UTC offset and the profile has no time zone',
  nonexistent_local_time: 'the local time does not exist (skipped by a daylight-saving change)',
  ambiguous_local_time: 'a local time in a fall-back hour occurs more than twice for the meter',
  timestamp_out_of_range: 'the interval starts before 2000 or after 2099',
  invalid_number: 'a numeric field cannot be parsed',
  interval_minutes_not_allowed: 'interval_minutes is not one of 5, 15, 30, 60',
  misaligned_interval: 'interval_start is not a multiple of interval_minutes (in UTC, to the microsecond)',
  kwh_not_finite: 'the energy value is NaN or infinite',
  negative_kwh: 'the energy value is negative and the profile forbids export',
  kwh_above_max: 'the energy value is above the profile maximum per interval',
  unknown_quality: 'the quality code is not in the profile quality map',
} as const;

export type RowRejectReason = keyof typeof ROW_REJECT_REASONS;

export const FILE_REJECT_REASONS = {
  unknown_source: 'the landing key names no configured source profile',
  unknown_format: 'the key or the first bytes do not fit the source profile format',
  empty_file: 'the file has no content',
  not_utf8: 'the file is not valid UTF-8',
  wrong_header: 'the header misses required columns or has unexpected or duplicate ones',
  unparseable_file: 'the file cannot be parsed as a whole (broken JSON or XML, wrong structure)',
  unsupported_unit: 'a Green Button ReadingType has a unit other than Wh (uom 72)',
  unresolved_reading_type: 'a Green Button IntervalBlock has no MeterReading/ReadingType to interpret it',
} as const;

export type FileRejectReason = keyof typeof FILE_REJECT_REASONS;
