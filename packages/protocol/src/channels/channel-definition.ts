/**
 * A channel as the protocol knows it: its subscription schema, which of its fields are secrets, and the fields the
 * UI's subscription form shows. Adding a channel is a file here and a line in channels/index.ts (and, on the
 * server, its sender behind the Channel interface and a line in the channel registry).
 */
import type { z } from 'zod';

/** How the form shows a field; values are read back from the input's text. */
export type ChannelFieldKind =
  | 'text'
  | 'url'
  | 'email'
  /** Shown masked; the API prints it back redacted. */
  | 'password'
  | 'textarea'
  /** Whole number or decimal. */
  | 'number'
  | 'select'
  | 'checkbox'
  /** Lines of `Name: value`, sent as an object (headers, labels). */
  | 'pairs'
  /** Comma-separated, sent as a list of strings. */
  | 'list';

export interface ChannelField {
  /** The subscription's top-level field. */
  name: string;
  label: string;
  kind: ChannelFieldKind;
  hint?: string;
  placeholder?: string;
  required?: boolean;
  /** For `select`: the values offered (the first is the default shown). */
  options?: readonly string[];
  /** For `textarea`: rows shown. */
  rows?: number;
}

export interface ChannelDefinition<P extends string = string, S extends z.ZodType = z.ZodType> {
  protocol: P;
  /** The vendor's or the kind's name, as people say it: "Microsoft Teams". */
  label: string;
  /** The subscription's schema: a strict object whose `protocol` is the literal `protocol`. */
  schema: S;
  /** Top-level fields that hold credentials: stored apart, never printed back by the API or `tocsin export`. */
  secrets: readonly string[];
  /** The form's fields, in order (name and the common fields are the form's own). */
  fields: readonly ChannelField[];
}

export function defineChannel<const P extends string, S extends z.ZodType>(
  d: ChannelDefinition<P, S>,
): ChannelDefinition<P, S> {
  return d;
}
