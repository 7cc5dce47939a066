/**
 * What HTTP handlers may read and act on: the live parts of a running server. Handlers read the
 * current snapshot and the stores; they never touch sockets of the DNS path.
 */
import type { AdminAuth } from './auth.ts';
import type { RingClient } from '../dns/index.ts';
import type { DnsMetricsHub, DnsWorkersStatus, RingPosition } from '../dns/index.ts';
import type { MxlbMetrics } from '../metrics/index.ts';
import type { Logger } from '../log.ts';
import type { ProbeHistory, ProbeScheduler } from '../probe/index.ts';
import type { DnsblMemberVerdict } from '../reputation/index.ts';
import type { BatchLedger, OutcomeStore } from '../signals/index.ts';
import type { ReputationKeeper } from '../reputation-keeper.ts';
import type { ShapingKeeper } from '../shaping-keeper.ts';
import type { ExperimentKeeper } from '../experiment-keeper.ts';
import type { ArmTotal } from '../dns/index.ts';
import type { Snapshot } from '../snapshot.ts';
import type { SnapshotKeeper } from '../snapshot-keeper.ts';
import type { ClusterStatus, StateStore } from '../state/index.ts';
import type { ZoneReloadReport } from '../zone/index.ts';
import type { AnswerShares } from './shares.ts';

export interface ServerContext {
  keeper: SnapshotKeeper;
  scheduler: ProbeScheduler;
  store: StateStore;
  /** The latest zone reload report (errors per file), if any reload ran. */
  zoneReport(): ZoneReloadReport | undefined;
  /** Epoch ms the server started. */
  startedAt: number;
  now(): number;
  /** DNS query events: subscribe a DnsMetrics (e.g. /metrics counters); the DnsServer feeds it. */
  dnsMetrics: DnsMetricsHub;
  /** Answer shares per member over the last minute (fed through dnsMetrics.served). */
  shares: AnswerShares;
  /** Recent probe samples per member and recent transitions (fed by the scheduler's onResult). */
  history: ProbeHistory;
  /** The server's own prom-client registry behind GET /metrics. */
  metrics: MxlbMetrics;
  /** Checks the bearer tokens allowed to write through the admin API (none: writes refused with 403). */
  adminAuth: AdminAuth;
  /** For events handlers report themselves (override changes); the router logs failures. */
  logger: Logger;
  /** The reputation model's verdicts per member, and operator pins. */
  reputation?: Pick<ReputationKeeper, 'states' | 'pin' | 'unpin'>;
  /** Traffic shaping (docs/shaping.md): warm-ups and their operator actions, load reports. */
  shaping?: Pick<ShapingKeeper, 'warmUp' | 'warmUpMembers' | 'warmUpAction' | 'warmUpPlan' | 'warmUpHistory' | 'warmUpPauseReason' | 'reportLoad' | 'loadOf'>;
  /** Delivery outcomes reported through POST /api/signals (shown in /status, exported in /metrics). */
  outcomes?: OutcomeStore;
  /** A/B experiments (docs/routing.md): state, operators' start/stop, reports. */
  experiments?: Pick<ExperimentKeeper, 'list' | 'get' | 'start' | 'stop' | 'report'>;
  /** Per-arm answers and distinct clients, counted by the answering worker (`dnsMetrics.arm`). */
  armCounts?: { totals(experiment?: string): ArmTotal[] };
  /** Batch ids of POST /api/signals already applied (a retry is acknowledged, not counted twice). */
  signalBatches?: BatchLedger;
  /** DNSBL verdicts per member (the DNSBL monitor), shown in /status. */
  dnsbl?: { verdicts(): ReadonlyMap<string, DnsblMemberVerdict> };
  /** Cluster mode (--redis) only: Redis connection, probing mode, leases held. */
  cluster?: () => ClusterStatus;
  /**
   * The rotation slot the next reply of each cached client shape gets (DnsServer.ringPositions),
   * for /explain. DNS answers in a worker: this asks it, and resolves [] if it does not reply in time.
   */
  ringPositions?: (name: string, qtype: number, version: number, client?: RingClient) => RingPosition[] | Promise<RingPosition[]>;
  /**
   * Brings the DNS counters (replayed into `dnsMetrics`) up to date: the answering worker sends
   * them in batches; /metrics asks for one before it renders. Resolves within a bounded time.
   */
  refreshDns?: () => Promise<void>;
  /**
   * The snapshot DNS answers from right now (the answering worker's, which may trail
   * `keeper.current()` while a hand-over is under way); /status and /explain show this one.
   */
  served?: () => Snapshot;
  /** The answering workers (`serve --workers`): how many, restarts, queries each; /status `dnsWorkers`. */
  dnsWorkers?: () => DnsWorkersStatus;
}
