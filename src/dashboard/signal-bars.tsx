/** The gateway's signal scale: 0 (none or unknown) to 4 bars. */
const MAX_BARS = 4;

/** Bars drawn as rising rectangles; the text beside says the same in words. */
export function SignalBars({ bars, dbm }: { bars: number | undefined; dbm: number | undefined }) {
  const n = Math.max(0, Math.min(MAX_BARS, bars ?? 0));
  const label = bars === undefined && dbm === undefined ? 'no signal reading' : `${n} of ${MAX_BARS} bars${dbm === undefined ? '' : `, ${dbm} dBm`}`;
  return (
    <span class="signal">
      <svg class="signal-bars" viewBox="0 0 20 16" width="20" height="16" aria-hidden="true" focusable="false">
        {Array.from({ length: MAX_BARS }, (_, i) => (
          <rect key={i} x={i * 5} y={12 - i * 4} width="4" height={4 + i * 4} class={i < n ? 'on' : 'off'} />
        ))}
      </svg>
      <span>{label}</span>
    </span>
  );
}
