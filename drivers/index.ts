/**
 * The built-in drivers, specific first and generic last: the session picks the first whose
 * `matches` accepts the modem's identification (or the one forced by name in config).
 */
import type { ModemDriver } from '../src/modem/driver.js';
import { genericDriver } from './generic/index.js';
import { huaweiDriver } from './huawei/index.js';
import { quectelDriver } from './quectel/index.js';
import { simcomSim7600Driver, simcomSim800Driver } from './simcom/index.js';

/** Every built-in driver in matching order; `generic` matches anything and comes last. */
export const builtinDrivers: ModemDriver[] = [simcomSim800Driver, simcomSim7600Driver, quectelDriver, huaweiDriver, genericDriver];

export { genericDriver, huaweiDriver, quectelDriver, simcomSim7600Driver, simcomSim800Driver };
