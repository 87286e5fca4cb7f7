import { afterEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SubscriptionFiles } from '../../src/queue/store/subscription-files.js';
import type { DeadLetter } from '../../src/queue/sms-queue.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const letter = (id: number, attempts: number, reason: string): DeadLetter => ({
  event: { id, type: 'task.done', time: '2026-01-01T00:00:00.000Z', data: { id: `t${id}` } } as unknown as DeadLetter['event'],
  attempts,
  reason,
  at: '2026-01-01T00:00:01.000Z',
});

let dir: { dir: string; cleanup(): Promise<void> } | undefined;
afterEach(async () => dir?.cleanup());

describe('webhook progress files', () => {
  it('replaces a letter for the same event, removes one by event id, and reads the same back from disk', async () => {
    dir = await makeTmpDir();
    const files = new SubscriptionFiles(dir.dir);
    await files.saveCursor('app', 7);
    await files.addDeadLetter('app', letter(1, 3, 'HTTP 500'));
    await files.addDeadLetter('app', letter(2, 3, 'HTTP 500'));
    await files.addDeadLetter('app', letter(1, 1, 'HTTP 503'));
    await files.removeDeadLetter('app', 2);
    await files.removeDeadLetter('app', 99);

    const reopened = await new SubscriptionFiles(dir.dir).load('app');
    expect(reopened.cursor).toBe(7);
    expect(reopened.deadLetters).toEqual([letter(1, 1, 'HTTP 503')]);
    const onDisk = JSON.parse(await readFile(join(dir.dir, 'webhook-dead-app.json'), 'utf8')) as { letters: DeadLetter[] };
    expect(onDisk.letters.map((l) => [l.event.id, l.reason])).toEqual([[1, 'HTTP 503']]);
  });
});
