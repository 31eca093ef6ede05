/** An answer with a status, thrown out of an internal endpoint's handler and written as JSON. */
export class HttpAnswer extends Error {
  constructor(
    readonly status: number,
    readonly body: object,
  ) {
    super(`${status}`)
  }
}

/** An error answer: `{ error }` with `status`. */
export const fail = (status: number, error: string) => new HttpAnswer(status, { error })
