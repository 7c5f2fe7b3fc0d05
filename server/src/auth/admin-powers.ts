// What an admin may do over HTTP: the powers this project uses, and no others. An admin lists users,
// bans and unbans them, and ends their sessions. Everything else the admin plugin offers is refused:
// impersonation (it would hand an admin a token with another user's sub), setting roles (only the
// operator's `pnpm admin:grant` does that), setting passwords (it bypasses the password policy),
// creating, updating and removing users, and reading other users' sessions (their session tokens).
// Two locks: the admin role's permissions (Better Auth's access control), and those paths switched off.
import { createAccessControl } from "better-auth/plugins/access";
import { defaultStatements } from "better-auth/plugins/admin/access";

const ac = createAccessControl(defaultStatements);

export const adminAccess = {
  ac,
  roles: {
    admin: ac.newRole({ user: ["list", "ban"], session: ["revoke"] }),
    user: ac.newRole({ user: [], session: [] }),
  },
};

/** The admin plugin's endpoints, each decided. A plugin upgrade that adds one fails admin-powers.test.ts. */
export const ADMIN_ENDPOINTS = {
  allowed: [
    "/admin/list-users",
    "/admin/ban-user",
    "/admin/unban-user",
    "/admin/revoke-user-sessions",
    "/admin/revoke-user-session",
    "/admin/has-permission",
  ],
  refused: [
    "/admin/impersonate-user",
    "/admin/stop-impersonating",
    "/admin/set-role",
    "/admin/set-user-password",
    "/admin/create-user",
    "/admin/update-user",
    "/admin/remove-user",
    "/admin/get-user",
    "/admin/list-user-sessions",
  ],
} as const;
