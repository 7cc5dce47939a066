/**
 * http/'s public entry: the listener and its routes for the composition root, and the pure
 * documents the CLI renders (`/status`, `/explain`, admin member views).
 */
export { DEFAULT_HTTP_MAX_CONNECTIONS, startHttp, type HttpListener, type HttpOptions, type HttpReply, type RouteHandler, type Routes } from './server.ts';
export { allRoutes } from './routes.ts';
export type { ServerContext } from './context.ts';
export { AdminAuth } from './auth.ts';
export { AnswerShares, coarseClock, type MemberShare, type SharesReport } from './shares.ts';
export { clientProblem, nameProblem, subnetProblem, type ExplainDocument } from './explain-model.ts';
export type { FamilyStatus, LastProbe, MemberStatus, NameStatus, PoolStatus, StatusDocument, ZoneStatus } from './status-model.ts';
export type { MemberView, OverrideView, WeightView } from './admin-view.ts';
export type { WarmUpView } from './status-shaping.ts';
