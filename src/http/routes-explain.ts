import type { ServerContext } from './context.ts';
import { parseType } from '../zone/index.ts';
import { clientProblem, explain, nameProblem, ringClientOf, subnetProblem } from './explain-model.ts';
import type { HttpReply, RouteHandler } from './server.ts';

const PARAMS = new Set(['name', 'type', 'client', 'subnet']);

/**
 * `GET /explain?name=NAME[&type=TYPE][&client=IP][&subnet=CIDR]`: the decision trace for one query and the
 * answers the DNS path would send now, from the same resolver over the current snapshot
 * (src/http/explain-model.ts; shape in docs/http-api.md). `type` defaults to A. Bad or missing
 * parameters get 400 with the reason; a name outside our zones is not an error: its REFUSED
 * answer is explained.
 */
export function explainRoutes(ctx: ServerContext): [string, RouteHandler][] {
  const handler: RouteHandler = async (_request, url) => {
    for (const key of url.searchParams.keys()) {
      if (!PARAMS.has(key)) return bad(`unknown parameter "${key}" (expected name, type, client, subnet)`);
    }
    const name = url.searchParams.get('name');
    if (name === null) return bad('missing parameter "name", e.g. /explain?name=smtp.relay.example.com&type=A');
    const nameIssue = nameProblem(name);
    if (nameIssue) return bad(nameIssue);
    const typeText = url.searchParams.get('type') ?? 'A';
    const type = parseType(typeText);
    if (type === undefined) return bad(`unknown type "${typeText}" (use a mnemonic such as A, AAAA, MX, TXT, or TYPEnnn)`);
    const client = url.searchParams.get('client') ?? undefined;
    if (client !== undefined) {
      const clientIssue = clientProblem(client);
      if (clientIssue) return bad(clientIssue);
    }
    const subnet = url.searchParams.get('subnet') ?? undefined;
    if (subnet !== undefined) {
      const subnetIssue = subnetProblem(subnet);
      if (subnetIssue) return bad(subnetIssue);
    }
    const query = { name, type, ...(client === undefined ? {} : { client }), ...(subnet === undefined ? {} : { subnet }) };
    const snapshot = ctx.served?.() ?? ctx.keeper.current();
    // The ring of the client's view (zones with views cache one per view).
    const positions = (await ctx.ringPositions?.(name, type, snapshot.version, ringClientOf(query))) ?? [];
    return { status: 200, body: explain(query, snapshot, positions), headers: { 'cache-control': 'no-store' } };
  };
  return [['GET /explain', handler]];
}

function bad(error: string): HttpReply {
  return { status: 400, body: { error } };
}
