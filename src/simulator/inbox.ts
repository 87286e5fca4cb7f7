import { decodePdu, encodeDeliver, encodeStatusReport } from '../modem/pdu/index.js';
import { tpduLength } from './behaviours/read-delete.js';
import type { StoredMessage } from './storage.js';
import type { IncomingSms, SentSms, SimContext } from './types.js';

/** TP-ST for a failed delivery: 0x43, permanent error (vector R07, docs/hardware.md#test-vectors). */
const FAILED_STATUS = 0x43;

function hexOut(ctx: SimContext, pdu: string): string {
  return ctx.modem.quirks.lowercaseHex ? pdu.toLowerCase() : pdu;
}

/**
 * A message arrives from the network: each part goes to the receive memory (CPMS mem3)
 * and is announced per AT+CNMI (mt=1 `+CMTI`, mt=2 `+CMT` routed, mt=0 silent; mode 0
 * buffers in the TA, which the simulator treats as "no URC"), with the quirk switches.
 */
export function receiveIncoming(ctx: SimContext, sms: IncomingSms): StoredMessage[] {
  const { modem, settings, personality } = ctx;
  const q = modem.quirks;
  const timestamp = sms.timestamp ?? modem.options.clock();
  const parts = encodeDeliver({
    from: sms.from,
    text: sms.text,
    timestamp,
    tzOffsetMinutes: sms.tzOffsetMinutes,
    smsc: modem.simCard.smsc || undefined,
    concatReference: sms.concatReference,
    concat16bit: sms.concat16bit,
  });
  const [mode, mt] = settings.cnmi;
  const announce = mode !== 0 && !q.suppressIncomingUrc;
  const memName = settings.cpms[2];
  const mem = modem.storage.memory(memName);
  const stored: StoredMessage[] = [];
  for (const pdu of parts) {
    modem.counters.smsReceived++;
    if (q.cmtiMinusOne) {
      if (announce) ctx.urc('+CMTI: ,-1');
      continue;
    }
    if (mt === 2) {
      if (announce) ctx.urc(`+CMT: ,${tpduLength(pdu)}\r\n${hexOut(ctx, pdu)}`);
      if (!q.cmtAndCmti) {
        modem.emit('sms-routed', { from: sms.from, pdu });
        continue;
      }
    }
    const decoded = decodePdu(pdu, { smscIncluded: true });
    const text = decoded.type === 'deliver' ? decoded.text : '';
    const slot = mem.add({ stat: 0, pdu, kind: 'deliver', address: sms.from, text, timestamp });
    if (!slot) {
      modem.counters.incomingDropped++;
      if (personality.memFullUrc) ctx.urc(personality.memFullUrc(memName));
      continue;
    }
    stored.push(slot);
    if (announce && mt !== 0) {
      ctx.urc(`+CMTI: "${memName}",${slot.index}`);
      if (q.duplicateCmti) ctx.urc(`+CMTI: "${memName}",${slot.index}`);
    }
    modem.emit('sms-delivered-to-inbox', { mem: memName, index: slot.index, from: sms.from, text });
  }
  return stored;
}

/** A fixed delay, or one drawn from [min, max] with the modem's seeded PRNG (same seed, same delays). */
function reportDelay(d: number | [number, number], modem: SimContext['modem']): number {
  return typeof d === 'number' ? d : d[0] + Math.floor(modem.draw() * (d[1] - d[0] + 1));
}

/**
 * After a submit with TP-SRR: a status report with the same MR, `deliveryReportDelayMs`
 * later, as `+CDS: <len>` + PDU (ds=1) or stored in SR + `+CDSI: "SR",<i>` (ds=2).
 */
export function scheduleStatusReport(ctx: SimContext, sent: SentSms, forced?: number, forcedDelayMs?: number): void {
  const modem = ctx.modem;
  const outcome = forced ?? modem.options.deliveryReports;
  if (!sent.statusReportRequested || outcome === 'none') return;
  ctx.schedule(forcedDelayMs ?? reportDelay(modem.options.deliveryReportDelayMs, modem), () => {
    const status = typeof outcome === 'number' ? outcome : outcome === 'delivered' ? 0 : FAILED_STATUS;
    const dischargeTime = modem.options.clock();
    const pdu = encodeStatusReport({
      messageReference: sent.mr,
      recipient: sent.to,
      status,
      serviceCentreTimestamp: sent.at,
      dischargeTime,
      smsc: modem.simCard.smsc || undefined,
    });
    const [mode, , , ds] = ctx.settings.cnmi;
    modem.counters.statusReports++;
    modem.emit('status-report', { mr: sent.mr, to: sent.to, status, pdu });
    if (ds === 1) {
      if (mode !== 0) ctx.urc(`+CDS: ${tpduLength(pdu)}\r\n${hexOut(ctx, pdu)}`);
      return;
    }
    if (ds !== 2) return;
    const slot = modem.storage.memory('SR').add({
      stat: 0,
      pdu,
      kind: 'status-report',
      address: sent.to,
      text: '',
      timestamp: dischargeTime,
      report: { mr: sent.mr, status },
    });
    // Quectel EC25 names SM while the report sits in SR (asterisk-chan-quectel PR #75).
    if (slot && mode !== 0) ctx.urc(`+CDSI: "${modem.quirks.cdsiNamesWrongStorage ? 'SM' : 'SR'}",${slot.index}`);
  });
}
