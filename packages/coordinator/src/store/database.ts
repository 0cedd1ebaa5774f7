/** What repositories need of a database: the same SQL runs on PGlite and PostgreSQL. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Several statements at once, no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * PostgreSQL only (several coordinators can share it): LISTEN on a channel
   * over a connection of its own, reconnecting by itself. Resolves once listening.
   */
  listen?(channel: string, handlers: ListenHandlers): Promise<Subscription>;
}

export interface ListenHandlers {
  message(payload: string): void;
  /** The listening connection was lost and is back: notifications in between are gone. */
  resumed(): void;
}

export interface Subscription {
  close(): Promise<void>;
}
