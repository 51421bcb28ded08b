import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

export interface VirtualListProps<T> {
  items: T[];
  /** Every row's height in pixels (fixed: windowing computes positions from it). */
  rowHeight: number;
  /** Height of the scrolling viewport in pixels; by default it fills the window below its top, at least 240. */
  height?: number;
  /** Rows rendered above and below the visible ones. */
  overscan?: number;
  rowKey: (item: T) => string;
  /** Renders one row's content; it is placed in an `<li>` of `rowHeight` (the header is visual only). */
  renderRow: (item: T, index: number) => ComponentChildren;
  /** `data-testid` of each row, such as `monitor-row-<name>`. */
  rowTestId?: (item: T) => string;
  /** CSS class of each row (a grid of columns). */
  rowClass?: string;
  /** A header row kept above the scrolling rows (column titles). */
  header?: ComponentChildren;
  /** Accessible name of the list. */
  label: string;
  /** Called with the items in view (debounced), to load what only visible rows need. */
  onVisible?: (items: T[]) => void;
}

/** Renders only the rows in view, so 10,000 rows scroll as smoothly as 10. */
export function VirtualList<T>(props: VirtualListProps<T>) {
  const { items, rowHeight, overscan = 8 } = props;
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(props.height ?? 480);

  useLayoutEffect(() => {
    if (props.height !== undefined) return setHeight(props.height);
    const fit = () => {
      const top = ref.current?.getBoundingClientRect().top ?? 0;
      setHeight(Math.max(240, window.innerHeight - Math.max(0, top) - 24));
    };
    fit();
    window.addEventListener('resize', fit);
    return () => window.removeEventListener('resize', fit);
  }, [props.height]);

  const total = items.length * rowHeight;
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const slice = items.slice(first, last);

  const onVisible = useRef(props.onVisible);
  onVisible.current = props.onVisible;
  useEffect(() => {
    const t = window.setTimeout(() => onVisible.current?.(slice), 120);
    return () => window.clearTimeout(t);
  }, [first, last, items]);

  // A filter that shrinks the list must not leave the viewport scrolled past its end.
  useEffect(() => {
    if (ref.current && scrollTop > total) {
      ref.current.scrollTop = 0;
      setScrollTop(0);
    }
  }, [total]);

  return (
    <div class="vlist">
      {props.header && (
        <div class="vlist-head" aria-hidden="true">
          {props.header}
        </div>
      )}
      <div
        ref={ref}
        class="vlist-viewport"
        style={{ height: `${height}px` }}
        onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
      >
        <div style={{ height: `${total}px`, position: 'relative' }}>
          <ul class="vlist-items" aria-label={props.label} style={{ transform: `translateY(${first * rowHeight}px)` }}>
            {slice.map((item, i) => (
              <li
                key={props.rowKey(item)}
                class={`vlist-row ${props.rowClass ?? ''}`}
                aria-setsize={items.length}
                aria-posinset={first + i + 1}
                data-testid={props.rowTestId?.(item)}
                style={{ height: `${rowHeight}px` }}
              >
                {props.renderRow(item, first + i)}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  );
}
