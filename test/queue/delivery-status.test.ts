import { describe, expect, it } from 'vitest';
import { foldDelivery, readReportStatus } from '../../src/queue/delivery-status.js';
import type { Delivery, DeliveryPart } from '../../src/queue/task.js';

const part = (status: DeliveryPart['status'], reason?: string): DeliveryPart => ({ reference: 1, modem: 'm:1', epoch: 0, sentAt: '2026-01-01T00:00:00.000Z', status, ...(reason && { reason }) });
const delivery = (parts: DeliveryPart[]): Delivery => ({ status: 'pending', references: [], parts, updatedAt: '' });

describe('TP-ST classes (TS 23.040 §9.2.3.15)', () => {
  it.each([
    [0x00, 'delivered', /received by the recipient/],
    [0x01, 'delivered', /forwarded.*not confirmed/],
    [0x02, 'delivered', /replaced/],
    [0x1f, 'delivered', /service centre specific/],
    [0x20, 'pending', /still trying: congestion/],
    [0x21, 'pending', /still trying: recipient busy/],
    [0x3f, 'pending', /still trying: service centre specific/],
    [0x40, 'failed', /permanent error: remote procedure error/],
    [0x43, 'failed', /permanent error: not obtainable \(unknown subscriber\)/],
    [0x46, 'failed', /permanent error: validity period expired/],
    [0x4a, 'failed', /permanent error: reserved/],
    [0x60, 'failed', /gave up: congestion/],
    [0x62, 'failed', /gave up: no response from the recipient/],
    [0x7f, 'failed', /gave up: service centre specific/],
    [0x80, 'failed', /reserved status 0x80/],
  ] as const)('0x%s -> %s', (st, status, reason) => {
    const v = readReportStatus(st);
    expect(v.status).toBe(status);
    expect(v.reason).toMatch(reason);
  });
});

describe('delivery of a task from its parts', () => {
  it('is delivered only when every part of the message is', () => {
    expect(foldDelivery(delivery([part('delivered')]), 2, 'now').status).toBe('pending');
    expect(foldDelivery(delivery([part('delivered'), part('pending')]), 2, 'now').status).toBe('pending');
    expect(foldDelivery(delivery([part('delivered'), part('delivered')]), 2, 'now').status).toBe('delivered');
  });

  it('is failed as soon as one part failed for good, with that part\'s reason', () => {
    const d = foldDelivery(delivery([part('pending'), part('failed', 'permanent error: validity period expired')]), 3, 'now');
    expect(d).toMatchObject({ status: 'failed', reason: 'permanent error: validity period expired' });
  });

  it('stays pending with the reason the service centre gave while it is still trying', () => {
    const d = foldDelivery(delivery([part('delivered'), part('pending', 'temporary error, service centre still trying: recipient busy')]), 2, 'now');
    expect(d).toMatchObject({ status: 'pending', reason: /recipient busy/ });
    expect(d.references).toEqual([1, 1]);
  });
});
