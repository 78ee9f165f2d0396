import { parseRoute, routeText, type RouteStop } from '../core/leg';

/**
 * Speed work around the core's route functions, kept out of the core (which stays free of state): a batch's
 * legs nearly always travel one route, and one leg's route is written in four places (its case id, the
 * service-level key, the case record, the change event). Both memos give exactly what the core's function
 * would compute again, so the chaincode stays deterministic. Measured in docs/PERFORMANCE-NOTES.md.
 */

/**
 * routeText of the route array asked for last, kept: a leg's route is asked for its text several times in a row
 * (case id, service-level key, case record, event), and the legs of a batch share one array (batchRouteParser).
 * Routes are readonly everywhere and never changed after parsing, so the text kept for an array is what
 * routeText would give again. One entry, compared by identity: a WeakMap of every route would cost V8's
 * collector more than the texts it saves.
 */
let lastRoute: readonly RouteStop[] | undefined;
let lastText = '';

export function textOfRoute(route: readonly RouteStop[]): string {
  if (route !== lastRoute) {
    lastText = routeText(route);
    lastRoute = route;
  }
  return lastText;
}

/**
 * A parseRoute for one transaction's batch: a route listed with the same stops in the same order as the last
 * one parsed is that route again (the same array, so textOfRoute finds its text too). Anything else is parsed
 * and checked afresh, with the core's errors.
 */
export function batchRouteParser(): (value: unknown, field: string) => RouteStop[] {
  let lastInput: readonly { readonly mspId: unknown; readonly role: unknown }[] = [];
  let lastRoute: RouteStop[] = [];
  return (value, field) => {
    if (Array.isArray(value) && sameStops(value, lastInput)) return lastRoute;
    const route = parseRoute(value, field);
    // Only a parsed array of plain stops gets here; its stops are copied, as the caller may change its input.
    lastInput = (value as { mspId: unknown; role: unknown }[]).map((s) => ({ mspId: s.mspId, role: s.role }));
    lastRoute = route;
    return route;
  };
}

function sameStops(
  stops: readonly unknown[],
  last: readonly { readonly mspId: unknown; readonly role: unknown }[],
): boolean {
  if (last.length === 0 || stops.length !== last.length) return false;
  for (let i = 0; i < stops.length; i++) {
    const s: unknown = stops[i];
    const l = last[i] as { readonly mspId: unknown; readonly role: unknown };
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return false;
    const stop = s as Record<string, unknown>;
    // parseRoute reads a stop's mspId and role only: equal ones give an equal route.
    if (stop.mspId !== l.mspId || stop.role !== l.role) return false;
  }
  return true;
}
