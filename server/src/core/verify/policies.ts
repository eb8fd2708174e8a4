/**
 * Which rules a record is judged by: the deployment file at its `policy_sha`, or, for records
 * without one (older ones, or written by Atmos), the file on the policy branch as it is now.
 */
import type { Deployment } from '../model';
import { displayName } from '../names';
import { parseDeploymentFile } from '../parse';
import { short, type TrailRecord } from './records';
import type { TrailInput, VerifyFinding } from './types';

export interface RulesFor {
  deployment?: Deployment;
  /** True when the record names no policy_sha and the branch's current rules stand in. */
  current: boolean;
  /** Set when the rules cannot be used; the record's rule checks are then skipped. */
  finding?: Omit<VerifyFinding, 'ref'>;
  /** Set when the policy commit is not on the policy branch (the rules are still applied). */
  offBranch?: Omit<VerifyFinding, 'ref'>;
}

export class Policies {
  private readonly parsed = new Map<string, Map<string, Deployment>>();

  constructor(private readonly input: TrailInput) {}

  /** Deployment name → model in one policy commit (parsed once, first file wins). */
  private deploymentsAt(sha: string): Map<string, Deployment> | undefined {
    const cached = this.parsed.get(sha);
    if (cached) return cached;
    const files = this.input.policies.get(sha);
    if (!files) return undefined;
    const out = new Map<string, Deployment>();
    for (const f of [...files.files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
      const d = parseDeploymentFile(f.text, f.path).deployment;
      const name = d?.name?.value;
      if (d && name && !out.has(name)) out.set(name, d);
    }
    this.parsed.set(sha, out);
    return out;
  }

  /** One deployment's model in one policy commit, when that commit holds its file. */
  deploymentAt(sha: string, deployment: string): Deployment | undefined {
    return this.deploymentsAt(sha)?.get(deployment);
  }

  /** The target names the policy branch declares today for a deployment. */
  declaredTargets(deployment: string): Set<string> | undefined {
    const tip = this.input.policyTip;
    const d = tip ? this.deploymentsAt(tip)?.get(deployment) : undefined;
    return d ? new Set(d.targets.map((t) => t.name)) : undefined;
  }

  /** How many policy commits were read. */
  get count(): number {
    return this.input.policies.size;
  }

  rulesFor(r: TrailRecord): RulesFor {
    const base = {
      deployment: r.record.deployment,
      target: r.record.target,
      component: r.record.component,
      timestamp: r.record.timestamp,
    };
    const name = displayName(r.record.deployment);
    const policy = r.record.policy_sha;
    if (!policy) {
      const tip = this.input.policyTip;
      const d = tip ? this.deploymentsAt(tip)?.get(r.record.deployment) : undefined;
      if (d) return { deployment: d, current: true };
      return {
        current: true,
        finding: {
          code: 'policy-unreadable',
          message: `This record names no policy_sha, and ${this.input.policyName} holds no deployment file for ${name} to check it against.`,
          ...base,
        },
      };
    }
    const d = this.deploymentsAt(policy)?.get(r.record.deployment);
    if (!d)
      return {
        current: false,
        finding: {
          code: 'policy-unreadable',
          message: this.input.policies.has(policy)
            ? `Its policy commit ${short(policy)} holds no deployment file for ${name} (deployments/**/*.yaml with deployment.name ${name}).`
            : `Its policy commit ${displayName(short(policy))} is not in this repository, so the rules it followed cannot be read.`,
          ...base,
        },
      };
    const offBranch = this.input.onPolicyBranch.has(policy)
      ? undefined
      : {
          code: 'policy-not-on-branch' as const,
          message: `Its rules were read from ${short(policy)}, which is not on the policy branch (${this.input.policyName}): rules from a side branch are not the team's rules.`,
          ...base,
        };
    return { deployment: d, current: false, offBranch };
  }
}

/** The sentence added to findings judged by today's rules instead of the record's own. */
export function currentRulesNote(policyName: string): string {
  return ` (This record names no policy_sha: it was checked against the rules on ${policyName} as they are now.)`;
}
