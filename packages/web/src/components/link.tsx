import type { ComponentChildren, JSX } from 'preact';
import { onLinkClick } from '../core/router.js';

export type LinkProps = Omit<JSX.HTMLAttributes<HTMLAnchorElement>, 'href'> & {
  href: string;
  children?: ComponentChildren;
};

/** An `<a>` that navigates inside the app (a new tab, with a modifier key, as any link). */
export function Link({ href, children, ...rest }: LinkProps) {
  return (
    <a {...rest} href={href} onClick={(e) => onLinkClick(e as unknown as MouseEvent, href)}>
      {children}
    </a>
  );
}
