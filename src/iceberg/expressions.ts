/**
 * A small row-filter model for scan planning, and the three pruning tests of Iceberg's reader
 * (spec "Scan Planning"): manifest-list partition summaries, data-file partition values, and
 * data-file column metrics. Every test answers "may rows match?" — `false` only when no row can.
 *
 * Predicate values may be given in the canonical representation of `./transforms` or any
 * convenience `toIcebergValue` accepts (Date for timestamps, ISO strings for dates, ...).
 * Comparisons follow SQL: a null never satisfies eq/lt/lte/gt/gte/in.
 */
import { compareValues, fromBinary, isPrimitiveType, type IcebergValue } from './conversions';
import {
  InvalidTransformError,
  parseTransform,
  toIcebergValue,
  type PredicateOp,
  type ValuePredicate,
} from './transforms';
import type { DataFile, FieldSummary, KeyValue, NestedField, PartitionSpec, PrimitiveType, Schema } from './types';

/** A comparison, membership or null test on one column (`field` = column name; dotted for struct members). */
export interface LeafPredicate {
  op: PredicateOp;
  field: string;
  /** For eq/lt/lte/gt/gte. */
  value?: unknown;
  /** For in. */
  values?: unknown[];
}

export type Predicate = LeafPredicate | { op: 'and' | 'or'; args: Predicate[] } | { op: 'true' };

/** A leaf resolved against a schema, its values in canonical form. */
export interface BoundLeaf extends ValuePredicate {
  fieldId: number;
  field: string;
  /** The column type; undefined for struct/list/map columns (never pruned on). */
  type: PrimitiveType | undefined;
}

export type BoundPredicate = BoundLeaf | { op: 'and' | 'or'; args: BoundPredicate[] } | { op: 'true' };

/** A predicate names a column the schema does not have, or gives a value its column cannot hold. */
export class InvalidPredicateError extends Error {
  override name = 'InvalidPredicateError';
}

/** Stored metrics or partition values that cannot be read with the column's type. */
export class CorruptMetricsError extends Error {
  override name = 'CorruptMetricsError';
}

function findField(fields: NestedField[], name: string): NestedField | undefined {
  const exact = fields.find((field) => field.name === name);
  if (exact) return exact;
  // "a.b.c" walks into struct columns.
  for (const field of fields) {
    if (typeof field.type !== 'string' && field.type.type === 'struct' && name.startsWith(`${field.name}.`)) {
      const nested = findField(field.type.fields, name.slice(field.name.length + 1));
      if (nested) return nested;
    }
  }
  return undefined;
}

