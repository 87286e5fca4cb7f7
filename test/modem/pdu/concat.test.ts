import { describe, expect, it } from 'vitest';
import { ConcatAssembler, concatKey, type DecodedDeliver } from '../../../src/modem/pdu/index.js';
import { deliver } from './helpers.js';
import { VECTORS as V } from './vectors.js';

const D21_TEXT = 'This is a very long test designed to exercise multi part capability. It should show up as one message, not as two, as the underlying encoding represents ';
const D22_TEXT = 'that the parts are related to one another. ';

describe('ConcatAssembler with the D21/D22 vectors', () => {
  it('joins two parts in sequence order whatever the arrival order', () => {
    for (const order of [[V.D21, V.D22], [V.D22, V.D21]]) {
      const asm = new ConcatAssembler();
      const first = asm.add(deliver(order[0] ?? ''), 1000);
      expect(first).toMatchObject({ status: 'pending', received: 1, total: 2 });
      expect(asm.pending()).toEqual([{ key: concatKey(deliver(V.D21)), firstSeen: 1000, received: 1, total: 2 }]);
      const second = asm.add(deliver(order[1] ?? ''), 2000);
      expect(second.status).toBe('complete');
      if (second.status !== 'complete') return;
      expect(second.message).toMatchObject({ text: D21_TEXT + D22_TEXT, complete: true, missing: [] });
      expect(second.message.parts.map((p) => p.concat?.sequence)).toEqual([1, 2]);
      expect(asm.size).toBe(0);
    }
  });

  it('reports a part received twice as a duplicate and keeps the first copy', () => {
    const asm = new ConcatAssembler();
    asm.add(deliver(V.D21));
    expect(asm.add(deliver(V.D21))).toMatchObject({ status: 'duplicate', sequence: 1 });
    const done = asm.add(deliver(V.D22));
    expect(done.status === 'complete' && done.message.text).toBe(D21_TEXT + D22_TEXT);
  });

  it('passes an unsplit message through, and a 1-of-1 concatenated one (D04)', () => {
    const asm = new ConcatAssembler();
    expect(asm.add(deliver(V.D13))).toMatchObject({ status: 'complete', message: { key: undefined, text: 'hellohello', complete: true } });
    expect(asm.add(deliver(V.D04))).toMatchObject({ status: 'complete', message: { complete: true } });
    expect(asm.size).toBe(0);
  });

  it('keeps sets apart by sender, reference, reference size and count', () => {
    const base = deliver(V.D21);
    const variants: DecodedDeliver[] = [
      { ...base, sender: '+10000000000' },
      { ...base, concat: { reference: 0x4d, referenceBits: 8, total: 2, sequence: 1 } },
      { ...base, concat: { reference: 0x4c, referenceBits: 16, total: 2, sequence: 1 } },
      { ...base, concat: { reference: 0x4c, referenceBits: 8, total: 3, sequence: 1 } },
    ];
    const keys = new Set([base, ...variants].map((d) => concatKey(d)));
    expect(keys.size).toBe(5);
    const asm = new ConcatAssembler();
    for (const v of variants) asm.add(v);
    expect(asm.add(deliver(V.D22)).status).toBe('pending');
    expect(asm.size).toBe(5);
  });

  it('expire() hands out sets first seen at or before the cut-off with what arrived', () => {
    const asm = new ConcatAssembler();
    asm.add(deliver(V.D22), 100);
    asm.add(deliver(V.D05), 500);
    expect(asm.expire(99)).toEqual([]);
    const expired = asm.expire(100);
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ text: D22_TEXT, complete: false, missing: [1] });
    expect(asm.size).toBe(1);
    expect(asm.expire(Number.POSITIVE_INFINITY)[0]?.missing).toEqual([2]);
    expect(asm.size).toBe(0);
  });

  it('carries the caller\'s extra fields through (generic parts)', () => {
    const asm = new ConcatAssembler<DecodedDeliver & { index: number }>();
    asm.add({ ...deliver(V.D21), index: 3 });
    const r = asm.add({ ...deliver(V.D22), index: 7 });
    expect(r.status === 'complete' && r.message.parts.map((p) => p.index)).toEqual([3, 7]);
  });
});
