// This browser's DPoP key (RFC 9449): the private half of what binds the API's tokens to this browser. It is
// made by WebCrypto as non-extractable, so no script (the app's own included) can read it out, only ask the
// browser to sign with it; a copied token is useless without it. It lives in IndexedDB, which stores a
// CryptoKey as it is (structured clone, still non-extractable): it survives a reload, and every tab of the
// origin shares it, as they share the session cookie. One key per user, deleted at sign-out.
import { generateKeyPair, type KeyPair } from "dpop";

const DATABASE = "tasks-dpop";
const STORE = "keys";

export interface DpopKeyStore {
  /**
   * The user's key pair, made and stored on first use; tabs asking at once all end up with the same one. Null
   * where the browser has no WebCrypto (it has none outside a secure context, e.g. plain http to another host):
   * tokens are then bearer tokens, which the services refuse when they require DPoP.
   */
  keyFor(userId: string, since?: number): Promise<KeyPair | null>;
  /**
   * How many sign-outs this tab has seen. A signed-in screen reads it when it starts and passes it to keyFor, so a
   * request still in flight when its session is signed out cannot make a key again after deleteAll.
   */
  generation(): number;
  /** Forgets every key (sign-out): the next sign-in makes a new one, and tokens bound to the old are dead weight. */
  deleteAll(): Promise<void>;
}

const completion = (request: IDBRequest | IDBTransaction) =>
  new Promise<void>((resolve, reject) => {
    if (request instanceof IDBTransaction) {
      request.oncomplete = () => resolve();
      request.onabort = request.onerror = () => reject(request.error ?? new Error("IndexedDB transaction aborted."));
    } else {
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    }
  });

/**
 * Opens the database at whatever version it is, creating the store where it is missing (a database that
 * exists without it, e.g. made by a script that opened the name first, is upgraded by one version).
 */
function openDatabase(version?: number): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, version);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE);
    };
    request.onsuccess = () => {
      const database = request.result;
      if (!database.objectStoreNames.contains(STORE)) {
        database.close();
        resolve(openDatabase(database.version + 1));
        return;
      }
      // Another tab deleting or upgrading the database must not wait on this one.
      database.onversionchange = () => database.close();
      resolve(database);
    };
    // (An upgrade that another tab's open connection blocks waits for it: every connection here closes on versionchange.)
    request.onerror = () => reject(request.error);
  });
}

// extractable: false covers the private key; WebCrypto keeps a public key exportable whatever is asked, and
// the proof needs it (its `jwk` header).
const newKeyPair = () => generateKeyPair("ES256", { extractable: false });

const isKeyPair = (value: unknown): value is KeyPair =>
  typeof value === "object" &&
  value !== null &&
  (value as KeyPair).privateKey instanceof CryptoKey &&
  (value as KeyPair).publicKey instanceof CryptoKey;

async function readKey(database: IDBDatabase, userId: string): Promise<KeyPair | null> {
  const request = database.transaction(STORE, "readonly").objectStore(STORE).get(userId);
  await completion(request);
  return isKeyPair(request.result) ? request.result : null;
}

/**
 * Stores `candidate` unless a key is already there, and returns the stored one. The read and the write are one
 * readwrite transaction, and IndexedDB runs those on a store one at a time across tabs: of two tabs that
 * made a key at the same moment, the second finds the first's and uses it. (The key is made before the
 * transaction: one that waits on WebCrypto would commit before the write.)
 */
async function storeIfAbsent(database: IDBDatabase, userId: string, candidate: KeyPair): Promise<KeyPair> {
  const transaction = database.transaction(STORE, "readwrite");
  const store = transaction.objectStore(STORE);
  let kept: KeyPair = candidate;
  const existing = store.get(userId);
  existing.onsuccess = () => {
    if (isKeyPair(existing.result)) kept = existing.result;
    else store.put(candidate, userId);
  };
  await completion(transaction);
  return kept;
}

export function createDpopKeyStore(): DpopKeyStore {
  // Where IndexedDB fails (storage refused, a private window of some browsers), a key for this tab alone: the
  // tokens stay bound, only sharing between tabs and surviving a reload are lost.
  const tabOnly = new Map<string, Promise<KeyPair>>();
  let signOuts = 0;
  const withDatabase = async <T>(use: (database: IDBDatabase) => Promise<T>): Promise<T> => {
    const database = await openDatabase();
    try {
      return await use(database);
    } finally {
      database.close();
    }
  };
  return {
    generation: () => signOuts,
    async keyFor(userId, since) {
      if (since !== undefined && since !== signOuts) throw new Error("This session was signed out: no key is made for it.");
      if (!globalThis.crypto?.subtle) return null;
      const held = tabOnly.get(userId);
      if (held) return held;
      try {
        return await withDatabase(async (database) => {
          const stored = await readKey(database, userId);
          if (stored) return stored;
          return storeIfAbsent(database, userId, await newKeyPair());
        });
      } catch {
        const made = tabOnly.get(userId) ?? newKeyPair();
        tabOnly.set(userId, made);
        return made;
      }
    },
    async deleteAll() {
      signOuts += 1;
      tabOnly.clear();
      await withDatabase(async (database) => {
        const transaction = database.transaction(STORE, "readwrite");
        transaction.objectStore(STORE).clear();
        await completion(transaction);
      });
    },
  };
}
