// The token tree as an interactive graph (issue 20 item 9): from the core enterprise down to every part the person
// may see, each node with its status, holder and financing; expand and collapse, select a node to read it whole.
// Built as a WAI-ARIA tree (role tree / treeitem / group) in plain React: the keyboard works as screen readers
// expect (arrows move and open, Home/End, Enter selects), one node is in the tab order at a time, and a tree of
// 10,000 parts renders only what is open (two levels at first). Connectors are drawn by CSS (styles.css `.rtree`).
import { useMemo, useRef, useState, type KeyboardEvent } from 'react';

import type { Ctx } from '../ui';
import { labelOf, type Part } from './receivablesApi';
import { receivablesCode, type ReceivablesText } from './receivablesMessages';

/** The graph's nodes: the core enterprise (the token's issuer) on top, then the token's parts by parent. */
interface GraphNode {
  readonly id: string;
  readonly part: Part | null;
  readonly children: readonly string[];
  readonly depth: number;
}

const ISSUER_NODE = '(issuer)';

function graphOf(parts: readonly Part[]): Map<string, GraphNode> {
  const byParent = new Map<string | null, Part[]>();
  const ids = new Set(parts.map((p) => p.partId));
  for (const p of parts) {
    // A part whose parent the person may not see hangs under the core enterprise, not nowhere.
    const parent = p.parentId !== null && ids.has(p.parentId) ? p.parentId : null;
    const list = byParent.get(parent) ?? [];
    list.push(p);
    byParent.set(parent, list);
  }
  const nodes = new Map<string, GraphNode>();
  const add = (id: string, part: Part | null, depth: number): void => {
    const kids = (byParent.get(part === null ? null : part.partId) ?? []).sort((a, b) =>
      a.partId < b.partId ? -1 : 1,
    );
    nodes.set(id, { children: kids.map((k) => k.partId), depth, id, part });
    for (const k of kids) add(k.partId, k, depth + 1);
  };
  add(ISSUER_NODE, null, 0);
  return nodes;
}

