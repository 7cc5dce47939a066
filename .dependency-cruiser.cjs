/**
 * Layering of src/ (docs/architecture.md "Layers"), checked by `npm run lint:deps` in CI.
 *
 * Layers, bottom to top; a module may import only from its own folder, from lower layers, and from
 * another folder only through that folder's index.ts (its public entry):
 *   root leaves   src/errors.ts, log.ts, config.ts, name.ts, version.ts (import nothing of src/ but each other)
 *   redis/        Redis plumbing (connections, keys, readiness)
 *   signals/      delivery outcomes: record, log parsers, provider groups, outcome store, batches, log follower
 *   reputation/   DNSBL names, answers and test points (pure), lookups through the operator's resolver
 *   shaping/      traffic shaping models (pure): slow start, warm-up schedules, latency, load
 *   probe/        SMTP check, health machine, probe settings, scheduler
 *   pool/         pool model and selection (pure)
 *   zone/         zone model, parsers, zones folders, published zones
 *   state/        state stores (memory, Redis)
 *   dns/          resolve, wire codec, answer cache, listeners   (with src/snapshot.ts)
 *   metrics/      prom-client registry
 *   http/         status, explain, admin API, dashboard          (with src/snapshot-keeper.ts, src/override-expiry.ts)
 *   cli/, main.ts commands and the composition root
 */
const LEAVES = '^src/(errors|log|config|config-secrets|config-dns|name|version)[.]ts$';
const CORE = '^src/(signals|reputation|shaping|probe|pool|zone)/';
const EDGE = '^src/(state|dns|metrics|http|cli)/|^src/(main|snapshot|snapshot-keeper|override-expiry)[.]ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, type-only imports included (a cycle through index.ts files is a cycle between folders).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'through-index',
      severity: 'error',
      comment: "Another folder is imported only through its index.ts (its public entry). src/*.ts files are the root layer and are imported directly.",
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/$1/', '^src/[^/]+/index[.]ts$'] },
    },
    {
      name: 'root-through-index',
      severity: 'error',
      comment: 'Root modules (src/*.ts) import a folder only through its index.ts.',
      from: { path: '^src/[^/]+[.]ts$' },
      to: { path: '^src/[^/]+/', pathNot: '^src/[^/]+/index[.]ts$' },
    },
    {
      name: 'leaves-stay-leaves',
      severity: 'error',
      comment: 'errors, log, config (with config-secrets), name and version import nothing of src/ but each other.',
      from: { path: LEAVES },
      to: { path: '^src/', pathNot: LEAVES },
    },
    {
      name: 'redis-below-state-and-zone',
      severity: 'error',
      comment: 'redis/ is plumbing: it knows no mxlb model, only the root leaves.',
      from: { path: '^src/redis/' },
      to: { path: '^src/', pathNot: [LEAVES, '^src/redis/'] },
    },
    {
      name: 'core-not-edge',
      severity: 'error',
      comment: 'The core (probe, pool, zone) never imports the edge: state stores, DNS, metrics, HTTP, CLI, the snapshot or the composition root.',
      from: { path: CORE },
      to: { path: EDGE },
    },
    {
      name: 'signals-know-only-leaves',
      severity: 'error',
      comment: 'signals/ knows members only by MemberId: it imports only the root leaves (pool/ may read its verdicts later, never the other way round).',
      from: { path: '^src/signals/' },
      to: { path: '^src/', pathNot: [LEAVES, '^src/signals/'] },
    },
    {
      name: 'reputation-above-signals-only',
      severity: 'error',
      comment: 'reputation/ judges members from signals/ outcomes and DNSBL answers: it imports only the root leaves and signals/.',
      from: { path: '^src/reputation/' },
      to: { path: '^src/', pathNot: [LEAVES, '^src/reputation/', '^src/signals/index[.]ts$'] },
    },
    {
      name: 'shaping-above-signals-and-probe',
      severity: 'error',
      comment: 'shaping/ holds pure models over outcomes and probe timings: it imports only the root leaves, signals/ and probe/.',
      from: { path: '^src/shaping/' },
      to: { path: '^src/', pathNot: [LEAVES, '^src/shaping/', '^src/signals/index[.]ts$', '^src/probe/index[.]ts$'] },
    },
    {
      name: 'probe-below-pool-and-zone',
      severity: 'error',
      comment: 'probe/ knows members only by MemberId and address: it imports neither pool/ nor zone/.',
      from: { path: '^src/probe/' },
      to: { path: '^src/(pool|zone)/' },
    },
    {
      name: 'pool-below-zone',
      severity: 'error',
      comment: 'zone/ builds pools (Zone.balancing); pool/ never imports zone/ (names come from src/name.ts).',
      from: { path: '^src/pool/' },
      to: { path: '^src/zone/' },
    },
    {
      name: 'state-below-dns-and-http',
      severity: 'error',
      comment: 'State stores know the model, not the zone files, the DNS path, metrics, HTTP or the CLI.',
      from: { path: '^src/state/' },
      to: { path: '^src/(zone|dns|metrics|http|cli)/|^src/(main|snapshot|snapshot-keeper|override-expiry)[.]ts$' },
    },
    {
      name: 'dns-below-http',
      severity: 'error',
      comment: 'The DNS path never imports state stores, metrics, HTTP, the CLI or the composition root.',
      from: { path: '^src/dns/' },
      to: { path: '^src/(state|metrics|http|cli)/|^src/(main|snapshot-keeper|override-expiry)[.]ts$' },
    },
    {
      name: 'metrics-below-http',
      severity: 'error',
      from: { path: '^src/metrics/' },
      to: { path: '^src/(http|cli)/|^src/(main|snapshot-keeper|override-expiry)[.]ts$' },
    },
    {
      name: 'nothing-imports-cli',
      severity: 'error',
      comment: 'cli/ is the top: commands import the rest, never the other way round (main.ts included).',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    // typescript 7 has no JavaScript API: dependency-cruiser parses TypeScript with swc.
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/http/dashboard/' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
