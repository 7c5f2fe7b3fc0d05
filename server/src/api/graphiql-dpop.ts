// GraphiQL on the web app's origin signs its requests with the signed-in user's DPoP key, so nobody pastes a token
// (README "Tokens bound to the browser"). The key is the web app's own (client/src/auth/dpop-key.ts: IndexedDB
// "tasks-dpop", store "keys", by user id), shared because GraphiQL is served on the same origin; it stays
// non-extractable: this script only asks the browser to sign with it. Before each POST or GET to /graphql that
// carries no Authorization header of its own (a pasted one wins), the script gets a token bound to that key from
// the auth service with the session cookie, and adds `Authorization: DPoP <token>` and a fresh proof. On the API's
// own origin there is no session and no key, and GraphiQL sends what the Headers tab says, as before.
//
// Plain ES2017 for the browser, served as a file of its own (script-src 'self'), before GraphiQL's script.

/** The IndexedDB database and store the web app keeps its DPoP keys in (client/src/auth/dpop-key.ts). */
export const WEB_APP_DPOP_KEYS = { database: "tasks-dpop", store: "keys" } as const;

export const GRAPHIQL_DPOP_SCRIPT = `"use strict";
(function () {
  var KEYS = ${JSON.stringify(WEB_APP_DPOP_KEYS)};
  var plainFetch = window.fetch.bind(window);
  var encoder = new TextEncoder();
  var current = null; // { keyPair, token, renewAt }

  function base64url(bytes) {
    var text = "";
    for (var i = 0; i < bytes.length; i += 1) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  }
  function part(value) { return base64url(encoder.encode(JSON.stringify(value))); }

  // The stored key pair, or null; never creates the database (that is the web app's to do).
  function storedKey(userId) {
    return new Promise(function (resolve) {
      var opening = indexedDB.open(KEYS.database);
      opening.onupgradeneeded = function () { opening.transaction.abort(); };
      opening.onerror = function () { resolve(null); };
      opening.onsuccess = function () {
        var database = opening.result;
        if (!database.objectStoreNames.contains(KEYS.store)) { database.close(); return resolve(null); }
        var reading = database.transaction(KEYS.store, "readonly").objectStore(KEYS.store).get(userId);
        reading.onsuccess = function () {
          database.close();
          var pair = reading.result;
          resolve(pair && pair.privateKey && pair.publicKey ? pair : null);
        };
        reading.onerror = function () { database.close(); resolve(null); };
      };
    });
  }

  // RFC 9449 section 4.2: typ dpop+jwt, ES256, the public key in the header; htm, htu, iat, jti, and ath with a token.
  async function proof(keyPair, method, url, token) {
    var jwk = await crypto.subtle.exportKey("jwk", keyPair.publicKey);
    var claims = { htm: method, htu: url, iat: Math.floor(Date.now() / 1000), jti: crypto.randomUUID() };
    if (token) claims.ath = base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(token))));
    var input = part({ typ: "dpop+jwt", alg: "ES256", jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } }) + "." + part(claims);
    var signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, keyPair.privateKey, encoder.encode(input));
    return input + "." + base64url(new Uint8Array(signature));
  }

  // A bound token for the signed-in user, renewed a minute before it expires; null when no one is signed in here.
  async function signedIn() {
    if (current && Date.now() < current.renewAt) return current;
    current = null;
    var session = await plainFetch("/api/auth/get-session", { credentials: "same-origin" }).catch(function () { return null; });
    if (!session || !session.ok) return null;
    var user = ((await session.json().catch(function () { return null; })) || {}).user;
    var keyPair = user && (await storedKey(user.id));
    if (!keyPair) return null;
    var tokenUrl = location.origin + "/api/auth/token";
    var answer = await plainFetch(tokenUrl, { credentials: "same-origin", headers: { DPoP: await proof(keyPair, "GET", tokenUrl) } });
    if (!answer.ok) return null;
    var body = await answer.json();
    if (body.token_type !== "DPoP") return null;
    var expires = JSON.parse(atob(body.token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).exp * 1000;
    current = { keyPair: keyPair, token: body.token, renewAt: expires - 60000 };
    return current;
  }

  window.fetch = async function (input, init) {
    var request = new Request(input, init);
    var url = new URL(request.url);
    if (url.origin !== location.origin || url.pathname !== "/graphql" || request.headers.has("authorization")) return plainFetch(request);
    var auth = await signedIn().catch(function () { return null; });
    if (!auth) return plainFetch(request);
    var headers = new Headers(request.headers);
    headers.set("Authorization", "DPoP " + auth.token);
    headers.set("DPoP", await proof(auth.keyPair, request.method, url.origin + url.pathname, auth.token));
    return plainFetch(new Request(request, { headers: headers }));
  };
})();
`;
