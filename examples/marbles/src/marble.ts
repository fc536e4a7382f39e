/** The JSON document stored in world state under the marble's name. */
export interface Marble {
  docType: 'marble';
  name: string;
  color: string;
  size: number;
  owner: string;
}

export const MARBLE_DOC_TYPE = 'marble';

/**
 * Serialises with a fixed field order: every endorsing peer must produce
 * byte-identical values, and clients read the same shape back.
 */
export function marbleToJSON(marble: Marble): string {
  return JSON.stringify({
    docType: marble.docType,
    name: marble.name,
    color: marble.color,
    size: marble.size,
    owner: marble.owner,
  });
}

/** Decodes a stored value, failing loudly if it is not a marble document. */
export function parseMarble(bytes: Uint8Array): Marble {
  const raw: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
  if (typeof raw !== 'object' || raw === null) {
    throw new Error('stored value is not a marble document');
  }
  const doc = raw as Record<string, unknown>;
  if (
    doc['docType'] !== MARBLE_DOC_TYPE ||
    typeof doc['name'] !== 'string' ||
    typeof doc['color'] !== 'string' ||
    typeof doc['size'] !== 'number' ||
    typeof doc['owner'] !== 'string'
  ) {
    throw new Error('stored value is not a marble document');
  }
  return {
    docType: MARBLE_DOC_TYPE,
    name: doc['name'],
    color: doc['color'],
    size: doc['size'],
    owner: doc['owner'],
  };
}
