import { api, ApiError } from './api.js';

/**
 * The id of the newest event, so that the live stream starts at "now" instead of
 * replaying the whole log. The pull API reads forwards from a cursor and answers an
 * empty page for a cursor at or past the newest event, so the newest id is found by
 * doubling the cursor until a page is empty, then halving the gap: about 2·log2(n)
 * requests of one event each, unless the answer names the newest id itself.
 */
export async function newestEventId(): Promise<number> {
  let told: number | undefined;
  const hasAfter = async (after: number): Promise<boolean> => {
    try {
      const page = await api.events(after, 1);
      if (typeof page.newest === 'number') told = page.newest;
      return page.events.length > 0;
    } catch (err) {
      // A cursor before the oldest kept event: there are events after it.
      if (err instanceof ApiError && err.status === 410) return true;
      throw err;
    }
  };
  if (!(await hasAfter(0))) return 0;
  // A server that says where its log ends saves the search.
  if (told !== undefined) return told;
  let low = 0; // events exist after low
  let high = 1;
  while (await hasAfter(high)) {
    low = high;
    high *= 2;
  }
  // Events after low, none after high: the newest id is in (low, high].
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (await hasAfter(mid)) low = mid;
    else high = mid;
  }
  return high;
}