function normalize(leaf: LeafPredicate, type: PrimitiveType, value: unknown): IcebergValue {
  let normalized: IcebergValue | null;
  try {
    normalized = toIcebergValue(type, value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidPredicateError(`predicate '${leaf.op}' on column '${leaf.field}': ${reason}`, { cause: error });
  }
  if (normalized === null) {
    throw new InvalidPredicateError(
      `predicate '${leaf.op}' on column '${leaf.field}' compares with null, which no row matches; use 'isNull'`,
    );
  }
  return normalized;
}

/** Resolves column names to field ids and normalizes values; do it once per scan, then evaluate many files. */
export function bindPredicate(predicate: Predicate | BoundPredicate, schema: Schema): BoundPredicate {
  if (isLeaf(predicate)) return bindLeaf(predicate, schema);
  if (predicate.op === 'true') return { op: 'true' };
  const args = predicate.args as (Predicate | BoundPredicate)[];
  return { op: predicate.op, args: args.map((arg) => bindPredicate(arg, schema)) };
}

function isLeaf<L extends LeafPredicate | BoundLeaf>(predicate: L | { op: 'and' | 'or' | 'true' }): predicate is L {
  return predicate.op !== 'and' && predicate.op !== 'or' && predicate.op !== 'true';
}

function bindLeaf(leaf: LeafPredicate | BoundLeaf, schema: Schema): BoundLeaf {
  if ('fieldId' in leaf) return leaf;
  const field = findField(schema.fields, leaf.field);
  if (!field) {
    const known = schema.fields.map((f) => f.name).join(', ');
    throw new InvalidPredicateError(`predicate on unknown column '${leaf.field}' (schema ${schema['schema-id']} has: ${known})`);
  }
  const type = isPrimitiveType(field.type) ? field.type : undefined;
  const bound: BoundLeaf = { op: leaf.op, field: leaf.field, fieldId: field.id, type };
  if (leaf.op === 'in') {
    if (!Array.isArray(leaf.values)) throw new InvalidPredicateError(`predicate 'in' on column '${leaf.field}' needs 'values'`);
    if (type) bound.values = leaf.values.map((value) => normalize(leaf, type, value));
  } else if (leaf.op !== 'isNull' && leaf.op !== 'notNull') {
    if (type) bound.value = normalize(leaf, type, leaf.value);
    else if (leaf.value === undefined) throw new InvalidPredicateError(`predicate '${leaf.op}' on column '${leaf.field}' needs 'value'`);
  }
  return bound;
}

/** Evaluates a tree whose leaves are decided by `leafMayMatch`. */
function mayMatch(predicate: BoundPredicate, leafMayMatch: (leaf: BoundLeaf) => boolean): boolean {
  if (isLeaf(predicate)) return leafMayMatch(predicate);
  if (predicate.op === 'true') return true;
  return predicate.op === 'and'
    ? predicate.args.every((arg) => mayMatch(arg, leafMayMatch))
    : predicate.args.some((arg) => mayMatch(arg, leafMayMatch));
}

/** What is known about the non-null values of a column (or partition field) in a file or manifest. */
interface ValueRange {
  lower: IcebergValue | undefined;
  upper: IcebergValue | undefined;
  /** No value is non-null (and non-NaN): every comparison is false. */
  noComparableValues: boolean;
  /** false only when the metrics prove there is no null. */
  mayContainNull: boolean;
  /** false only when the metrics prove every value is null. */
  mayContainNonNull: boolean;
}

const isNaNValue = (value: IcebergValue): boolean => typeof value === 'number' && Number.isNaN(value);

/** Whether some value within `range` may satisfy a (projected) leaf comparison. */
function rangeMayMatch(type: PrimitiveType, predicate: ValuePredicate, range: ValueRange): boolean {
  switch (predicate.op) {
    case 'isNull':
      return range.mayContainNull;
    case 'notNull':
      return range.mayContainNonNull;
    case 'in':
      return (predicate.values ?? []).some((value) => rangeMayMatch(type, { op: 'eq', value }, range));
    default:
      break;
  }
  const value = predicate.value as IcebergValue;
  if (isNaNValue(value)) return true; // NaN semantics differ between engines: never prune on them
  if (range.noComparableValues) return false;
  const { lower, upper } = range;
  // Bounds order -0.0 before +0.0, but SQL engines find 0.0 for `= -0.0`: compare floats numerically.
  const floating = type === 'float' || type === 'double';
  const compare = (a: IcebergValue, b: IcebergValue): number =>
    floating ? (a < b ? -1 : a > b ? 1 : 0) : compareValues(type, a, b);
  const belowLower = (strict: boolean): boolean => {
    if (lower === undefined) return false;
    const order = compare(value, lower);
    return strict ? order <= 0 : order < 0;
  };
  const aboveUpper = (strict: boolean): boolean => {
    if (upper === undefined) return false;
    const order = compare(value, upper);
    return strict ? order >= 0 : order > 0;
  };
  switch (predicate.op) {
    case 'eq':
      return !belowLower(false) && !aboveUpper(false);
    case 'lt':
      return !belowLower(true); // some value < v needs lower < v
    case 'lte':
      return !belowLower(false);
    case 'gt':
      return !aboveUpper(true);
    case 'gte':
      return !aboveUpper(false);
    default:
      return true;
  }
}

function metricOf<V>(metrics: KeyValue<V>[] | null | undefined, fieldId: number): V | undefined {
  return metrics?.find((entry) => entry.key === fieldId)?.value;
}

function countOf(metrics: KeyValue<number>[] | null | undefined, fieldId: number): number | undefined {
  const count = metricOf(metrics, fieldId) as number | bigint | undefined;
  return count === undefined || count === null ? undefined : Number(count);
}

function decodeBound(
  type: PrimitiveType,
  bytes: Buffer | null | undefined,
  describeWhere: () => string,
): IcebergValue | undefined {
  if (bytes === null || bytes === undefined) return undefined;
  let value: IcebergValue;
  try {
    value = fromBinary(type, bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CorruptMetricsError(`${describeWhere()}: ${reason}`, { cause: error });
  }
  // "NaNs are not permitted as lower or upper bounds"; old writers did it anyway: treat as unknown.
  return isNaNValue(value) ? undefined : value;
}

/** The metrics pruning test for one bound predicate, reusable across files. */
export function fileMetricsEvaluator(predicate: Predicate | BoundPredicate, schema: Schema): (file: DataFile) => boolean {
  const bound = bindPredicate(predicate, schema);
  return (file) => {
    if (Number(file.record_count) === 0) return false;
    return mayMatch(bound, (leaf) => {
      if (!leaf.type) return true;
      const valueCount = countOf(file.value_counts, leaf.fieldId);
      const nullCount = countOf(file.null_value_counts, leaf.fieldId);
      const nanCount = countOf(file.nan_value_counts, leaf.fieldId);
      const allNull = valueCount !== undefined && nullCount !== undefined && nullCount === valueCount;
      const allNaN = valueCount !== undefined && nanCount !== undefined && nanCount === valueCount;
      const where = (which: string) => `cannot read ${which} of column '${leaf.field}' (id ${leaf.fieldId}) in ${file.file_path}`;
      const type = leaf.type as PrimitiveType;
      const range: ValueRange = {
        lower: decodeBound(type, metricOf(file.lower_bounds, leaf.fieldId), () => where('lower bound')),
        upper: decodeBound(type, metricOf(file.upper_bounds, leaf.fieldId), () => where('upper bound')),
        noComparableValues: allNull || allNaN,
        mayContainNull: nullCount === undefined || nullCount > 0,
        mayContainNonNull: !allNull,
      };
      return rangeMayMatch(type, leaf, range);
    });
  };
}

/** Min/max and null-count pruning of one data file; missing metrics ⇒ may match. */
export function fileMayMatch(predicate: Predicate | BoundPredicate, schema: Schema, file: DataFile): boolean {
  return fileMetricsEvaluator(predicate, schema)(file);
}

/** One inclusive projection of a leaf onto one partition field. */
interface Projection {
  position: number;
  name: string;
  resultType: PrimitiveType;
  predicate: ValuePredicate;
}

/** Inclusive projections of every leaf onto `spec`, keyed by the leaf object. */
function projectLeaves(bound: BoundPredicate, spec: PartitionSpec): Map<BoundLeaf, Projection[]> {
  const projections = new Map<BoundLeaf, Projection[]>();
  const visit = (node: BoundPredicate): void => {
    if (!isLeaf(node)) {
      if (node.op !== 'true') node.args.forEach(visit);
      return;
    }
    const leaf = node;
    const list: Projection[] = [];
    spec.fields.forEach((partitionField, position) => {
      if (partitionField['source-id'] !== leaf.fieldId || !leaf.type) return;
      let transform;
      try {
        transform = parseTransform(partitionField.transform).bind(leaf.type);
      } catch (error) {
        if (error instanceof InvalidTransformError) return; // a transform we cannot evaluate prunes nothing
        throw error;
      }
      const projected = transform.project(leaf);
      if (projected) list.push({ position, name: partitionField.name, resultType: transform.resultType, predicate: projected });
    });
    projections.set(leaf, list);
  };
  visit(bound);
  return projections;
}

/** The partition-value pruning test for one spec, reusable across the data files written with it. */
export function partitionEvaluator(
  predicate: Predicate | BoundPredicate,
  schema: Schema,
  spec: PartitionSpec,
): (partitionValues: Record<string, unknown>) => boolean {
  const bound = bindPredicate(predicate, schema);
  const projections = projectLeaves(bound, spec);
  return (partitionValues) =>
    mayMatch(bound, (leaf) =>
      (projections.get(leaf) ?? []).every((projection) => {
        let value: IcebergValue | null;
        try {
          value = toIcebergValue(projection.resultType, partitionValues[projection.name]);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw new CorruptMetricsError(`cannot read partition value '${projection.name}': ${reason}`, { cause: error });
        }
        if (value !== null && isNaNValue(value)) return true;
        const range: ValueRange = {
          lower: value ?? undefined,
          upper: value ?? undefined,
          noComparableValues: value === null,
          mayContainNull: value === null,
          mayContainNonNull: value !== null,
        };
        return rangeMayMatch(projection.resultType, projection.predicate, range);
      }),
    );
}

/** Whether a data file with these partition values (keyed by partition field name) may hold matching rows. */
export function partitionMayMatch(
  predicate: Predicate | BoundPredicate,
  schema: Schema,
  spec: PartitionSpec,
  partitionValues: Record<string, unknown>,
): boolean {
  return partitionEvaluator(predicate, schema, spec)(partitionValues);
}

/** The manifest-list pruning test for one spec, reusable across the manifests written with it. */
export function manifestEvaluator(
  predicate: Predicate | BoundPredicate,
  schema: Schema,
  spec: PartitionSpec,
): (partitions: FieldSummary[] | null | undefined) => boolean {
  const bound = bindPredicate(predicate, schema);
  const projections = projectLeaves(bound, spec);
  return (partitions) => {
    if (!partitions) return true;
    return mayMatch(bound, (leaf) =>
      (projections.get(leaf) ?? []).every((projection) => {
        const summary = partitions[projection.position];
        if (!summary) return true;
        const where = (which: string) => () => `cannot read ${which} of partition field '${projection.name}' in a manifest summary`;
        const lower = decodeBound(projection.resultType, summary.lower_bound, where('lower_bound'));
        const upper = decodeBound(projection.resultType, summary.upper_bound, where('upper_bound'));
        // Bounds are null only when every value is null (or NaN); contains_null=false with null
        // bounds is a writer bug (or an empty manifest), so it is not taken as proof of anything.
        const onlyNulls = summary.contains_null && lower === undefined && upper === undefined && summary.contains_nan !== true;
        const range: ValueRange = {
          lower,
          upper,
          noComparableValues: onlyNulls,
          mayContainNull: summary.contains_null !== false,
          mayContainNonNull: !onlyNulls,
        };
        return rangeMayMatch(projection.resultType, projection.predicate, range);
      }),
    );
  };
}

/** Whether a manifest with these partition summaries (one per spec field, in order) may hold matching rows. */
export function manifestMayMatch(
  predicate: Predicate | BoundPredicate,
  schema: Schema,
  spec: PartitionSpec,
  partitions: FieldSummary[] | null | undefined,
): boolean {
  return manifestEvaluator(predicate, schema, spec)(partitions);
}
