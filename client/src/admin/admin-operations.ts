// The admin screen's one GraphQL read. Bans and ended sessions are Better Auth's admin endpoints
// (admin-requests.ts): the API only reads.
import { graphql } from "../gql/index.ts";

export const AdminUsersQuery = graphql(`
  query AdminUsers($first: Int!, $after: String) {
    adminUsers(first: $first, after: $after) {
      edges {
        node {
          id
          name
          email
          emailVerified
          createdAt
          banned
          banReason
          lastActiveAt
          taskCount
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);
