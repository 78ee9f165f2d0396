import { readFile } from 'node:fs/promises';

import { parse } from 'csv-parse/sync';

import type {
  BlacklistBulkReport,
  BlacklistDispute,
  BlacklistDisputeAnswer,
  BlacklistEntryView,
  BlacklistMember,
  BlacklistPolicyVersion,
  BlacklistProposal,
  BlacklistProposalStep,
  BlacklistQueryAnswer,
  BlacklistSubjectReportAnswer,
  BlacklistUploadAnswer,
} from '../../http/apiTypes';
import type {
  BlacklistAlertsT,
  BlacklistAlertT,
  BlacklistDisputeListT,
  BlacklistWatchAddedT,
  BlacklistWatchlistT,
} from '../../http/routes/blacklistWatchShapes';
import { intOption, parseCommand } from '../cliArgs';
import type { CommandContext, Outcome } from '../cliContext';
import { usageError } from '../cliErrors';
import { table } from '../cliFormat';
import { request } from '../cliSession';
import { fileUpload } from '../cliUpload';

/**
 * `tallystick blacklist …`: the shared blacklist through the node's /v1/blacklist routes (docs/BLACKLIST.md).
 * An identifier is never an argument (the shell keeps its history and `ps` shows arguments to other users): it is
 * read from the first line of standard input (a prompt on a terminal), sent in a request body, hashed on the node.
 */

export const BLACKLIST_OPTIONS = {
  type: { type: 'string' },
  purpose: { type: 'string' },
  'consent-hash': { type: 'string' },
  'consent-expires': { type: 'string' },
  category: { type: 'string' },
  severity: { type: 'string' },
  indicators: { type: 'string' },
  summary: { type: 'string' },
  'expires-on': { type: 'string' },
  label: { type: 'string' },
  file: { type: 'string' },
  version: { type: 'string' },
  open: { type: 'boolean', default: false },
  history: { type: 'boolean', default: false },
  limit: { type: 'string' },
  box: { type: 'string' },
  status: { type: 'string' },
  'evidence-hash': { type: 'string' },
  vote: { type: 'string' },
} as const;

export const BLACKLIST_SUBCOMMANDS = [
  'join',
  'members',
  'search',
  'report',
  'list',
  'upload',
  'entry',
  'query-log',
  'policy',
  'propose',
  'proposal',
  'approve',
  'watch',
  'watchlist',
  'unwatch',
  'alerts',
  'ack',
  'disputes',
  'dispute',
  'dispute-step',
] as const;
type Sub = (typeof BLACKLIST_SUBCOMMANDS)[number];

type Values = ReturnType<typeof parseCommand<typeof BLACKLIST_OPTIONS>>['values'];

const need = (values: Values, name: keyof typeof BLACKLIST_OPTIONS, sub: string): string => {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw usageError(`blacklist ${sub} needs --${name}`);
  return v;
};

/** The identifier: the first line of standard input (a prompt on a terminal); never an argument. */
async function identifierFrom(ctx: CommandContext): Promise<string> {
  const stdin = ctx.io.stdin;
  if (stdin === undefined) throw usageError('the identifier is read from standard input: there is none');
  if (stdin.isTTY === true) ctx.io.err('identifier: ');
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (/[\r\n]/.test(text)) break;
  }
  const line = (text.split(/\r?\n|\r/)[0] ?? '').trim();
  if (line === '')
    throw usageError(
      'the identifier is read from the first line of standard input (printf "%s\\n" "$ID" | tallystick blacklist …); it was empty',
      'IDENTIFIER_REQUIRED',
    );
  return line;
}

function consentOf(values: Values): { hash: string; expiresOn: string } | undefined {
  const hash = values['consent-hash'];
  const expiresOn = values['consent-expires'];
  if (hash === undefined && expiresOn === undefined) return undefined;
  if (hash === undefined || expiresOn === undefined)
    throw usageError('a consent is --consent-hash HASH and --consent-expires YYYY-MM-DD, both');
  return { hash, expiresOn };
}

function hitLines(r: BlacklistQueryAnswer['result']): string[] {
  const cv = r.crossValidation;
  return [
    `${String(r.entries.length)} entries in force; listed by ${String(cv.institutions)} institution(s)${cv.categories.length > 0 ? ` in ${cv.categories.join(', ')}` : ''}`,
    ...(r.entries.length === 0
      ? []
      : table([
          ['UPLOADER', 'CATEGORY', 'SEVERITY', 'STATUS', 'LISTED', 'EXPIRES', 'TRANSACTION'],
          ...r.entries.map((e) => [
            e.uploader,
            e.category,
            e.severity,
            e.status,
            e.listedAt.slice(0, 10),
            e.expiresOn,
            e.txId,
          ]),
        ]).map((l) => `  ${l}`)),
  ];
}

