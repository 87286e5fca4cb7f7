import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import { ENCODING_NAMES, localInputToIso } from './format.js';
import { useDebounced } from './hooks.js';
import { href } from './router.js';
import { TaskTracker } from './task-tracker.js';
import type { DryRun, Task } from './types.js';
import { ErrorNote, Field, Page } from './ui.js';

type FieldName = 'to' | 'msg' | 'sendAt' | 'validUntil';
type FieldErrors = Partial<Record<FieldName, string>>;

const FIELDS: FieldName[] = ['to', 'msg', 'sendAt', 'validUntil'];

/** The field a refusal names, when it is one of this form's. */
export function fieldOf(err: unknown): FieldName | undefined {
  return err instanceof ApiError && FIELDS.includes(err.field as FieldName) ? (err.field as FieldName) : undefined;
}

export function SendPage() {
  const [to, setTo] = useState('');
  const [msg, setMsg] = useState('');
  const [sendAt, setSendAt] = useState('');
  const [validUntil, setValidUntil] = useState('');
  const [toTouched, setToTouched] = useState(false);
  const [count, setCount] = useState<DryRun | undefined>(undefined);
  /** Why there is no count: the dry run needs a valid number too. */
  const [countBlocked, setCountBlocked] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<Task | undefined>(undefined);

  const fields = () => ({ to: to.trim(), msg, ...(sendAt && { sendAt: localInputToIso(sendAt) }), ...(validUntil && { validUntil: localInputToIso(validUntil) }) });

  // The counter is the server's answer to a dry run of exactly what would be sent.
  const countNow = useDebounced(() => {
    if (msg === '') return setCount(undefined);
    api.dryRun(fields()).then(
      (d) => {
        setCount(d);
        setCountBlocked(false);
        setErrors({});
      },
      (err: unknown) => {
        const f = fieldOf(err);
        // A number half typed is not an error yet: only once the field was left.
        if (f && (f !== 'to' || toTouched)) setErrors({ [f]: (err as ApiError).message });
        else if (!f) setFormError(err);
        setCount(undefined);
        setCountBlocked(f === 'to');
      },
    );
  }, 150);
  useEffect(countNow, [to, msg, sendAt, validUntil, toTouched]);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setFormError(undefined);
    try {
      const task = await api.send(fields());
      setErrors({});
      setSent(task);
      setMsg('');
      setCount(undefined);
    } catch (err) {
      const f = fieldOf(err);
      if (f) {
        setErrors({ [f]: (err as ApiError).message });
        document.getElementById(`send-${f}`)?.focus();
      } else setFormError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="Send">
      <form class="card form" onSubmit={(e) => void submit(e)} noValidate>
        <Field id="send-to" label="To" error={errors.to} hint="E.164, e.g. +61404123456">
          {(aria) => <input {...aria} type="tel" autoComplete="tel" required value={to} onInput={(e) => setTo(e.currentTarget.value)} onBlur={() => setToTouched(true)} />}
        </Field>
        <Field id="send-msg" label="Message" error={errors.msg}>
          {(aria) => <textarea {...aria} rows={5} required value={msg} onInput={(e) => setMsg(e.currentTarget.value)} />}
        </Field>
        <p class="counter" id="send-counter" aria-live="polite">
          {count
            ? `${ENCODING_NAMES[count.encoding] ?? count.encoding} · ${count.characters} characters · ${count.charsLeft} left · ${count.parts} part${count.parts === 1 ? '' : 's'}`
            : msg === ''
              ? 'Type a message to see its length in SMS parts.'
              : countBlocked
                ? 'The count shows once To holds a valid number.'
                : ' '}
        </p>
        <div class="row">
          <Field id="send-sendAt" label="Send at" error={errors.sendAt} hint="optional, your local time">
            {(aria) => <input {...aria} type="datetime-local" value={sendAt} onInput={(e) => setSendAt(e.currentTarget.value)} />}
          </Field>
          <Field id="send-validUntil" label="Valid until" error={errors.validUntil} hint="optional: never sent after">
            {(aria) => <input {...aria} type="datetime-local" value={validUntil} onInput={(e) => setValidUntil(e.currentTarget.value)} />}
          </Field>
        </div>
        <ErrorNote error={formError} />
        <button type="submit" disabled={busy}>
          Send
        </button>
      </form>
      {sent && (
        <section class="card narrow" aria-labelledby="sent-title">
          <h2 id="sent-title">Sent to {sent.data.to}</h2>
          <TaskTracker initial={sent} />
          <p>
            <a href={href('messages', sent._id)}>Message details</a>
          </p>
        </section>
      )}
    </Page>
  );
}
