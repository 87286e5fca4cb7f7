import type { ComponentChildren } from 'preact';
import { ApiError } from './api.js';
import { ago, fullTime } from './format.js';
import type { TaskStatus } from './types.js';

/** What a field's control takes to be tied to its label and message. */
export interface FieldAria {
  id: string;
  'aria-invalid'?: 'true' | undefined;
  'aria-describedby'?: string | undefined;
}

/**
 * A form field with its visible label and, when the server refused its value, the
 * server's message right below it, tied to the control (aria-describedby, aria-invalid).
 */
export function Field(props: { id: string; label: string; error?: string | undefined; hint?: string; children: (aria: FieldAria) => ComponentChildren }) {
  const described = [props.hint && `${props.id}-hint`, props.error && `${props.id}-error`].filter(Boolean).join(' ');
  return (
    <div class={props.error ? 'field field-invalid' : 'field'}>
      <label for={props.id}>{props.label}</label>
      {props.hint && (
        <span class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </span>
      )}
      {props.children({ id: props.id, 'aria-invalid': props.error ? 'true' : undefined, 'aria-describedby': described || undefined })}
      {props.error && (
        <span class="field-error" id={`${props.id}-error`}>
          {props.error}
        </span>
      )}
    </div>
  );
}

/** An error that belongs to no field: the server's message, announced. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const text = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  return (
    <p class="error-note" role="alert">
      {text}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return <p class="muted">Loading {what}…</p>;
}

const STATUS_CLASS: Record<string, string> = { done: 'ok', delivered: 'ok', ready: 'ok', failed: 'bad', cancelled: 'muted', queued: 'wait', paused: 'wait', 'in progress': 'busy', pending: 'wait', scheduled: 'wait' };

/** Modem states that mean it cannot work until someone acts. */
const MODEM_TROUBLE = /^(sim-|no-sim|disconnected|closed)/;

export function Badge({ value }: { value: string }) {
  const kind = STATUS_CLASS[value] ?? (MODEM_TROUBLE.test(value) ? 'bad' : 'warn');
  return <span class={`badge badge-${kind}`}>{value}</span>;
}

/** A task's status, "scheduled" when it waits for its sendAt. */
export function taskStatusLabel(task: { status: TaskStatus; sendAt?: string }, now = Date.now()): string {
  if (task.status === 'queued' && task.sendAt && new Date(task.sendAt).getTime() > now) return 'scheduled';
  return task.status;
}

/** A time shown relative ("5 min ago"), the full date on hover and to screen readers in the datetime attribute. */
export function Ago({ iso }: { iso: string | undefined }) {
  if (!iso) return null;
  return (
    <time dateTime={iso} title={fullTime(iso)}>
      {ago(iso)}
    </time>
  );
}

/** What a producer sees where an admin-only part would be. */
export function NeedsAdmin({ what }: { what: string }) {
  return (
    <p class="notice" role="note">
      {what} needs an admin token. Log in with an admin token to see it.
    </p>
  );
}

export function Page({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="page" aria-labelledby="page-title">
      <div class="page-head">
        <h1 id="page-title" tabIndex={-1}>
          {title}
        </h1>
        {actions}
      </div>
      {children}
    </section>
  );
}
