// Shared by the auth service and the API service, which import nothing from each other.

/** Production (HTTPS) answers tell browsers to use HTTPS only, for a year, subdomains included. */
export const HSTS = "max-age=31536000; includeSubDomains";
