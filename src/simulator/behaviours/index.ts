import { at, cfun, cmee, cnum, echo, harmless, identification, resetProfile } from './basic.js';
import { cmgs, cmgw } from './cmgs.js';
import { cops, csq, registration } from './network.js';
import { cmgd, cmgl, cmgr } from './read-delete.js';
import { cpin, simGate } from './sim.js';
import { cmgf, cnma, cnmi, cpms, csca, cscs, csmp } from './sms-config.js';
import { subscriber } from './subscriber.js';
import { clip, hangUp } from './calls.js';
import { ussd } from './ussd.js';
import type { SimBehaviour } from '../types.js';

/**
 * The default behaviours, in matching order. The SIM gate comes first so that a
 * locked SIM blocks SMS commands before their own behaviour runs.
 */
export function defaultBehaviours(): SimBehaviour[] {
  return [
    simGate,
    at,
    echo,
    resetProfile,
    cmee,
    identification,
    cfun,
    cnum,
    cpin,
    subscriber,
    registration,
    csq,
    cops,
    cmgf,
    cscs,
    cpms,
    cnmi,
    csca,
    csmp,
    cnma,
    cmgs,
    cmgw,
    cmgr,
    cmgl,
    cmgd,
    ussd,
    clip,
    hangUp,
    harmless,
  ];
}

export { at, cfun, cmee, cnum, echo, harmless, identification, resetProfile } from './basic.js';
export { checkPduBody, cmgs, cmgw } from './cmgs.js';
export { cops, csq, isRegistered, registration, registrationUrcs } from './network.js';
export { cmgd, cmgl, cmgr, tpduLength } from './read-delete.js';
export { cpin, simErrorCode, simGate } from './sim.js';
export { cmgf, cnma, cnmi, cpms, csca, cscs, csmp } from './sms-config.js';
export { subscriber } from './subscriber.js';
export { callState, clip, hangUp, ringModem, type RingOptions, type SimCall } from './calls.js';
export { DEFAULT_USSD_SCRIPT, setUssdAnswers, ussd, ussdBehaviour, ussdState, type UssdNode, type UssdScript } from './ussd.js';
