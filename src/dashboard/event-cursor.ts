import { api } from './api.js';

/**
 * The id of the newest event, so that the live stream starts at "now" instead of
 * replaying the whole log: every page of the pull API names it (`newest`).
 */
export async function newestEventId(): Promise<number> {
  const page = await api.events(0, 1);
  return page.newest;
}
