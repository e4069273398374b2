// Placeholder exports until the registry lands (issue #2); replaced by the real entry points.
export async function runRegistryCommand(_argv: string[]): Promise<number> {
  throw new Error('registry: not built yet');
}
export async function runTokenCommand(_argv: string[]): Promise<number> {
  throw new Error('token: not built yet');
}
