import pg from "pg";

/** One short-lived connection for maintenance work (create a database, change a setting), then closed. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  // A connection the server closes between two statements would otherwise end the process; the failure
  // reaches the caller as the next statement's error.
  client.on("error", () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
