import {
  ATTACHMENT_MEDIA_TYPES,
  BREAK_STATUSES,
  RESOLUTION_KINDS,
} from '../../../chaincode/src/core/breakMachine';
import { ROOT_CAUSES } from '../../../chaincode/src/core/rootCause';
import { BREAK_REASONS } from '../../../chaincode/src/core/matching';
import { EXIT_CODES } from './cliErrors';
import { CLI_TLS_ENV, IDLE_TIMEOUT_MS_DEFAULT } from './cliHttp';
import { PASSWORD_ENV } from './cliSecret';
import { RECEIVABLES_HELP } from './commands/receivables';

/** The commands, in the order the overview lists them. */
export const COMMAND_NAMES = [
  'login',
  'logout',
  'post',
  'upload',
  'breaks',
  'break',
  'verify',
  'blacklist',
  'receivables',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

const EXIT_TEXT = `Exit codes:
  ${String(EXIT_CODES.ok)}    done
  ${String(EXIT_CODES.refused)}    refused: the node or the ledger said no (a 4xx answer such as FORBIDDEN or
       INVALID_TRANSITION, a ledger's 502, an internal error), or not logged in; verify: differences found
  ${String(EXIT_CODES.usage)}    usage: unknown command or option, a missing or bad argument, a file that cannot be
       read, a node certificate --ca does not vouch for; nothing was sent
  ${String(EXIT_CODES.unavailable)}    unavailable: connection refused or reset, no answer within --timeout, 503, 504,
       rate limited (429); the same command may succeed later
  ${String(EXIT_CODES.cancelled)}  cancelled at the password prompt (Ctrl-C)`;

const GLOBAL_TEXT = `Options of every command:
  --json            the answer as one JSON document on standard output; errors (and warnings) as JSON lines
                    on standard error: {"error":{"code","message","exitCode",...}}; no progress
  --session FILE    the session file (default ~/.tallystick/session.json, or TALLYSTICK_SESSION)
  --timeout SECONDS give up on a request silent this long (default ${String(IDLE_TIMEOUT_MS_DEFAULT / 1000)}): exit ${String(EXIT_CODES.unavailable)}
  --ca FILE         the CA of the node's TLS certificate (${CLI_TLS_ENV.ca}); default the system's roots
  --cert FILE --key FILE
                    a client certificate and its key, PEM (${CLI_TLS_ENV.cert}, ${CLI_TLS_ENV.key}); given at
                    login they are kept in the session (as paths); given later they replace them
  -h, --help        this command's help; the command does not run`;

export const CLI_USAGE = `tallystick — the command line of an institution node

Usage: tallystick COMMAND [ARGUMENTS] [OPTIONS]     tallystick COMMAND --help   for a command's help

Commands:
  login      log in to a node (password from a prompt, --password-stdin or ${PASSWORD_ENV}; or a client certificate)
  logout     end the session
  post       post legs from a JSON file, in batches (idempotent)
  upload     compare a statement (camt, MT940, CSV) with the ledger; post what is missing
  breaks     the queue of breaks
  break      a break: show it, open its case, its provenance, or take a step (assign, propose, …)
  verify     compare the node's index with the ledger
  blacklist  the shared blacklist: search, list, upload a file, watchlist and alerts, policy (identifiers on stdin)
  receivables  supply-chain receivable tokens: lists and trees from the index; trades, issue, split, transfer, financing, payment

${GLOBAL_TEXT}

${EXIT_TEXT}

Reference: docs/CLI.md`;

const BLACKLIST_HELP = `tallystick blacklist SUBCOMMAND [ARGUMENTS] [OPTIONS]

The shared blacklist (docs/BLACKLIST.md). An identifier is never an argument: it is read from the first line of
standard input (a prompt on a terminal), sent in a request body and hashed on the node:
  printf '%s\\n' "$ID" | tallystick blacklist search --type MOBILE --purpose FRAUD_INVESTIGATION

  join                              your institution joins the blacklist (admin)
  members                           the member institutions
  search --type T --purpose P [--consent-hash H --consent-expires DATE]
                                    a recorded query: the entries in force with provenance, how many
                                    institutions list the subject and in which categories
  report --type T --consent-hash H --consent-expires DATE
                                    the subject's report: entries and who looked (institution, purpose, day)
  list --type T --category C --severity LOW|MEDIUM|HIGH --indicators A,B --summary TEXT [--expires-on DATE]
                                    lists one entry (the same again: UNCHANGED)
  upload FILE.csv                   lists a file's entries (progress on standard error); refused lines by
                                    number, exit ${String(EXIT_CODES.refused)} when any line was refused (the good lines are listed)
  entry SUBJECT_KEY UPLOADER CATEGORY [--history]
                                    an entry (your institution's, or any for an auditor), or its versions
  query-log SUBJECT_KEY             every recorded query of a subject key (auditor)
  policy [--version N]              the policy in force (or version N)
  propose ID --file POLICY.json     proposes a whole policy (admin)
  proposal ID                       a proposal, its approvals and its status
  approve ID                        your institution's approval (approver); the majority's adopts
  watch --type T [--label L]        watches a customer (identifier on standard input); kept on your node only
  watch --file WATCH.csv            watches the lines of a CSV file with the header type,identifier,label
  watchlist [--limit N]             your institution's watches (no identifier: type, label, key versions)
  unwatch WATCH_ID                  stops watching
  alerts [--open] [--limit N]       alerts: another member listed, disputed or revoked a watched subject's entry
  ack ALERT_ID                      marks an alert as seen
  disputes --box against-us|opened-by-us|to-vote [--status S|OPEN] [--limit N]
                                    disputes of your entries, opened by you, or in a members' vote
  dispute DISPUTE_ID                a dispute: status, deadline (ledger day), votes and steps
  dispute-step DISPUTE_ID MAINTAIN --evidence-hash H | RETRACT | WITHDRAW | CONTEST | CLOSE | VOTE --vote REVOKE|UPHOLD
                                    a step of a dispute (the ledger checks who may take it)

${GLOBAL_TEXT}`;

const HELP: Record<CommandName, string> = {
  login: `tallystick login --node URL --user ID [--password-stdin]
tallystick login --node https://… --cert FILE --key FILE [--ca FILE] [--user ID [--password-stdin]]

Logs in and keeps the session in the session file (mode 0600).

The password is never needed on the command line. It is read, in this order, from:
  --password-stdin   the first line of standard input:  printf '%s\\n' "$PW" | tallystick login … --password-stdin
  ${PASSWORD_ENV}   the environment
  a prompt           on the terminal, typed without echo
--secret SECRET is still accepted but warned against: other users see it in ps, and it stays in the history.

With --cert and --key (a system on a node with mutual TLS) every request presents the certificate and no token
is kept; with --user as well, the login first provisions the node's signing credential for that identity.

  --node URL        the node (http://… or https://…)
  --user ID         the enrolment id (a person, or a system)
  --password-stdin  read the password from standard input

${GLOBAL_TEXT}`,
  logout: `tallystick logout

Ends the session at the node and removes the session file. Without a session it says so and succeeds.

${GLOBAL_TEXT}`,
  post: `tallystick post FILE.json [--batch N]

Posts the legs of FILE.json (a JSON array of legs, as POST /v1/legs/batch takes them) in batches of N
(1-1000, default 500), each batch one transaction, all or nothing. Posting is idempotent by legId: posting
the file again after a failure is safe (what was committed comes back UNCHANGED).

A refused batch names each bad leg by its position in the file (legs[350], counted from 0) and says how many
legs were committed before it; nothing after it is sent.

  --batch N   legs per transaction

${GLOBAL_TEXT}`,
  upload: `tallystick upload FILE --format camt|mt940|csv [--counterparty MSP] [--clearing MSP] [--post]

Compares a statement of my books with my legs on the ledger: what is only in my books, only on the ledger, or
different. Amounts are shown in major units with their currency (CNY 1.19).

  --format F          camt (camt.052/053/054), mt940 (MT940/MT950) or csv
  --counterparty MSP  the counterparty of the statement's payments: the report proposes legs for what is only
  --clearing MSP      in my books (with the clearing institution, for a route through one)
  --post              post the proposed legs

${GLOBAL_TEXT}`,
  breaks: `tallystick breaks [--reason R] [--status S] [--assignee A] [--currency C] [--counterparty MSP]
                  [--from DATE] [--to DATE] [--root-cause C] [--escalated] [--sort COLUMN] [--order asc|desc]
                  [--limit N] [--cursor C]

Lists the queue of breaks from the node's index (oldest first): break id, reason (/root cause once proposed),
status, age (~ at risk, ! past the service level, ESCALATED past its due date), my leg's amount (CNY 1.19) and
value date, the counterparties, the assignee.
With --status RESOLVED, closed breaks and how they were resolved (--json).

  --reason R          a break reason: ${BREAK_REASONS.join(', ')}
  --status S          a status: ${BREAK_STATUSES.join(', ')}
  --assignee A        me, none, or an enrolment id
  --currency C        my leg's currency
  --counterparty MSP  another party of the break
  --from, --to DATE   my leg's value date from, to (YYYY-MM-DD, included)
  --root-cause C      a root cause: ${ROOT_CAUSES.join(', ')}
  --escalated         only breaks past their due date (by the ledger's time)
  --sort COLUMN       a column of the queue (default age; a wrong one is refused with the list)
  --order asc|desc    the order
  --limit N           breaks per page (default 50)
  --cursor C          the next page (printed after a full page)

${GLOBAL_TEXT}`,
  break: `tallystick break show ID [--reference REF]
tallystick break open REFERENCE [--case CASE_ID] | CASE_ID | --case CASE_ID | --break ID [REFERENCE]
tallystick break provenance ID [--of break|case|leg]
tallystick break ID assign|propose|approve|accept|reject|resolve|comment|due [--assignee NAME] [--kind K]
                 [--root-cause C] [--due TIME] [--comment TEXT] [--reference REF] [--idempotency-key KEY]
tallystick break ID attach FILE [--type MEDIA] [--idempotency-key KEY]
tallystick break ID attachments
tallystick break ID attachment SHA256 --out FILE

  show        the break: reason, status, parties, assignee, proposal, timeline; comments are sealed unless
              --reference gives the payment reference (then they are opened, for the parties)
  open        a case with its legs in clear (amounts as CNY 1.19, dates, accounts) and its breaks with comments
              opened: by payment reference (--case picks one case of a reference declared on several routes),
              by case id (64 hex digits, or --case) or by a break of it (--break); without the reference the
              node supplies it when it holds it (a case with a leg of its institution)
  provenance  every committed version of the break (or --of case|leg: of a case id, or MSP:legId): version,
              time, transaction, block, signer
  a step      one workflow step, at most once per key: a node unreachable or unavailable (503) is retried
              under the same key; run again with the key it prints to finish an interrupted step
                --assignee NAME   assign: who takes the break (a reconciler or approver of your institution)
                --kind K          propose: the resolution, ${RESOLUTION_KINDS.join(', ')}
                --root-cause C    propose: why the break happened, ${ROOT_CAUSES.join(', ')}
                                  (a proposal needs --kind, --root-cause and --comment: the node names what is missing)
                --due TIME        due (approvers): the new due date, UTC ISO-8601 (2026-12-09T10:00:00Z); with --comment
                --comment TEXT    a comment (sealed for the parties: needs --reference)
                --reference REF   the payment reference
  attach      a file as evidence (a statement PDF, a screenshot, a SWIFT message; at most 10 MiB): it stays
              on your node, its SHA-256 goes on the ledger, its name sealed for the parties. --type is one of
              ${ATTACHMENT_MEDIA_TYPES.join(', ')} (default: from the file's extension)
  attachments the files attached to the break: name, size, type, who, when, SHA-256, whether your node holds it
  attachment  one file, written to --out FILE (never overwritten): your node fetches it from the attaching
              party's node when it does not hold it; the bytes are checked against the ledger's SHA-256

${GLOBAL_TEXT}`,
  verify: `tallystick verify

Compares the node's index with the ledger (cases, breaks, own legs). Exits 0 when they agree, ${String(EXIT_CODES.refused)} with the
differences listed otherwise. Needs the auditor or admin role.

${GLOBAL_TEXT}`,
  blacklist: BLACKLIST_HELP,
  receivables: `${RECEIVABLES_HELP}\n\n${GLOBAL_TEXT}`,
};

/** Each command's help ends with the exit codes in short (the overview, `tallystick help`, explains them). */
const EXIT_SHORT = `Exit codes: ${String(EXIT_CODES.ok)} done, ${String(EXIT_CODES.refused)} refused, ${String(EXIT_CODES.usage)} usage, ${String(EXIT_CODES.unavailable)} unavailable (try later), ${String(EXIT_CODES.cancelled)} cancelled; see tallystick help.`;

export function commandHelp(name: CommandName): string {
  return `${HELP[name]}\n\n${EXIT_SHORT}`;
}

export function isCommandName(name: string): name is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}