export function TokenTreeGraph({
  ctx,
  r,
  parts,
  issuer,
  current,
  money,
}: {
  readonly ctx: Ctx;
  readonly r: ReceivablesText;
  readonly parts: readonly Part[];
  /** The core enterprise's label. */
  readonly issuer: string;
  /** The part the page is about: open down to it and selected at first. */
  readonly current: string;
  readonly money: (amountMinor: string, currency: string) => string;
}) {
  const nodes = useMemo(() => graphOf(parts), [parts]);
  const byId = useMemo(() => new Map(parts.map((p) => [p.partId, p])), [parts]);
  // Open at first: the core enterprise, the root, and the path down to the current part.
  const [open, setOpen] = useState<ReadonlySet<string>>(() => {
    const o = new Set<string>([ISSUER_NODE]);
    for (const p of parts) if (p.parentId === null) o.add(p.partId);
    for (let at = byId.get(current); at; at = at.parentId === null ? undefined : byId.get(at.parentId))
      if (at.partId !== current) o.add(at.partId);
    return o;
  });
  const [selected, setSelected] = useState<string>(byId.has(current) ? current : ISSUER_NODE);
  const [focused, setFocused] = useState<string>(selected);
  const refs = useRef(new Map<string, HTMLElement>());

  // The nodes as the keyboard walks them: every visible node, top to bottom.
  const visible: string[] = [];
  const walk = (id: string): void => {
    visible.push(id);
    if (open.has(id)) for (const c of nodes.get(id)?.children ?? []) walk(c);
  };
  walk(ISSUER_NODE);
  const parentOf = (id: string): string | undefined => {
    if (id === ISSUER_NODE) return undefined;
    const p = byId.get(id);
    return p?.parentId != null && nodes.has(p.parentId) ? p.parentId : ISSUER_NODE;
  };

  const toggle = (id: string, to?: boolean): void => {
    setOpen((o) => {
      const next = new Set(o);
      if (to ?? !next.has(id)) next.add(id);
      else next.delete(id);
      return next;
    });
  };
  const focus = (id: string): void => {
    setFocused(id);
    refs.current.get(id)?.focus();
  };
  const onKey = (e: KeyboardEvent, id: string): void => {
    const node = nodes.get(id);
    const i = visible.indexOf(id);
    const hasKids = (node?.children.length ?? 0) > 0;
    switch (e.key) {
      case 'ArrowDown': {
        const next = visible[i + 1];
        if (next !== undefined) focus(next);
        break;
      }
      case 'ArrowUp': {
        const prev = visible[i - 1];
        if (prev !== undefined) focus(prev);
        break;
      }
      case 'ArrowRight':
        if (hasKids && !open.has(id)) toggle(id, true);
        else if (hasKids && node) focus(node.children[0] ?? id);
        break;
      case 'ArrowLeft': {
        const parent = parentOf(id);
        if (hasKids && open.has(id)) toggle(id, false);
        else if (parent !== undefined) focus(parent);
        break;
      }
      case 'Home':
        focus(ISSUER_NODE);
        break;
      case 'End': {
        const last = visible.at(-1);
        if (last !== undefined) focus(last);
        break;
      }
      case 'Enter':
      case ' ':
        setSelected(id);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const render = (id: string) => {
    const node = nodes.get(id);
    if (!node) return null;
    const p = node.part;
    const hasKids = node.children.length > 0;
    const expanded = open.has(id);
    const title =
      p === null
        ? r('graphIssuer', { issuer })
        : `${p.partId} · ${money(p.amountMinor, p.currency)} · ${labelOf(p.holder)}`;
    return (
      <li
        key={id}
        role="treeitem"
        aria-level={node.depth + 1}
        aria-selected={selected === id}
        {...(hasKids ? { 'aria-expanded': expanded } : {})}
        tabIndex={focused === id ? 0 : -1}
        ref={(el) => {
          if (el) refs.current.set(id, el);
          else refs.current.delete(id);
        }}
        onKeyDown={(e) => {
          if (e.target === e.currentTarget) onKey(e, id);
        }}
        onFocus={(e) => {
          if (e.target === e.currentTarget) setFocused(id);
        }}
        onClick={(e) => {
          e.stopPropagation();
          setSelected(id);
          setFocused(id);
        }}
        data-node={id}
        className="rtree-item"
      >
        <span className={`rtree-node${selected === id ? ' rtree-selected' : ''}`}>
          {hasKids ? (
            <span
              className="rtree-toggle"
              aria-hidden="true"
              onClick={(e) => {
                e.stopPropagation();
                toggle(id);
                setFocused(id);
              }}
            >
              {expanded ? '−' : '+'}
            </span>
          ) : (
            <span className="rtree-toggle rtree-leaf" aria-hidden="true" />
          )}
          <span className="rtree-title">{title}</span>
          {p !== null && (
            <span className={`badge rtree-status rtree-${p.status.toLowerCase()}`}>
              {receivablesCode(ctx.locale, p.status)}
            </span>
          )}
          {p?.financing && (
            <span className="badge rtree-financed">{r('graphFinancedBy', { bank: labelOf(p.holder) })}</span>
          )}
          {hasKids && !expanded && (
            <span className="help rtree-count">{r('graphChildren', { n: node.children.length })}</span>
          )}
        </span>
        {hasKids && expanded && (
          <ul role="group" className="rtree-group">
            {node.children.map(render)}
          </ul>
        )}
      </li>
    );
  };

  const chosen = selected === ISSUER_NODE ? undefined : byId.get(selected);
  return (
    <div className="rtree-wrap" data-testid="receivables-graph">
      <p className="help">{r('graphHelp')}</p>
      <ul role="tree" aria-label={r('graphLabel')} className="rtree">
        {render(ISSUER_NODE)}
      </ul>
      <section
        aria-live="polite"
        aria-labelledby="rtree-details-title"
        className="rtree-details"
        data-testid="receivables-graph-details"
      >
        <h5 id="rtree-details-title">{r('graphDetails')}</h5>
        {chosen === undefined ? (
          <p>{r('graphIssuerDetails', { issuer, parts: parts.length })}</p>
        ) : (
          <dl>
            <dt>{r('part')}</dt>
            <dd className="mono">{chosen.partId}</dd>
            <dt>{r('parent')}</dt>
            <dd className="mono">{chosen.parentId ?? r('graphNoParent')}</dd>
            <dt>{r('holder')}</dt>
            <dd>{labelOf(chosen.holder)}</dd>
            <dt>{r('amount')}</dt>
            <dd>{money(chosen.amountMinor, chosen.currency)}</dd>
            <dt>{r('status')}</dt>
            <dd>{receivablesCode(ctx.locale, chosen.status)}</dd>
            <dt>{r('maturity')}</dt>
            <dd>{chosen.maturityDate}</dd>
            <dt>{r('trade')}</dt>
            <dd className="mono">{chosen.tradeId}</dd>
            <dt>{r('graphPaid')}</dt>
            <dd>{money(chosen.paidMinor, chosen.currency)}</dd>
            <dt>{r('graphFinancing')}</dt>
            <dd>
              {chosen.financing
                ? r('graphFinancingOf', {
                    bank: labelOf(chosen.holder),
                    from: labelOf(chosen.financing.from),
                  })
                : chosen.offer
                  ? r('graphOffered', { bank: chosen.offer.bank })
                  : r('graphNotFinanced')}
            </dd>
            <dt>{r('graphCreated')}</dt>
            <dd className="mono">{chosen.createdTxId}</dd>
          </dl>
        )}
      </section>
    </div>
  );
}
