import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { mqttClientId } from '../../src/mqtt/mqtt-config.js';

const refusal = (raw: Record<string, unknown>): string => {
  try {
    parseConfig(raw);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('config: mqtt', () => {
  it('is off without the key, and fills in the defaults', () => {
    expect(parseConfig({}).mqtt).toBeUndefined();
    expect(parseConfig({ mqtt: { url: 'mqtt://broker.lan' } }).mqtt).toEqual({
      url: 'mqtt://broker.lan',
      protocolVersion: 5,
      topicPrefix: 'katar-sms',
      discovery: true,
      discoveryPrefix: 'homeassistant',
      contacts: [],
    });
  });

  it('takes every option; contacts are normalised like a send', () => {
    const cfg = parseConfig({
      defaultRegion: 'AU',
      mqtt: { url: 'mqtts://broker.lan:8883', username: 'katar', password: 'secret-pass', clientId: 'pi.kitchen', protocolVersion: 4, topicPrefix: 'home/sms', discovery: false, discoveryPrefix: 'ha', contacts: [{ name: 'Mum', to: '0404 341 143' }, { name: 'on-call team', to: '+4915112345678' }] },
    }).mqtt!;
    expect(cfg).toMatchObject({ protocolVersion: 4, topicPrefix: 'home/sms', discovery: false, discoveryPrefix: 'ha', clientId: 'pi.kitchen', username: 'katar', password: 'secret-pass' });
    expect(cfg.contacts).toEqual([
      { name: 'Mum', to: '+61404341143' },
      { name: 'on-call team', to: '+4915112345678' },
    ]);
    for (const url of ['mqtt://127.0.0.1:1883', 'ws://broker:9001/mqtt', 'wss://broker/mqtt']) expect(parseConfig({ mqtt: { url } }).mqtt!.url).toBe(url);
  });

  it('survives a second pass through the validation (serve re-reads the parsed config)', () => {
    const once = parseConfig({ mqtt: { url: 'mqtt://b', username: 'u', password: 'p', contacts: [{ name: 'a', to: '+61404341143' }] } });
    expect(parseConfig({ mqtt: once.mqtt }).mqtt).toEqual(once.mqtt);
  });

  it('refuses bad values naming the key', () => {
    expect(refusal({ mqtt: 'mqtt://b' })).toMatch(/^config: mqtt must be an object/);
    expect(refusal({ mqtt: {} })).toMatch(/^config: mqtt\.url is required/);
    expect(refusal({ mqtt: { url: 'http://broker' } })).toBe('config: mqtt.url must be mqtt://, mqtts://, ws:// or wss:// followed by the broker address');
    expect(refusal({ mqtt: { url: 'not a url' } })).toMatch(/^config: mqtt\.url must be mqtt:\/\//);
    expect(refusal({ mqtt: { url: 'mqtt://b', port: 1 } })).toMatch(/^config: mqtt\.port is not a known option/);
    expect(refusal({ mqtt: { url: 'mqtt://b', topicPrefix: 'a/+/b' } })).toMatch(/^config: mqtt\.topicPrefix must be a topic/);
    expect(refusal({ mqtt: { url: 'mqtt://b', topicPrefix: '$SYS' } })).toMatch(/^config: mqtt\.topicPrefix/);
    expect(refusal({ mqtt: { url: 'mqtt://b', topicPrefix: 'a//b' } })).toMatch(/^config: mqtt\.topicPrefix/);
    expect(refusal({ mqtt: { url: 'mqtt://b', discoveryPrefix: 'home/#' } })).toMatch(/^config: mqtt\.discoveryPrefix/);
    expect(refusal({ mqtt: { url: 'mqtt://b', clientId: 'has space' } })).toMatch(/^config: mqtt\.clientId must be 1-100 of/);
    expect(refusal({ mqtt: { url: 'mqtt://b', protocolVersion: 3 } })).toMatch(/^config: mqtt\.protocolVersion must be 4/);
    expect(refusal({ mqtt: { url: 'mqtt://b', discovery: 'yes' } })).toMatch(/^config: mqtt\.discovery must be true or false/);
    expect(refusal({ mqtt: { url: 'mqtt://b', contacts: {} } })).toMatch(/^config: mqtt\.contacts must be an array/);
    expect(refusal({ mqtt: { url: 'mqtt://b', contacts: [{ name: 'a/b', to: '+61404341143' }] } })).toMatch(/^config: mqtt\.contacts\[0\]\.name must be 1-64 characters usable as one topic level/);
    expect(refusal({ mqtt: { url: 'mqtt://b', contacts: [{ name: '#', to: '+61404341143' }] } })).toMatch(/^config: mqtt\.contacts\[0\]\.name/);
    expect(refusal({ mqtt: { url: 'mqtt://b', contacts: [{ name: 'result', to: '+61404341143' }] } })).toMatch(/^config: mqtt\.contacts\[0\]\.name "result" is reserved/);
    expect(refusal({ mqtt: { url: 'mqtt://b', contacts: [{ name: 'a', to: '+61404341143' }, { name: 'A', to: '+61404341144' }] } })).toBe('config: mqtt.contacts[1].name repeats "A"');
    expect(refusal({ mqtt: { url: 'mqtt://b', contacts: [{ name: 'a' }] } })).toBe('config: mqtt.contacts[0].to is required');
    expect(refusal({ mqtt: { url: 'mqtt://b', contacts: [{ name: 'a', to: '0404341143' }] } })).toMatch(/^config: mqtt\.contacts\[0\]\.to must be in international form/);
    expect(refusal({ mqtt: { url: 'mqtt://b', contacts: [{ name: 'a', to: '+6140' }] } })).toBe('config: mqtt.contacts[0].to is not a valid phone number');
  });

  it('never echoes the password or credentials in the URL', () => {
    const secret = 'hunter2-very-secret';
    for (const raw of [
      { mqtt: { url: `mqtt://user:${secret}@broker` } },
      { mqtt: { url: 'mqtt://b', password: secret } },
      { mqtt: { url: 'mqtt://b', username: 'u', password: { secret } } },
      { mqtt: { url: `http://user:${secret}@broker` } },
    ]) {
      const msg = refusal(raw);
      expect(msg).toMatch(/^config: mqtt\.(url|password) /);
      expect(msg).not.toContain(secret);
    }
  });

  it('makes a client id stable per gateway', () => {
    expect(mqttClientId({}, 'raspberrypi-3f9a')).toBe('katar-sms-raspberrypi-3f9a');
    expect(mqttClientId({ clientId: 'mine' }, 'raspberrypi-3f9a')).toBe('mine');
  });
});
