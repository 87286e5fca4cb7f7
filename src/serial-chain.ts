/**
 * A promise-chain mutex: `run` executes async callbacks one at a time, in call order.
 * A callback that fails does not stop the chain; its caller gets the rejection.
 */
export class SerialChain {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` once every earlier callback has settled; resolves or rejects as `fn` does. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every callback run so far has settled (never rejects). */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
