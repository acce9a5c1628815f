import { CtibookError } from '../../domain/errors.js';
import type {
  OdbcConnection,
  OdbcCursor,
  OdbcModule,
  OdbcParameter,
  OdbcResult,
} from './odbc-driver.js';

export interface OdbcPoolOptions {
  odbc: OdbcModule;
  /** The connection string as given to the driver (defaults added). */
  connectionString: string;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** Connections open at most at once. */
  size: number;
  /** Turns a driver error into a CtibookError (never a password in it). */
  translateConnectError(error: unknown): CtibookError;
}

// node-odbc first allocates 1 MB for every long text value; drivers fill the buffer, which
// made a 20,000-row read of short TEXT columns take seconds (SQLite, PostgreSQL, MariaDB
// alike). 256 bytes measured fastest; longer values grow the buffer once.
const LONG_DATA_BUFFER = 256;

// Drivers count timeouts in whole seconds; ours fires a little later so a driver that
// honours its own timeout can cancel cleanly and keep the connection usable.
const GRACE_MS = 1000;

/** The error for a database that did not answer within `ms`. */
function timedOut(what: string, ms: number): CtibookError {
  return new CtibookError(
    'SOURCE_UNAVAILABLE',
    `The database did not answer ${what} within ${Math.round(ms / 100) / 10} s`,
    { reason: 'TIMEOUT', timeoutMs: ms },
  );
}

/**
 * `promise`, or a timeout error after `ms`. A call that ends late is handed to `late` (to
 * close what it opened); the driver keeps working on it in the background meanwhile.
 */
async function within<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  late: (value: T | undefined) => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let expired = false;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      expired = true;
      reject(timedOut(what, ms));
    }, ms + GRACE_MS);
  });
  promise.then(
    (value) => {
      if (expired) late(value);
    },
    () => {
      if (expired) late(undefined);
    },
  );
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** One connection of the pool, lent to one operation at a time; every call has a deadline. */
export class PooledConnection {
  readonly #connection: OdbcConnection;
  readonly #timeoutMs: number;
  /**
   * A call failed or timed out: the connection is not lent again (a failed statement may
   * leave a transaction aborted, a timed-out one still runs in the driver).
   */
  broken = false;
  /** A timed-out call still runs; the connection closes when it ends. */
  #pending = false;

  constructor(connection: OdbcConnection, timeoutMs: number) {
    this.#connection = connection;
    this.#timeoutMs = timeoutMs;
  }

  /** Runs one statement and returns all its rows. */
  async query(sql: string, parameters: OdbcParameter[] = []): Promise<OdbcResult> {
    return this.#call(
      this.#connection.query(sql, parameters, {
        timeout: this.#seconds(),
        initialBufferSize: LONG_DATA_BUFFER,
      }),
      'the statement',
    );
  }

  /** Runs one statement and returns a cursor over its rows. */
  async cursor(sql: string, parameters: OdbcParameter[], fetchSize: number): Promise<OdbcCursor> {
    const cursor = await this.#call(
      this.#connection.query(sql, parameters, {
        cursor: true,
        fetchSize,
        timeout: this.#seconds(),
        initialBufferSize: LONG_DATA_BUFFER,
      }),
      'the statement',
    );
    return {
      get noData() {
        return cursor.noData;
      },
      fetch: () => this.#call(cursor.fetch(), 'with the next rows'),
      close: () => this.#call(cursor.close(), 'closing the cursor'),
    };
  }

  /** Closes the underlying connection, ignoring errors. */
  async close(): Promise<void> {
    await this.#connection.close().catch(() => undefined);
  }

  /** Closes a broken connection now, or when its timed-out call ends. */
  discard(): void {
    if (!this.#pending) void this.close();
  }

  #seconds(): number {
    return Math.max(1, Math.ceil(this.#timeoutMs / 1000));
  }

  async #call<T>(promise: Promise<T>, what: string): Promise<T> {
    try {
      return await within(promise, this.#timeoutMs, what, () => void this.close());
    } catch (error) {
      this.broken = true;
      if (error instanceof CtibookError && error.details?.reason === 'TIMEOUT')
        this.#pending = true;
      throw error;
    }
  }
}

/**
 * A few ODBC connections shared by the operations of one source: a streaming read holds
 * one while another operation (a live read, a write) uses the next. Connecting and every
 * statement have deadlines, so a hanging database never hangs the server.
 */
export class OdbcPool {
  readonly #options: OdbcPoolOptions;
  readonly #idle: PooledConnection[] = [];
  readonly #waiting: ((connection: PooledConnection | Error) => void)[] = [];
  #open = 0;
  #closed = false;

  constructor(options: OdbcPoolOptions) {
    this.#options = options;
  }

  /** A connection of the pool (a new one when none is idle); give it back with `release`. */
  async acquire(): Promise<PooledConnection> {
    if (this.#closed) throw new CtibookError('SOURCE_UNAVAILABLE', 'The ODBC source is closed');
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#open < this.#options.size) {
      this.#open++;
      try {
        return await this.#connect();
      } catch (error) {
        this.#open--;
        throw error;
      }
    }
    return this.#wait();
  }

  /** Gives a connection back; a broken one is closed (when its driver call ends) and replaced. */
  release(connection: PooledConnection): void {
    if (connection.broken || this.#closed) {
      this.#open--;
      if (connection.broken) connection.discard();
      else void connection.close();
      if (!this.#closed && this.#waiting.length > 0) {
        this.#open++;
        this.#connect().then(
          (fresh) => this.release(fresh),
          (error: Error) => {
            this.#open--;
            this.#waiting.shift()?.(error);
          },
        );
      }
      return;
    }
    const waiter = this.#waiting.shift();
    if (waiter) waiter(connection);
    else this.#idle.push(connection);
  }

  /** Runs `work` on a connection of the pool. */
  async use<T>(work: (connection: PooledConnection) => Promise<T>): Promise<T> {
    const connection = await this.acquire();
    try {
      return await work(connection);
    } finally {
      this.release(connection);
    }
  }

  /** Closes idle connections now and lent ones when they come back. Safe twice. */
  async close(): Promise<void> {
    this.#closed = true;
    const idle = this.#idle.splice(0);
    this.#open -= idle.length;
    for (const waiter of this.#waiting.splice(0)) {
      waiter(new CtibookError('SOURCE_UNAVAILABLE', 'The ODBC source was closed'));
    }
    await Promise.all(idle.map((connection) => connection.close()));
  }

  async #connect(): Promise<PooledConnection> {
    const { odbc, connectionString, connectTimeoutMs } = this.#options;
    const seconds = Math.max(1, Math.ceil(connectTimeoutMs / 1000));
    try {
      const connection = await within(
        // Only the login timeout: SQL_ATTR_CONNECTION_TIMEOUT would also cut long reads.
        odbc.connect({ connectionString, loginTimeout: seconds }),
        connectTimeoutMs,
        'the login',
        (late) => void late?.close().catch(() => undefined),
      );
      return new PooledConnection(connection, this.#options.statementTimeoutMs);
    } catch (error) {
      throw this.#options.translateConnectError(error);
    }
  }

  async #wait(): Promise<PooledConnection> {
    const ms = this.#options.statementTimeoutMs;
    return new Promise<PooledConnection>((resolve, reject) => {
      const timer = setTimeout(() => {
        const at = this.#waiting.indexOf(take);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(timedOut('with a free connection (all are busy)', ms));
      }, ms);
      const take = (connection: PooledConnection | Error): void => {
        clearTimeout(timer);
        if (connection instanceof Error) reject(connection);
        else resolve(connection);
      };
      this.#waiting.push(take);
    });
  }
}
