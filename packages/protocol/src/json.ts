/** JSON from the network: the parsed value, or undefined when it is not JSON (check its shape next, never trust a cast). */
export function tryParseJson(text: string | Buffer): unknown {
  try {
    return JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
  } catch {
    return undefined;
  }
}