async function search(ctx: CommandContext, values: Values): Promise<Outcome> {
  const type = need(values, 'type', 'search');
  const purpose = need(values, 'purpose', 'search');
  const consent = consentOf(values);
  const identifier = await identifierFrom(ctx);
  const s = await ctx.session();
  const r = await request<BlacklistQueryAnswer>(s, 'POST', '/v1/blacklist/queries', {
    type,
    identifier,
    purpose,
    ...(consent ? { consent } : {}),
  });
  return {
    json: r,
    lines: [`recorded query ${r.txId} (block ${r.blockNumber})`, ...hitLines(r.result)],
  };
}

async function report(ctx: CommandContext, values: Values): Promise<Outcome> {
  const type = need(values, 'type', 'report');
  const consent = consentOf(values);
  if (consent === undefined)
    throw usageError(
      "blacklist report needs the subject's signed request as the consent: --consent-hash and --consent-expires",
    );
  const identifier = await identifierFrom(ctx);
  const s = await ctx.session();
  const r = await request<BlacklistSubjectReportAnswer>(s, 'POST', '/v1/blacklist/subject-reports', {
    type,
    identifier,
    consent,
  });
  const looks = r.result.looks;
  return {
    json: r,
    lines: [
      `recorded report ${r.txId} (block ${r.blockNumber})`,
      ...hitLines(r.result),
      `${String(looks.length)} earlier look(s):`,
      ...table([
        ['DAY', 'INSTITUTION', 'PURPOSE'],
        ...looks.map((l) => [l.on, l.institution, l.purpose]),
      ]).map((l) => `  ${l}`),
    ],
  };
}

async function list(ctx: CommandContext, values: Values): Promise<Outcome> {
  const body = {
    type: need(values, 'type', 'list'),
    category: need(values, 'category', 'list'),
    severity: need(values, 'severity', 'list'),
    indicators: need(values, 'indicators', 'list')
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== ''),
    summary: need(values, 'summary', 'list'),
    ...(values['expires-on'] === undefined ? {} : { expiresOn: values['expires-on'] }),
  };
  const identifier = await identifierFrom(ctx);
  const s = await ctx.session();
  const r = await request<BlacklistUploadAnswer>(s, 'POST', '/v1/blacklist/entries', { ...body, identifier });
  return {
    json: r,
    lines: r.result.map(
      (e) =>
        `${e.outcome} ${e.category} by ${e.uploader}, subject key ${e.subjectKey} (transaction ${e.txId}, block ${r.blockNumber})`,
    ),
  };
}

async function upload(ctx: CommandContext, file: string | undefined): Promise<Outcome> {
  if (file === undefined) throw usageError('blacklist upload needs a CSV file');
  const { session: s, body: stream } = await fileUpload(ctx, file);
  const r = await request<BlacklistBulkReport>(s, 'POST', '/v1/blacklist/entries/bulk', stream, {
    'content-type': 'text/csv',
  });
  return {
    json: r,
    lines: [
      `${String(r.lines)} lines: ${String(r.listed)} listed, ${String(r.unchanged)} unchanged, ${String(r.refused.length)} refused`,
      ...r.refused.map((x) => `  line ${String(x.line)}: ${x.code} ${x.message}`),
    ],
    // A file with refused lines is a finding: its good lines are posted, the script should look at the rest.
    ...(r.refused.length > 0 ? { exitCode: 1 } : {}),
  };
}

const WATCH_COLUMNS = ['type', 'identifier', 'label'];

