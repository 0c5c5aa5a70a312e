/** An answer other than 200 with a JSON body a person (and the page) can act on. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The query parameter at fault, when one is. */
    readonly parameter?: string,
    /** What the parameter accepts. */
    readonly expected?: string,
  ) {
    super(message);
  }

  toJSON(): { error: { code: string; message: string; parameter?: string; expected?: string } } {
    return { error: { code: this.code, message: this.message, parameter: this.parameter, expected: this.expected } };
  }
}

/** 400: a query parameter is missing, unknown, repeated or out of range. */
export function badParameter(parameter: string, expected: string, value?: string): ApiError {
  const shown = value === undefined ? 'missing' : `'${value.length > 80 ? `${value.slice(0, 80)}…` : value}'`;
  return new ApiError(400, 'invalid_parameter', `${parameter}: ${shown}; expected ${expected}`, parameter, expected);
}
