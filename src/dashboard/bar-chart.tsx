import type { StatsHour } from './types.js';

const H = 60;

/**
 * SMS sent and received per hour as paired bars, in plain SVG. Its accessible name sums
 * it up; each hour's bars carry a <title> for pointer users.
 */
export function HourlyChart({ hours }: { hours: StatsHour[] }) {
  const max = Math.max(1, ...hours.map((h) => Math.max(h.sent, h.received)));
  const sent = hours.reduce((s, h) => s + h.sent, 0);
  const received = hours.reduce((s, h) => s + h.received, 0);
  const w = 6;
  const width = hours.length * w;
  const label = `SMS over the last ${hours.length} hours: ${sent} sent, ${received} received`;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${Math.max(width, 1)} ${H + 2}`} preserveAspectRatio="none" role="img" aria-label={label} class="chart-svg">
        <line x1="0" y1={H + 1} x2={width} y2={H + 1} class="axis" />
        {hours.map((h, i) => {
          const sh = (h.sent / max) * H;
          const rh = (h.received / max) * H;
          const hour = new Date(h.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
          return (
            <g key={h.start}>
              <title>{`${hour}: ${h.sent} sent, ${h.received} received`}</title>
              <rect x={i * w + 0.5} y={H + 1 - sh} width="2.4" height={sh} class="bar-sent" />
              <rect x={i * w + 3} y={H + 1 - rh} width="2.4" height={rh} class="bar-received" />
            </g>
          );
        })}
      </svg>
      <div class="chart-axis" aria-hidden="true">
        <span>{hours[0] && new Date(hours[0].start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</span>
        <span>now</span>
      </div>
      <figcaption>
        <span class="key key-sent" aria-hidden="true" /> {sent} sent · <span class="key key-received" aria-hidden="true" /> {received} received, per hour over the last {hours.length} h
      </figcaption>
    </figure>
  );
}
