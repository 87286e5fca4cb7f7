import { describe, expect, it } from 'vitest';
import { parseIccid, parseImsi } from '../../src/modem/identity.js';
import type { PersonalityName } from '../../src/simulator/index.js';
import { rig, rigLifecycle, sent, startUntil } from './session-harness.js';
import type { Rig } from './session-harness.js';

describe('IMSI and ICCID answers', () => {
  it.each([
    [['262011234567890'], '262011234567890'],
    [['+CIMI: 262011234567890'], '262011234567890'],
    [['"310260000000000"'], '310260000000000'],
    [['ERROR'], ''],
    [['+CIMI: SIM not inserted'], ''],
  ])('AT+CIMI %j -> %j', (lines, imsi) => expect(parseImsi(lines)).toBe(imsi));

  it.each([
    [['89014103211118510720'], '89014103211118510720'],
    [['+CCID: "8931440400012345678F"'], '8931440400012345678F'],
    [['+QCCID: 89860318740220142581'], '89860318740220142581'],
    [['^ICCID: 98681031098710002125'], '98681031098710002125'],
    [['+ICCID: 89860114831010254853'], '89860114831010254853'],
    [['+CCID: 12'], ''],
  ])('ICCID %j -> %j', (lines, iccid) => expect(parseIccid(lines)).toBe(iccid));
});

describe('session start-up reads which SIM is in the modem', () => {
  let r: Rig | undefined;
  rigLifecycle(() => r, () => (r = undefined));

  it.each(['generic', 'simcom-sim800', 'simcom-sim7600', 'quectel', 'huawei'] as PersonalityName[])('%s: the IMSI from AT+CIMI', async (personality) => {
    r = rig({ personality, imsi: '001019876543210', periodicUrcs: false });
    await startUntil(r, 'ready');
    expect(r.session.identity).toMatchObject({ imsi: '001019876543210' });
    expect(sent(r, 'AT+CIMI')).toHaveLength(1);
  });

  it.each([
    ['generic', 'AT+CCID'],
    ['quectel', 'AT+QCCID'],
    ['huawei', 'AT^ICCID?'],
    ['simcom-sim7600', 'AT+CICCID'],
  ] as Array<[PersonalityName, string]>)('%s without AT+CIMI: the ICCID from %s', async (personality, command) => {
    r = rig({ personality, imsi: '', iccid: '8931440400012345678', periodicUrcs: false });
    await startUntil(r, 'ready');
    expect(r.session.identity).toMatchObject({ imsi: '', iccid: '8931440400012345678' });
    expect(sent(r, command)).toHaveLength(1);
  });
});
