/**
 * Cluster mode in one piece for the composition root: Redis connections, the RedisStateStore, and
 * (without quorum) the probe leases that tell the scheduler which members this instance probes.
 * With quorum every instance probes every member, so no leases. `close()` releases leases first,
 * then the store, then the connections.
 */
import type { RedisConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { restoredHealth } from './store.ts';
import type { MemberId } from '../pool/index.ts';
import type { MemberHealth } from '../probe/index.ts';
import { LeaseManager, type LeaseStatus } from './leases.ts';
import { openRedisConnections, type RedisConnections } from '../redis/index.ts';
import { RedisStateStore } from './redis.ts';

/** What the scheduler side of cluster mode needs (ProbeScheduler fits). */
export interface OwnedProber {
  setOwnership(owns: (id: MemberId) => boolean, adopt?: (id: MemberId) => MemberHealth | undefined): void;
  ownershipChanged(): void;
}

export interface ClusterStatus {
  instanceId: string;
  redis: string;
  connected: boolean;
  /** `leases` (one prober per member) or `quorum` (every instance probes and votes). */
  probing: 'leases' | 'quorum';
  quorum: number;
  leases?: LeaseStatus;
}

export interface Cluster {
  readonly store: RedisStateStore;
  readonly connections: RedisConnections;
  /** Lets leases decide what the scheduler probes; gained members start from the shared verdict. */
  attach(prober: OwnedProber): void;
  /** The members to probe changed (zone reload), with the shortest probe interval among them. */
  setMembers(members: readonly MemberId[], intervalMs: number): void;
  status(): ClusterStatus;
  /**
   * Whether this instance acts for `member` where one instance should (its probe lease holder;
   * in quorum mode every instance does): automatic reputation overrides are written by it alone.
   */
  owns(member: MemberId): boolean;
  close(): Promise<void>;
}

export function openCluster(config: RedisConfig, instanceId: string, logger: Logger): Cluster {
  const connections = openRedisConnections(config, logger);
  const store = new RedisStateStore({ redis: connections, instanceId, quorum: config.quorum, logger });
  const leases = config.quorum > 0 ? undefined : new LeaseManager({ client: connections.client, keys: connections.keys, instanceId, logger });
  return {
    store,
    connections,
    attach(prober) {
      if (!leases) return;
      const adopt = (id: MemberId) => {
        const shared = store.view().health.get(id);
        return shared ? restoredHealth(shared) : undefined;
      };
      prober.setOwnership((id) => leases.owns(id), adopt);
      leases.onChange(() => prober.ownershipChanged());
    },
    setMembers(members, intervalMs) {
      leases?.setMembers(members, intervalMs);
    },
    owns(member) {
      return leases ? leases.owns(member) : true;
    },
    status() {
      const status: ClusterStatus = {
        instanceId, redis: connections.target, connected: store.connected(), probing: leases ? 'leases' : 'quorum', quorum: config.quorum,
      };
      if (leases) status.leases = leases.status();
      return status;
    },
    async close() {
      await leases?.close();
      await store.close();
      await connections.close();
    },
  };
}
