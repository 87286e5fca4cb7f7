import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const RULES = readFileSync(fileURLToPath(new URL('../../deploy/99-katar-modem.rules', import.meta.url)), 'utf8');
const rules = RULES.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));

// KEY or KEY{attr}, an operator, a double-quoted value; pairs separated by ", ".
const PAIR = /^[A-Z_.]+(\{[^}]+\})?(==|!=|\+=|:=|=)"[^"]*"$/;

describe('deploy/99-katar-modem.rules (no udevadm verify before systemd 253: a syntax check)', () => {
  it('has only well-formed KEY op "value" pairs, and every GOTO has its LABEL', () => {
    for (const line of rules) for (const pair of line.split(/,\s*/)) expect(pair, line).toMatch(PAIR);
    const labels = new Set([...RULES.matchAll(/LABEL="([^"]+)"/g)].map((m) => m[1]));
    for (const m of RULES.matchAll(/GOTO="([^"]+)"/g)) expect(labels.has(m[1])).toBe(true);
  });

  it('never matches a vendor and an interface attribute in the same rule (udev matches ATTRS on one parent)', () => {
    for (const line of rules) if (/ATTRS\{idVendor\}/.test(line)) expect(line, line).not.toMatch(/ATTRS\{bInterface/);
  });

  it('covers SIMCom, Quectel and Huawei, names the AT port, and tells ModemManager to keep off', () => {
    expect(RULES).toMatch(/ATTRS\{idVendor\}=="1e0e", ATTRS\{idProduct\}=="9001"/);
    expect(RULES).toMatch(/ATTRS\{idVendor\}=="2c7c", ATTRS\{idProduct\}=="[^"]*0125/);
    expect(RULES).toMatch(/ATTRS\{idVendor\}=="12d1", ATTRS\{idProduct\}=="[^"]*1506/);
    expect(RULES).toContain('ENV{ID_MM_DEVICE_IGNORE}="1"');
    expect(RULES).toContain('GROUP="dialout", MODE="0660"');
    expect(rules.filter((l) => l.includes('SYMLINK+="katar-modem"')).length).toBeGreaterThanOrEqual(2);
  });

  it("hands group katar-sms write access to `authorized` of a known modem's USB device, and nothing else", () => {
    const granting = rules.filter((l) => l.includes('RUN+='));
    expect(granting).toEqual(['SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", RUN+="/bin/chgrp katar-sms /sys%p/authorized", RUN+="/bin/chmod g+w /sys%p/authorized"']);
    // Only past the check that this is one of the known modems.
    expect(rules.indexOf(granting[0]!)).toBeGreaterThan(rules.indexOf('ENV{.KATAR_MODEM}!="?*", GOTO="katar_modem_end"'));
    expect(RULES).not.toMatch(/unbind|\/bind\b|o\+w|a\+w|0666/);
  });
});
