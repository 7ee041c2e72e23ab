// Admission verdicts as the application sees them, and the key under which tenants of the
// same model share measured costs.
import { createHash } from 'node:crypto';
import type { AdmissionResult, TenantVerdict } from '../admission/plan.ts';
import type { ModelPackage } from '../models/package.ts';
import type { AdmissionVerdict, Tenant } from './types.ts';

/** Tenants of the same model share measured costs: a digest of what the programs depend on
 *  (layer table and requantization), computed once per package object. */
const modelKeys = new WeakMap<ModelPackage, string>();
export function modelKey(pkg: ModelPackage): string {
  let k = modelKeys.get(pkg);
  if (k === undefined) {
    k = createHash('sha256')
      .update(JSON.stringify({ table: pkg.table, quant: [...pkg.quant] }))
      .digest('hex');
    modelKeys.set(pkg, k);
  }
  return k;
}

export function refusal(plan: AdmissionResult): AdmissionVerdict {
  const bad = plan.tenants.filter((v) => v.verdict === 'rejected');
  return {
    admitted: false,
    reason: bad
      .map(
        (v) =>
          `${v.name}: bound ${Number.isFinite(v.bound) ? `${v.bound} cycles` : 'unbounded'} > deadline ${v.deadline} cycles`,
      )
      .join('; '),
    suggestions: bad.flatMap((v) => v.suggestions.map((s) => `${v.name}: ${s}`)),
  };
}

export function verdictOf(handle: Tenant, v: TenantVerdict): AdmissionVerdict {
  return {
    admitted: true,
    tenant: handle,
    verdict: v.verdict === 'guaranteed' ? 'guaranteed' : 'best-effort',
    bound: v.bound,
    deadline: v.deadline,
    tiles: v.variant.tiles,
  };
}
