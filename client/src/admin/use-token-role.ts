// The role in this session's API token: whether to show the admin screen's link. Only a hint for the
// interface; the API's `admin` scope decides what the token may read.
import { useEffect, useState } from "react";
import { readClaims } from "../auth/token-store.ts";
import { useTokens } from "../graphql/graphql-provider.tsx";

export function useTokenRole(): "admin" | "user" | null {
  const tokens = useTokens();
  const [role, setRole] = useState(() => {
    const issued = tokens.current();
    return issued ? readClaims(issued.token).role : null;
  });
  useEffect(() => {
    let mounted = true;
    tokens.fresh().then(
      (issued) => mounted && setRole(readClaims(issued.token).role),
      () => {}, // A session that ended is handled by the GraphQL client; no link either way.
    );
    return () => {
      mounted = false;
    };
  }, [tokens]);
  return role;
}
