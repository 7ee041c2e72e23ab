// Policy factory: one name → one Policy, all behind the same interface.
import type { BoardDefinition } from '../../boards/types.ts';
import type { AdmissionResult } from '../admission/plan.ts';
import type { PolicyName } from '../scenario/schema.ts';
import { cotenantPolicy } from './cotenant.ts';
import { fcfsPolicy } from './fcfs.ts';
import { naivePolicy } from './naive.ts';
import { partitionPolicy } from './partition.ts';
import { planariaPolicy } from './planaria.ts';
import { premaPolicy } from './prema.ts';
import type { Policy } from './types.ts';

export function createPolicy(name: PolicyName, def: BoardDefinition, admission?: AdmissionResult): Policy {
  switch (name) {
    case 'cotenant': {
      if (admission === undefined) throw new Error('internal: the cotenant policy needs the admission plan');
      return cotenantPolicy(
        {
          lanes: admission.lanes,
          assignment: admission.tenants.map((t) => ({ lane: t.lane, variant: t.variant })),
          budgets: admission.laneBudgets,
          measuredCycles: admission.tenants.map((t) => t.wcet),
          unregulated: admission.mode === 'throughput',
        },
        def.tileBusBytesPerCycle,
      );
    }
    case 'fcfs':
      return fcfsPolicy();
    case 'prema':
      return premaPolicy();
    case 'static-partition':
      return partitionPolicy('static-partition', def.dim);
    case 'moca':
      return partitionPolicy('moca', def.dim);
    case 'planaria':
      return planariaPolicy();
    case 'naive':
      return naivePolicy();
  }
}
