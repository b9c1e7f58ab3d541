/** Default ERC-1155 metadata URI template of licence tokens (the API serves it). */
export const defaultLicenceUri = "http://localhost:8787/v1/licences/{id}.json";
