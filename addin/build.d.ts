// Types of build.js (plain JavaScript so `npm run build:addin` needs only node).
export function buildAddin(outdir?: string): Promise<{ outdir: string; bytes: number; gzip: number }>;
