import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

/**
 * A table in a box that scrolls sideways when the table is wider than the screen (a
 * phone). While it overflows, the box is a region named `label` and a tab stop, so that
 * a keyboard can reach it and scroll it with the arrow keys, and a screen reader says
 * what it is; while the table fits, it is a plain box, with no tab stop that does nothing.
 */
export function ScrollTable({ label, children }: { label: string; children: ComponentChildren }) {
  const box = useRef<HTMLDivElement>(null);
  const [overflows, setOverflows] = useState(false);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const check = (): void => setOverflows(el.scrollWidth > el.clientWidth);
    check();
    // The box changes size with the window; the table inside with its rows (live pages).
    const watch = new ResizeObserver(check);
    watch.observe(el);
    for (const child of Array.from(el.children)) watch.observe(child);
    return () => watch.disconnect();
  }, []);
  return (
    <div ref={box} class="table-wrap" {...(overflows && { role: 'region', 'aria-label': label, tabIndex: 0 })}>
      {children}
    </div>
  );
}
