import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { KatarError } from '../errors.js';
import { segmentText } from '../modem/pdu/index.js';

/** Rules every outgoing message must meet, from the config. */
export interface MessageRules {
  defaultRegion?: string;
  maxParts: number;
}

/**
 * Normalises a recipient to E.164: international numbers as they are, national ones
 * through `defaultRegion`. Throws VALIDATION naming `field`.
 */
export function normaliseNumber(input: unknown, rules: MessageRules, field = 'to'): string {
  if (typeof input !== 'string' || input.trim() === '') throw new KatarError('VALIDATION', `${field} must be a phone number`, { field });
  const text = input.trim();
  // libphonenumber drops trailing text and extensions ("+61491570159 ext 5"): an SMS
  // cannot go to an extension, so only digits and the usual separators are accepted.
  if (!/^\+?[\d\s().-]+$/.test(text)) throw new KatarError('VALIDATION', `${field} may contain only digits, spaces, ( ) . - and a leading +`, { field });
  const national = !text.startsWith('+') && !text.startsWith('00');
  if (national && !rules.defaultRegion) {
    throw new KatarError('VALIDATION', `${field} must be in international form (+<country code><number>), or set "defaultRegion" in the config for national numbers`, { field });
  }
  const withPlus = text.startsWith('00') ? `+${text.slice(2)}` : text;
  const parsed = parsePhoneNumberFromString(withPlus, rules.defaultRegion as CountryCode | undefined);
  if (!parsed || !parsed.isValid()) throw new KatarError('VALIDATION', `${field} is not a valid phone number`, { field });
  return parsed.number;
}

/** Checks a message text and returns how many SMS parts it takes. Throws VALIDATION naming `field`. */
export function checkMessageText(input: unknown, rules: MessageRules, field = 'msg'): number {
  if (typeof input !== 'string' || input.length === 0) throw new KatarError('VALIDATION', `${field} must be a non-empty string`, { field });
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(input)) {
    throw new KatarError('VALIDATION', `${field} contains a broken UTF-16 surrogate`, { field });
  }
  const parts = segmentText(input).parts.length;
  if (parts > rules.maxParts) {
    throw new KatarError('VALIDATION', `${field} needs ${parts} SMS parts; at most ${rules.maxParts} are allowed`, { field, parts, maxParts: rules.maxParts });
  }
  return parts;
}