async function watch(ctx: CommandContext, values: Values): Promise<Outcome> {
  let items: { type: string; identifier: string; label?: string }[];
  if (values.file !== undefined) {
    let text: string;
    try {
      text = await readFile(values.file, 'utf8');
    } catch (e) {
      throw usageError(
        `cannot read ${values.file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
        'FILE_UNREADABLE',
      );
    }
    let rows: Record<string, string>[];
    try {
      rows = parse<Record<string, string>>(text, { columns: true, skip_empty_lines: true, trim: true });
    } catch {
      throw usageError(
        `${values.file} is not a CSV file with the header ${WATCH_COLUMNS.join(',')}`,
        'INVALID_CSV',
      );
    }
    const unknown = Object.keys(rows[0] ?? {}).filter((c) => !WATCH_COLUMNS.includes(c));
    if (unknown.length > 0)
      throw usageError(`${values.file}: unknown column(s) ${unknown.join(', ')}`, 'INVALID_CSV');
    items = rows.map((r) => ({
      type: r.type ?? '',
      identifier: r.identifier ?? '',
      ...(r.label ? { label: r.label } : {}),
    }));
    if (items.length === 0) throw usageError(`${values.file} holds no line`, 'INVALID_CSV');
  } else
    items = [
      {
        type: need(values, 'type', 'watch'),
        identifier: await identifierFrom(ctx),
        ...(values.label === undefined ? {} : { label: values.label }),
      },
    ];
  const s = await ctx.session();
  const answers: BlacklistWatchAddedT[] = [];
  // The node takes up to 1,000 a request.
  for (let i = 0; i < items.length; i += 1_000)
    answers.push(
      await request<BlacklistWatchAddedT>(s, 'POST', '/v1/blacklist/watchlist', {
        items: items.slice(i, i + 1_000),
      }),
    );
  const all = answers.flatMap((a) => a.items);
  const added = all.filter((a) => a.outcome === 'ADDED').length;
  return {
    json: { added, unchanged: all.length - added, items: all },
    lines: [
      `${String(added)} watched, ${String(all.length - added)} already watched`,
      ...all.map((a) => `  ${a.watchId} ${a.outcome}`),
    ],
  };
}

const alertLine = (a: BlacklistAlertT): string[] => [
  a.alertId,
  a.at.slice(0, 16).replace('T', ' '),
  a.label ?? '-',
  a.subjectType ?? '-',
  a.uploader,
  a.category,
  a.status,
  a.acknowledgedBy ?? '',
];

export async function blacklist(ctx: CommandContext, argv: readonly string[]): Promise<Outcome> {
  const { values, positionals } = parseCommand('blacklist', argv, BLACKLIST_OPTIONS);
  const [sub, ...args] = positionals;
  if (sub === undefined || !(BLACKLIST_SUBCOMMANDS as readonly string[]).includes(sub))
    throw usageError(
      `blacklist needs a subcommand: ${BLACKLIST_SUBCOMMANDS.join(', ')} (see tallystick blacklist --help)`,
    );
  const arg = (i: number, what: string): string => {
    const v = args[i];
    if (v === undefined) throw usageError(`blacklist ${sub} needs ${what}`);
    return v;
  };
  const enc = encodeURIComponent;
  // An identifier typed as an argument is already in the shell's history; at least it goes no further.
  if (['search', 'report', 'list', 'watch'].includes(sub) && args.length > 0)
    throw usageError(
      `blacklist ${sub} takes no argument: the identifier is read from standard input, never from the command line (it would stay in the shell's history and show in ps); nothing was sent`,
    );
  switch (sub as Sub) {
    case 'join': {
      const s = await ctx.session();
      const r = await request<{ txId: string; result: { outcome: string; member: BlacklistMember } }>(
        s,
        'POST',
        '/v1/blacklist/join',
      );
      return { json: r, lines: [`${r.result.outcome}: ${r.result.member.mspId} (transaction ${r.txId})`] };
    }
    case 'members': {
      const s = await ctx.session();
      const r = await request<BlacklistMember[]>(s, 'GET', '/v1/blacklist/members');
      return {
        json: r,
        lines: table([['MEMBER', 'JOINED', 'BY'], ...r.map((m) => [m.mspId, m.joinedAt.slice(0, 10), m.by])]),
      };
    }
    case 'search':
      return search(ctx, values);
    case 'report':
      return report(ctx, values);
    case 'list':
      return list(ctx, values);
    case 'upload':
      return upload(ctx, args[0]);
    case 'entry': {
      const path = `/v1/blacklist/entries/${enc(arg(0, 'SUBJECT_KEY'))}/${enc(arg(1, 'UPLOADER'))}/${enc(arg(2, 'CATEGORY'))}`;
      const s = await ctx.session();
      if (values.history) {
        const r = await request<{ txId: string; timestamp: string; isDelete: boolean; value: unknown }[]>(
          s,
          'GET',
          `${path}/history`,
        );
        return {
          json: r,
          lines: table([
            ['TIME', 'TRANSACTION', 'STATUS'],
            ...r.map((v) => [
              v.timestamp,
              v.txId,
              v.isDelete ? 'deleted' : ((v.value as { status?: string } | null)?.status ?? ''),
            ]),
          ]),
        };
      }
      const r = await request<BlacklistEntryView>(s, 'GET', path);
      return {
        json: r,
        lines: [
          `${r.entry.category} by ${r.entry.uploader}: ${r.status}`,
          ...Object.entries(r.entry).map(
            ([k, v]) => `  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`,
          ),
        ],
      };
    }
    case 'query-log': {
      const s = await ctx.session();
      const r = await request<
        {
          queryId: string;
          at: string;
          querier: { mspId: string; name: string };
          purpose: string;
          hits: number;
        }[]
      >(s, 'GET', `/v1/blacklist/query-log/${enc(arg(0, 'SUBJECT_KEY'))}`);
      return {
        json: r,
        lines: table([
          ['TIME', 'INSTITUTION', 'PERSON', 'PURPOSE', 'HITS', 'QUERY'],
          ...r.map((q) => [q.at, q.querier.mspId, q.querier.name, q.purpose, String(q.hits), q.queryId]),
        ]),
      };
    }
    case 'policy': {
      const s = await ctx.session();
      const version =
        values.version === undefined
          ? ''
          : `?version=${String(intOption('version', values.version, 1, 2_147_483_647))}`;
      const r = await request<BlacklistPolicyVersion>(s, 'GET', `/v1/blacklist/policy${version}`);
      return {
        json: r,
        lines: [
          `policy version ${String(r.version)}`,
          ...table([
            ['CATEGORY', 'INDICATORS MIN', 'LISTING DAYS MAX'],
            ...Object.entries(r.policy.categories).map(([c, v]) => [
              c,
              String(v.indicatorsMin),
              String(v.listingDaysMax),
            ]),
          ]).map((l) => `  ${l}`),
          `  indicators: ${r.policy.indicators.join(', ')}`,
          `  purposes: ${r.policy.purposes.join(', ')} (exempt: ${r.policy.exemptPurposes.join(', ')})`,
        ],
      };
    }
    case 'propose': {
      const id = arg(0, 'a PROPOSAL_ID');
      const file = need(values, 'file', 'propose');
      let policy: unknown;
      try {
        policy = JSON.parse(await readFile(file, 'utf8'));
      } catch (e) {
        throw usageError(
          `cannot read ${file} as JSON (${e instanceof SyntaxError ? 'not JSON' : ((e as NodeJS.ErrnoException).code ?? 'error')})`,
          e instanceof SyntaxError ? 'INVALID_JSON' : 'FILE_UNREADABLE',
        );
      }
      const s = await ctx.session();
      const r = await request<BlacklistProposalStep>(s, 'POST', '/v1/blacklist/policy/proposals', {
        proposalId: id,
        policy,
      });
      return { json: r, lines: [`${r.result.outcome}: proposal ${id} (transaction ${r.txId})`] };
    }
    case 'proposal': {
      const s = await ctx.session();
      const r = await request<BlacklistProposal>(
        s,
        'GET',
        `/v1/blacklist/policy/proposals/${enc(arg(0, 'a PROPOSAL_ID'))}`,
      );
      return {
        json: r,
        lines: [
          `proposal ${r.proposal.proposalId}: ${r.status}, against version ${String(r.proposal.baseVersion)}, by ${r.proposal.proposedBy.mspId}`,
          `  approvals: ${r.proposal.approvals.map((a) => a.mspId).join(', ') || 'none'}`,
        ],
      };
    }
    case 'approve': {
      const id = arg(0, 'a PROPOSAL_ID');
      const s = await ctx.session();
      const r = await request<BlacklistProposalStep>(
        s,
        'POST',
        `/v1/blacklist/policy/proposals/${enc(id)}/approve`,
      );
      return {
        json: r,
        lines: [
          `${r.result.outcome}: proposal ${id}${r.result.version === null ? '' : `, now policy version ${String(r.result.version.version)}`} (transaction ${r.txId})`,
        ],
      };
    }
    case 'watch':
      return watch(ctx, values);
    case 'watchlist': {
      const s = await ctx.session();
      const limit = values.limit === undefined ? 100 : intOption('limit', values.limit, 1, 500);
      const r = await request<BlacklistWatchlistT>(
        s,
        'GET',
        `/v1/blacklist/watchlist?limit=${String(limit)}`,
      );
      return {
        json: r,
        lines: [
          `${String(r.total)} watched`,
          ...table([
            ['WATCH', 'TYPE', 'LABEL', 'KEY VERSIONS', 'ADDED', 'BY'],
            ...r.items.map((w) => [
              w.watchId,
              w.type,
              w.label ?? '-',
              w.keyVersions.join(','),
              w.addedAt.slice(0, 10),
              w.addedBy,
            ]),
          ]),
        ],
      };
    }
    case 'unwatch': {
      const id = arg(0, 'a WATCH_ID');
      const s = await ctx.session();
      await request(s, 'DELETE', `/v1/blacklist/watchlist/${enc(id)}`);
      return { json: { watchId: id, removed: true }, lines: [`${id} no longer watched`] };
    }
    case 'alerts': {
      const s = await ctx.session();
      const limit = values.limit === undefined ? 100 : intOption('limit', values.limit, 1, 500);
      const r = await request<BlacklistAlertsT>(
        s,
        'GET',
        `/v1/blacklist/alerts?limit=${String(limit)}${values.open ? '&open=true' : ''}`,
      );
      return {
        json: r,
        lines: [
          `${String(r.open)} open alert(s)`,
          ...(r.items.length === 0
            ? []
            : table([
                ['ALERT', 'AT', 'LABEL', 'TYPE', 'UPLOADER', 'CATEGORY', 'STATUS', 'SEEN BY'],
                ...r.items.map(alertLine),
              ])),
        ],
      };
    }
    case 'disputes': {
      const s = await ctx.session();
      const limit = values.limit === undefined ? 100 : intOption('limit', values.limit, 1, 500);
      const status = values.status === undefined ? '' : `&status=${enc(values.status)}`;
      const r = await request<BlacklistDisputeListT>(
        s,
        'GET',
        `/v1/blacklist/disputes?box=${enc(need(values, 'box', 'disputes'))}${status}&limit=${String(limit)}`,
      );
      return {
        json: r,
        lines: [
          `${String(r.total)} dispute(s)`,
          ...(r.items.length === 0
            ? []
            : table([
                ['DISPUTE', 'UPLOADER', 'DISPUTER', 'CATEGORY', 'STATUS', 'DEADLINE', 'SUBJECT KEY'],
                ...r.items.map((d) => [
                  d.disputeId,
                  d.uploader,
                  d.disputer,
                  d.category,
                  d.status,
                  d.deadline ?? '-',
                  d.subjectKey,
                ]),
              ])),
        ],
      };
    }
    case 'dispute': {
      const s = await ctx.session();
      const r = await request<BlacklistDispute>(
        s,
        'GET',
        `/v1/blacklist/disputes/${enc(arg(0, 'a DISPUTE_ID'))}`,
      );
      return {
        json: r,
        lines: [
          `dispute ${r.disputeId}: ${r.status}${r.deadline === null ? '' : ` until ${r.deadline} (ledger day)`}, ${r.category} by ${r.uploader}, opened by ${r.disputer.mspId}`,
          `  ${r.openedAt} OPEN by ${r.disputer.mspId} (${r.disputer.name})`,
          `  votes: ${r.votes.map((v) => `${v.mspId} ${v.choice}`).join(', ') || 'none'}`,
          ...r.steps.map((st) => `  ${st.at} ${st.action} by ${st.by} (${st.name}) -> ${st.status}`),
        ],
      };
    }
    case 'dispute-step': {
      const id = arg(0, 'a DISPUTE_ID');
      const action = arg(1, 'an ACTION (MAINTAIN, RETRACT, WITHDRAW, CONTEST, VOTE or CLOSE)');
      const body = {
        action,
        ...(action === 'MAINTAIN'
          ? { evidenceHash: need(values, 'evidence-hash', 'dispute-step MAINTAIN') }
          : {}),
        ...(action === 'VOTE' ? { vote: need(values, 'vote', 'dispute-step VOTE') } : {}),
      };
      const s = await ctx.session();
      const r = await request<BlacklistDisputeAnswer>(
        s,
        'POST',
        `/v1/blacklist/disputes/${enc(id)}/steps`,
        body,
      );
      return {
        json: r,
        lines: [`${r.result.outcome}: dispute ${id} ${r.result.dispute.status} (transaction ${r.txId})`],
      };
    }
    case 'ack': {
      const s = await ctx.session();
      const r = await request<BlacklistAlertT>(
        s,
        'POST',
        `/v1/blacklist/alerts/${enc(arg(0, 'an ALERT_ID'))}/acknowledge`,
      );
      return { json: r, lines: [`alert ${r.alertId} seen by ${r.acknowledgedBy ?? '?'}`] };
    }
  }
}
