// URL building shared by the page URLs and the ledger API paths. Pure.

/** A path segment, percent-encoded. */
export const seg = (s: string | number) => encodeURIComponent(String(s));

/** `path?k=v&…`, leaving out parameters that are unset or empty; repeat a key by listing it twice. */
export function withQuery(path: string, params: Array<[string, string | number | undefined | null]>): string {
  const q = params
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return q ? `${path}?${q}` : path;
}
