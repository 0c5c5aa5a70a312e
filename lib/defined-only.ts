/** The props a user set: merged over defaults, an undefined field does not hide the default. */
export function definedOnly<T extends object>(props: T): Partial<T> {
  return Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined)) as Partial<T>;
}
