import { api } from './api.js';
import { bytes, duration, fullTime } from './format.js';
import { useLoad } from './hooks.js';
import { ScrollTable } from './scroll-table.js';
import { useIsAdmin } from './session.js';
import { ErrorNote, Loading, NeedsAdmin, Page } from './ui.js';

export function SystemPage() {
  return <Page title="System">{useIsAdmin() ? <SystemInfoView /> : <NeedsAdmin what="The system page" />}</Page>;
}

function SystemInfoView() {
  const sys = useLoad(() => api.system(), []);
  if (sys.error) return <ErrorNote error={sys.error} />;
  const s = sys.data;
  if (!s) return <Loading what="system information" />;
  return (
    <>
      <dl class="facts card">
        <div>
          <dt>Version</dt>
          <dd>{s.version}</dd>
        </div>
        <div>
          <dt>Gateway id</dt>
          <dd>{s.gatewayId}</dd>
        </div>
        <div>
          <dt>Up for</dt>
          <dd>
            {duration(s.uptimeSeconds)} <span class="muted">(since {fullTime(s.startedAt)})</span>
          </dd>
        </div>
        <div>
          <dt>Node.js</dt>
          <dd>{s.node}</dd>
        </div>
        <div>
          <dt>Data directory</dt>
          <dd>
            <code>{s.dataDir}</code>
          </dd>
        </div>
      </dl>
      <h2>Data directory</h2>
      <ScrollTable label="Data directory sizes">
        <table>
          <tbody>
            {Object.entries(s.sizes ?? {}).map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td>{typeof v === 'number' && /bytes|journal|history|inbox|events|size/i.test(k) ? bytes(v) : String(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollTable>
      <h2>Configuration in effect</h2>
      <p class="muted">Secrets and tokens are masked by the gateway.</p>
      <pre class="config" tabIndex={0} aria-label="Configuration as JSON">
        {JSON.stringify(s.config, null, 2)}
      </pre>
    </>
  );
}
