import { useState } from 'preact/hooks';
import { api } from './api.js';
import { fullTime } from './format.js';
import { useLiveEvents, useLoad } from './hooks.js';
import { href } from './router.js';
import { ScrollTable } from './scroll-table.js';
import { eventTask, mergeTask } from './task-merge.js';
import type { DeliveryPart, Task } from './types.js';
import { Badge, ErrorNote, Loading, Page, taskStatusLabel } from './ui.js';

/** One task: what, when, each attempt, delivery per part; cancel while it waits. */
export function TaskPage({ id }: { id: string }) {
  // A live update that came during the read is kept when it is the newer (mergeTask never goes back).
  const task = useLoad(() => api.task(id), [id], (current, fresh) => (current && current._id === fresh._id ? mergeTask(fresh, current) : fresh));
  const [cancelError, setCancelError] = useState<unknown>(undefined);
  useLiveEvents((ev) => {
    const t = eventTask(ev);
    if (t && t._id === id) task.setData((old) => (old ? mergeTask(old, t) : t));
  });
  const cancel = async (): Promise<void> => {
    try {
      const t = await api.cancel(id);
      task.setData((old) => (old ? mergeTask(old, t) : t));
      setCancelError(undefined);
    } catch (err) {
      setCancelError(err);
    }
  };
  const t = task.data;
  return (
    <Page title="Message" actions={<a href="#/messages">All messages</a>}>
      <ErrorNote error={task.error} />
      {!t && !task.error && <Loading what="the message" />}
      {t && (
        <>
          <dl class="facts card">
            <div>
              <dt>To</dt>
              <dd>
                <a href={href('inbox', t.data.to)}>{t.data.to}</a>
              </dd>
            </div>
            <div>
              <dt>Message</dt>
              <dd class="msg-text">{t.data.msg}</dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd>
                <span role="status">
                  <Badge value={taskStatusLabel(t)} />
                  {t.delivery?.status && (
                    <>
                      {' '}
                      delivery <Badge value={t.delivery.status} />
                    </>
                  )}
                </span>
              </dd>
            </div>
            {t.error && (
              <div>
                <dt>Error</dt>
                <dd>{t.error}</dd>
              </div>
            )}
            <div>
              <dt>Parts</dt>
              <dd>{t.parts ?? '–'}</dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>{fullTime(t.createdAt)}</dd>
            </div>
            {t.sendAt && (
              <div>
                <dt>Send at</dt>
                <dd>{fullTime(t.sendAt)}</dd>
              </div>
            )}
            {t.validUntil && (
              <div>
                <dt>Valid until</dt>
                <dd>{fullTime(t.validUntil)}</dd>
              </div>
            )}
            {t.finishedAt && (
              <div>
                <dt>Finished</dt>
                <dd>{fullTime(t.finishedAt)}</dd>
              </div>
            )}
            {t.lease?.worker && (
              <div>
                <dt>Worker</dt>
                <dd>{t.lease.worker}</dd>
              </div>
            )}
          </dl>
          {(t.status === 'queued' || t.status === 'paused') && (
            <p>
              <button type="button" class="danger" onClick={() => void cancel()}>
                Cancel message
              </button>
            </p>
          )}
          <ErrorNote error={cancelError} />
          <h2>Attempts</h2>
          {t.attempts && t.attempts.length > 0 ? (
            <ScrollTable label="Attempts">
              <table>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Worker</th>
                    <th scope="col">Started</th>
                    <th scope="col">Ended</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Error</th>
                  </tr>
                </thead>
                <tbody>
                  {t.attempts.map((a, i) => (
                    <tr key={i}>
                      <td>{a.n ?? i + 1}</td>
                      <td>{a.worker ?? ''}</td>
                      <td>{fullTime(a.startedAt)}</td>
                      <td>{fullTime(a.endedAt)}</td>
                      <td>{a.outcome ?? ''}</td>
                      <td>{a.error ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollTable>
          ) : (
            <p class="muted">Not handed to a worker yet.</p>
          )}
          <Delivery task={t} />
        </>
      )}
    </Page>
  );
}

function Delivery({ task }: { task: Task }) {
  const d = task.delivery;
  if (!d) return null;
  const parts: DeliveryPart[] = Array.isArray(d.parts) ? d.parts : Object.entries(d.parts ?? {}).map(([reference, status]) => ({ reference: Number(reference), status: status as DeliveryPart['status'] }));
  return (
    <>
      <h2>Delivery</h2>
      <p>
        <Badge value={d.status ?? 'pending'} /> {d.reason}
      </p>
      {parts.length > 0 && (
        <ScrollTable label="Delivery per part">
          <table>
            <thead>
              <tr>
                <th scope="col">Part</th>
                <th scope="col">Reference</th>
                <th scope="col">Status</th>
                <th scope="col">Reason</th>
                <th scope="col">Reported</th>
              </tr>
            </thead>
            <tbody>
              {parts.map((p, i) => (
                <tr key={i}>
                  <td>{i + 1}</td>
                  <td>{p.reference ?? ''}</td>
                  <td>{p.status ? <Badge value={p.status} /> : ''}</td>
                  <td>{p.reason ?? ''}</td>
                  <td>{fullTime(p.reportedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
      )}
    </>
  );
}
