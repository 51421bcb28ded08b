/** The tables of the web UI and status pages (migrations 0011 and 0012): users, sessions, status pages, incidents. */
export interface UserTable {
  id: string;
  name: string;
  /** `scrypt$N$r$p$salt$hash`, salt and hash base64url. */
  password_hash: string;
  role: 'admin' | 'editor' | 'viewer';
  /** Base32 TOTP secret once enrolled and confirmed. */
  totp_secret: string | null;
  /** A secret being enrolled, until its first code confirms it. */
  totp_pending: string | null;
  /** The last TOTP time step used to sign in: a code is never accepted twice. */
  totp_last_step: number | null;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
}

export interface SessionTable {
  /** SHA-256 (hex) of the cookie's value; the value itself is never stored. */
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  ip: string | null;
  user_agent: string | null;
}

export interface StatusPageTable {
  id: string;
  slug: string;
  title: string;
  description: string | null;
  logo_url: string | null;
  footer: string | null;
  /** JSON: the ordered items ({type, name, label?}). */
  items: string;
  created_at: number;
  updated_at: number;
}

export interface IncidentTable {
  id: string;
  page_id: string;
  title: string;
  impact: string;
  status: string;
  created_at: number;
  resolved_at: number | null;
}

export interface IncidentUpdateTable {
  id: string;
  incident_id: string;
  status: string;
  body: string;
  created_at: number;
}

export interface UiTables {
  users: UserTable;
  sessions: SessionTable;
  status_pages: StatusPageTable;
  incidents: IncidentTable;
  incident_updates: IncidentUpdateTable;
}
