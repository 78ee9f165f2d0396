import { useCallback, useEffect, useId, useState, type SyntheticEvent } from 'react';

import { ApiFailure, call, download, upload, type BreakAttachment, type BreakAttachments } from './api';
import { formatDateTime } from './format';
import { codeLabel, institutionName, type Translate } from './i18n';
import { ErrorBox, message, type Ctx } from './ui';
import { ATTACHMENT_MEDIA_TYPES } from '../../../chaincode/src/core/breakMachine';
import { LIMITS } from '../../../chaincode/src/core/limits';

/** A size as people read it, in their language. */
export function sizeText(t: Translate, bytes: number): string {
  if (bytes < 1024) return t('bytesB', { n: bytes });
  if (bytes < 1024 * 1024) return t('bytesKiB', { n: bytes / 1024 });
  return t('bytesMiB', { n: bytes / 1024 / 1024 });
}

/**
 * A break's attachments (issue 21 item 3): the files attached as evidence, from the break's timeline on the
 * ledger; a file picker for the staff of a party (the size shown before it is sent, a file over the limit or of
 * a type the node refuses named at once); each file downloaded through the node, which checks it against the
 * ledger's hash and fetches it from the attaching party's node when it does not hold it.
 */
export function Attachments({
  ctx,
  breakId,
  canAttach,
  changed,
}: {
  readonly ctx: Ctx;
  readonly breakId: string;
  /** The core allows this person ATTACH on the break now (a reconciler or approver of a party, not resolved). */
  readonly canAttach: boolean;
  /** Changes when the break changed (the live stream): the list is read again. */
  readonly changed: unknown;
}) {
  const { t, locale, timeZone } = ctx;
  const inputId = useId();
  const [items, setItems] = useState<readonly BreakAttachment[]>();
  const [file, setFile] = useState<File>();
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);
  // Bumped once a file is attached: the picker is made afresh, empty.
  const [picker, setPicker] = useState(0);
  const path = `/v1/breaks/${encodeURIComponent(breakId)}/attachments`;

  const load = useCallback(() => {
    call<BreakAttachments>('GET', path)
      .then((r) => {
        setItems(r.items);
      })
      .catch((err: unknown) => {
        setError(message(err, locale));
      });
  }, [path, locale]);
  useEffect(load, [load, changed]);

  // What is wrong with the chosen file before it is sent (the node refuses the same, with its code).
  const problem =
    file === undefined
      ? undefined
      : file.size > LIMITS.attachmentBytesMax
        ? t('attachmentTooLargeHere', { size: sizeText(t, file.size) })
        : !(ATTACHMENT_MEDIA_TYPES as readonly string[]).includes(file.type)
          ? t('attachmentTypeRefusedHere')
          : file.size === 0
            ? t('attachmentEmpty')
            : undefined;

  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    if (file === undefined || problem !== undefined) return;
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    upload(path, file, file.type, {
      'attachment-name': encodeURIComponent(file.name),
      // One key per attempt of this file: a retry after a lost answer does not attach it twice.
      'idempotency-key': `console-${crypto.randomUUID()}`,
    })
      .then(() => {
        setDone(t('attachmentAttached', { name: file.name }));
        setFile(undefined);
        setPicker((n) => n + 1);
        load();
      })
      .catch((err: unknown) => {
        setError(message(err, locale));
      })
      .finally(() => {
        setBusy(false);
      });
  };

  const fetchFile = (a: BreakAttachment) => {
    setError(undefined);
    download(`${path}/${a.sha256}`, a.name ?? a.sha256).catch((err: unknown) => {
      setError(err instanceof ApiFailure ? message(err, locale) : String(err));
    });
  };

  return (
    <section aria-labelledby={`${inputId}-title`} data-testid="attachments">
      <h3 id={`${inputId}-title`}>{t('attachments')}</h3>
      <p className="help">{t('attachmentsHelp')}</p>
      <ErrorBox error={error} />
      {done && (
        <p role="status" className="notice">
          {done}
        </p>
      )}
      {items !== undefined && items.length === 0 && <p>{t('attachmentsNone')}</p>}
      {items !== undefined && items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('attachmentName')}</th>
              <th scope="col">{t('attachmentSize')}</th>
              <th scope="col">{t('attachmentType')}</th>
              <th scope="col">{t('attachedBy')}</th>
              <th scope="col">{t('attachedAt')}</th>
              <th scope="col">
                <span className="sr-only">{t('downloadAttachment')}</span>
              </th>
            </tr>
          </thead>
          <tbody data-testid="attachment-list">
            {items.map((a) => (
              <tr key={a.sha256}>
                <td className="mono" title={`SHA-256 ${a.sha256}`}>
                  {a.name ?? <em className="help">{t('attachmentNameSealed')}</em>}
                </td>
                <td>{sizeText(t, a.size)}</td>
                <td>{codeLabel(locale, a.mediaType)}</td>
                <td>
                  {a.attachedBy === null
                    ? '—'
                    : `${a.attachedBy.name} (${institutionName(locale, a.attachedBy.mspId)})`}
                </td>
                <td>{formatDateTime(locale, timeZone, a.attachedAt)}</td>
                <td>
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => {
                      fetchFile(a);
                    }}
                    aria-label={`${t('downloadAttachment')} ${a.name ?? a.sha256}`}
                  >
                    {t('downloadAttachment')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canAttach && (
        <form onSubmit={submit} className="inline-form">
          <label htmlFor={inputId}>{t('attachmentFile')}</label>
          <input
            key={picker}
            id={inputId}
            type="file"
            accept={ATTACHMENT_MEDIA_TYPES.join(',')}
            onChange={(e) => {
              setDone(undefined);
              setFile(e.currentTarget.files?.[0]);
            }}
          />
          {file && (
            <span className="help" data-testid="attachment-chosen">
              {t('attachmentChosen', { name: file.name, size: sizeText(t, file.size) })}
            </span>
          )}
          {problem && (
            <span role="alert" className="error">
              {problem}
            </span>
          )}
          <button type="submit" disabled={busy || file === undefined || problem !== undefined}>
            {t('attach')}
          </button>
        </form>
      )}
    </section>
  );
}
